"""Flight summaries and the briefing pictures: seat charts and the reasons breakdown, from the library and the CLI."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from planner.flights import FlightSummary, flights_of_request, flown_of_plan, flown_of_plan_json, summarise_flights
from planner.parsing import parse_request
from planner.plan import Plan
from planner.planning import make_plan
from planner.report import reason_counts, reasons_svg, seat_chart_svg, write_report
from planner.request import PlanRequest
from planner.solver import SolveSettings
from tests.test_cli import planner

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "fixtures" / "contract-example.json"
GOLDEN = Path(__file__).resolve().parent / "golden"
# UPDATE_GOLDEN=1 rewrites the files; look at them (and their PNGs from `planner report`) before committing.
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def request_() -> PlanRequest:
    return parse_request(EXAMPLE.read_bytes())


@pytest.fixture(scope="module")
def plan(request_: PlanRequest) -> Plan:
    made = make_plan(request_, SolveSettings(time_limit=10))
    return made.model_copy(update={"stats": made.stats.model_copy(update={"solve_seconds": 0.0})})


@pytest.fixture(scope="module")
def flights(plan: Plan, request_: PlanRequest) -> tuple[FlightSummary, ...]:
    return summarise_flights(flown_of_plan(plan), request_.flights)


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def tooltips(svg: str) -> list[str]:
    """The tooltip of every bar, in drawing order; parsing also proves the SVG is well-formed XML."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [title.text or "" for rect in root.iter(f"{SVG}rect") for title in rect.iter(f"{SVG}title")]


def test_summaries_keep_every_flight_of_the_request_in_order(flights: tuple[FlightSummary, ...]) -> None:
    assert [(f.flight_id, f.used, f.passengers) for f in flights] == [("RPN-101", True, 3), ("RPN-102", False, 0)]
    milk_run = flights[0]
    assert [s.airport for s in milk_run.stops] == ["AEX", "HRL", "GUA", "SAP"]
    assert [(s.from_, s.to, s.aboard, s.seats_used, s.seats) for s in milk_run.segments] == [
        ("AEX", "HRL", 2, 6, 12),
        ("HRL", "GUA", 3, 7, 12),
        ("GUA", "SAP", 1, 5, 12),
    ]
    for segment in milk_run.segments:
        parts = segment.aboard + segment.officers + segment.medical_officers + segment.reserved_seats
        assert parts == segment.seats_used


def test_summaries_read_from_stored_json_equal_those_from_models(
    plan: Plan, request_: PlanRequest, flights: tuple[FlightSummary, ...]
) -> None:
    assert flights_of_request(EXAMPLE.read_bytes()) == request_.flights
    assert summarise_flights(flown_of_plan_json(plan.to_json()), request_.flights) == flights


def test_without_the_request_only_flown_flights_are_summarised(plan: Plan) -> None:
    (flight,) = summarise_flights(flown_of_plan(plan))
    assert (flight.flight_id, flight.seats, flight.aircraft) == ("RPN-101", None, None)
    assert [s.airport for s in flight.stops] == ["AEX", "HRL", "GUA", "SAP"]
    assert "seats not known" in seat_chart_svg(flight)


def test_seat_chart_draws_each_part_of_each_segment(flights: tuple[FlightSummary, ...]) -> None:
    svg = seat_chart_svg(flights[0])
    assert tooltips(svg)[:5] == ["12 seats", "2 people", "1 escort officers", "1 medical officers", "2 reserved"]
    assert_golden("contract-example.seats-RPN-101.svg", svg)


def test_seat_chart_escapes_what_it_is_given(flights: tuple[FlightSummary, ...]) -> None:
    odd = flights[0].model_copy(update={"flight_id": "<RPN&101>", "aircraft": "A'320\""})
    root = ET.fromstring(seat_chart_svg(odd))
    assert root.findtext(f"{SVG}title") == "<RPN&101>: seats per segment"
    assert "A'320\"" in "".join(text.text or "" for text in root.iter(f"{SVG}text"))


def test_reasons_breakdown_counts_people_per_code(plan: Plan) -> None:
    assert [(code.value, count) for code, count in reason_counts(plan)] == [
        ("DESTINATION_NOT_ACCEPTING", 1),
        ("DOCUMENT_EXPIRED", 1),
        ("LEGAL_HOLD", 1),
        ("NATIONALITY_UNVERIFIED", 1),
        ("NO_ELIGIBLE_FLIGHT", 1),
    ]
    svg = reasons_svg(plan)
    assert tooltips(svg) == [f"1 people: {code.value}" for code, _ in reason_counts(plan)]
    assert_golden("contract-example.reasons.svg", svg)


def test_flight_ids_become_safe_distinct_file_names(
    plan: Plan, flights: tuple[FlightSummary, ...], tmp_path: Path
) -> None:
    renamed = [flights[0].model_copy(update={"flight_id": "A/1"}), flights[1].model_copy(update={"flight_id": "A_1"})]
    written = write_report(plan, renamed, tmp_path, png=False)
    assert [path.name for path in written] == ["reasons.svg", "seats-A_1.svg", "seats-A_1-2.svg"]


def test_cli_writes_svg_and_png_for_a_briefing(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    assert planner("plan", EXAMPLE, "--out", plan_file, "--time-limit", "10").returncode == 0
    out = tmp_path / "report"
    result = planner("report", plan_file, "--out", out, "--request", EXAMPLE)
    assert result.returncode == 0, result.stderr
    names = sorted(path.name for path in out.iterdir())
    stems = ["reasons", "seats-RPN-101", "seats-RPN-102"]
    assert names == sorted([f"{stem}.svg" for stem in stems] + [f"{stem}.png" for stem in stems])
    assert (out / "seats-RPN-101.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "wrote 6 file(s)" in result.stderr


def test_cli_report_without_the_request_draws_flown_flights_only(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    assert planner("plan", EXAMPLE, "--out", plan_file, "--time-limit", "10").returncode == 0
    result = planner("report", plan_file, "--out", tmp_path / "report")
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in (tmp_path / "report").glob("*.svg")) == ["reasons.svg", "seats-RPN-101.svg"]


def test_cli_report_of_a_missing_plan_exits_2(tmp_path: Path) -> None:
    result = planner("report", tmp_path / "nowhere.json", "--out", tmp_path / "report")
    assert result.returncode == 2
    assert "cannot read" in result.stderr


def test_cli_report_into_a_file_exits_2(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    assert planner("plan", EXAMPLE, "--out", plan_file, "--time-limit", "10").returncode == 0
    result = planner("report", plan_file, "--out", plan_file)
    assert result.returncode == 2
    assert f"cannot write to {plan_file}" in result.stderr
