"""Rules 13-16 and the objective, one at a time, on rosters small enough to reason about by hand."""

from __future__ import annotations

import threading
from typing import Any

from planner.plan import Plan
from planner.planning import make_plan
from planner.request import PlanRequest
from planner.solver import Control, SolveSettings
from tests.builders import build, destination, flight, person

SETTINGS = SolveSettings(time_limit=10, workers=1, seed=0)


def solve(request: PlanRequest) -> Plan:
    return make_plan(request, SETTINGS)


def placed(plan: Plan) -> dict[str, str]:
    """Person id -> flight id of everyone placed."""
    return {p.person_id: m.flight_id for m in plan.manifests for p in m.passengers}


def unplaced_codes(plan: Plan) -> dict[str, list[str]]:
    return {u.person_id: [r.code.value for r in u.reasons] for u in plan.unplaced}


def people(count: int, **overrides: Any) -> list[dict[str, Any]]:
    return [person(f"P-{i}", **overrides) for i in range(1, count + 1)]


def test_segment_capacity_counts_officers_and_reserved_seats() -> None:
    # 2 people + 1 officer + 1 reserved = 4 seats; a third person would need 5.
    fits = solve(build(people(2), [flight(seats=4, reserved_seats=1)]))
    assert len(placed(fits)) == 2
    assert fits.status == "optimal"
    over = solve(build(people(3), [flight(seats=4, reserved_seats=1)]))
    assert len(placed(over)) == 2
    (left,) = list(over.unplaced)
    assert left.reasons[0].code == "NOT_SELECTED"
    assert "F-1 full" in left.reasons[0].detail


def test_officers_round_up_the_sum_of_ratios() -> None:
    # 1 low (1/5) + 1 medium (1/2) = 0.7 -> 1 officer; a second medium makes 1.2 -> 2 officers.
    one = solve(build([person("P-1"), person("P-2", risk="medium")]))
    assert one.manifests[0].officers == 1
    two = solve(build([person("P-1"), person("P-2", risk="medium"), person("P-3", risk="medium")]))
    assert two.manifests[0].officers == 2


def test_officer_ratio_policy_is_honoured() -> None:
    policy = {"officer_ratio": {"low": 3, "medium": 2, "high": 1}, "medical_ratio": 2}
    plan = solve(build(people(4, medical_escort=True), policy=policy))
    assert (plan.manifests[0].officers, plan.manifests[0].medical_officers) == (2, 2)


def test_medical_officers_take_seats() -> None:
    # 2 people + 1 officer + 1 medical officer = 4 seats.
    assert len(placed(solve(build(people(2, medical_escort=True), [flight(seats=4)])))) == 2
    assert len(placed(solve(build(people(2, medical_escort=True), [flight(seats=3)])))) == 1


def test_seats_free_up_after_a_deplaning_stop() -> None:
    route = [
        {"airport": "AEX", "depart": "2026-12-03T07:00:00-06:00"},
        {"airport": "GUA", "arrive": "2026-12-03T09:00:00-06:00", "depart": "2026-12-03T10:00:00-06:00"},
        {"airport": "SAP", "arrive": "2026-12-03T11:00:00-06:00", "depart": "2026-12-03T12:00:00-06:00"},
        {"airport": "GYE", "arrive": "2026-12-03T14:00:00-06:00"},
    ]
    hnd_doc = [{"type": "passport", "number": "H", "issuing_country": "HND", "expires": "2030-01-01"}]
    roster = [
        person("P-1"),
        person("P-2"),
        person("P-3", nationality="HND", staging_airport="GUA", documents=hnd_doc),
        person("P-4", nationality="HND", staging_airport="GUA", documents=hnd_doc),
    ]
    destinations = [destination(), destination("HND", arrival_airports=["SAP"])]
    # Officers count everyone on the flight (4 low -> 1) and sit on every segment: 2 + 1 seats each way.
    plan = solve(build(roster, [flight(seats=3, stops=route)], destinations))
    assert len(placed(plan)) == 4
    assert [s.aboard for s in plan.manifests[0].segments] == [2, 2, 0]
    assert [s.seats_used for s in plan.manifests[0].segments] == [3, 3, 1]


def test_family_travels_together_or_not_at_all() -> None:
    family = people(3, family_id="F")
    assert len(placed(solve(build(family, [flight(seats=4)])))) == 3
    plan = solve(build(family, [flight(seats=3)]))
    assert placed(plan) == {}
    assert unplaced_codes(plan) == {f"P-{i}": ["NOT_SELECTED"] for i in (1, 2, 3)}
    assert "family of 3" in plan.unplaced[0].reasons[0].detail


def test_family_is_not_split_across_flights() -> None:
    family = people(3, family_id="F")
    plan = solve(build(family, [flight("F-1", seats=3), flight("F-2", seats=3)]))
    assert placed(plan) == {}


def test_people_per_flight_cap() -> None:
    plan = solve(build(people(3), destinations=[destination(max_people_per_flight=2)]))
    assert len(placed(plan)) == 2
    (left,) = plan.unplaced
    assert "at most 2 people per flight" in left.reasons[0].detail


def test_flights_per_week_cap() -> None:
    flights = [flight("F-1", seats=3), flight("F-2", seats=3)]
    plan = solve(build(people(4), flights, [destination(max_flights_per_week=1)]))
    assert len(set(placed(plan).values())) == 1
    assert len(placed(plan)) == 2
    assert any("at most 1 flight(s) in week 2026-W49" in u.reasons[0].detail for u in plan.unplaced)


def test_flights_per_week_cap_counts_iso_weeks_of_local_arrival() -> None:
    next_week = [
        {"airport": "AEX", "depart": "2026-12-07T07:00:00-06:00"},
        {"airport": "GUA", "arrive": "2026-12-07T09:00:00-06:00"},
    ]
    flights = [flight("F-1", seats=3), flight("F-2", seats=3, stops=next_week)]
    plan = solve(build(people(4), flights, [destination(max_flights_per_week=1)]))
    assert len(placed(plan)) == 4


def test_placed_priority_comes_first() -> None:
    roster = [person("P-1", priority=1), person("P-2", priority=3)]
    plan = solve(build(roster, [flight(seats=2)]))
    assert placed(plan) == {"P-2": "F-1"}
    assert plan.objective.placed_priority == 3


def test_priority_beats_cost() -> None:
    flights = [flight("F-CHEAP", seats=2, cost=100), flight("F-DEAR", seats=2, cost=900)]
    plan = solve(build(people(2), flights))
    assert sorted(placed(plan).values()) == ["F-CHEAP", "F-DEAR"]
    assert plan.objective.cost == 1000


def test_cost_breaks_priority_ties() -> None:
    flights = [flight("F-DEAR", seats=5, cost=900), flight("F-CHEAP", seats=5, cost=100)]
    plan = solve(build(people(3), flights))
    assert set(placed(plan).values()) == {"F-CHEAP"}
    assert plan.objective.cost == 100
    assert plan.status == "optimal"


def test_each_person_placed_at_most_once() -> None:
    plan = solve(build(people(3), [flight("F-1"), flight("F-2")]))
    ids = [p.person_id for m in plan.manifests for p in m.passengers]
    assert sorted(ids) == ["P-1", "P-2", "P-3"]


def test_empty_flights_get_no_manifest() -> None:
    plan = solve(build(people(1), [flight("F-1"), flight("F-2", cost=5000)]))
    assert [m.flight_id for m in plan.manifests] == ["F-1"]
    assert plan.stats.flights_used == 1


def test_reserved_seats_beyond_capacity_leave_the_flight_empty() -> None:
    plan = solve(build(people(1), [flight(seats=2, reserved_seats=2)]))
    assert placed(plan) == {}
    assert unplaced_codes(plan) == {"P-1": ["NOT_SELECTED"]}


def test_same_request_same_plan() -> None:
    request = build(people(6), [flight("F-1", seats=4), flight("F-2", seats=4), flight("F-3", seats=4)])
    first, second = solve(request), solve(request)
    assert first.model_dump(exclude={"stats"}) == second.model_dump(exclude={"stats"})


def test_dates_at_the_end_of_the_calendar_do_not_crash() -> None:
    stops = [
        {"airport": "AEX", "depart": "9999-12-31T07:00:00-06:00"},
        {"airport": "GUA", "arrive": "9999-12-31T11:00:00-06:00"},
    ]
    documents = [{"type": "passport", "number": "N1", "issuing_country": "GTM", "expires": "9999-12-31"}]
    request = build(
        [person(documents=documents)],
        [flight(stops=stops)],
        [destination(notice_days=1, min_document_validity_days=30)],
        as_of="9999-12-30T09:00:00-06:00",
    )
    assert unplaced_codes(solve(request)) == {"P-1": ["NO_ELIGIBLE_FLIGHT"]}


def test_close_large_priorities_are_not_confused() -> None:
    roster = [person("P-1", priority=999_998), person("P-2", priority=999_999)]
    plan = solve(build(roster, [flight(seats=2)]))
    assert placed(plan) == {"P-2": "F-1"}
    assert plan.status == "optimal"


def test_with_two_cores_a_rounded_plan_is_sought_beside_the_cost_level_and_with_one_it_is_not() -> None:
    # A first fit puts P-1 (and an officer) on the cheap small flight and P-2 and P-3 on the big one: HiGHS's
    # better plan (all three on F-2) is reported while the cost level runs, and whatever runs beside it with it.
    people = [person(f"P-{i}") for i in (1, 2, 3)]
    request = build(people, [flight("F-1", cost=1000, seats=2), flight("F-2", cost=1500)])
    assert threads_while_reporting(request, cores=1).isdisjoint({"rounded-plan"})
    assert "rounded-plan" in threads_while_reporting(request, cores=2)


def threads_while_reporting(request: PlanRequest, cores: int) -> set[str]:
    """The names of the threads alive whenever the solve reports a better plan."""
    names: set[str] = set()
    control = Control(lambda _: names.update(thread.name for thread in threading.enumerate()))
    plan = make_plan(request, SolveSettings(time_limit=10.0, cores=cores), control)
    assert plan.objective.cost == 1500
    return names
