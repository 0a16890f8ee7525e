"""Properties of every plan on random small rosters: checker-clean, complete, bounded, maximal, optimal."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.assemble import build_plan
from planner.capacity import Loads, Occupancy, occupy
from planner.checker import check_plan
from planner.eligibility import Option, Roster, assess
from planner.greedy import plan_greedily
from planner.parsing import parse_request
from planner.plan import Plan
from planner.planning import make_plan
from planner.reasons import ReasonCode
from planner.request import PlanRequest
from planner.solver import SolveSettings

AS_OF = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-6)))
COUNTRIES = {"GTM": ["GUA"], "HND": ["SAP", "TGU"], "SLV": ["SAL"]}
PICKUPS = ["AEX", "HRL", "BRO"]
ARRIVALS = ["GUA", "SAP", "TGU", "SAL"]
FAMILY_NATIONALITY = {"FAM-A": "GTM", "FAM-B": "HND"}
SETTINGS = SolveSettings(time_limit=10, workers=1, seed=0)


def roll(rng: random.Random, chance: float) -> bool:
    return rng.random() < chance


@st.composite
def requests(draw: st.DrawFn) -> PlanRequest:
    """A small roster drawn from a seed with realistic odds.

    Hypothesis's own draws favour edge values (0, the first element), which made nearly everyone
    ineligible; uniform odds from a seed keep most people eligible, so capacity and caps bind.
    """
    rng = random.Random(draw(st.integers(0, 2**32)))
    n_flights, n_people = rng.randint(1, 5), rng.randint(1, 12)
    raw = {
        "as_of": AS_OF.isoformat(),
        "policy": {"officer_ratio": {"low": rng.randint(1, 5), "medium": 2, "high": 1}, "medical_ratio": 2},
        "destinations": [destination(rng, country) for country in sorted(COUNTRIES)],
        "flights": [flight(rng, index) for index in range(n_flights)],
        "people": [person(rng, index) for index in range(n_people)],
    }
    return parse_request(json.dumps(raw))


def destination(rng: random.Random, country: str) -> dict[str, Any]:
    rules: dict[str, Any] = {"country": country, "arrival_airports": COUNTRIES[country]}
    rules["accepting"] = not roll(rng, 0.05)
    if roll(rng, 0.4):
        rules["max_people_per_flight"] = rng.randint(1, 4)
    if roll(rng, 0.4):
        rules["max_flights_per_week"] = rng.randint(1, 2)
    if roll(rng, 0.15):
        rules["arrival_weekdays"] = rng.sample(range(1, 8), rng.randint(1, 7))
    if roll(rng, 0.15):
        rules["arrival_window"] = {"start": f"{rng.randint(0, 23):02d}:00", "end": f"{rng.randint(0, 23):02d}:30"}
    rules["notice_days"] = rng.choice([0, 0, 1, 3])
    rules["min_document_validity_days"] = rng.choice([0, 0, 0, 10, 60])
    rules["accepts_unaccompanied_minors"] = roll(rng, 0.5)
    return rules


def flight(rng: random.Random, index: int) -> dict[str, Any]:
    pickups = rng.sample(PICKUPS, rng.randint(1, 3))
    arrivals = rng.sample(ARRIVALS, rng.randint(1, 3))
    if roll(rng, 0.1):
        pickups.append(pickups[0])  # a route that calls at an airport twice
    route = pickups + arrivals
    moment = AS_OF + dt.timedelta(hours=rng.randint(0, 24 * 9))
    stops: list[dict[str, Any]] = []
    for position, airport in enumerate(route):
        offset = dt.timezone(dt.timedelta(hours=rng.randint(-8, 8)))
        stop: dict[str, Any] = {"airport": airport}
        if position > 0:
            moment += dt.timedelta(minutes=rng.randint(30, 300))
            stop["arrive"] = moment.astimezone(offset).isoformat()
        if position < len(route) - 1:
            moment += dt.timedelta(minutes=rng.randint(30, 120))
            stop["depart"] = moment.astimezone(offset).isoformat()
        stops.append(stop)
    return {
        "id": f"F-{index}",
        "aircraft": "TEST",
        "seats": rng.randint(2, 9),
        "reserved_seats": rng.randint(0, 2),
        "cost": rng.randint(0, 5) * 1000,
        "stops": stops,
    }


def person(rng: random.Random, index: int) -> dict[str, Any]:
    family = rng.choice([None, None, None, None, "FAM-A", "FAM-A", "FAM-B"])
    # Families mostly share a nationality; now and then one does not, and can only fly via a shared airport.
    nationality = FAMILY_NATIONALITY[family] if family and not roll(rng, 0.1) else rng.choice(sorted(COUNTRIES))
    expires = AS_OF.date() + dt.timedelta(days=rng.choice([400] * 17 + [30, 5, -5]))
    return {
        "id": f"P-{index}",
        "given_names": "TEST",
        "surname": f"PERSON {index}",
        "birth_date": rng.choice(["1980-05-05", "2000-01-01", "1990-02-02", "1970-04-04", "2012-03-03"]),
        "sex": "X",
        "nationality": nationality,
        "nationality_verified": not roll(rng, 0.05),
        "final_order": not roll(rng, 0.05),
        "holds": [{"kind": "stay_of_removal"}] if roll(rng, 0.05) else [],
        "documents": [
            {
                "type": rng.choice(["passport"] * 8 + ["emergency_travel_document", "national_id"]),
                "number": f"D{index}",
                "issuing_country": nationality,
                "expires": expires.isoformat(),
            }
        ],
        "staging_airport": rng.choice(PICKUPS),
        "ready_from": rng.choice([None, None, None, "2026-12-04", "2026-12-08"]),
        "risk": rng.choice(["low", "low", "medium", "high"]),
        "fit_to_fly": not roll(rng, 0.05),
        "medical_escort": roll(rng, 0.2),
        "family_id": family,
        "priority": rng.randint(1, 3),
    }


PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(requests())
def test_every_plan_passes_the_checker_and_accounts_for_everyone(request: PlanRequest) -> None:
    plan = make_plan(request, SETTINGS)
    assert check_plan(request, plan) == []
    seen = [p.person_id for m in plan.manifests for p in m.passengers] + [u.person_id for u in plan.unplaced]
    assert sorted(seen) == sorted(p.id for p in request.people)
    assert plan.objective.placed_priority_bound >= plan.objective.placed_priority


@PROPERTY_SETTINGS
@given(requests())
def test_plans_made_a_window_at_a_time_pass_the_checker_and_never_lose_to_the_first_fit(request: PlanRequest) -> None:
    """Every class model counted as large: no CP-SAT level, cost improved two weeks of flights at a time."""
    plan = make_plan(request, replace(SETTINGS, windows_from_columns=0))
    assert check_plan(request, plan) == []
    roster = Roster(request)
    loads = Loads(roster, assess(roster).items)
    greedy = plan_greedily(loads)
    assert (plan.objective.placed_priority, -plan.objective.cost) >= (placed(greedy), -flight_cost(greedy))


@PROPERTY_SETTINGS
@given(requests())
def test_no_unplaced_eligible_item_could_simply_be_added(request: PlanRequest) -> None:
    plan = make_plan(request, SETTINGS)
    roster = Roster(request)
    eligibility = assess(roster)
    loads = Loads(roster, eligibility.items)
    chosen = placement(plan, roster, loads)
    for item_index, item in enumerate(loads.items):
        if item_index in chosen:
            continue
        assert {
            r.code for u in plan.unplaced for r in u.reasons if u.person_id == request.people[item.members[0]].id
        } == {ReasonCode.NOT_SELECTED}
        for option in item.options:
            occupancy = occupy(loads, chosen)
            occupancy.add(item_index, option)
            forced = build_plan(occupancy, eligibility, plan.objective.placed_priority_bound + 100, False, 0.0)
            assert check_plan(request, forced), f"{item.members} fits on {option} but was left off"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_optimal_plans_match_brute_force(request: PlanRequest) -> None:
    plan = make_plan(request, SETTINGS)
    roster = Roster(request)
    loads = Loads(roster, assess(roster).items)
    best = brute_force_optimum(loads)
    if best is not None:
        assert plan.status == "optimal"
        assert (plan.objective.placed_priority, plan.objective.cost) == best


def placement(plan: Plan, roster: Roster, loads: Loads) -> dict[int, Any]:
    """Item -> option of a plan, read back from its manifests."""
    where = {p.person_id: (m.flight_id, p.deplane) for m in plan.manifests for p in m.passengers}
    chosen = {}
    for index, item in enumerate(loads.items):
        first = roster.people[item.members[0]].id
        if first in where:
            flight_id, deplane = where[first]
            chosen[index] = next(
                o
                for o in item.options
                if roster.flights[o.flight].id == flight_id
                and roster.flights[o.flight].stops[o.deplane].airport == deplane
            )
    return chosen


def brute_force_optimum(loads: Loads, limit: int = 20_000) -> tuple[int, int] | None:
    """(placed priority, cost) of the lexicographic optimum by enumeration, or None when too many plans."""
    best = max(feasible_plans(loads, limit) or [], key=lambda o: (placed(o), -flight_cost(o)), default=None)
    return None if best is None else (placed(best), flight_cost(best))


def feasible_plans(loads: Loads, limit: int, fixed: Iterable[int] = ()) -> Iterator[Occupancy] | None:
    """Every plan that keeps rules 13-16, items in `fixed` on their first option; None when more than `limit`."""
    choices = [[None, *item.options] for item in loads.items]
    for item in fixed:
        choices[item] = [loads.items[item].options[0]]
    if math.prod(len(choice) for choice in choices) > limit:
        return None
    return (occupancy for combination in itertools.product(*choices) if (occupancy := occupy_all(loads, combination)))


def occupy_all(loads: Loads, combination: tuple[Option | None, ...]) -> Occupancy | None:
    """The plan that puts each item on its option in the combination, or None if a limit breaks."""
    occupancy = Occupancy(loads)
    fits = all(option is None or occupancy.try_add(i, option) for i, option in enumerate(combination))
    return occupancy if fits else None


def placed(occupancy: Occupancy) -> int:
    return sum(occupancy.loads.priority[item] for item in occupancy.chosen)


def flight_cost(occupancy: Occupancy) -> int:
    flights = occupancy.loads.roster.flights
    return sum(flights[f].cost for f in {option.flight for option in occupancy.chosen.values()})
