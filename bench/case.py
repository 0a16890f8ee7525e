"""One method on one request in its own process, so that its peak memory is its own: prints one JSON line last.

Every time is counted from the moment the request is parsed: eligibility, model building and solving
all count. `first_seconds` is when the method first holds a complete assignment (the planner: its first
solver progress report; the greedy: when it finishes; the baselines: their first solution callback);
`optimal_seconds` is when a checked plan with both levels proven is in hand, blank otherwise.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from planner.assemble import build_plan
from planner.capacity import Loads, occupy
from planner.checker import check_plan
from planner.eligibility import Roster, assess
from planner.greedy import plan_greedily
from planner.parsing import parse_request
from planner.plan import Plan, Status
from planner.planning import make_plan
from planner.request import PlanRequest
from planner.solver import Control, Progress, SolveSettings

METHODS = ("planner", "greedy", "cpsat", "highs")


def run_planner(request: PlanRequest, settings: SolveSettings) -> dict[str, Any]:
    started = time.monotonic()
    first: list[float] = []

    def on_progress(_: Progress) -> None:
        if not first:
            first.append(time.monotonic() - started)

    plan = make_plan(request, settings, Control(on_progress))
    seconds = time.monotonic() - started
    return summary(request, plan, first[0] if first else None, seconds, None)


def run_greedy(request: PlanRequest) -> dict[str, Any]:
    started = time.monotonic()
    roster = Roster(request)
    eligibility = assess(roster)
    occupancy = plan_greedily(Loads(roster, eligibility.items))
    first = time.monotonic() - started
    plan = build_plan(occupancy, eligibility, 0, False, first)
    return summary(request, plan, first, time.monotonic() - started, None) | {"bound": None}


def run_per_option(request: PlanRequest, method: str, settings: SolveSettings) -> dict[str, Any]:
    # Imported here so that HiGHS and numpy count only in the baselines' peak memory.
    from bench.baselines import build_per_option, solve_cpsat, solve_highs

    started = time.monotonic()
    roster = Roster(request)
    eligibility = assess(roster)
    loads = Loads(roster, eligibility.items)
    model = build_per_option(loads)
    built = time.monotonic() - started
    remaining = settings.time_limit - built
    if method == "cpsat":
        outcome = solve_cpsat(model, remaining, settings.workers, settings.seed)
    else:
        outcome = solve_highs(model, remaining, settings.workers, settings.seed)
    plan = build_plan(occupy(loads, outcome.chosen), eligibility, outcome.bound, outcome.is_optimal, 0.0)
    first = None if outcome.first_seconds is None else built + outcome.first_seconds
    extra = {"columns": len(model.lower), "rows": len(model.rows), "build_seconds": round(built, 2)}
    return summary(request, plan, first, time.monotonic() - started, extra)


def summary(
    request: PlanRequest, plan: Plan, first: float | None, seconds: float, extra: dict[str, Any] | None
) -> dict[str, Any]:
    """The figures the table reads; the checker runs on every plan, the planner's included."""
    checked = time.monotonic()
    violations = len(check_plan(request, plan))
    seconds += time.monotonic() - checked
    optimal = plan.status == Status.OPTIMAL
    return {
        "status": plan.status.value,
        "first_seconds": None if first is None else round(first, 2),
        "optimal_seconds": round(seconds, 2) if optimal else None,
        "seconds": round(seconds, 2),
        "placed_priority": plan.objective.placed_priority,
        "bound": plan.objective.placed_priority_bound,
        "cost": plan.objective.cost,
        "placed": plan.stats.placed,
        "violations": violations,
    } | (extra or {})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("request", type=Path)
    parser.add_argument("--method", choices=METHODS, default="planner")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    request = parse_request(args.request.read_bytes())
    settings = SolveSettings(time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    if args.method == "planner":
        result = run_planner(request, settings)
    elif args.method == "greedy":
        result = run_greedy(request)
    else:
        result = run_per_option(request, args.method, settings)
    print(json.dumps({"people": len(request.people), "flights": len(request.flights)} | result))


if __name__ == "__main__":
    main()
