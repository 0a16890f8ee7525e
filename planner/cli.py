"""The `planner` command line: plan (and replan), check, diff, manifest, explain, import, generate and report."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from planner.exports import Format
from planner.parsing import RequestError, format_loc, parse_request
from planner.plan import Plan
from planner.request import PlanRequest, Previous

if TYPE_CHECKING:
    from planner.solver import Progress  # ortools takes seconds to import: only `plan` needs it

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

    plan = commands.add_parser("plan", help="make a plan for a request (JSON, .xlsx workbook or folder of CSV files)")
    plan.add_argument("request", type=Path, metavar="REQUEST")
    plan.add_argument("--out", type=Path, metavar="PLAN.json", help="write the plan here (default: standard output)")
    plan.add_argument("--time-limit", type=positive_float, default=60.0, metavar="SECONDS")
    plan.add_argument("--seed", type=int, default=0, metavar="N")
    plan.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        metavar="N",
        help="CP-SAT threads (1: a proven plan repeats run after run)",
    )
    plan.add_argument(
        "--progress", action="store_true", help="print each better plan found (time, priority, bound, cost) on stderr"
    )
    add_replan_arguments(plan)
    plan.set_defaults(run=run_plan)

    diff = commands.add_parser("diff", help="list who was added, moved or dropped from one plan to another")
    diff.add_argument("old", type=Path, metavar="OLD_PLAN.json")
    diff.add_argument("new", type=Path, metavar="NEW_PLAN.json")
    diff.add_argument("--format", choices=("text", "json"), default="text")
    diff.set_defaults(run=run_diff)

    check = commands.add_parser("check", help="list every rule a plan breaks (exit 1 when any)")
    check.add_argument("request", type=Path, metavar="REQUEST.json")
    check.add_argument("plan", type=Path, metavar="PLAN.json")
    add_replan_arguments(check)
    check.set_defaults(run=run_check)

    manifest = commands.add_parser("manifest", help="print one flight's manifest")
    manifest.add_argument("plan", type=Path, metavar="PLAN.json")
    manifest.add_argument("flight_id", metavar="FLIGHT_ID")
    manifest.add_argument("--format", choices=[f.value for f in Format], default="json")
    manifest.add_argument("--out", type=Path, metavar="FILE", help="default: standard output")
    manifest.add_argument("--request", type=Path, metavar="REQUEST", help="the plan's request; pdf and paxlst need it")
    manifest.set_defaults(run=run_manifest)

    roster = commands.add_parser("import", help="turn a roster workbook (.xlsx) or folder of CSV files into JSON")
    roster.add_argument("roster", type=Path, metavar="ROSTER")
    roster.add_argument("--out", type=Path, metavar="REQUEST.json", help="default: standard output")
    roster.set_defaults(run=run_import)

    explain = commands.add_parser("explain", help="why a person is left off a plan, and what would fix it")
    explain.add_argument("plan", type=Path, metavar="PLAN.json")
    explain.add_argument("request", type=Path, metavar="REQUEST.json")
    explain.add_argument("person_id", metavar="PERSON_ID")
    explain.add_argument("--format", choices=("text", "json"), default="text")
    explain.set_defaults(run=run_explain)

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


def add_replan_arguments(command: argparse.ArgumentParser) -> None:
    """--previous, --freeze-before and --lock: the request's `previous` given on the command line."""
    command.add_argument("--previous", type=Path, metavar="PLAN.json", help="replan: the earlier plan to change least")
    command.add_argument("--freeze-before", metavar="TIMESTAMP", help="replan: flights departing earlier are frozen")
    command.add_argument(
        "--lock", action="append", default=[], metavar="FLIGHT_ID", help="replan: freeze this flight too"
    )


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
    """Parse a request file or roster, turning every contract problem into one InputError."""
    from planner.roster import RosterError, is_roster, read_roster

    if is_roster(path):
        try:
            return read_roster(path)
        except RosterError as error:
            raise InputError(f"{path} is not a valid roster; {error}") from None
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


def write_bytes(data: bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        out.write_bytes(data)


def run_plan(args: argparse.Namespace) -> int:
    # Imported here: ortools takes seconds to import, which the other commands skip.
    from planner.planning import make_plan
    from planner.solver import Control, SolveSettings

    request = read_replan_request(args)
    settings = SolveSettings(time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    plan = make_plan(request, settings, Control(print_progress) if args.progress else None)
    write_text(plan.to_json() + "\n", args.out)
    print(summarize(plan), file=sys.stderr)
    return EXIT_OK


def print_progress(progress: Progress) -> None:
    """One line per better plan, as the solve finds it: long national runs show how they go."""
    cost = "-" if progress.cost is None else f"{progress.cost:,}"
    print(
        f"{progress.elapsed_seconds:8.1f} s  priority {progress.placed_priority:,} of at most "
        f"{progress.placed_priority_bound:,}  cost {cost}",
        file=sys.stderr,
        flush=True,
    )


def read_replan_request(args: argparse.Namespace) -> PlanRequest:
    """The request file, made a replan when --previous is given (--freeze-before and --lock only with it)."""
    request = read_request(args.request)
    if args.previous is not None:
        return with_previous(request, args)
    if args.freeze_before is not None or args.lock:
        raise InputError("--freeze-before and --lock need --previous (or `previous` in the request)")
    return request


def with_previous(request: PlanRequest, args: argparse.Namespace) -> PlanRequest:
    """The request as a replan of the plan given by --previous, frozen by --freeze-before and --lock."""
    previous = json.loads(read_plan(args.previous).to_json())
    raw = json.dumps({"plan": previous, "freeze_before": args.freeze_before, "locked_flights": args.lock})
    try:
        return request.model_copy(update={"previous": Previous.model_validate_json(raw)})
    except ValidationError as error:
        problems = [describe_previous_problem(e["loc"], e["msg"]) for e in error.errors(include_input=False)]
        raise InputError(f"{len(problems)} problem(s) in the replan:\n" + "\n".join(problems)) from None


def describe_previous_problem(loc: tuple[str | int, ...], message: str) -> str:
    """A problem of `previous` named by the option that gave it: --freeze-before, or the plan of --previous."""
    if loc[:1] == ("freeze_before",):
        return f"--freeze-before: {message} (an ISO 8601 timestamp, like 2026-12-03T00:00:00Z)"
    if loc[:1] == ("plan",):
        return f"--previous: {format_loc(loc[1:]) or '(plan)'}: {message}"
    return f"{format_loc(loc)}: {message}"


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
    if plan.change_summary is not None:
        changed = plan.change_summary
        lines.append(
            f"changes         {changed.added} added, {changed.moved} moved, {changed.dropped} dropped, "
            f"{changed.unchanged} unchanged"
        )
    if codes:
        lines.append("unplaced reasons (a person may have several):")
        lines += [f"  {code:<28}{count}" for code, count in sorted(codes.items())]
    return "\n".join(lines)


def run_check(args: argparse.Namespace) -> int:
    from planner.checker import check_plan

    request = read_replan_request(args)
    plan = read_plan(args.plan)
    violations = check_plan(request, plan)
    for violation in violations:
        print(f"{violation.rule}: {violation.where}: {violation.message}")
    print(f"{len(violations)} violation(s)", file=sys.stderr)
    return EXIT_VIOLATIONS if violations else EXIT_OK


def run_manifest(args: argparse.Namespace) -> int:
    from planner.exports import ExportError, export_manifest, needs_flight
    from planner.manifest import find_manifest

    format = Format(args.format)
    if needs_flight(format) and args.request is None:
        raise InputError(f"--format {format.value} shows the route and times: give the plan's request with --request")
    plan = read_plan(args.plan)
    manifest = find_manifest(plan, args.flight_id)
    if manifest is None:
        flown = ", ".join(m.flight_id for m in plan.manifests) or "none"
        raise InputError(f"the plan puts nobody on flight {args.flight_id!r}; flights with passengers: {flown}")
    request = read_request(args.request) if args.request is not None and needs_flight(format) else None
    try:
        write_bytes(export_manifest(manifest, format, request), args.out)
    except ExportError as error:
        raise InputError(str(error)) from None
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    from planner.roster import request_json

    write_text(request_json(read_request(args.roster)) + "\n", args.out)
    return EXIT_OK


def run_diff(args: argparse.Namespace) -> int:
    from planner.replan import compare_plans

    changes, summary = compare_plans(read_plan(args.old), read_plan(args.new))
    if args.format == "json":
        document = {
            "changes": [c.model_dump(mode="json", by_alias=True) for c in changes],
            "change_summary": summary.model_dump(mode="json"),
        }
        write_text(json.dumps(document, indent=2) + "\n", None)
        return EXIT_OK
    for change in changes:
        was = f"{change.from_.flight_id} {change.from_.deplane}" if change.from_ else "-"
        now = f"{change.to.flight_id} {change.to.deplane}" if change.to else "-"
        why = "; ".join(f"{r.code.value}: {r.detail}" for r in change.reasons)
        print(f"{change.change.value:<8} {change.person_id:<14} {was:<20} -> {now:<20} {why}".rstrip())
    print(
        f"{summary.added} added, {summary.moved} moved, {summary.dropped} dropped, {summary.unchanged} unchanged",
        file=sys.stderr,
    )
    return EXIT_OK


def run_explain(args: argparse.Namespace) -> int:
    from planner.explain import ExplainError, explain, render_text

    plan = read_plan(args.plan)
    request = read_request(args.request)
    try:
        explanation = explain(request, plan, args.person_id)
    except ExplainError as error:
        raise InputError(f"cannot explain with {args.plan} and {args.request}: {error}") from None
    write_text(
        render_text(explanation) if args.format == "text" else explanation.model_dump_json(indent=2) + "\n", None
    )
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
