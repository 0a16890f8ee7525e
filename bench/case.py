"""One benchmark case in its own process, so that its peak memory is its own: prints one JSON line."""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from planner.capacity import Loads
from planner.checker import check_plan
from planner.eligibility import Roster, assess
from planner.greedy import plan_greedily
from planner.parsing import parse_request
from planner.planning import make_plan, value
from planner.solver import SolveSettings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("request", type=Path)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    text = args.request.read_bytes()

    started = time.monotonic()
    request = parse_request(text)
    parsed = time.monotonic() - started
    roster = Roster(request)
    loads = Loads(roster, assess(roster).items)
    greedy = plan_greedily(loads)
    greedy_seconds = time.monotonic() - started
    greedy_priority, _, greedy_cost = value(greedy)

    started = time.monotonic()
    plan = make_plan(parse_request(text), SolveSettings(time_limit=args.time_limit, workers=args.workers))
    seconds = time.monotonic() - started
    result = {
        "people": len(request.people),
        "flights": len(request.flights),
        "parse_seconds": round(parsed, 2),
        "seconds": round(seconds, 2),
        "status": plan.status.value,
        "placed_priority": plan.objective.placed_priority,
        "bound": plan.objective.placed_priority_bound,
        "cost": plan.objective.cost,
        "greedy_seconds": round(greedy_seconds, 2),
        "greedy_priority": greedy_priority,
        "greedy_cost": -greedy_cost,
        "violations": len(check_plan(request, plan)),
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
