"""Rosters from spreadsheets: round trips, one exact error per kind of bad cell, and fuzzed workbooks and CSV files."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from planner.generate import generate_request
from planner.parsing import parse_request
from planner.request import PlanRequest
from planner.roster import (
    RosterError,
    read_csv_folder,
    read_workbook,
    request_json,
    write_csv_folder,
    write_workbook,
)
from planner.roster.columns import SHEETS
from planner.roster.read import Row, Table, build_request, csv_table

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
TEMPLATES = FIXTURES / "templates"
EXAMPLE_JSON = FIXTURES / "contract-example.json"
EXAMPLE = parse_request(EXAMPLE_JSON.read_bytes())
EXAMPLE_WORKBOOK = write_workbook(EXAMPLE)
REQUESTS = sorted(p for p in FIXTURES.glob("*.json") if not p.name.endswith(".expected.json"))


def canonical(request: PlanRequest) -> str:
    return request_json(request)


def edited(edits: list[tuple[str, int, str, object]], workbook: bytes = EXAMPLE_WORKBOOK) -> bytes:
    """The workbook with cells set: (sheet, row, column name, value); a new column name adds a column."""
    book = load_workbook(io.BytesIO(workbook))
    for sheet_name, row, column, value in edits:
        sheet = book[sheet_name]
        header = [cell.value for cell in sheet[1]]
        if column not in header:
            sheet.cell(row=1, column=len(header) + 1, value=column)
            header.append(column)
        # Through .value: cell(value=None) would leave the cell as it was.
        sheet.cell(row=row, column=header.index(column) + 1).value = value  # type: ignore[assignment]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def problems_of(workbook: bytes) -> tuple[str, ...]:
    with pytest.raises(RosterError) as raised:
        read_workbook(workbook)
    return raised.value.problems


# Round trips


@pytest.mark.parametrize("path", REQUESTS, ids=lambda p: p.stem)
def test_json_to_xlsx_to_json_is_identical(path: Path) -> None:
    request = parse_request(path.read_bytes())
    assert canonical(read_workbook(write_workbook(request))) == canonical(request)


@pytest.mark.parametrize("path", REQUESTS, ids=lambda p: p.stem)
def test_json_to_csv_folder_to_json_is_identical(path: Path, tmp_path: Path) -> None:
    request = parse_request(path.read_bytes())
    write_csv_folder(request, tmp_path)
    assert canonical(read_csv_folder(tmp_path)) == canonical(request)


def test_generated_roster_round_trips_through_xlsx() -> None:
    request = generate_request(400, 12, weeks=2, seed=5)
    assert canonical(read_workbook(write_workbook(request))) == canonical(request)


def test_canonical_json_is_the_contract_request() -> None:
    assert parse_request(canonical(EXAMPLE)) == EXAMPLE
    assert json.loads(canonical(EXAMPLE)) == json.loads(canonical(parse_request(canonical(EXAMPLE))))
    assert "arrive" not in json.loads(canonical(EXAMPLE))["flights"][0]["stops"][0]


def test_filled_example_workbook_is_the_contract_example() -> None:
    assert read_workbook((FIXTURES / "contract-example.xlsx").read_bytes()) == EXAMPLE


def test_templates_have_every_column_one_example_row_and_agree() -> None:
    from_xlsx = read_workbook((TEMPLATES / "roster.xlsx").read_bytes())
    assert from_xlsx == read_csv_folder(TEMPLATES / "csv")
    assert (len(from_xlsx.people), len(from_xlsx.destinations), len(from_xlsx.flights)) == (1, 1, 1)
    book = load_workbook(TEMPLATES / "roster.xlsx")
    for sheet in SHEETS:
        header = [str(cell.value) for cell in book[sheet.name][1]]
        assert header == [column.name for column in sheet.columns]
        assert all(cell.comment is not None for cell in book[sheet.name][1])
        lines = (TEMPLATES / "csv" / f"{sheet.name}.csv").read_text(encoding="utf-8").splitlines()
        assert lines[0] == ",".join(header)
        # Flights take one row per stop: the example flight has two.
        assert len(lines) == (3 if sheet.name == "flights" else 2)


# Cells the way spreadsheets hold them


def test_dates_and_times_from_excel_cells() -> None:
    workbook = edited(
        [
            ("people", 2, "birth_date", dt.datetime(1991, 4, 12)),
            ("people", 9, "ready_from", dt.date(2026, 12, 4)),
            ("flights", 3, "arrive", dt.datetime(2026, 12, 3, 8, 40)),
            ("flights", 3, "depart", "2026-12-03T09:30"),
            ("flights", 3, "utc_offset", "-06:00"),
            ("flights", 4, "arrive", dt.datetime(2026, 12, 3, 11, 45)),
            ("flights", 4, "utc_offset", -6),
            ("destinations", 2, "arrival_window_start", dt.time(8, 0)),
            ("settings", 2, "as_of", dt.datetime(2026, 12, 1, 9, 0)),
            ("settings", 2, "utc_offset", "-6"),
        ]
    )
    assert read_workbook(workbook) == EXAMPLE


def test_numbers_booleans_words_and_case_are_read_leniently() -> None:
    workbook = edited(
        [
            ("flights", 2, "seats", 12.0),
            ("flights", 2, "cost", "40000"),
            ("people", 2, "nationality_verified", "yes"),
            ("people", 2, "final_order", 1),
            ("people", 2, "risk", "Low"),
            ("people", 2, "nationality", "gtm"),
            ("documents", 2, "type", "PASSPORT"),
            ("destinations", 2, "arrival_weekdays", "1;2 3,4, 5"),
            ("destinations", 3, "arrival_weekdays", None),
        ]
    )
    assert read_workbook(workbook) == EXAMPLE


def test_none_is_an_empty_list_and_blank_the_default() -> None:
    request = read_workbook(edited([("destinations", 5, "accepted_documents", "none")]))
    assert request.destinations[3].accepted_documents == ()
    request = read_workbook(edited([("destinations", 5, "accepted_documents", None)]))
    assert request.destinations[3].accepted_documents == ("passport", "emergency_travel_document")


def test_other_sheets_and_header_spelling_are_tolerated() -> None:
    book = load_workbook(io.BytesIO(EXAMPLE_WORKBOOK))
    book.create_sheet("Read me").append(["anything"])
    book["people"].cell(row=1, column=4, value=" Birth Date ")
    # openpyxl numbers a title that equals another but for case, so rename in two steps.
    book["people"].title = "renamed"
    book["renamed"].title = "People"
    buffer = io.BytesIO()
    book.save(buffer)
    assert read_workbook(buffer.getvalue()) == EXAMPLE


# Every kind of bad cell, with its exact problem

BAD_CELLS: list[tuple[str, list[tuple[str, int, str, object]], str | tuple[str, ...]]] = [
    ("text-date", [("people", 4, "birth_date", "20/02/1985")],
     "people row 4 column birth_date: Input should be a valid date in the format YYYY-MM-DD, "
     "invalid character in year"),
    ("bool-date", [("people", 4, "birth_date", True)],
     "people row 4 column birth_date: not a date; write YYYY-MM-DD or use a date cell"),
    ("date-with-time", [("documents", 3, "expires", dt.datetime(2026, 12, 31, 10, 30))],
     "documents row 3 column expires: a date cell with a time of day; give the date only"),
    ("bool", [("people", 2, "fit_to_fly", "perhaps")], "people row 2 column fit_to_fly: not TRUE or FALSE"),
    ("bool-number", [("destinations", 3, "accepting", 2)], "destinations row 3 column accepting: not TRUE or FALSE"),
    ("int-text", [("flights", 2, "seats", "twelve")], "flights row 2 column seats: not a whole number"),
    ("int-fraction", [("flights", 2, "seats", 12.5)], "flights row 2 column seats: not a whole number"),
    ("int-bool", [("people", 3, "priority", True)],
     "people row 3 column priority: expected a whole number, found TRUE or FALSE"),
    ("int-range", [("settings", 2, "officer_ratio_low", 0)],
     "settings row 2 column officer_ratio_low: Input should be greater than or equal to 1"),
    ("text-is-date", [("people", 5, "surname", dt.datetime(2020, 1, 1))],
     "people row 5 column surname: expected text, found a date or time cell"),
    ("country", [("people", 6, "nationality", "XYZ")],
     "people row 6 column nationality: not an ISO 3166-1 alpha-3 country code"),
    ("airport", [("people", 6, "staging_airport", "HOUSTON")],
     "people row 6 column staging_airport: String should match pattern '^[A-Z]{3}$'"),
    ("sex", [("people", 2, "sex", "W")], "people row 2 column sex: Input should be 'F', 'M' or 'X'"),
    ("risk", [("people", 2, "risk", "severe")], "people row 2 column risk: Input should be 'low', 'medium' or 'high'"),
    ("document-type", [("documents", 2, "type", "visa")],
     "documents row 2 column type: Input should be 'passport', 'emergency_travel_document', 'laissez_passer' or "
     "'national_id'"),
    ("list-item", [("destinations", 2, "arrival_weekdays", "1, 2, 9")],
     "destinations row 2 column arrival_weekdays: Input should be less than or equal to 7"),
    ("list-item-word", [("destinations", 2, "arrival_weekdays", "mon, tue")],
     "destinations row 2 column arrival_weekdays: not a whole number"),
    ("empty-airports", [("destinations", 2, "arrival_airports", None)],
     "destinations row 2 column arrival_airports: Field required"),
    ("clock", [("destinations", 2, "arrival_window_end", "18h")],
     "destinations row 2 column arrival_window_end: String should match pattern '^([01][0-9]|2[0-3]):[0-5][0-9]$'"),
    ("half-window", [("destinations", 2, "arrival_window_end", None)],
     "destinations row 2 column arrival_window_end: give both ends of the window"),
    ("no-offset", [("flights", 3, "arrive", "2026-12-03T08:40:00")],
     "flights row 3 column arrive: a timestamp needs a UTC offset, like -06:00 or Z"),
    ("cell-no-offset", [("flights", 3, "arrive", dt.datetime(2026, 12, 3, 8, 40))],
     "flights row 3 column arrive: a date-time cell needs the row's utc_offset, like -06:00"),
    ("bad-offset", [("flights", 3, "utc_offset", "CST")],
     "flights row 3 column utc_offset: not a UTC offset like -06:00"),
    ("time-order", [("flights", 4, "arrive", "2026-12-03T09:00:00-06:00")],
     "flights row 4 column arrive: must be later than row 3 column depart"),
    ("stop-times", [("flights", 5, "depart", "2026-12-03T14:00:00-06:00")],
     "flights row 5 column depart: the last stop must not have a depart time"),
    ("flight-columns-differ", [("flights", 4, "aircraft", "B737-800")],
     "flights row 4 column aircraft: differs from row 2, the flight's first row"),
    ("flight-rows-apart", [("flights", 8, "flight_id", "RPN-101"), ("flights", 8, "airport", "CAN")],
     "flights row 8 column flight_id: this flight's stops began at row 2; keep a flight's rows together"),
    ("flight-id-blank", [("flights", 5, "flight_id", None)],
     ("flights row 4 column depart: the last stop must not have a depart time",
      "flights row 5 column flight_id: every stop needs its flight's id")),
    ("one-stop", [("flights", 7, "flight_id", None), ("flights", 7, "airport", None), ("flights", 7, "arrive", None)],
     "flights row 6: a flight needs at least two stops, one row each"),
    ("duplicate-person", [("people", 4, "id", "P-0001")],
     ("people row 4 column id: repeats row 2; it must be unique",
      "documents row 4 column person_id: no person on the people sheet has this id")),
    ("duplicate-country", [("destinations", 4, "country", "GTM")],
     "destinations row 4 column country: repeats row 2; it must be unique"),
    ("required-blank", [("people", 3, "surname", " ")], "people row 3 column surname: Field required"),
    ("unknown-person", [("documents", 9, "person_id", "P-0404")],
     "documents row 9 column person_id: no person on the people sheet has this id"),
    ("unknown-column", [("holds", 1, "reason", "reason")],
     "holds row 1 column reason: unknown column; the columns are person_id, kind, note"),
    ("missing-column", [("documents", 1, "number", "doc_no")],
     ("documents row 1 column doc_no: unknown column; the columns are person_id, type, number, issuing_country, "
      "expires",
      "documents row 1 column number: missing column")),
    ("as-of", [("settings", 2, "as_of", None)], "settings row 2 column as_of: Field required"),
    ("settings-row", [("settings", 3, "medical_ratio", 5)], "settings row 3: the settings sheet has a single row"),
]  # fmt: skip


@pytest.mark.parametrize(("edits", "problem"), [(e, p) for _, e, p in BAD_CELLS], ids=[n for n, _, _ in BAD_CELLS])
def test_each_kind_of_bad_cell_names_its_sheet_row_and_column(
    edits: list[tuple[str, int, str, object]], problem: str | tuple[str, ...]
) -> None:
    found = problems_of(edited(edits))
    assert found == (problem if isinstance(problem, tuple) else (problem,))
    # Cell values are not quoted (header names and ids are no personal data, and are named on purpose).
    values = {value for _, row, _, value in edits if row > 1 and isinstance(value, str) and len(value.strip()) > 3}
    assert not any(value in text for value in values - {"P-0001"} for text in found)


def test_every_problem_is_listed_at_once_in_sheet_row_column_order() -> None:
    edits: list[tuple[str, int, str, object]] = [
        ("people", 4, "birth_date", 3.5),
        ("people", 2, "fit_to_fly", "perhaps"),
        ("flights", 2, "seats", "twelve"),
        ("settings", 2, "medical_ratio", -1),
        ("documents", 3, "expires", "soon"),
    ]
    assert [p.split(":")[0] for p in problems_of(edited(edits))] == [
        "settings row 2 column medical_ratio",
        "flights row 2 column seats",
        "people row 2 column fit_to_fly",
        "people row 4 column birth_date",
        "documents row 3 column expires",
    ]


def test_problems_never_quote_personal_data() -> None:
    secret_name, secret_number = "ZZSECRETNAME", "ZZSECRET-77"
    edits: list[tuple[str, int, str, object]] = [
        ("people", 2, "surname", secret_name),
        ("people", 2, "birth_date", "1991-02-30"),
        ("documents", 2, "number", secret_number),
        ("documents", 2, "expires", "2029-13-01"),
        ("people", 3, "sex", secret_name),
    ]
    text = "\n".join(problems_of(edited(edits)))
    assert "people row 2 column birth_date" in text
    assert "documents row 2 column expires" in text
    for secret in (secret_name, secret_number, "1991-02-30", "2029-13-01"):
        assert secret not in text


def test_missing_sheets_and_files_that_are_no_workbook() -> None:
    book = load_workbook(io.BytesIO(EXAMPLE_WORKBOOK))
    del book["people"]
    del book["holds"]
    buffer = io.BytesIO()
    book.save(buffer)
    assert problems_of(buffer.getvalue()) == (
        "people: missing: the roster needs this sheet (or CSV file)",
        "documents row 2 column person_id: no person on the people sheet has this id",
        *(f"documents row {row} column person_id: no person on the people sheet has this id" for row in range(3, 10)),
    )
    assert problems_of(b"PK\x03\x04 not really a zip") == ("the file is not a readable XLSX workbook",)
    assert problems_of(b"") == ("the file is not a readable XLSX workbook",)


# CSV folders


def test_csv_from_excel_with_bom_and_semicolons(tmp_path: Path) -> None:
    write_csv_folder(EXAMPLE, tmp_path)
    people = tmp_path / "people.csv"
    people.write_bytes(b"\xef\xbb\xbf" + people.read_text(encoding="utf-8").replace(",", ";").encode())
    assert read_csv_folder(tmp_path) == EXAMPLE


def test_csv_problems_name_file_line_and_column(tmp_path: Path) -> None:
    write_csv_folder(EXAMPLE, tmp_path)
    lines = (tmp_path / "people.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("2019-09-02", "2019-9-2")
    (tmp_path / "people.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "holds.csv").write_bytes(b"person_id,kind\nP-0006,\xff\xfe\n")
    (tmp_path / "settings.csv").unlink()
    with pytest.raises(RosterError) as raised:
        read_csv_folder(tmp_path)
    assert raised.value.problems == (
        "settings: missing: the roster needs this sheet (or CSV file)",
        "people row 3 column birth_date: Input should be a valid date in the format YYYY-MM-DD, input is too short",
        "holds: not UTF-8 text (byte 22)",
    )


def test_folder_without_holds_means_nobody_has_one(tmp_path: Path) -> None:
    write_csv_folder(EXAMPLE, tmp_path)
    (tmp_path / "holds.csv").unlink()
    assert all(not p.holds for p in read_csv_folder(tmp_path).people)


# Fuzzing: nothing but a RosterError, whatever the cells

CELLS = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["", " ", "TRUE", "no", "none", "GTM", "P-0001", "RPN-101", "-06:00", "2026-12-03", "1, 9"]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
)
NAMES = [column.name for sheet in SHEETS for column in sheet.columns] + ["", "x"]


def example_tables() -> dict[str, list[list[Any]]]:
    book = load_workbook(io.BytesIO(EXAMPLE_WORKBOOK))
    return {sheet.name: [list(row) for row in book[sheet.name].iter_rows(values_only=True)] for sheet in SHEETS}


EXAMPLE_TABLES = example_tables()


@st.composite
def mutated_tables(draw: st.DrawFn) -> dict[str, Table | str]:
    """The example's sheets with random cells, rows and headers replaced, and sheets dropped."""
    tables: dict[str, Table | str] = {}
    for name, lines in EXAMPLE_TABLES.items():
        if draw(st.integers(0, 20)) == 0:
            continue
        lines = [list(line) for line in lines]
        for _ in range(draw(st.integers(0, 4))):
            row = draw(st.integers(0, len(lines)))
            if row == len(lines):
                lines.append([None] * len(lines[0]))
            column = draw(st.integers(0, len(lines[0]) - 1))
            lines[row][column] = draw(st.sampled_from(NAMES)) if row == 0 and draw(st.booleans()) else draw(CELLS)
        columns = tuple(str(c).strip().lower() if c is not None else "" for c in lines[0])
        rows = tuple(Row(n, {k: v for k, v in zip(columns, line, strict=False) if v is not None})
                     for n, line in enumerate(lines[1:], start=2))  # fmt: skip
        tables[name] = Table(columns, rows)
    return tables


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(mutated_tables())
def test_fuzzed_sheets_give_a_request_or_a_roster_error(tables: dict[str, Table | str]) -> None:
    problems: tuple[str, ...] = ()
    try:
        request = build_request(tables)
    except RosterError as error:
        problems = error.problems
    else:
        assert isinstance(request, PlanRequest)
        return
    assert problems
    assert all(": " in problem for problem in problems)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELLS, max_size=5), max_size=4), st.sampled_from([s.name for s in SHEETS]))
def test_fuzzed_single_sheet_workbooks_give_a_roster_error(lines: list[list[object]], sheet_name: str) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_name
    buffer = io.BytesIO()
    try:
        for line in lines:
            sheet.append([v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v for v in line])
        book.save(buffer)
    except (ValueError, TypeError, IllegalCharacterError):
        return  # openpyxl refuses some cells (control characters); no such file can exist
    with pytest.raises(RosterError):
        read_workbook(buffer.getvalue())


@FUZZ
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_fuzzed_bytes_give_a_roster_error(data: bytes) -> None:
    with pytest.raises(RosterError):
        read_workbook(data)
    table = csv_table(data)
    assert isinstance(table, str | Table)
    if isinstance(table, Table):
        with pytest.raises(RosterError):
            build_request({"people": table})


# The command line


def planner(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "planner.cli", *(str(a) for a in args)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)


def test_import_writes_contract_json(tmp_path: Path) -> None:
    out = tmp_path / "request.json"
    result = planner("import", FIXTURES / "contract-example.xlsx", "--out", out)
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8") == canonical(EXAMPLE) + "\n"
    write_csv_folder(EXAMPLE, tmp_path / "roster")
    result = planner("import", tmp_path / "roster")
    assert result.returncode == 0, result.stderr
    assert result.stdout == canonical(EXAMPLE) + "\n"


def test_import_of_a_bad_workbook_lists_every_cell_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "roster.xlsx"
    bad.write_bytes(edited([("people", 4, "birth_date", "1985-02-30"), ("flights", 2, "seats", "twelve")]))
    result = planner("import", bad)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "flights row 2 column seats: not a whole number" in result.stderr
    assert "people row 4 column birth_date:" in result.stderr
    assert "1985-02-30" not in result.stderr


def test_plan_takes_a_workbook_and_a_csv_folder(tmp_path: Path) -> None:
    from_json = planner("plan", EXAMPLE_JSON, "--time-limit", "10")
    from_xlsx = planner("plan", FIXTURES / "contract-example.xlsx", "--time-limit", "10")
    write_csv_folder(EXAMPLE, tmp_path / "roster")
    from_csv = planner("plan", tmp_path / "roster", "--time-limit", "10")
    for result in (from_json, from_xlsx, from_csv):
        assert result.returncode == 0, result.stderr
    plans = [json.loads(r.stdout) for r in (from_json, from_xlsx, from_csv)]
    for plan in plans:
        plan["stats"]["solve_seconds"] = 0
    assert plans[0] == plans[1] == plans[2]
