"""Hand-made regression rosters in `fixtures/`, each planned and compared with its reasoned golden summary.

Every `fixtures/X.json` is a plan request; `fixtures/X.expected.json` says what the contract makes of it,
worked out by hand from the rules before the planner was run. A person is named under `placed` only where
every optimal plan puts them on the same flight and stops; `placed_any` lists people who must fly, on any
flight. `unplaced` gives each unplaced person's exact set of reason codes. An optional `manifests` gives
escorts and per-segment loads for flights whose content the optimum fixes.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import NotRequired, TypedDict, cast

import pytest

from planner.parsing import parse_request
from planner.plan import Plan
from planner.planning import make_plan
from planner.reasons import ReasonCode
from planner.request import PlanRequest
from planner.solver import SolveSettings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SETTINGS = SolveSettings(time_limit=20, workers=1, seed=0)

# Fixture name -> why the planner's plan is believed to break the contract (see the golden for the expectation).
KNOWN_DISCREPANCIES: dict[str, str] = {}


class PlacedEntry(TypedDict):
    flight: str
    board: str
    deplane: str
    board_index: NotRequired[int]
    deplane_index: NotRequired[int]


class ManifestSummary(TypedDict):
    officers: int
    medical_officers: int
    aboard: list[int]
    seats_used: list[int]


class Golden(TypedDict):
    description: str
    status: str
    placed_priority: int
    placed_priority_bound: int
    cost: int
    placed: dict[str, PlacedEntry]
    placed_any: NotRequired[list[str]]
    unplaced: dict[str, list[str]]
    manifests: NotRequired[dict[str, ManifestSummary]]


def request_paths() -> list[Path]:
    """Every fixture request: `fixtures/*.json` but not goldens, and nothing under `fixtures/templates/`."""
    return sorted(path for path in FIXTURES.glob("*.json") if not path.name.endswith(".expected.json"))


def golden_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.expected.json")


def fixture_params() -> list[object]:
    params: list[object] = []
    for path in request_paths():
        reason = KNOWN_DISCREPANCIES.get(path.stem)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(path.stem, id=path.stem, marks=marks))
    return params


def load_request(name: str) -> PlanRequest:
    return parse_request((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def load_golden(name: str) -> Golden:
    return cast(Golden, json.loads(golden_path(FIXTURES / f"{name}.json").read_text(encoding="utf-8")))


@cache
def plan_of(name: str) -> Plan:
    """The plan of one fixture, made once per test session (several tests read it)."""
    return make_plan(load_request(name), SETTINGS)


def placed_entries(plan: Plan) -> dict[str, PlacedEntry]:
    """Person id -> where they fly, with stop indexes when the plan gives them."""
    entries: dict[str, PlacedEntry] = {}
    for manifest in plan.manifests:
        for passenger in manifest.passengers:
            entry = PlacedEntry(flight=manifest.flight_id, board=passenger.board, deplane=passenger.deplane)
            if passenger.board_index is not None:
                entry["board_index"] = passenger.board_index
            if passenger.deplane_index is not None:
                entry["deplane_index"] = passenger.deplane_index
            entries[passenger.person_id] = entry
    return entries


def unplaced_codes(plan: Plan) -> dict[str, list[str]]:
    return {u.person_id: sorted(reason.code.value for reason in u.reasons) for u in plan.unplaced}


def manifest_summaries(plan: Plan) -> dict[str, ManifestSummary]:
    return {
        m.flight_id: ManifestSummary(
            officers=m.officers,
            medical_officers=m.medical_officers,
            aboard=[s.aboard for s in m.segments],
            seats_used=[s.seats_used for s in m.segments],
        )
        for m in plan.manifests
    }


def test_every_fixture_has_a_golden() -> None:
    paths = request_paths()
    assert paths, f"no fixtures found in {FIXTURES}"
    missing = [path.name for path in paths if not golden_path(path).exists()]
    assert not missing
    orphans = [
        p.name for p in FIXTURES.glob("*.expected.json") if not p.with_name(p.name.replace(".expected", "")).exists()
    ]
    assert not orphans


@pytest.mark.parametrize("name", [path.stem for path in request_paths()])
def test_golden_accounts_for_every_person_once(name: str) -> None:
    """The golden itself is consistent: each person of the request in exactly one of its three lists."""
    golden = load_golden(name)
    listed = [*golden["placed"], *golden.get("placed_any", []), *golden["unplaced"]]
    assert sorted(listed) == sorted(person.id for person in load_request(name).people)
    assert golden["status"] in ("optimal", "feasible")
    assert golden["description"].strip()
    for codes in golden["unplaced"].values():
        assert codes == sorted(set(codes))
        assert codes
        assert all(code in ReasonCode.__members__ for code in codes)


@pytest.mark.parametrize("name", fixture_params())
def test_plan_matches_golden(name: str) -> None:
    golden = load_golden(name)
    plan = plan_of(name)
    assert plan.status.value == golden["status"]
    objective = plan.objective
    assert (objective.placed_priority, objective.placed_priority_bound, objective.cost) == (
        golden["placed_priority"],
        golden["placed_priority_bound"],
        golden["cost"],
    )
    assert unplaced_codes(plan) == golden["unplaced"]
    placed = placed_entries(plan)
    assert set(placed) == set(golden["placed"]) | set(golden.get("placed_any", []))
    for person_id, expected in golden["placed"].items():
        actual = placed[person_id]
        compared = {key: actual.get(key) for key in expected}
        assert compared == expected, person_id
    for flight_id, summary in golden.get("manifests", {}).items():
        assert manifest_summaries(plan).get(flight_id) == summary, flight_id


@pytest.mark.parametrize("name", [path.stem for path in request_paths()])
def test_every_person_appears_exactly_once(name: str) -> None:
    request = load_request(name)
    plan = plan_of(name)
    seen = [p.person_id for m in plan.manifests for p in m.passengers] + [u.person_id for u in plan.unplaced]
    assert sorted(seen) == sorted(person.id for person in request.people)
    assert plan.stats.people == len(request.people)
    assert plan.stats.placed == len(seen) - len(plan.unplaced)


@pytest.mark.parametrize("name", [path.stem for path in request_paths()])
def test_revisited_airports_carry_stop_indexes(name: str) -> None:
    """Where a route visits an airport twice, every passenger names the stop positions, and they match."""
    flights = {flight.id: flight for flight in load_request(name).flights}
    for manifest in plan_of(name).manifests:
        airports = [stop.airport for stop in flights[manifest.flight_id].stops]
        if len(set(airports)) == len(airports):
            continue
        for passenger in manifest.passengers:
            assert passenger.board_index is not None, passenger.person_id
            assert passenger.deplane_index is not None, passenger.person_id
            assert airports[passenger.board_index] == passenger.board
            assert airports[passenger.deplane_index] == passenger.deplane
            assert passenger.board_index < passenger.deplane_index


def test_every_reason_code_has_a_golden() -> None:
    used = {code for path in request_paths() for codes in load_golden(path.stem)["unplaced"].values() for code in codes}
    assert {code.value for code in ReasonCode} <= used


@pytest.mark.parametrize("name", ["mixed-medium", "rule-family-same-stop"])
def test_ties_are_broken_deterministically(name: str) -> None:
    """The contract lets the planner break ties, but the same request and settings must give the same plan."""
    first, again = plan_of(name), make_plan(load_request(name), SETTINGS)
    assert (again.status, again.objective, again.manifests, again.unplaced) == (
        first.status,
        first.objective,
        first.manifests,
        first.unplaced,
    )
