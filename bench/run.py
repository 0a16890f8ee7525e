"""Generate rosters, run the planner and its baselines on each in the same run, and print one table.

python -m bench.run --sizes 2000x50x2 ice 20000x400x4 --time-limit 60 [--markdown]

A size is PEOPLExFLIGHTSxWEEKS (`planner generate`), or `ice`: a week of 3,000 people and 70 multi-stop
missions through four hubs (bench/shapes.py). Each method runs in its own process, so that its peak
memory (the child's ru_maxrss) is its own; `load` is the machine's 1-minute load average as it starts.
Ratios divide the planner's figure by the baseline's, both measured in this run: priority above 1 and
cost below 1 favour the planner.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.shapes import ice_air_json
from planner.generate import generate_json

METHODS = ("planner", "greedy", "cpsat", "highs")
BASELINES = METHODS[1:]
PER_OPTION = ("cpsat", "highs")
# A method gets this long past the time limit (for imports, reading, assembling and checking) before it is killed.
GRACE_SECONDS = 300

COLUMNS = (
    ("case", "case"),
    ("method", "method"),
    ("people", "people"),
    ("flights", "flights"),
    ("first_seconds", "first plan s"),
    ("optimal_seconds", "optimum s"),
    ("seconds", "total s"),
    ("command_seconds", "process s"),
    ("cli_seconds", "planner plan s"),
    ("peak_mib", "peak MiB"),
    ("placed_priority", "priority"),
    ("bound", "bound"),
    ("cost", "cost"),
    ("violations", "violations"),
    ("priority_ratio", "planner/it priority"),
    ("cost_ratio", "planner/it cost"),
    ("load", "load"),
)


@dataclass(frozen=True)
class Case:
    name: str
    people: int
    flights: int
    weeks: int
    shape: str = "generated"

    def request_json(self, seed: int) -> str:
        if self.shape == "ice":
            return ice_air_json(self.people, self.flights, seed)
        return generate_json(self.people, self.flights, self.weeks, seed)


def parse_case(text: str) -> Case:
    """PEOPLExFLIGHTSxWEEKS, e.g. 2000x50x2, or `ice`."""
    if text == "ice":
        return Case("ice week", 3000, 70, 1, "ice")
    people, flights, weeks = (int(part) for part in text.split("x"))
    return Case(text, people, flights, weeks)


def run_method(path: Path, method: str, args: argparse.Namespace) -> dict[str, Any]:
    """One method in a fresh process: its JSON line, wall time and peak resident memory."""
    command = [sys.executable, "-m", "bench.case", str(path), "--method", method]
    command += ["--time-limit", str(args.time_limit), "--workers", str(args.workers), "--seed", str(args.seed)]
    load = os.getloadavg()[0]
    started = time.monotonic()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            process.kill()

        watchdog = threading.Timer(args.time_limit + GRACE_SECONDS, kill)
        watchdog.start()
        assert process.stdout is not None
        output = process.stdout.read()
        process.stdout.close()
        # wait4 rather than wait: it returns this child's own resource usage, peak memory included.
        _, status, usage = os.wait4(process.pid, 0)
        watchdog.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        measured = {"method": method, "command_seconds": round(seconds, 2), "peak_mib": usage.ru_maxrss // 1024}
        measured["load"] = round(load, 1)
        if killed.is_set():
            return measured | {"error": f"killed at {args.time_limit + GRACE_SECONDS:.0f} s without a result"}
        if process.returncode != 0:
            errors.seek(0)
            tail = errors.read().decode(errors="replace").strip().splitlines()[-1:]
            return measured | {"error": f"exit {process.returncode}: {' '.join(tail)}"}
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result | measured


def time_command(path: Path, args: argparse.Namespace) -> float:
    """Wall time of the whole `planner plan` command a user runs: start-up, reading, planning, writing."""
    command = [sys.executable, "-m", "planner.cli", "plan", str(path), "--out", str(path.with_suffix(".plan.json"))]
    command += ["--time-limit", str(args.time_limit), "--workers", str(args.workers), "--seed", str(args.seed)]
    started = time.monotonic()
    subprocess.run(command, check=True, capture_output=True, timeout=args.time_limit + GRACE_SECONDS)
    return round(time.monotonic() - started, 2)


def run_case(case: Case, methods: list[str], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every method on one generated request; baselines carry the planner's ratios against them."""
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "request.json"
        path.write_text(case.request_json(args.seed))
        for method in methods:
            if method in PER_OPTION and args.per_option_up_to is not None and case.people > args.per_option_up_to:
                rows.append({"method": method, "error": f"skipped above {args.per_option_up_to} people"})
                continue
            rows.append(run_method(path, method, args))
        if "error" not in rows[0] and case.people <= args.command_up_to:
            rows[0]["cli_seconds"] = time_command(path, args)
    planner = next((row for row in rows if row["method"] == "planner" and "error" not in row), None)
    for row in rows:
        row["case"] = case.name
        if planner is not None and row is not planner and "error" not in row and row["placed"] < 1 <= planner["placed"]:
            row["priority_ratio"] = row["cost_ratio"] = "no plan"
        elif planner is not None and row is not planner and "error" not in row:
            row["priority_ratio"] = ratio(planner["placed_priority"], row["placed_priority"])
            row["cost_ratio"] = ratio(planner["cost"], row["cost"])
    return rows


def ratio(mine: int, theirs: int) -> float | str:
    if theirs == 0:
        return "=" if mine == 0 else "∞"
    return round(mine / theirs, 4)


def render(row: dict[str, Any]) -> list[str]:
    """Table cells; a method without a result shows why in the priority column, and what it measured."""
    if "error" in row:
        kept = ("case", "method", "command_seconds", "peak_mib", "load")
        row = {key: value for key, value in row.items() if key in kept} | {"placed_priority": row["error"]}
    return ["" if row.get(key) is None else str(row[key]) for key, _ in COLUMNS]


def machine() -> str:
    """CPU model, cores, memory and Python, as the README's table records them."""
    model = first_field(Path("/proc/cpuinfo"), "model name") or platform.processor()
    memory = first_field(Path("/proc/meminfo"), "MemTotal") or "0 kB"
    gib = round(int(memory.split()[0]) / 1024**2)
    return f"{model}, {os.cpu_count()} cores, {gib} GiB, {platform.machine()}, Python {platform.python_version()}"


def first_field(path: Path, name: str) -> str | None:
    """The value of the first `name: value` line of a /proc file, if there is one."""
    lines = path.read_text().splitlines() if path.exists() else []
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith(name)), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=parse_case, default=[parse_case("2000x50x2"), parse_case("ice")])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--baselines", nargs="*", choices=BASELINES, default=list(BASELINES))
    parser.add_argument(
        "--per-option-up-to", type=int, metavar="PEOPLE", help="skip the per-option baselines on larger rosters"
    )
    parser.add_argument(
        "--command-up-to",
        type=int,
        default=20000,
        metavar="PEOPLE",
        help="time the real `planner plan` command (once more) on rosters up to this size",
    )
    parser.add_argument("--markdown", action="store_true", help="print the table as bench/README.md keeps it")
    args = parser.parse_args()
    methods = ["planner", *args.baselines]
    header = [title for _, title in COLUMNS]
    print(f"machine: {machine()}")
    print(f"seed {args.seed}, time limit {args.time_limit} s, workers {args.workers}\n")
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header), flush=True)
    else:
        print("\t".join(header), flush=True)
    for case in args.sizes:
        for row in run_case(case, methods, args):
            cells = render(row)
            print("| " + " | ".join(cells) + " |" if args.markdown else "\t".join(cells), flush=True)


if __name__ == "__main__":
    main()
