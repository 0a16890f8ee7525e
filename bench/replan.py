"""A replan warm-started from the previous plan against a cold plan of the same changed roster.

python -m bench.replan --size 20000x400x4 --changed 0.01 --time-limit 60 [--seed 0]

Plans the generated roster, then changes a share of its people (half get a stay of removal, the rest
a higher priority or no ready date), and plans the changed roster twice in the same run: as a replan of
the first plan (`previous`, nothing frozen) and cold. Prints each run's time, time to a proven priority,
status, objective and the replan's change counts.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from typing import Any

from planner.generate import generate_json
from planner.parsing import parse_request
from planner.plan import Plan
from planner.planning import make_plan
from planner.solver import Control, Progress, SolveSettings


def change_people(raw: dict[str, Any], share: float, rng: random.Random) -> int:
    """Change `share` of the roster's people in place, as a day's news would; how many were changed."""
    people = raw["people"]
    chosen = rng.sample(range(len(people)), max(1, round(share * len(people))))
    for index in chosen:
        someone = people[index]
        roll = rng.random()
        if roll < 0.5:
            someone["holds"] = [{"kind": "stay_of_removal"}]
        elif roll < 0.8:
            someone["priority"] = someone.get("priority", 1) + 1
        else:
            someone["ready_from"] = None
    return len(chosen)


def timed_plan(text: str, settings: SolveSettings) -> tuple[Plan, float, float | None]:
    """The plan, the seconds it took, and when placed priority first met its bound (None if never)."""
    started = time.monotonic()
    proven: list[float] = []

    def on_progress(progress: Progress) -> None:
        if not proven and progress.placed_priority >= progress.placed_priority_bound:
            proven.append(time.monotonic() - started)

    plan = make_plan(parse_request(text), settings, Control(on_progress))
    seconds = time.monotonic() - started
    if not proven and plan.objective.placed_priority >= plan.objective.placed_priority_bound:
        proven.append(seconds)
    return plan, seconds, proven[0] if proven else None


def row(name: str, plan: Plan, seconds: float, proven: float | None) -> str:
    objective = plan.objective
    changes = plan.change_summary
    counts = f"{changes.added}/{changes.moved}/{changes.dropped}/{changes.unchanged}" if changes else ""
    priority_proven = f"{proven:.1f}" if proven is not None else ""
    return (
        f"| {name} | {plan.status.value} | {seconds:.1f} | {priority_proven} | {objective.placed_priority} | "
        f"{objective.placed_priority_bound} | {objective.cost} | {counts} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="20000x400x4", metavar="PEOPLExFLIGHTSxWEEKS")
    parser.add_argument("--changed", type=float, default=0.01, help="share of people changed")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    people, flights, weeks = (int(part) for part in args.size.split("x"))
    settings = SolveSettings(time_limit=args.time_limit)
    raw = json.loads(generate_json(people, flights, weeks, args.seed))
    first, first_seconds, first_proven = timed_plan(json.dumps(raw), settings)
    changed = change_people(raw, args.changed, random.Random(args.seed))
    cold_text = json.dumps(raw)
    raw["previous"] = {"plan": json.loads(first.to_json())}
    replan, replan_seconds, replan_proven = timed_plan(json.dumps(raw), settings)
    cold, cold_seconds, cold_proven = timed_plan(cold_text, settings)
    print(f"{args.size}, {changed} people changed, seed {args.seed}, time limit {args.time_limit} s\n")
    print("| run | status | time s | priority proven s | priority | bound | cost | added/moved/dropped/unchanged |")
    print("|---|---|---|---|---|---|---|---|")
    print(row("first plan", first, first_seconds, first_proven))
    print(row("replan (warm)", replan, replan_seconds, replan_proven))
    print(row("cold plan of the changed roster", cold, cold_seconds, cold_proven))
    print(f"\nreplan time / cold time: {replan_seconds / cold_seconds:.2f}")


if __name__ == "__main__":
    main()
