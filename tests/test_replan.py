"""Replanning: frozen flights, the fewest changes after priority, and changes that say why."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.capacity import Loads
from planner.checker import check_plan
from planner.eligibility import Roster, assess
from planner.parsing import RequestError, parse_request
from planner.plan import ChangeKind, Plan
from planner.planning import make_plan
from planner.replan import Baseline, Stakes
from planner.request import PlanRequest
from planner.solver import Control, Progress, SolveSettings
from tests import test_properties as random_rosters
from tests.builders import destination, direct_flight, flight, person, request_dict

SETTINGS = SolveSettings(time_limit=10)
# Flight "F-1" of the builders departs AEX on 3 December 2026 at 07:00 -06:00.
BEFORE_F1 = "2026-12-03T06:00:00-06:00"
AFTER_F1 = "2026-12-03T08:00:00-06:00"


def plan_of(raw: dict[str, Any]) -> Plan:
    request = parse_request(json.dumps(raw))
    plan = make_plan(request, SETTINGS)
    assert check_plan(request, plan) == []
    return plan


def replan(raw: dict[str, Any], previous: Plan, **freeze: Any) -> Plan:
    """Plan `raw` again with `previous` as the earlier plan (freeze_before, locked_flights as given)."""
    return plan_of({**raw, "previous": {"plan": json.loads(previous.to_json()), **freeze}})


def on(plan: Plan) -> dict[str, tuple[str, str]]:
    return {p.person_id: (m.flight_id, p.deplane) for m in plan.manifests for p in m.passengers}


def changes(plan: Plan) -> dict[str, str]:
    assert plan.changes is not None
    return {c.person_id: c.change.value for c in plan.changes}


def later_flight(fid: str = "F-2", cost: int = 1000, seats: int = 20) -> dict[str, Any]:
    """Like the builders' flight, a day later (Friday 4 December), without the call at HRL."""
    return direct_flight(fid, "2026-12-04", cost=cost, seats=seats)


def test_an_unchanged_request_changes_nothing() -> None:
    raw = request_dict(people=[person("P-1"), person("P-2")], flights=[flight("F-1"), later_flight()])
    first = plan_of(raw)
    again = replan(raw, first)
    assert on(again) == on(first)
    assert again.changes == ()
    assert again.change_summary is not None
    assert again.change_summary.model_dump() == {"added": 0, "moved": 0, "dropped": 0, "unchanged": 2}


def test_a_replans_progress_never_reports_a_change_count_as_cost() -> None:
    raw = request_dict(people=[person("P-1"), person("P-2")], flights=[flight("F-1"), later_flight()])
    first = plan_of(raw)
    request = parse_request(json.dumps({**raw, "previous": {"plan": json.loads(first.to_json())}}))
    seen: list[Progress] = []
    again = make_plan(request, SETTINGS, Control(seen.append))
    # Nothing changes: every cost reported is the flights' (or unknown while changes are minimised), never 0.
    assert {p.cost for p in seen} <= {None, again.objective.cost}
    assert again.objective.cost == first.objective.cost


def test_a_first_plan_has_no_changes_in_its_json() -> None:
    text = plan_of(request_dict()).to_json()
    assert "changes" not in json.loads(text)
    assert "change_summary" not in json.loads(text)


def test_changes_come_before_cost() -> None:
    # Before: only F-1 (cost 1000). Now a cheaper F-2 appears; moving P-1 would save cost but is a change.
    raw = request_dict(people=[person("P-1")], flights=[flight("F-1")])
    first = plan_of(raw)
    cheaper = {**raw, "flights": [flight("F-1"), later_flight(cost=10)]}
    assert on(plan_of(cheaper)) == {"P-1": ("F-2", "GUA")}  # a cold plan takes the cheaper flight
    assert on(replan(cheaper, first)) == {"P-1": ("F-1", "GUA")}


def test_priority_comes_before_changes() -> None:
    # F-1 had room for one; P-1 flew. Now P-2 (priority 5) arrives: priority wins, P-1 is dropped.
    raw = request_dict(people=[person("P-1")], flights=[flight("F-1", seats=2)])
    first = plan_of(raw)
    now = {**raw, "people": [person("P-1"), person("P-2", priority=5)]}
    again = replan(now, first)
    assert on(again) == {"P-2": ("F-1", "GUA")}
    assert changes(again) == {"P-1": "dropped", "P-2": "added"}
    dropped = next(c for c in again.changes or () if c.person_id == "P-1")
    assert [r.code.value for r in dropped.reasons] == ["NOT_SELECTED"]


def test_a_swap_of_equal_priority_is_not_made() -> None:
    # A newcomer of equal priority does not displace someone already on the manifest.
    raw = request_dict(people=[person("P-2")], flights=[flight("F-1", seats=2)])
    first = plan_of(raw)
    now = {**raw, "people": [person("P-1"), person("P-2")]}
    assert on(plan_of(now)) == {"P-1": ("F-1", "GUA")}  # cold: request order breaks the tie
    assert on(replan(now, first)) == {"P-2": ("F-1", "GUA")}


def test_a_frozen_flight_gains_nobody() -> None:
    raw = request_dict(people=[person("P-1")], flights=[flight("F-1")])
    first = plan_of(raw)
    now = {**raw, "people": [person("P-1"), person("P-2", priority=9)]}
    again = replan(now, first, freeze_before=AFTER_F1)
    assert on(again) == {"P-1": ("F-1", "GUA")}
    unplaced = {u.person_id: u.reasons for u in again.unplaced}
    assert unplaced["P-2"][0].code.value == "NOT_SELECTED"
    assert "F-1 is frozen" in unplaced["P-2"][0].detail
    # Not frozen when the freeze is earlier than the departure: P-2 joins.
    assert set(on(replan(now, first, freeze_before=BEFORE_F1))) == {"P-1", "P-2"}


def test_a_locked_flight_is_frozen_whatever_its_time() -> None:
    raw = request_dict(people=[person("P-1")], flights=[flight("F-1")])
    first = plan_of(raw)
    now = {**raw, "people": [person("P-1"), person("P-2")]}
    assert on(replan(now, first, locked_flights=["F-1"])) == {"P-1": ("F-1", "GUA")}


def test_a_frozen_flight_keeps_its_passengers_even_against_priority() -> None:
    # A weekly cap of one flight: F-2 could carry the high-priority newcomers, but frozen F-1 keeps P-1.
    dest = destination(max_flights_per_week=1)
    raw = request_dict(people=[person("P-1")], flights=[flight("F-1", seats=2)], destinations=[dest])
    first = plan_of(raw)
    newcomers = [person(f"P-{n}", priority=5, ready_from="2026-12-04") for n in range(2, 6)]
    now = {**raw, "people": [person("P-1"), *newcomers], "flights": [flight("F-1", seats=2), later_flight()]}
    # Not frozen: P-1 moves to F-2 with them, which the week's single flight then is.
    assert set(on(replan(now, first)).values()) == {("F-2", "GUA")}
    frozen = replan(now, first, locked_flights=["F-1"])
    assert on(frozen) == {"P-1": ("F-1", "GUA")}


def test_someone_no_longer_allowed_is_taken_off_a_frozen_flight() -> None:
    raw = request_dict(people=[person("P-1"), person("P-2")], flights=[flight("F-1")])
    first = plan_of(raw)
    now = {**raw, "people": [person("P-1", holds=[{"kind": "stay_of_removal"}]), person("P-2")]}
    again = replan(now, first, locked_flights=["F-1"])
    assert on(again) == {"P-2": ("F-1", "GUA")}
    dropped = next(c for c in again.changes or () if c.person_id == "P-1")
    assert dropped.change.value == "dropped"
    assert [r.code.value for r in dropped.reasons] == ["LEGAL_HOLD"]


def test_a_removed_flight_moves_its_people() -> None:
    raw = request_dict(people=[person("P-1")], flights=[flight("F-1"), later_flight(cost=5000)])
    first = plan_of(raw)
    assert on(first) == {"P-1": ("F-1", "GUA")}
    again = replan({**raw, "flights": [later_flight(cost=5000)]}, first)
    assert on(again) == {"P-1": ("F-2", "GUA")}
    moved = (again.changes or ())[0]
    assert (moved.change.value, moved.reasons[0].code.value) == ("moved", "FLIGHT_REMOVED")
    assert moved.from_ is not None
    assert moved.from_.flight_id == "F-1"


def test_a_flight_no_longer_allowed_moves_its_people_with_the_rule() -> None:
    raw = request_dict(people=[person("P-1")], flights=[flight("F-1"), later_flight(cost=5000)])
    first = plan_of(raw)
    # Thursday arrivals (F-1) are no longer accepted; Friday (F-2) still is.
    now = {**raw, "destinations": [destination(arrival_weekdays=[5])]}
    moved = (replan(now, first).changes or ())[0]
    assert moved.reasons[0].code.value == "PREVIOUS_FLIGHT_INELIGIBLE"
    assert "rule 9" in moved.reasons[0].detail


def test_someone_no_longer_in_the_request_is_dropped() -> None:
    raw = request_dict(people=[person("P-1"), person("P-2")])
    first = plan_of(raw)
    again = replan({**raw, "people": [person("P-2")]}, first)
    gone = (again.changes or ())[0]
    assert (gone.person_id, gone.change.value, gone.reasons[0].code.value) == ("P-1", "dropped", "NOT_IN_REQUEST")
    assert again.change_summary is not None
    assert (again.change_summary.dropped, again.change_summary.unchanged) == (1, 1)


def test_a_frozen_flight_that_no_longer_fits_keeps_whom_it_can() -> None:
    raw = request_dict(people=[person(f"P-{n}") for n in range(1, 5)], flights=[flight("F-1", seats=10)])
    first = plan_of(raw)
    assert len(on(first)) == 4
    # A smaller aircraft: 3 seats, one officer per 5 people, so two passengers fit.
    again = replan({**raw, "flights": [flight("F-1", seats=3)]}, first, locked_flights=["F-1"])
    assert len(on(again)) == 2
    assert list(changes(again).values()) == ["dropped", "dropped"]


def test_a_family_that_grew_cannot_stay_on_a_frozen_flight() -> None:
    family = [person("P-1", family_id="FAM"), person("P-2", family_id="FAM")]
    # F-2 dearer, so that the first plan puts the family on F-1 (equal costs: a tie the planner breaks either way).
    raw = request_dict(people=family, flights=[flight("F-1"), later_flight(cost=2000)])
    first = plan_of(raw)
    grown = [*family, person("P-3", family_id="FAM")]
    again = replan({**raw, "people": grown}, first, locked_flights=["F-1"])
    assert on(again) == {"P-1": ("F-2", "GUA"), "P-2": ("F-2", "GUA"), "P-3": ("F-2", "GUA")}
    reasons = {c.person_id: c.reasons[0].code.value for c in again.changes or () if c.reasons}
    assert reasons == {"P-1": "FAMILY_CHANGED", "P-2": "FAMILY_CHANGED"}


def test_a_family_moved_off_a_smaller_aircraft_is_moved_for_seats_not_for_a_family_change() -> None:
    family = [person("P-1", family_id="FAM"), person("P-2", family_id="FAM")]
    # P-3's passport expires the day F-1 lands: F-2, a day later, is no flight for them.
    documents = [{"type": "passport", "number": "X-P-3", "issuing_country": "GTM", "expires": "2026-12-03"}]
    people = [*family, person("P-3", documents=documents)]
    raw = request_dict(people=people, flights=[flight("F-1", seats=4), later_flight(cost=2000)])
    first = plan_of(raw)
    assert {flight for flight, _ in on(first).values()} == {"F-1"}
    # Three seats: P-3 and an officer, or the family and an officer. P-3 stays; the family, unchanged, moves.
    again = replan({**raw, "flights": [flight("F-1", seats=3), later_flight(cost=2000)]}, first)
    assert on(again) == {"P-1": ("F-2", "GUA"), "P-2": ("F-2", "GUA"), "P-3": ("F-1", "GUA")}
    reasons = {c.person_id: c.reasons[0] for c in again.changes or () if c.reasons}
    assert {pid: reason.code.value for pid, reason in reasons.items()} == {
        "P-1": "MOVED_FOR_PRIORITY",
        "P-2": "MOVED_FOR_PRIORITY",
    }


def test_the_checker_rejects_a_passenger_added_to_a_frozen_flight() -> None:
    raw = request_dict(people=[person("P-1")])
    first = plan_of(raw)
    now = {**raw, "people": [person("P-1"), person("P-2")]}
    unfrozen = replan(now, first)  # P-2 joins F-1, fine when nothing is frozen
    request = parse_request(
        json.dumps({**now, "previous": {"plan": json.loads(first.to_json()), "locked_flights": ["F-1"]}})
    )
    rules = {v.rule for v in check_plan(request, unfrozen)}
    assert "frozen" in rules


def test_the_checker_rejects_a_wrong_change_summary() -> None:
    raw = request_dict(people=[person("P-1")])
    first = plan_of(raw)
    again = replan(raw, first)
    assert again.change_summary is not None
    wrong = again.model_copy(update={"change_summary": again.change_summary.model_copy(update={"unchanged": 0})})
    request = parse_request(json.dumps({**raw, "previous": {"plan": json.loads(first.to_json())}}))
    violations = check_plan(request, wrong)
    assert [(v.rule, v.where) for v in violations] == [("changes", "change_summary.unchanged")]


def test_the_checker_rejects_a_change_missing_from_the_list() -> None:
    raw = request_dict(people=[person("P-1"), person("P-2")])
    first = plan_of(raw)
    again = replan({**raw, "people": [person("P-2")]}, first)
    request = parse_request(
        json.dumps({**raw, "people": [person("P-2")], "previous": {"plan": json.loads(first.to_json())}})
    )
    violations = check_plan(request, again.model_copy(update={"changes": ()}))
    assert any(v.rule == "changes" and v.where == "person P-1" for v in violations)


def test_a_bad_previous_plan_is_named_by_its_location() -> None:
    raw = request_dict()
    raw["previous"] = {"plan": {"status": "optimal"}, "freeze_before": "2026-12-03T06:00:00", "extra": 1}
    with pytest.raises(RequestError) as error:
        parse_request(json.dumps(raw))
    locations = {".".join(str(part) for part in loc) for loc, _ in error.value.problems}
    assert {"previous.plan.objective", "previous.freeze_before", "previous.extra"} <= locations


# --- properties on random rosters and random changes ---------------------------------------------------


@st.composite
def replans(draw: st.DrawFn) -> tuple[PlanRequest, PlanRequest]:
    """A random small roster and the same roster a day later: holds, people and flights come and go, seats change."""
    first = draw(random_rosters.requests())
    rng = random.Random(draw(st.integers(0, 2**32)))
    raw = json.loads(first.model_dump_json())
    for someone in raw["people"]:
        if random_rosters.roll(rng, 0.1):
            someone["holds"] = [{"kind": "stay_of_removal", "note": None}]
        if random_rosters.roll(rng, 0.1):
            someone["priority"] = rng.randint(1, 5)
    raw["people"] = [p for p in raw["people"] if not random_rosters.roll(rng, 0.1)]
    raw["people"] += [random_rosters.person(rng, 100 + n) for n in range(rng.randint(0, 3))]
    for trip in raw["flights"]:
        if random_rosters.roll(rng, 0.2):
            trip["seats"] = max(1, trip["seats"] + rng.randint(-3, 3))
    raw["flights"] = [f for f in raw["flights"] if not random_rosters.roll(rng, 0.15)]
    for rules in raw["destinations"]:
        if random_rosters.roll(rng, 0.1):
            rules["accepting"] = not rules["accepting"]
    previous = make_plan(first, random_rosters.SETTINGS)
    freeze: dict[str, Any] = {}
    if random_rosters.roll(rng, 0.5):
        freeze["freeze_before"] = (random_rosters.AS_OF + dt.timedelta(hours=rng.randint(0, 24 * 9))).isoformat()
    if raw["flights"] and random_rosters.roll(rng, 0.3):
        freeze["locked_flights"] = [rng.choice(raw["flights"])["id"]]
    raw["previous"] = {"plan": json.loads(previous.to_json()), **freeze}
    return first, parse_request(json.dumps(raw))


REPLAN_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@REPLAN_SETTINGS
@given(random_rosters.requests())
def test_replanning_an_unchanged_optimal_plan_changes_nothing(request: PlanRequest) -> None:
    first = make_plan(request, random_rosters.SETTINGS)
    raw = json.loads(request.model_dump_json())
    raw["previous"] = {"plan": json.loads(first.to_json())}
    again = make_plan(parse_request(json.dumps(raw)), random_rosters.SETTINGS)
    if first.status == "optimal":
        assert again.changes == ()
        assert again.objective == first.objective


@pytest.mark.parametrize(
    "solve_settings",
    [random_rosters.SETTINGS, replace(random_rosters.SETTINGS, windows_from_columns=0)],
    ids=["whole", "windows"],
)
@REPLAN_SETTINGS
@given(replans())
def test_every_replan_is_checker_clean_keeps_frozen_flights_and_explains_changes(
    solve_settings: SolveSettings, pair: tuple[PlanRequest, PlanRequest]
) -> None:
    """Also with every model counted as large: changes and cost minimised two weeks of flights at a time."""
    _, request = pair
    plan = make_plan(request, solve_settings)  # raises if the checker (frozen and changes too) objects
    assert check_plan(request, plan) == []
    assert request.previous is not None
    before = on(request.previous.plan)
    frozen = set(Baseline(Roster(request), request.previous).frozen)
    frozen_ids = {request.flights[f].id for f in frozen}
    for person_id, (flight_id, deplane) in on(plan).items():
        if flight_id in frozen_ids:
            assert before.get(person_id) == (flight_id, deplane), f"{person_id} added to frozen {flight_id}"
    for change in plan.changes or ():
        if change.change != ChangeKind.ADDED:
            assert change.reasons, change


@REPLAN_SETTINGS
@given(replans())
def test_optimal_replans_match_brute_force_on_priority_then_changes(pair: tuple[PlanRequest, PlanRequest]) -> None:
    _, request = pair
    plan = make_plan(request, random_rosters.SETTINGS)
    assert request.previous is not None
    roster = Roster(request)
    baseline = Baseline(roster, request.previous)
    items, stakes, _ = baseline.stakes_and_items(assess(roster).items)
    loads = Loads(roster, items)
    best = brute_force(loads, stakes)
    if best is None or plan.status != "optimal":
        return
    # Only people who may fly count: everyone else's drop is the same in every plan.
    flyers = {roster.people[m].id for item in loads.items for m in item.members}
    weight = {ChangeKind.MOVED: 1, ChangeKind.DROPPED: 2, ChangeKind.ADDED: 0}
    changes = sum(weight[c.change] for c in plan.changes or () if c.person_id in flyers)
    assert (plan.objective.placed_priority, -changes, -plan.objective.cost) == best


def brute_force(loads: Loads, stakes: Stakes, limit: int = 20_000) -> tuple[int, int, int] | None:
    """(priority, -changes, -cost) of the lexicographic optimum by enumeration, frozen flights respected."""
    plans = random_rosters.feasible_plans(loads, limit, fixed=stakes.forced)
    if plans is None:
        return None
    return max(
        (
            (random_rosters.placed(o), -stakes.changes(o.chosen, loads.items), -random_rosters.flight_cost(o))
            for o in plans
        ),
        default=None,
    )


def test_a_previous_plan_placing_someone_twice_is_rejected() -> None:
    first = json.loads(plan_of(request_dict(people=[person("P-1")])).to_json())
    first["manifests"].append({**first["manifests"][0]})
    raw = {**request_dict(people=[person("P-1")]), "previous": {"plan": first}}
    with pytest.raises(RequestError) as error:
        parse_request(json.dumps(raw))
    messages = {".".join(str(part) for part in loc): message for loc, message in error.value.problems}
    assert messages == {
        "previous.plan.manifests.1.flight_id": "repeats manifests[0].flight_id; it must be unique",
        "previous.plan.manifests.1.passengers.0": "places the person of manifests[0].passengers[0] a second time",
    }
