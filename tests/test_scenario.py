"""The six-day scenario of `fixtures/scenario/`: each day replans the day before, in-process and through the CLI.

`series.json` lists the days with their freeze time and locked flights; `day-N.expected.json` is that day's
outcome, worked out by hand from the rules before the planner was run (the roster is built so that the optimum
is unique: see the README beside the fixtures). UPDATE_GOLDEN=1 rewrites the goldens from the in-process plans,
keeping their descriptions; review the diff before committing it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any, NotRequired, TypedDict, cast

import pytest

from planner.checker import check_plan
from planner.parsing import parse_request
from planner.plan import Plan
from planner.planning import make_plan
from planner.request import PlanRequest
from planner.solver import SolveSettings

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "fixtures" / "scenario"
TIME_LIMIT = 20
SETTINGS = SolveSettings(time_limit=TIME_LIMIT, workers=1, seed=0)
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


class Day(TypedDict):
    day: int
    request: str
    previous: NotRequired[int]
    freeze_before: NotRequired[str]
    lock: NotRequired[list[str]]


class Golden(TypedDict):
    description: str
    status: str
    placed_priority: int
    placed_priority_bound: int
    cost: int
    flights_used: int
    placed: dict[str, dict[str, str]]
    unplaced: dict[str, list[str]]
    change_summary: NotRequired[dict[str, int]]
    changes: NotRequired[list[dict[str, Any]]]


def load_days() -> list[Day]:
    return cast(list[Day], json.loads((SCENARIO / "series.json").read_text(encoding="utf-8"))["days"])


DAYS = load_days()
DAY_NUMBERS = [day["day"] for day in DAYS]


def golden_path(number: int) -> Path:
    return SCENARIO / f"day-{number}.expected.json"


def load_golden(number: int) -> Golden:
    return cast(Golden, json.loads(golden_path(number).read_text(encoding="utf-8")))


def raw_request(number: int) -> dict[str, Any]:
    return cast(dict[str, Any], json.loads((SCENARIO / f"day-{number}.json").read_text(encoding="utf-8")))


def replan_request(day: Day, previous: Plan | None) -> PlanRequest:
    """The day's request, with the previous day's plan, freeze time and locks when it is a replan."""
    raw = raw_request(day["day"])
    if previous is not None:
        raw["previous"] = {
            "plan": json.loads(previous.to_json()),
            "freeze_before": day["freeze_before"],
            "locked_flights": day.get("lock", []),
        }
    return parse_request(json.dumps(raw))


@cache
def in_process() -> dict[int, tuple[PlanRequest, Plan]]:
    """Every day's request (with `previous`) and plan, made with make_plan, each day from the day before's plan."""
    made: dict[int, tuple[PlanRequest, Plan]] = {}
    for day in DAYS:
        previous = made[day["previous"]][1] if "previous" in day else None
        request = replan_request(day, previous)
        made[day["day"]] = (request, make_plan(request, SETTINGS))
    return made


def outcome(plan: Plan) -> dict[str, Any]:
    """What a golden records of a plan: objective, placements, unplaced codes, changes with their codes only."""
    result: dict[str, Any] = {
        "status": plan.status.value,
        "placed_priority": plan.objective.placed_priority,
        "placed_priority_bound": plan.objective.placed_priority_bound,
        "cost": plan.objective.cost,
        "flights_used": plan.stats.flights_used,
        "placed": {
            p.person_id: {"flight_id": m.flight_id, "deplane": p.deplane}
            for m in sorted(plan.manifests, key=lambda m: m.flight_id)
            for p in m.passengers
        },
        "unplaced": {u.person_id: sorted(r.code.value for r in u.reasons) for u in plan.unplaced},
    }
    result["placed"] = dict(sorted(result["placed"].items()))
    result["unplaced"] = dict(sorted(result["unplaced"].items()))
    if plan.change_summary is not None and plan.changes is not None:
        result["change_summary"] = plan.change_summary.model_dump(mode="json")
        result["changes"] = change_list(json.loads(plan.to_json())["changes"])
    return result


def change_list(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Contract change entries as goldens keep them: by person id, reasons reduced to their codes."""
    return sorted(
        ({**change, "reasons": [reason["code"] for reason in change["reasons"]]} for change in changes),
        key=lambda change: str(change["person_id"]),
    )


def golden_text(golden: dict[str, Any]) -> str:
    """A golden as JSON with one person or change a line, so that a diff shows who changed."""
    parts = []
    for key, value in golden.items():
        if key in ("placed", "unplaced"):
            lines = ",\n".join(f"    {json.dumps(k)}: {json.dumps(v)}" for k, v in value.items())
            parts.append(f"  {json.dumps(key)}: {{\n{lines}\n  }}")
        elif key == "changes":
            lines = ",\n".join(f"    {json.dumps(change)}" for change in value)
            parts.append(f'  "changes": [\n{lines}\n  ]')
        else:
            parts.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def without_description(golden: Golden) -> dict[str, Any]:
    return {key: value for key, value in golden.items() if key != "description"}


# --- the goldens themselves -------------------------------------------------------------------------


def test_the_series_is_in_order_and_every_day_has_a_request_and_a_golden() -> None:
    assert [day["day"] for day in DAYS] == [*range(1, len(DAYS) + 1)]
    for day in DAYS:
        assert (SCENARIO / day["request"]).exists()
        assert golden_path(day["day"]).exists()
        if day["day"] > 1:
            assert day.get("previous") == day["day"] - 1
            assert "freeze_before" in day


@pytest.mark.parametrize("number", DAY_NUMBERS)
def test_golden_accounts_for_every_person_once(number: int) -> None:
    golden = load_golden(number)
    people = [person["id"] for person in raw_request(number)["people"]]
    assert sorted([*golden["placed"], *golden["unplaced"]]) == sorted(people)
    assert golden["description"].strip()


@pytest.mark.parametrize("number", DAY_NUMBERS[1:])
def test_golden_changes_follow_from_the_two_days_placements(number: int) -> None:
    """Kinds, from, to and the summary of each golden agree with its own and the day before's placements."""
    before, after = load_golden(number - 1)["placed"], load_golden(number)
    now = after["placed"]
    expected = []
    for person_id in sorted(set(before) | set(now)):
        was, where = before.get(person_id), now.get(person_id)
        if was == where:
            continue
        kind = "added" if was is None else "dropped" if where is None else "moved"
        expected.append((person_id, kind, was, where))
    assert [(c["person_id"], c["change"], c["from"], c["to"]) for c in after["changes"]] == expected
    kinds = [c["change"] for c in after["changes"]]
    unchanged = sum(before[p] == now.get(p) for p in before)
    assert after["change_summary"] == {
        "added": kinds.count("added"),
        "moved": kinds.count("moved"),
        "dropped": kinds.count("dropped"),
        "unchanged": unchanged,
    }
    for change in after["changes"]:
        assert (change["reasons"] == []) == (change["change"] == "added"), change["person_id"]


# --- the series planned in-process ---------------------------------------------------------------------


@pytest.mark.parametrize("number", DAY_NUMBERS)
def test_in_process_plan_matches_golden(number: int) -> None:
    _, plan = in_process()[number]
    golden = load_golden(number)
    if UPDATE:
        golden_path(number).write_text(golden_text({"description": golden["description"], **outcome(plan)}))
        golden = load_golden(number)
    assert outcome(plan) == without_description(golden)


@pytest.mark.parametrize("number", DAY_NUMBERS)
def test_every_plan_of_the_series_passes_the_checker(number: int) -> None:
    request, plan = in_process()[number]
    assert check_plan(request, plan) == []


def test_frozen_and_locked_flights_keep_their_passengers_from_the_day_before() -> None:
    """Day 5 freezes RPN-201 (departs before the freeze) and keeps RPN-203 locked: nobody joins or leaves them."""
    plans = in_process()
    manifest = {
        (number, m.flight_id): {p.person_id for p in m.passengers} for number, (_, plan) in plans.items()
        for m in plan.manifests
    }  # fmt: skip
    assert manifest[5, "RPN-201"] == manifest[4, "RPN-201"]
    assert manifest[5, "RPN-203"] == manifest[4, "RPN-203"]
    # Day 6: the only change on locked RPN-203 is the passenger whose document expired; nobody takes the seat.
    assert manifest[6, "RPN-203"] == manifest[5, "RPN-203"] - {"P-0023"}


# --- the series through the command line ---------------------------------------------------------------


def planner(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "planner.cli", *(str(a) for a in args)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)


@pytest.fixture(scope="module")
def cli_plans(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Every day planned by `planner plan`, days after the first with --previous, --freeze-before and --lock."""
    folder = tmp_path_factory.mktemp("scenario")
    plans: dict[int, Path] = {}
    for day in DAYS:
        out = folder / f"plan-{day['day']}.json"
        args: list[str | Path] = ["plan", SCENARIO / day["request"], "--out", out, "--time-limit", str(TIME_LIMIT)]
        if "previous" in day:
            args += ["--previous", plans[day["previous"]], "--freeze-before", day["freeze_before"]]
            for flight_id in day.get("lock", []):
                args += ["--lock", flight_id]
        result = planner(*args)
        assert result.returncode == 0, result.stderr
        plans[day["day"]] = out
    return plans


def read_plan(path: Path) -> Plan:
    return Plan.model_validate_json(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("number", DAY_NUMBERS)
def test_cli_plan_matches_golden_and_passes_the_checker(cli_plans: dict[int, Path], number: int) -> None:
    plan = read_plan(cli_plans[number])
    assert outcome(plan) == without_description(load_golden(number))
    day = DAYS[number - 1]
    previous = read_plan(cli_plans[day["previous"]]) if "previous" in day else None
    assert check_plan(replan_request(day, previous), plan) == []


@pytest.mark.parametrize("number", DAY_NUMBERS)
def test_cli_and_in_process_plans_are_the_same(cli_plans: dict[int, Path], number: int) -> None:
    """Same request, settings and previous plan: the same plan, details included, whichever way it was made."""
    cli = json.loads(cli_plans[number].read_text(encoding="utf-8"))
    made = json.loads(in_process()[number][1].to_json())
    for plan in (cli, made):
        plan["stats"]["solve_seconds"] = 0.0
    assert cli == made


@pytest.mark.parametrize("number", DAY_NUMBERS[1:])
def test_cli_diff_of_consecutive_days_matches_golden(cli_plans: dict[int, Path], number: int) -> None:
    result = planner("diff", cli_plans[number - 1], cli_plans[number], "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    golden = load_golden(number)
    assert document["change_summary"] == golden["change_summary"]
    assert change_list(document["changes"]) == golden["changes"]
