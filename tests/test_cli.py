"""The `planner` command as a user runs it: a real subprocess, real files, exit codes and output."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import flight, person, request_dict

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "fixtures" / "contract-example.json"


def planner(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "planner.cli", *(str(a) for a in args)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)


@pytest.fixture(scope="module")
def example_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "plan.json"
    result = planner("plan", EXAMPLE, "--out", out, "--time-limit", "10")
    assert result.returncode == 0, result.stderr
    return out


def test_plan_of_the_contract_example(example_plan: Path) -> None:
    plan = json.loads(example_plan.read_text())
    assert plan["status"] == "optimal"
    assert plan["objective"] == {"placed_priority": 4, "placed_priority_bound": 4, "cost": 40000}
    (manifest,) = plan["manifests"]
    assert manifest["flight_id"] == "RPN-101"
    assert (manifest["officers"], manifest["medical_officers"], manifest["reserved_seats"]) == (1, 1, 2)
    stops = {p["person_id"]: (p["board"], p["deplane"]) for p in manifest["passengers"]}
    assert stops == {"P-0001": ("AEX", "GUA"), "P-0002": ("AEX", "GUA"), "P-0003": ("HRL", "SAP")}
    codes = {u["person_id"]: [r["code"] for r in u["reasons"]] for u in plan["unplaced"]}
    assert codes == {
        "P-0004": ["DOCUMENT_EXPIRED"],
        "P-0005": ["NATIONALITY_UNVERIFIED"],
        "P-0006": ["LEGAL_HOLD"],
        "P-0007": ["DESTINATION_NOT_ACCEPTING"],
        "P-0008": ["NO_ELIGIBLE_FLIGHT"],
    }


def test_plan_writes_json_to_stdout_and_a_summary_to_stderr() -> None:
    result = planner("plan", EXAMPLE, "--time-limit", "10", "--seed", "3", "--workers", "1")
    assert result.returncode == 0
    assert json.loads(result.stdout)["status"] == "optimal"
    for line in ("status          optimal", "placed          3 / 8 people", "priority        4 placed, bound 4",
                 "flights used    1", "cost            40000", "LEGAL_HOLD"):  # fmt: skip
        assert line in result.stderr


def test_progress_prints_each_better_plan_on_stderr_and_leaves_stdout_to_the_plan(tmp_path: Path) -> None:
    # A first fit puts P-1 (and an officer) on the cheap small flight and P-2 and P-3 on the big one.
    raw = request_dict(
        [person(f"P-{i}") for i in (1, 2, 3)],
        [flight("F-1", cost=1000, seats=2), flight("F-2", cost=1500)],
    )
    path = tmp_path / "request.json"
    path.write_text(json.dumps(raw))
    result = planner("plan", path, "--time-limit", "10", "--progress")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["objective"]["cost"] == 1500
    progress = [line for line in result.stderr.splitlines() if " s  priority " in line]
    assert [line.split(" s  ", 1)[1] for line in progress] == [
        "priority 3 of at most 3  cost 2,500",
        "priority 3 of at most 3  cost 1,500",
    ]


def test_check_accepts_a_good_plan_and_lists_violations_of_a_bad_one(example_plan: Path, tmp_path: Path) -> None:
    assert planner("check", EXAMPLE, example_plan).returncode == 0
    plan = json.loads(example_plan.read_text())
    plan["manifests"][0]["officers"] = 0
    plan["objective"]["cost"] = 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(plan))
    result = planner("check", EXAMPLE, bad)
    assert result.returncode == 1
    assert "rule 14" in result.stdout
    assert "objective" in result.stdout


def test_manifest_as_csv_and_json(example_plan: Path) -> None:
    result = planner("manifest", example_plan, "RPN-101", "--format", "csv")
    assert result.returncode == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["person_id"], r["board"], r["deplane"]) for r in rows] == [
        ("P-0001", "AEX", "GUA"),
        ("P-0002", "AEX", "GUA"),
        ("P-0003", "HRL", "SAP"),
    ]
    assert rows[1]["document_type"] == "emergency_travel_document"
    as_json = json.loads(planner("manifest", example_plan, "RPN-101").stdout)
    assert as_json["flight_id"] == "RPN-101"
    assert len(as_json["passengers"]) == 3


def test_manifest_of_a_flight_without_passengers_is_an_error(example_plan: Path) -> None:
    result = planner("manifest", example_plan, "RPN-102")
    assert result.returncode == 2
    assert "nobody on flight 'RPN-102'" in result.stderr


def test_invalid_request_exits_2_naming_every_problem_without_personal_data(tmp_path: Path) -> None:
    raw = request_dict(
        [person("P-1", surname="QQSURNAME"), person("P-1", nationality="XXX", birth_date="1961-06-16")],
        as_of="2026-12-01T09:00:00",
    )
    raw["people"][0]["favourite_colour"] = "QQCOLOUR"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(raw))
    result = planner("plan", path)
    assert result.returncode == 2
    assert result.stdout == ""
    for where in ("as_of", "people[1].id", "people[1].nationality", "people[0].favourite_colour"):
        assert where in result.stderr
    for secret in ("QQSURNAME", "QQCOLOUR", "1961-06-16"):
        assert secret not in result.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = planner("plan", tmp_path / "absent.json")
    assert result.returncode == 2
    assert "cannot read" in result.stderr


def test_generate_then_plan_then_check(tmp_path: Path) -> None:
    request, plan = tmp_path / "request.json", tmp_path / "plan.json"
    generated = planner("generate", "--people", "60", "--flights", "6", "--weeks", "2", "--seed", "7", "--out", request)
    assert generated.returncode == 0, generated.stderr
    assert len(json.loads(request.read_text())["people"]) == 60
    assert planner("plan", request, "--out", plan, "--time-limit", "20").returncode == 0
    assert planner("check", request, plan).returncode == 0


def test_generate_is_deterministic() -> None:
    first = planner("generate", "--people", "30", "--flights", "3", "--seed", "5").stdout
    second = planner("generate", "--people", "30", "--flights", "3", "--seed", "5").stdout
    assert first == second
    assert first != planner("generate", "--people", "30", "--flights", "3", "--seed", "6").stdout


def test_bad_arguments_exit_2() -> None:
    assert planner("plan", EXAMPLE, "--time-limit", "0").returncode == 2
    assert planner("generate", "--people", "0", "--flights", "1").returncode == 2


# --- replanning: plan --previous, --freeze-before, --lock, and diff ----------------------------------------


@pytest.fixture(scope="module")
def changed_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The contract example a day on: P-0003 has a stay of removal, and P-0008 is ready at once."""
    raw = json.loads(EXAMPLE.read_text())
    people = {person["id"]: person for person in raw["people"]}
    people["P-0003"]["holds"] = [{"kind": "stay_of_removal", "note": "granted"}]
    people["P-0008"]["ready_from"] = None
    path = tmp_path_factory.mktemp("changed") / "changed.json"
    path.write_text(json.dumps(raw))
    return path


@pytest.fixture(scope="module")
def replanned(example_plan: Path, changed_example: Path) -> tuple[Path, str]:
    """The changed example replanned against the first plan, and the summary the command printed."""
    out = changed_example.with_name("replan.json")
    result = planner("plan", changed_example, "--previous", example_plan, "--freeze-before", "2026-12-01T00:00:00Z",
                     "--out", out, "--time-limit", "10")  # fmt: skip
    assert result.returncode == 0, result.stderr
    return out, result.stderr


def test_plan_with_previous_lists_changes_and_counts_them(replanned: tuple[Path, str]) -> None:
    path, summary = replanned
    plan = json.loads(path.read_text())
    assert plan["change_summary"] == {"added": 1, "moved": 0, "dropped": 1, "unchanged": 2}
    changes = {
        c["person_id"]: (c["change"], c["from"], c["to"], [r["code"] for r in c["reasons"]]) for c in plan["changes"]
    }
    assert changes == {
        "P-0003": ("dropped", {"flight_id": "RPN-101", "deplane": "SAP"}, None, ["LEGAL_HOLD"]),
        "P-0008": ("added", None, {"flight_id": "RPN-101", "deplane": "GUA"}, []),
    }
    assert "changes         1 added, 0 moved, 1 dropped, 2 unchanged" in summary


def test_a_locked_flight_takes_nobody_new(example_plan: Path, changed_example: Path) -> None:
    result = planner("plan", changed_example, "--previous", example_plan, "--lock", "RPN-101", "--time-limit", "10")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert [c["person_id"] for c in plan["changes"]] == ["P-0003"]
    left_off = {u["person_id"]: u["reasons"] for u in plan["unplaced"]}
    assert left_off["P-0008"][0]["code"] == "NOT_SELECTED"
    assert "RPN-101 is frozen (locked)" in left_off["P-0008"][0]["detail"]


@pytest.mark.parametrize("stamp", ["2026-12-03T06:00:00", "tomorrow", "2026-13-01T00:00:00Z"])
def test_freeze_before_without_a_valid_timestamp_exits_2(example_plan: Path, stamp: str) -> None:
    result = planner("plan", EXAMPLE, "--previous", example_plan, "--freeze-before", stamp)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--freeze-before: " in result.stderr
    assert "--previous" not in result.stderr.replace("--freeze-before", "")


def test_a_previous_plan_that_breaks_the_contract_is_named_not_the_freeze(tmp_path: Path, example_plan: Path) -> None:
    plan = json.loads(example_plan.read_text())
    first = plan["manifests"][0]
    twice = {**first, "passengers": [*first["passengers"], first["passengers"][0]]}
    broken = tmp_path / "twice.json"
    broken.write_text(json.dumps({**plan, "manifests": [twice, *plan["manifests"][1:]]}))
    result = planner("plan", EXAMPLE, "--previous", broken)
    assert result.returncode == 2
    assert "--previous: manifests[0].passengers[" in result.stderr
    assert "--freeze-before" not in result.stderr


@pytest.mark.parametrize("flag", [["--lock", "RPN-101"], ["--freeze-before", "2026-12-01T00:00:00Z"]])
def test_freeze_and_lock_without_a_previous_plan_exit_2(flag: list[str]) -> None:
    result = planner("plan", EXAMPLE, *flag)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "need --previous" in result.stderr


def test_diff_as_text_and_json(example_plan: Path, replanned: tuple[Path, str]) -> None:
    path, _ = replanned
    text = planner("diff", example_plan, path)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[:6] == ["dropped", "P-0003", "RPN-101", "SAP", "->", "-"]
    assert "LEGAL_HOLD: " in lines[0]
    assert lines[1].split() == ["added", "P-0008", "-", "->", "RPN-101", "GUA"]
    assert "1 added, 0 moved, 1 dropped, 2 unchanged" in text.stderr
    as_json = planner("diff", example_plan, path, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["change_summary"] == {"added": 1, "moved": 0, "dropped": 1, "unchanged": 2}
    assert [(c["person_id"], c["change"]) for c in document["changes"]] == [("P-0003", "dropped"), ("P-0008", "added")]
    # Reversed, the diff reads the other way round; a first plan has no `changes`, so a drop takes its unplaced reasons.
    back = json.loads(planner("diff", path, example_plan, "--format", "json").stdout)
    assert back["change_summary"] == {"added": 1, "moved": 0, "dropped": 1, "unchanged": 2}
    dropped = next(c for c in back["changes"] if c["change"] == "dropped")
    assert (dropped["person_id"], [r["code"] for r in dropped["reasons"]]) == ("P-0008", ["NO_ELIGIBLE_FLIGHT"])


def test_diff_of_a_missing_plan_exits_2(example_plan: Path, tmp_path: Path) -> None:
    result = planner("diff", example_plan, tmp_path / "absent.json")
    assert result.returncode == 2
    assert "cannot read" in result.stderr


def test_check_of_a_replan_takes_the_previous_plan_too(
    example_plan: Path, changed_example: Path, replanned: tuple[Path, str]
) -> None:
    path, _ = replanned
    freeze = ("--freeze-before", "2026-12-01T00:00:00Z")
    assert planner("check", changed_example, path, "--previous", example_plan, *freeze).returncode == 0
    # Without it, the plan's changes have nothing to be changes from.
    alone = planner("check", changed_example, path)
    assert alone.returncode == 1
    assert "changes: plan: changes are given but the request has no previous plan" in alone.stdout
    # Locking RPN-101 makes P-0008, added to it, a violation of the frozen flight.
    locked = planner("check", changed_example, path, "--previous", example_plan, "--lock", "RPN-101")
    assert locked.returncode == 1
    assert "frozen: flight RPN-101: P-0008 was not there before" in locked.stdout
    assert planner("check", changed_example, path, "--lock", "RPN-101").returncode == 2
