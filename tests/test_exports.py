"""Manifest exports: XLSX rows, PDF text (golden and by content), PAXLST read back by an independent EDIFACT parser."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pydifact.exceptions import MissingImplementationWarning
from pydifact.parser import Parser
from pydifact.segments import Segment
from pypdf import PdfReader

from planner.exports import ExportError, Format, export_manifest
from planner.exports.paxlst import DOCUMENT_CODES, manifest_paxlst, unoa
from planner.exports.pdf import manifest_pdf, unicode_font
from planner.exports.route import flight_of, passenger_order
from planner.manifest import CSV_COLUMNS, find_manifest
from planner.parsing import parse_request
from planner.plan import Manifest, Passenger, PassengerDocument, Plan
from planner.planning import make_plan
from planner.request import DocumentType, Flight, PlanRequest
from planner.solver import SolveSettings
from tests.test_manifest import GOLDEN, assert_golden

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
EXAMPLE = parse_request((FIXTURES / "contract-example.json").read_bytes())
PREPARED = dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC)
PAXLST_GOLDEN = "contract-example.RPN-101.paxlst"
UNOA_TEXT = re.compile(r"[A-Z0-9 .,\-()/='+:?!\"%&*;<>\n]*")


def plan_of(request: PlanRequest) -> Plan:
    return make_plan(request, SolveSettings(time_limit=10))


@pytest.fixture(scope="module")
def manifest() -> Manifest:
    found = find_manifest(plan_of(EXAMPLE), "RPN-101")
    assert found is not None
    return found


@pytest.fixture(scope="module")
def flight(manifest: Manifest) -> Flight:
    return flight_of(EXAMPLE, manifest)


def pdf_pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def crowded(manifest: Manifest, count: int) -> Manifest:
    """The manifest with `count` passengers: copies of its own under other ids and surnames."""
    passengers = [
        p.model_copy(update={"person_id": f"P-{n:04d}", "surname": f"{p.surname} {chr(65 + n % 26)}{n:03d}"})
        for n, p in ((n, manifest.passengers[n % len(manifest.passengers)]) for n in range(count))
    ]
    return manifest.model_copy(update={"passengers": tuple(passengers)})


def with_passenger(manifest: Manifest, **changes: object) -> Manifest:
    first = manifest.passengers[0]
    document = first.document.model_copy(update=changes.pop("document", {}))  # type: ignore[arg-type]
    passenger = first.model_copy(update={**changes, "document": document})
    return manifest.model_copy(update={"passengers": (passenger, *manifest.passengers[1:])})


# CSV and XLSX


def test_xlsx_has_the_csv_rows(manifest: Manifest) -> None:
    book = load_workbook(io.BytesIO(export_manifest(manifest, Format.XLSX)))
    rows = [
        [cell.isoformat()[:10] if isinstance(cell, dt.date) else cell for cell in row]
        for row in book.active.iter_rows(values_only=True)  # type: ignore[union-attr]
    ]
    golden = list(csv.reader(io.StringIO((GOLDEN / "contract-example.RPN-101.csv").read_text(encoding="utf-8"))))
    assert rows[0] == list(CSV_COLUMNS)
    assert rows == golden
    assert book.active.title == "RPN-101"  # type: ignore[union-attr]


def test_csv_and_json_exports_are_the_existing_formats(manifest: Manifest) -> None:
    assert export_manifest(manifest, Format.CSV) == (GOLDEN / "contract-example.RPN-101.csv").read_bytes()
    assert export_manifest(manifest, Format.JSON) == (GOLDEN / "contract-example.RPN-101.json").read_bytes()


# PDF


def test_pdf_text_golden(manifest: Manifest, flight: Flight) -> None:
    # The built-in font, so that the text is the same wherever the test runs.
    pages = pdf_pages(manifest_pdf(manifest, flight, font=False))
    assert_golden("contract-example.RPN-101.pdf.txt", "\n\f\n".join(pages) + "\n")


def test_pdf_shows_route_seats_passengers_pages_and_signature(manifest: Manifest) -> None:
    text = "\n".join(pdf_pages(export_manifest(manifest, Format.PDF, EXAMPLE)))
    for line in [
        "Passenger manifest - flight RPN-101",
        "Aircraft: ERJ-145    Seats: 12    Route: AEX - HRL - GUA - SAP",
        "Passengers: 3    Escort officers: 1    Medical officers: 1    Reserved seats: 2",
        "1 AEX 2026-12-03 07:00 UTC-06:00",
        "2 HRL 2026-12-03 08:40 UTC-06:00 2026-12-03 09:30 UTC-06:00",
        "4 SAP 2026-12-03 13:40 UTC-06:00",
        "HRL - GUA 3 1 1 2 7 12",
        "1 GUA AEX PEREZ ANA LUCIA F 1991-04-12 GTM Passport G1234567 GTM 2029-01-31 P-0001",
        "3 SAP HRL MEJIA JOSE M 1985-02-20 HND Laissez-passer LP-55102 HND 2027-02-01 P-0003",
        "Officer in charge",
        "Signature:",
        "Manifest of flight RPN-101 - page 1 of",
    ]:
        assert line in text


def test_pdf_of_many_passengers_numbers_its_pages_and_repeats_the_heading(manifest: Manifest, flight: Flight) -> None:
    big = crowded(manifest, 90)
    pages = pdf_pages(manifest_pdf(big, flight))
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in page
    tables = [page for page in pages if "P-00" in page]
    assert len(tables) >= 2
    assert all("Surname" in page for page in tables)
    listed = re.findall(r"^\d+ (GUA|SAP) \w+ (.+?) [FM] \d{4}-", "\n".join(pages), flags=re.MULTILINE)
    assert len(listed) == 90
    order = [(["GUA", "SAP"].index(stop), surname) for stop, surname in listed]
    assert order == sorted(order)


@pytest.mark.skipif(unicode_font() is None, reason="no Unicode TrueType font installed")
def test_pdf_prints_names_as_written_with_a_unicode_font(manifest: Manifest, flight: Flight) -> None:
    named = with_passenger(manifest, surname="ŁUKASZEWSKA-ÖZTÜRK", given_names="ZOË ŞULE")
    text = "\n".join(pdf_pages(manifest_pdf(named, flight)))
    assert "ŁUKASZEWSKA-ÖZTÜRK ZOË ŞULE" in text


def test_pdf_without_a_unicode_font_transliterates_what_latin_1_lacks(manifest: Manifest, flight: Flight) -> None:
    named = with_passenger(manifest, surname="ŁUKASZEWSKA-ÖZTÜRK", given_names="ZOË ŞULE")
    text = "\n".join(pdf_pages(manifest_pdf(named, flight, font=False)))
    assert "LUKASZEWSKA-ÖZTÜRK ZOË SULE" in text


# PAXLST


def edifact_segments(text: str) -> list[Segment]:
    """The interchange's segments as pydifact reads them, UNA first."""
    with warnings.catch_warnings():
        # pydifact ships no segment directories to validate against; it parses all the same.
        warnings.simplefilter("ignore", MissingImplementationWarning)
        return list(Parser().parse(text))


def passengers_read_back(segments: list[Segment]) -> list[dict[str, object]]:
    """Every passenger group (NAD+FL up to the next NAD or CNT) as the fields it states."""
    groups: list[list[Segment]] = []
    for segment in segments:
        if segment.tag == "NAD" and segment.elements[0] == "FL":
            groups.append([])
        elif segment.tag == "CNT":
            break
        if groups:
            groups[-1].append(segment)
    return [passenger_fields(group) for group in groups]


def passenger_fields(group: list[Segment]) -> dict[str, object]:
    nad, att, birth, board, deplane, nat, rff, doc, expires, issuer = group
    assert [s.tag for s in group] == ["NAD", "ATT", "DTM", "LOC", "LOC", "NAT", "RFF", "DOC", "DTM", "LOC"]
    assert (att.elements[0], birth.elements[0][0], board.elements[0], deplane.elements[0]) == ("2", "329", "178", "179")
    assert (nat.elements[0], rff.elements[0][0], expires.elements[0][0], issuer.elements[0]) == ("2", "ABO", "36", "91")
    surname, given_names = list(nad.elements[3])
    code = doc.elements[0] if isinstance(doc.elements[0], str) else doc.elements[0][0]
    name = "" if isinstance(doc.elements[0], str) else doc.elements[0][3]
    return {
        "surname": surname,
        "given_names": given_names,
        "sex": att.elements[2],
        "birth_date": birth.elements[0][1],
        "board": board.elements[1],
        "deplane": deplane.elements[1],
        "nationality": nat.elements[1],
        "person_id": rff.elements[0][1],
        "document": (code, name),
        "document_number": doc.elements[1],
        "document_expires": expires.elements[0][1],
        "document_issuing_country": issuer.elements[1],
    }


def expected_fields(passenger: Passenger) -> dict[str, object]:
    document = passenger.document
    return {
        "surname": unoa(passenger.surname),
        "given_names": unoa(passenger.given_names),
        "sex": passenger.sex,
        "birth_date": f"{passenger.birth_date:%y%m%d}",
        "board": passenger.board,
        "deplane": passenger.deplane,
        "nationality": passenger.nationality,
        "person_id": passenger.person_id,
        "document": DOCUMENT_CODES[document.type],
        "document_number": unoa(document.number),
        "document_expires": f"{document.expires:%y%m%d}",
        "document_issuing_country": document.issuing_country,
    }


def check_envelope(segments: list[Segment], passengers: int) -> None:
    """UNA/UNB ... UNZ: counts and references agree, and the UNT count is UNH to UNT inclusive."""
    tags = [s.tag for s in segments]
    assert tags[:3] == ["UNA", "UNB", "UNH"]
    assert tags[-2:] == ["UNT", "UNZ"]
    unb, unh, unt, unz = segments[1], segments[2], segments[-2], segments[-1]
    assert unb.elements[0] == ["UNOA", "4"]
    assert unh.elements[1] == ["PAXLST", "D", "05B", "UN", "IATA"]
    assert unt.elements[0] == str(len(segments) - 3)  # all but UNA, UNB and UNZ
    assert unt.elements[1] == unh.elements[0]
    assert unz.elements == ["1", unb.elements[4]]
    assert [s.elements for s in segments if s.tag == "BGM"] == [["745"]]
    assert [s.elements for s in segments if s.tag == "CNT"] == [[["42", str(passengers)]]]
    assert tags.count("NAD") == passengers + 1  # the reporting party, then one per passenger


def test_paxlst_golden(manifest: Manifest, flight: Flight) -> None:
    assert_golden(PAXLST_GOLDEN, manifest_paxlst(manifest, flight, PREPARED))


def test_paxlst_read_back_has_every_passenger_field(manifest: Manifest, flight: Flight) -> None:
    text = export_manifest(manifest, Format.PAXLST, EXAMPLE, PREPARED).decode("ascii")
    assert UNOA_TEXT.fullmatch(text)
    segments = edifact_segments(text)
    check_envelope(segments, len(manifest.passengers))
    assert passengers_read_back(segments) == [expected_fields(p) for p in passenger_order(manifest, flight)]
    itinerary = [(s.tag, s.elements) for s in segments if s.tag in {"LOC", "DTM"}][:10]
    assert itinerary == [
        ("LOC", ["125", "AEX"]),
        ("DTM", [["189", "2612030700", "201"]]),
        ("LOC", ["92", "HRL"]),
        ("DTM", [["232", "2612030840", "201"]]),
        ("DTM", [["189", "2612030930", "201"]]),
        ("LOC", ["92", "GUA"]),
        ("DTM", [["232", "2612031145", "201"]]),
        ("DTM", [["189", "2612031245", "201"]]),
        ("LOC", ["87", "SAP"]),
        ("DTM", [["232", "2612031340", "201"]]),
    ]


def test_paxlst_transliterates_to_unoa_and_releases_separators(manifest: Manifest, flight: Flight) -> None:
    named = with_passenger(
        manifest,
        surname="Núñez O'Brien-Łaski",
        given_names="zoë+ann: ?maría",
        document={"number": "AB+12'3:4?", "type": DocumentType.NATIONAL_ID},
    )
    text = manifest_paxlst(named, flight, PREPARED)
    assert UNOA_TEXT.fullmatch(text)
    assert "NUNEZ O?'BRIEN-LASKI:ZOE?+ANN?: ??MARIA'" in text
    segments = edifact_segments(text)
    check_envelope(segments, len(named.passengers))
    read = {fields["person_id"]: fields for fields in passengers_read_back(segments)}
    first = read[named.passengers[0].person_id]
    assert (first["surname"], first["given_names"]) == ("NUNEZ O'BRIEN-LASKI", "ZOE+ANN: ?MARIA")
    assert (first["document"], first["document_number"]) == (("I", ""), "AB+12'3:4?")


def test_paxlst_of_many_passengers_counts_every_segment(manifest: Manifest, flight: Flight) -> None:
    big = crowded(manifest, 250)
    segments = edifact_segments(manifest_paxlst(big, flight, PREPARED))
    check_envelope(segments, 250)
    assert passengers_read_back(segments) == [expected_fields(p) for p in passenger_order(big, flight)]


def test_paxlst_on_a_route_that_revisits_an_airport() -> None:
    request = parse_request((FIXTURES / "rule-airport-revisit.json").read_bytes())
    plan = plan_of(request)
    (manifest, *_) = plan.manifests
    flight = flight_of(request, manifest)
    segments = edifact_segments(manifest_paxlst(manifest, flight, PREPARED))
    check_envelope(segments, len(manifest.passengers))
    stops = [s.elements[1] for s in segments if s.tag == "LOC" and s.elements[0] in {"125", "92", "87"}]
    assert stops == [stop.airport for stop in flight.stops]
    assert passengers_read_back(segments) == [expected_fields(p) for p in passenger_order(manifest, flight)]


def test_paxlst_control_reference_differs_by_preparation_time(manifest: Manifest, flight: Flight) -> None:
    first = edifact_segments(manifest_paxlst(manifest, flight, PREPARED))[1].elements[4]
    later = edifact_segments(manifest_paxlst(manifest, flight, PREPARED + dt.timedelta(minutes=1)))[1].elements[4]
    assert isinstance(first, str)
    assert len(first) == 14
    assert first != later


# Flight data


def test_pdf_and_paxlst_need_the_plans_request(manifest: Manifest) -> None:
    for format in (Format.PDF, Format.PAXLST):
        with pytest.raises(ExportError, match="needs the plan's request"):
            export_manifest(manifest, format)


def test_request_without_the_flight_or_with_another_route_is_refused(manifest: Manifest) -> None:
    other = EXAMPLE.model_copy(update={"flights": EXAMPLE.flights[1:]})
    with pytest.raises(ExportError, match="has no flight 'RPN-101'"):
        export_manifest(manifest, Format.PDF, other)
    flight = EXAMPLE.flights[0]
    moved = flight.model_copy(update={"stops": flight.stops[:2] + flight.stops[3:]})
    rerouted = EXAMPLE.model_copy(update={"flights": (moved, *EXAMPLE.flights[1:])})
    with pytest.raises(ExportError, match="another route"):
        export_manifest(manifest, Format.PAXLST, rerouted)


def test_document_codes_cover_every_document_type() -> None:
    assert set(DOCUMENT_CODES) == set(DocumentType)
    assert PassengerDocument.model_fields["type"].annotation is DocumentType


# The command line


def planner(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-m", "planner.cli", *(str(a) for a in args)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, check=False, timeout=120)


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "plan.json"
    result = planner("plan", FIXTURES / "contract-example.xlsx", "--out", out, "--time-limit", "10")
    assert result.returncode == 0, result.stderr
    return out


def test_manifest_command_writes_every_format(plan_file: Path, tmp_path: Path) -> None:
    for format in Format:
        out = tmp_path / f"manifest.{format.value}"
        request = FIXTURES / "contract-example.json"
        result = planner("manifest", plan_file, "RPN-101", "--format", format, "--request", request, "--out", out)
        assert result.returncode == 0, result.stderr
        assert result.stdout == b""
    assert (tmp_path / "manifest.csv").read_bytes() == (GOLDEN / "contract-example.RPN-101.csv").read_bytes()
    assert (tmp_path / "manifest.json").read_bytes() == (GOLDEN / "contract-example.RPN-101.json").read_bytes()
    assert (tmp_path / "manifest.xlsx").read_bytes().startswith(b"PK")
    check_envelope(edifact_segments((tmp_path / "manifest.paxlst").read_text(encoding="ascii")), 3)
    # Standard output by default; the request may be the workbook the plan was made from.
    stdout = planner(
        "manifest", plan_file, "RPN-101", "--format", "pdf", "--request", FIXTURES / "contract-example.xlsx"
    )
    assert stdout.returncode == 0
    assert stdout.stdout == (tmp_path / "manifest.pdf").read_bytes()


def test_manifest_command_asks_for_the_request_where_needed(plan_file: Path) -> None:
    result = planner("manifest", plan_file, "RPN-101", "--format", "paxlst")
    assert result.returncode == 2
    assert b"give the plan's request with --request" in result.stderr
    result = planner("manifest", plan_file, "RPN-101", "--format", "pdf", "--request", FIXTURES / "mixed-medium.json")
    assert result.returncode == 2
    assert b"the request has no flight 'RPN-101'" in result.stderr
