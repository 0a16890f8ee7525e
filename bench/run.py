"""Generate rosters of the given sizes, plan each, and print a table beside the greedy baseline.

python -m bench.run --sizes 80x4x1 400x12x2 1500x40x3 3000x60x4 --time-limit 60
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from planner.generate import generate_json

COLUMNS = (
    ("people", "people"),
    ("flights", "flights"),
    ("status", "status"),
    ("seconds", "time s"),
    ("peak_mib", "peak MiB"),
    ("placed_priority", "priority"),
    ("bound", "bound"),
    ("cost", "cost"),
    ("greedy_priority", "greedy prio"),
    ("greedy_cost", "greedy cost"),
    ("priority_ratio", "prio/greedy"),
    ("cost_ratio", "cost/greedy"),
    ("violations", "violations"),
)


def parse_size(text: str) -> tuple[int, int, int]:
    """PEOPLExFLIGHTSxWEEKS, e.g. 400x12x2."""
    people, flights, weeks = (int(part) for part in text.split("x"))
    return people, flights, weeks


def run_case(size: tuple[int, int, int], seed: int, time_limit: float, workers: int) -> dict[str, Any]:
    people, flights, weeks = size
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "request.json"
        path.write_text(generate_json(people, flights, weeks, seed))
        command = [sys.executable, "-m", "bench.case", str(path), "--time-limit", str(time_limit)]
        command += ["--workers", str(workers)]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = json.loads(output)
    result["priority_ratio"] = round(result["placed_priority"] / max(result["greedy_priority"], 1), 3)
    result["cost_ratio"] = round(result["cost"] / max(result["greedy_cost"], 1), 3)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=parse_size, default=[(80, 4, 1), (400, 12, 2), (1500, 40, 3)])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"seed {args.seed}, time limit {args.time_limit} s, workers {args.workers}\n")
    print("| " + " | ".join(title for _, title in COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for size in args.sizes:
        result = run_case(size, args.seed, args.time_limit, args.workers)
        print("| " + " | ".join(str(result[key]) for key, _ in COLUMNS) + " |", flush=True)


if __name__ == "__main__":
    main()
