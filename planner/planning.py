"""Making a plan from a request: eligibility, warm start, solve, polish, assemble, check."""

from __future__ import annotations

import time
from dataclasses import replace

from planner.assemble import build_plan
from planner.bound import priority_bound
from planner.capacity import Loads, Occupancy, occupy
from planner.checker import Violation, check_plan
from planner.classes import classify
from planner.eligibility import Roster, assess
from planner.greedy import fill, greedy_order, keep_previous, plan_greedily
from planner.plan import Plan
from planner.repair import repair
from planner.replan import Baseline, Stakes, describe_changes
from planner.request import PlanRequest
from planner.solver import Control, Progress, SolveSettings, solve

__all__ = ["PlanCheckError", "make_plan"]

# Time kept for assembling and checking the plan, in proportion to the time eligibility and the warm start
# took in this very run, so that a loaded machine keeps more: on 100,000 people, assembling and checking took
# 1.4 times as long as they did both on an idle machine (11.7 s against 8.5 s) and 1.35 times with a load
# average of 6 on 2 cores (72 s against 53 s). Since the final fill is followed by the repair, finishing took
# 16 s after an 8.4 s preparation (2026-12-06, 300 s limit, 301.2 s in all): hence 2.5 times. At least 5% of
# the limit, never more than half of it.
FINISH_SHARE = 0.05
FINISH_PER_PREPARATION = 2.5
MIN_SOLVE_SECONDS = 0.1
# Above this many people the LP relaxation (HiGHS) bounds placed priority before CP-SAT starts. At 20,000
# people (seed 1) CP-SAT's own bound is the tighter (13,408 against the LP's 13,428, in 60 s); at 100,000 it
# proved none with a 120 s limit (68,991 with 300 s), while the LP gave 69,369 in seconds, so that a real
# bound is known from the first progress report on.
LP_BOUND_FROM_PEOPLE = 50_000
LP_BOUND_SHARE = 0.25


class PlanCheckError(Exception):
    """The independent checker rejected a plan the planner made: a bug, never returned as a result."""

    def __init__(self, violations: tuple[Violation, ...]) -> None:
        super().__init__(violations)
        self.violations = violations

    def __str__(self) -> str:
        lines = [f"{v.rule} at {v.where}: {v.message}" for v in self.violations[:20]]
        return "the plan failed its own check:\n" + "\n".join(lines)


def make_plan(request: PlanRequest, settings: SolveSettings | None = None, control: Control | None = None) -> Plan:
    """The best plan the solver proves or finds within the settings, checked before it is returned.

    A request with `previous` is a replan (replanning contract): frozen flights keep their passengers and
    the fewest people are moved or dropped after placed priority, before cost.
    `control` follows the solve's progress and can cancel it from another thread; a cancelled solve
    still returns a complete, checked plan: the best found so far.
    """
    started = time.monotonic()
    settings = settings or SolveSettings()
    roster = Roster(request)
    eligibility = assess(roster)
    baseline = Baseline(roster, request.previous) if request.previous is not None else None
    stakes: Stakes | None = None
    closed: dict[int, list[str]] = {}
    if baseline is None:
        loads = Loads(roster, eligibility.items)
        start = plan_greedily(loads)
        repair(start, greedy_order(loads))
    else:
        items, stakes, closed = baseline.stakes_and_items(eligibility.items)
        loads = Loads(roster, items)
        start, stakes = keep_previous(loads, stakes)
        repair(start, greedy_order(loads), stakes.forced)
    preparation = elapsed(started)
    control = control or Control()
    control.started = started
    control.ceiling = report_start(control, start)
    classes = classify(loads, stakes)
    lp_bound = None
    if len(request.people) >= LP_BOUND_FROM_PEOPLE:
        lp_bound = priority_bound(loads, classes, LP_BOUND_SHARE * (settings.time_limit - elapsed(started)))
        if lp_bound is not None:
            control.ceiling = min(control.ceiling, max(lp_bound, value(start)[0]))
    # The time limit covers the whole command: the solver gets what is left after reading the request,
    # less a share kept for assembling and checking the plan.
    budget = settings.time_limit - finishing_reserve(settings.time_limit, preparation) - elapsed(started)
    solve_settings = replace(settings, time_limit=max(budget, MIN_SOLVE_SECONDS))
    solution = solve(loads, solve_settings, start, control, stakes, classes)
    # Every bound met on the way is proven; the plan keeps the least, so that it is never looser than its progress.
    bounds = [b for b in (lp_bound, control.bound) if b is not None and b < solution.placed_priority_bound]
    if bounds:
        solution = replace(solution, placed_priority_bound=min(bounds))
    occupancy = occupy(loads, solution.chosen)
    # Anything that still fits after a time-limited solve is added: no one is left off a flight with room.
    order = sorted(range(len(loads.items)), key=lambda i: (-loads.priority[i], i))
    fill(occupancy, order)
    repair(occupancy, order, stakes.forced if stakes is not None else frozenset())
    is_optimal = solution.is_optimal and occupancy.chosen == solution.chosen
    if value(start, stakes) > value(occupancy, stakes):
        occupancy, is_optimal = start, False
    plan = build_plan(
        occupancy, eligibility, solution.placed_priority_bound, is_optimal, time.monotonic() - started, closed
    )
    if baseline is not None:
        changes, summary = describe_changes(baseline, occupancy, plan.unplaced)
        plan = plan.model_copy(update={"changes": changes, "change_summary": summary})
    violations = check_plan(request, plan)
    if violations:
        raise PlanCheckError(tuple(violations))
    return plan


def elapsed(started: float) -> float:
    return time.monotonic() - started


def report_start(control: Control, start: Occupancy) -> int:
    """The warm start as the first plan the caller hears of: a checker-clean plan exists from here on.

    Reported before the LP bound is computed (seconds on 100,000 people), so its bound is every item
    with an option placed; returns that bound, which no later report should exceed (CP-SAT's first
    bounds can: 608,001 against 25,938 on 40,000 people).
    """
    priority, _, cost = value(start)
    ceiling = max(start.loads.placeable_priority, priority)
    control.report(Progress(control.elapsed(), priority, ceiling, -cost))
    return ceiling


def finishing_reserve(time_limit: float, preparation: float) -> float:
    """Seconds of the time limit kept for assembling and checking the plan, given how long preparing it took."""
    return min(max(FINISH_SHARE * time_limit, FINISH_PER_PREPARATION * preparation), time_limit / 2)


def value(occupancy: Occupancy, stakes: Stakes | None = None) -> tuple[int, int, int]:
    """The lexicographic objective as one comparable key: priority up, changes down (replans), cost down."""
    loads = occupancy.loads
    flights = {option.flight for option in occupancy.chosen.values()}
    return (
        sum(loads.priority[item] for item in occupancy.chosen),
        -stakes.changes(occupancy.chosen, loads.items) if stakes is not None else 0,
        -sum(loads.roster.flights[f].cost for f in flights),
    )
