"""The `planner` command line: plan, check, manifest, generate and report."""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from planner.parsing import RequestError, format_loc, parse_request
from planner.plan import Plan
from planner.request import PlanRequest
from planner.solver import SolveSettings

__all__ = ["main"]

EXIT_OK, EXIT_VIOLATIONS, EXIT_INVALID = 0, 1, 2
COMMAND_PLUGINS = "manifest_planner.commands"


class InputError(Exception):
    """An input file that cannot be used; the message names the file and every problem, no personal data."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the return value is the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    return code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="planner", description="Plan charter flight manifests under the contract's rules."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    plan = commands.add_parser("plan", help="make a plan for a request")
    plan.add_argument("request", type=Path, metavar="REQUEST.json")
    plan.add_argument("--out", type=Path, metavar="PLAN.json", help="write the plan here (default: standard output)")
    plan.add_argument("--time-limit", type=positive_float, default=60.0, metavar="SECONDS")
    plan.add_argument("--seed", type=int, default=0, metavar="N")
    plan.add_argument(
        "--workers", type=positive_int, default=1, metavar="N", help="solver threads (1: repeatable plans)"
    )
    plan.set_defaults(run=run_plan)

    check = commands.add_parser("check", help="list every rule a plan breaks (exit 1 when any)")
    check.add_argument("request", type=Path, metavar="REQUEST.json")
    check.add_argument("plan", type=Path, metavar="PLAN.json")
    check.set_defaults(run=run_check)

    manifest = commands.add_parser("manifest", help="print one flight's manifest")
    manifest.add_argument("plan", type=Path, metavar="PLAN.json")
    manifest.add_argument("flight_id", metavar="FLIGHT_ID")
    manifest.add_argument("--format", choices=("csv", "json"), default="json")
    manifest.set_defaults(run=run_manifest)

    generate = commands.add_parser("generate", help="write a realistic synthetic request")
    generate.add_argument("--people", type=positive_int, required=True, metavar="N")
    generate.add_argument("--flights", type=positive_int, required=True, metavar="F")
    generate.add_argument("--weeks", type=positive_int, default=1, metavar="W")
    generate.add_argument("--seed", type=int, default=0, metavar="S")
    generate.add_argument("--out", type=Path, metavar="REQUEST.json", help="default: standard output")
    generate.set_defaults(run=run_generate)

    report = commands.add_parser("report", help="write seat charts and the reasons breakdown as SVG (and PNG)")
    report.add_argument("plan", type=Path, metavar="PLAN.json")
    report.add_argument("--out", type=Path, required=True, metavar="DIR")
    report.add_argument("--request", type=Path, metavar="REQUEST.json", help="for seats, times and unused flights")
    report.set_defaults(run=run_report)
    add_plugin_commands(commands)
    return parser


def add_plugin_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Commands other packages register (the service's `serve` and `keys`), so this package never imports them."""
    for entry in importlib.metadata.entry_points(group=COMMAND_PLUGINS):
        entry.load()(commands)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def read_request(path: Path) -> PlanRequest:
    """Parse a request file, turning every contract problem into one InputError."""
    try:
        return parse_request(read_bytes(path))
    except RequestError as error:
        raise InputError(f"{path} is not a valid plan request; {error}") from None


def read_plan(path: Path) -> Plan:
    try:
        return Plan.model_validate_json(read_bytes(path))
    except ValidationError as error:
        problems = [
            f"{format_loc(tuple(e['loc'])) or '(plan)'}: {e['msg']}"
            for e in error.errors(include_input=False, include_url=False)
        ]
        raise InputError(f"{path} is not a valid plan; {len(problems)} problem(s):\n" + "\n".join(problems)) from None


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from None


def write_text(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def run_plan(args: argparse.Namespace) -> int:
    from planner.planning import make_plan

    request = read_request(args.request)
    settings = SolveSettings(time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    plan = make_plan(request, settings)
    write_text(plan.to_json() + "\n", args.out)
    print(summarize(plan), file=sys.stderr)
    return EXIT_OK


def summarize(plan: Plan) -> str:
    """A few lines a person reads to know how the plan went."""
    objective, stats = plan.objective, plan.stats
    codes = Counter(reason.code.value for unplaced in plan.unplaced for reason in unplaced.reasons)
    lines = [
        f"status          {plan.status.value}",
        f"placed          {stats.placed} / {stats.people} people",
        f"priority        {objective.placed_priority} placed, bound {objective.placed_priority_bound}",
        f"flights used    {stats.flights_used}",
        f"cost            {objective.cost}",
        f"time            {stats.solve_seconds:.2f} s",
    ]
    if codes:
        lines.append("unplaced reasons (a person may have several):")
        lines += [f"  {code:<28}{count}" for code, count in sorted(codes.items())]
    return "\n".join(lines)


def run_check(args: argparse.Namespace) -> int:
    from planner.checker import check_plan

    request = read_request(args.request)
    plan = read_plan(args.plan)
    violations = check_plan(request, plan)
    for violation in violations:
        print(f"{violation.rule}: {violation.where}: {violation.message}")
    print(f"{len(violations)} violation(s)", file=sys.stderr)
    return EXIT_VIOLATIONS if violations else EXIT_OK


def run_manifest(args: argparse.Namespace) -> int:
    from planner.manifest import find_manifest, manifest_csv

    plan = read_plan(args.plan)
    manifest = find_manifest(plan, args.flight_id)
    if manifest is None:
        flown = ", ".join(m.flight_id for m in plan.manifests) or "none"
        raise InputError(f"the plan puts nobody on flight {args.flight_id!r}; flights with passengers: {flown}")
    write_text(manifest_csv(manifest) if args.format == "csv" else manifest.to_json() + "\n", None)
    return EXIT_OK


def run_generate(args: argparse.Namespace) -> int:
    from planner.generate import generate_json

    write_text(generate_json(args.people, args.flights, args.weeks, args.seed) + "\n", args.out)
    return EXIT_OK


def run_report(args: argparse.Namespace) -> int:
    from planner.flights import flown_of_plan, summarise_flights
    from planner.report import write_report

    plan = read_plan(args.plan)
    flights = read_request(args.request).flights if args.request else None
    try:
        written = write_report(plan, summarise_flights(flown_of_plan(plan), flights), args.out)
    except OSError as error:
        raise InputError(f"cannot write to {args.out}: {error.strerror}") from None
    print(f"wrote {len(written)} file(s) to {args.out}", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
