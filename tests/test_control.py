"""Following a solve as it runs and cancelling it from another thread."""

from __future__ import annotations

import itertools
import threading
import time

from planner.capacity import Loads
from planner.checker import check_plan
from planner.eligibility import Roster, assess
from planner.generate import generate_json, generate_request
from planner.greedy import plan_greedily
from planner.parsing import parse_request
from planner.planning import make_plan
from planner.solver import Control, Progress, SolveSettings, solve
from tests.builders import build, flight, person


def test_progress_reports_each_improving_plan() -> None:
    seen: list[Progress] = []
    request = build([person(f"P-{i}") for i in range(5)])
    plan = make_plan(request, SolveSettings(time_limit=10), Control(seen.append))
    assert seen
    assert seen[-1].placed_priority == plan.objective.placed_priority
    assert all(p.placed_priority <= p.placed_priority_bound for p in seen)
    assert seen[-1].cost == plan.objective.cost


def test_cancel_keeps_the_best_plan_so_far() -> None:
    request = generate_request(3000, 60, 4, seed=2)
    first_plan = threading.Event()
    control = Control(lambda _: first_plan.set())
    result = {}

    def run() -> None:
        result["plan"] = make_plan(request, SolveSettings(time_limit=120), control)

    worker = threading.Thread(target=run)
    worker.start()
    assert first_plan.wait(timeout=60)
    cancelled_at = time.monotonic()
    control.cancel()
    worker.join(timeout=30)
    assert not worker.is_alive()
    # Assembling and checking 3,000 people takes a moment; the solve itself stops at once.
    assert time.monotonic() - cancelled_at < 10
    plan = result["plan"]
    assert check_plan(request, plan) == []
    assert plan.stats.placed > 0


def test_a_cancelled_control_skips_the_solve_and_still_plans() -> None:
    control = Control()
    control.cancel()
    request = build([person("P-1")])
    plan = make_plan(request, SolveSettings(time_limit=10), control)
    assert plan.stats.placed == 1  # the warm start and polish still place who fits
    assert plan.status == "feasible"


def test_a_solve_stopped_before_searching_claims_no_bound() -> None:
    # CP-SAT reports a bound of 0 when stopped before it searches; taken at its word, the plan's priority
    # would pass for proven. Only "everyone placed" is a safe bound then.
    control = Control()
    control.cancel()
    people = [person("P-1", priority=3), person("P-2", priority=4), person("P-3", priority=5)]
    request = build(people, [flight(seats=2)])  # one passenger and one officer
    plan = make_plan(request, SolveSettings(time_limit=10), control)
    assert plan.objective.placed_priority == 5
    assert plan.objective.placed_priority_bound == 12
    assert plan.status == "feasible"


def test_a_solve_out_of_time_before_searching_keeps_a_true_bound() -> None:
    roster = Roster(parse_request(generate_json(3000, 60, 2, seed=0)))
    loads = Loads(roster, assess(roster).items)
    start = plan_greedily(loads)
    solution = solve(loads, SolveSettings(time_limit=1e-6), start)  # 10 ms for CP-SAT: not even presolve ends
    placed = sum(loads.priority[item] for item in start.chosen)
    assert solution.placed_priority_bound >= placed


def test_no_progress_report_claims_more_than_placing_everyone() -> None:
    # A generated week where not everyone fits, so that CP-SAT's priority level runs and reports its own bounds.
    request = parse_request(generate_json(600, 3, 1, seed=3))
    reports: list[Progress] = []
    make_plan(request, SolveSettings(time_limit=10), Control(reports.append))
    ceiling = reports[0].placed_priority_bound
    assert all(r.placed_priority <= r.placed_priority_bound <= ceiling for r in reports)


def better_or_equal(a: tuple[int, int | None], b: tuple[int, int | None]) -> bool:
    """Whether plan figures (priority, cost) are at least as good as b's: more priority, or as much for no more cost."""
    return a[0] > b[0] or (a[0] == b[0] and (a[1] is None or b[1] is None or a[1] <= b[1]))


def assert_each_report_improves(seen: list[Progress]) -> None:
    for before, after in itertools.pairwise(seen):
        assert better_or_equal((after.placed_priority, after.cost), (before.placed_priority, before.cost))
        assert after.placed_priority_bound <= before.placed_priority_bound


def test_progress_is_the_best_plan_so_far_and_its_bound_only_tightens() -> None:
    # Seed 3 has parts whose warm start CP-SAT cannot improve: its first plan there placed as much at a higher
    # cost (reported 8,424,300, then 8,899,100), and each part's first CP-SAT bound rose above the last part's.
    seen: list[Progress] = []
    plan = make_plan(generate_request(6000, 100, 6, seed=3), SolveSettings(time_limit=4), Control(seen.append))
    assert len(seen) > 2
    assert_each_report_improves(seen)
    objective = plan.objective
    assert better_or_equal((objective.placed_priority, objective.cost), (seen[-1].placed_priority, seen[-1].cost))
    assert objective.placed_priority_bound <= seen[-1].placed_priority_bound


def test_a_cancel_keeps_a_plan_no_worse_than_any_reported() -> None:
    seen: list[Progress] = []
    control = Control()

    def follow(progress: Progress) -> None:
        seen.append(progress)
        if len(seen) == 3:
            control.cancel()

    control.on_progress = follow
    request = generate_request(6000, 100, 6, seed=3)
    plan = make_plan(request, SolveSettings(time_limit=30), control)
    assert check_plan(request, plan) == []
    assert_each_report_improves(seen)
    objective = plan.objective
    assert better_or_equal((objective.placed_priority, objective.cost), (seen[-1].placed_priority, seen[-1].cost))
    assert objective.placed_priority_bound <= min(p.placed_priority_bound for p in seen)


def test_a_reported_bound_never_loosens() -> None:
    seen: list[Progress] = []
    control = Control(seen.append)
    control.report(Progress(0.1, 90, 100, 500))
    control.report(Progress(0.2, 91, 120, 500))  # a looser bound from a later part's first CP-SAT solution
    assert [p.placed_priority_bound for p in seen] == [100, 100]
    assert control.bound == 100
