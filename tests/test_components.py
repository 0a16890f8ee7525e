"""Independent parts of a plan: what joins flights into one part, and each part solved to its own optimum."""

from __future__ import annotations

import json
from typing import Any

from planner.capacity import Loads
from planner.checker import check_plan
from planner.classes import classify
from planner.components import split_components
from planner.eligibility import Roster, assess
from planner.parsing import parse_request
from planner.planning import make_plan
from planner.request import PlanRequest
from planner.solver import Control, Progress, SolveSettings
from tests.builders import build, destination, direct_flight, person, request_dict


def honduran(pid: str, **overrides: Any) -> dict[str, Any]:
    document = {"type": "passport", "number": f"X-{pid}", "issuing_country": "HND", "expires": "2030-01-01"}
    return person(pid, nationality="HND", documents=[document], **overrides)


def to_tegucigalpa(fid: str, **overrides: Any) -> dict[str, Any]:
    stops = [
        {"airport": "AEX", "depart": "2026-12-03T07:00:00-06:00"},
        {"airport": "TGU", "arrive": "2026-12-03T10:45:00-06:00"},
    ]
    return direct_flight(fid, **{"stops": stops, **overrides})


def two_countries() -> PlanRequest:
    """Guatemalans and Hondurans on flights of their own, each country with a cheaper and a dearer flight."""
    return build(
        [person(f"G-{i}") for i in range(3)] + [honduran(f"H-{i}") for i in range(2)],
        [
            direct_flight("GUA-1", cost=5000),
            direct_flight("GUA-2", "2026-12-04", cost=3000),
            to_tegucigalpa("TGU-1", cost=4000),
            to_tegucigalpa("TGU-2", cost=6000),
        ],
        [destination(), destination("HND", arrival_airports=["TGU"])],
    )


def parts_of(request: PlanRequest) -> list[set[str]]:
    """Each part's flights by id."""
    roster = Roster(request)
    loads = Loads(roster, assess(roster).items)
    return [
        {roster.flights[loads.items[k.items[0]].options[p].flight].id for k in part for p in k.options}
        for part in split_components(loads, classify(loads))
    ]


def test_flights_no_one_shares_make_separate_parts() -> None:
    assert parts_of(two_countries()) == [{"GUA-1", "GUA-2"}, {"TGU-1", "TGU-2"}]


def test_a_person_who_may_take_either_flight_joins_them() -> None:
    request = build([person("P-1")], [direct_flight("GUA-1"), direct_flight("GUA-2", "2026-12-04")])
    assert parts_of(request) == [{"GUA-1", "GUA-2"}]


def weekly_capped(cap: int | None) -> PlanRequest:
    """One Guatemalan staged at AEX, one at IAH, a flight from each airport to GUA in the same week."""
    iah = [
        {"airport": "IAH", "depart": "2026-12-04T07:00:00-06:00"},
        {"airport": "GUA", "arrive": "2026-12-04T10:45:00-06:00"},
    ]
    return build(
        [person("P-1"), person("P-2", staging_airport="IAH")],
        [direct_flight("AEX-GUA"), direct_flight("IAH-GUA", stops=iah)],
        [destination(max_flights_per_week=cap)],
    )


def test_a_weekly_flight_cap_joins_the_flights_it_counts() -> None:
    assert parts_of(weekly_capped(None)) == [{"AEX-GUA"}, {"IAH-GUA"}]
    assert parts_of(weekly_capped(1)) == [{"AEX-GUA", "IAH-GUA"}]


def test_each_part_is_solved_to_its_own_optimum() -> None:
    request = two_countries()
    plan = make_plan(request, SolveSettings(time_limit=10))
    assert check_plan(request, plan) == []
    assert plan.status == "optimal"
    assert {m.flight_id for m in plan.manifests} == {"GUA-2", "TGU-1"}
    assert plan.objective.cost == 7000
    assert plan.objective.placed_priority == plan.objective.placed_priority_bound == 5


def test_a_weekly_cap_across_parts_is_kept_by_the_one_part() -> None:
    request = weekly_capped(1)
    plan = make_plan(request, SolveSettings(time_limit=10))
    assert check_plan(request, plan) == []
    assert plan.status == "optimal"
    assert plan.stats.placed == 1
    assert plan.objective.placed_priority_bound == 1


def test_progress_reports_the_whole_plan_while_one_part_is_solved() -> None:
    seen: list[Progress] = []
    people = [person(f"G-{i}", priority=2) for i in range(3)] + [honduran(f"H-{i}") for i in range(2)]
    request = build(
        people,
        # A first fit puts one Guatemalan (and an officer) on the cheap small flight, the others on the big one.
        [direct_flight("GUA-1", cost=1000, seats=2), direct_flight("GUA-2", cost=1500), to_tegucigalpa("TGU-1")],
        [destination(), destination("HND", arrival_airports=["TGU"])],
    )
    plan = make_plan(request, SolveSettings(time_limit=10), Control(seen.append))
    assert plan.objective.cost == 2500
    assert (seen[0].cost, seen[-1].cost) == (3500, 2500)
    assert len(seen) > 1
    # The part being solved reports its own figures plus the other part's.
    assert {(p.placed_priority, p.placed_priority_bound) for p in seen} == {(8, 8)}
    # One clock for the whole plan: a part's reports do not start again from zero.
    assert [p.elapsed_seconds for p in seen] == sorted(p.elapsed_seconds for p in seen)


def test_a_replan_keeps_a_frozen_part_as_it_was_and_replans_the_other() -> None:
    # GUA-1 leaves on 3 December and is frozen by then; TGU-1 leaves on 4 December and is not.
    tgu = [
        {"airport": "AEX", "depart": "2026-12-04T07:00:00-06:00"},
        {"airport": "TGU", "arrive": "2026-12-04T10:45:00-06:00"},
    ]
    flights = [direct_flight("GUA-1", seats=2), direct_flight("TGU-1", stops=tgu)]
    destinations = [destination(), destination("HND", arrival_airports=["TGU"])]
    raw = request_dict([person("G-1"), honduran("H-1"), honduran("H-2")], flights, destinations)
    first = make_plan(parse_request(json.dumps(raw)), SolveSettings(time_limit=10))
    # Now a Guatemalan of higher priority arrives, and H-1 has a stay of removal.
    people = [person("G-1"), person("G-2", priority=9), honduran("H-1", holds=[{"kind": "stay_of_removal"}])]
    previous = {"plan": json.loads(first.to_json()), "freeze_before": "2026-12-03T08:00:00-06:00"}
    request = parse_request(json.dumps({**raw, "people": [*people, honduran("H-2")], "previous": previous}))
    again = make_plan(request, SolveSettings(time_limit=10))
    assert check_plan(request, again) == []
    assert again.status == "optimal"
    on = {p.person_id: m.flight_id for m in again.manifests for p in m.passengers}
    assert on == {"G-1": "GUA-1", "H-2": "TGU-1"}  # the frozen flight gains nobody, even of higher priority
    assert again.changes is not None
    assert {(c.person_id, c.change.value) for c in again.changes} == {("H-1", "dropped")}
