"""The LP bound on placed priority: never below what a plan can place, and close on generated rosters."""

from __future__ import annotations

from hypothesis import given

from planner.bound import priority_bound
from planner.capacity import Loads
from planner.classes import classify
from planner.eligibility import Roster, assess
from planner.generate import generate_json
from planner.parsing import parse_request
from planner.planning import make_plan
from planner.request import PlanRequest
from tests.test_properties import PROPERTY_SETTINGS, SETTINGS, brute_force_optimum, requests


def bound_of(request: PlanRequest) -> int | None:
    roster = Roster(request)
    loads = Loads(roster, assess(roster).items)
    return priority_bound(loads, classify(loads), time_limit=10)


@PROPERTY_SETTINGS
@given(requests())
def test_the_lp_bound_is_never_below_the_best_plan(request: PlanRequest) -> None:
    roster = Roster(request)
    loads = Loads(roster, assess(roster).items)
    bound = priority_bound(loads, classify(loads), time_limit=10)
    assert bound is not None
    best = brute_force_optimum(loads)
    if best is not None:
        assert bound >= best[0]
    assert bound >= make_plan(request, SETTINGS).objective.placed_priority


def test_the_lp_bound_is_within_a_few_percent_on_a_generated_roster() -> None:
    request = parse_request(generate_json(1500, 40, 3, seed=0))
    plan = make_plan(request, SETTINGS)
    bound = bound_of(request)
    assert bound is not None
    assert plan.objective.placed_priority <= bound <= 1.05 * plan.objective.placed_priority


def test_an_empty_roster_has_a_bound_of_zero() -> None:
    request = parse_request(generate_json(1, 1, 1, seed=0))
    assert bound_of(request.model_copy(update={"people": ()})) == 0
