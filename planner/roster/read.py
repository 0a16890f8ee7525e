"""Reading a roster workbook (XLSX) or folder of CSV files into a plan request, every problem named by its cell."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.parsing import RequestError, parse_request
from planner.request import PlanRequest
from planner.roster.columns import SHEETS, CellError, Sheet, convert, is_blank

__all__ = ["RosterError", "is_roster", "read_csv_folder", "read_roster", "read_workbook"]

Loc = tuple[str | int, ...]
Json = dict[str, Any]
HEADER_ROW = 1


class RosterError(Exception):
    """A roster that cannot become a valid request; `problems` names every bad cell, never its content."""

    def __init__(self, problems: tuple[str, ...]) -> None:
        super().__init__(problems)
        self.problems = problems

    def __str__(self) -> str:
        return f"{len(self.problems)} problem(s) in the roster:\n" + "\n".join(self.problems)


@dataclass(frozen=True)
class Place:
    """Where a value came from: a sheet, a row (1 is the header) and a column, each when known."""

    sheet: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        text = self.sheet
        if self.row is not None:
            text += f" row {self.row}"
        if self.column is not None:
            text += f" column {self.column}"
        return text


@dataclass(frozen=True)
class Row:
    number: int
    cells: dict[str, object]


@dataclass(frozen=True)
class Table:
    """One sheet as read: its header's column names and its non-blank rows."""

    columns: tuple[str, ...]
    rows: tuple[Row, ...]


@dataclass
class Reading:
    """The request being built, where each of its values came from, and the problems found so far."""

    places: dict[Loc, Place] = field(default_factory=dict)
    problems: list[tuple[Place, str]] = field(default_factory=list)
    bad: set[Place] = field(default_factory=set)

    def fail(self, place: Place, message: str) -> None:
        self.problems.append((place, message))
        self.bad.add(place)

    def value(self, sheet: Sheet, row: Row, name: str, loc: Loc, offset: str | None = None) -> object | None:
        """The converted cell of a column (None when blank or bad), its place remembered under `loc`."""
        column = sheet.column(name)
        assert column is not None
        place = Place(sheet.name, row.number, name)
        self.places[loc] = place
        raw = row.cells.get(name)
        if is_blank(raw):
            return None
        try:
            return convert(column.kind, raw, offset)
        except CellError as error:
            self.fail(place, str(error))
            return None

    def put(self, target: Json, key: str, sheet: Sheet, row: Row, loc: Loc, name: str | None = None) -> None:
        """Set target[key] from the column (named `key` unless given) when its cell is not blank."""
        value = self.value(sheet, row, name or key, (*loc, key))
        if value is not None:
            target[key] = value

    def offset(self, sheet: Sheet, row: Row) -> str | None:
        if sheet.column("utc_offset") is None:
            return None
        value = self.value(sheet, row, "utc_offset", (sheet.name, row.number, "utc_offset"))
        return value if isinstance(value, str) else None


def is_roster(path: Path) -> bool:
    """Whether a request path names a roster (an .xlsx workbook or a folder of CSV files) rather than JSON."""
    return path.suffix.lower() == ".xlsx" or path.is_dir()


def read_roster(path: Path) -> PlanRequest:
    """The request of an .xlsx workbook or a folder of CSV files, or RosterError naming every bad cell."""
    if path.is_dir():
        return read_csv_folder(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RosterError((f"cannot read {path.name}: {error.strerror}",)) from None
    return read_workbook(data)


def read_workbook(data: bytes) -> PlanRequest:
    """The request of an XLSX workbook with the roster's sheets (other sheets are ignored)."""
    return build_request(workbook_tables(data))


def read_csv_folder(folder: Path) -> PlanRequest:
    """The request of a folder holding one `<sheet>.csv` per sheet (UTF-8, header first)."""
    tables: dict[str, Table | str] = {}
    for sheet in SHEETS:
        path = folder / f"{sheet.name}.csv"
        if not path.exists():
            continue
        try:
            tables[sheet.name] = csv_table(path.read_bytes())
        except OSError as error:
            tables[sheet.name] = f"cannot read {path.name}: {error.strerror}"
    return build_request(tables)


def read_csv_files(files: Mapping[str, bytes]) -> PlanRequest:
    """The request of CSV files named `<sheet>.csv` (an upload of the folder's files); other names are ignored."""
    by_name = {Path(name).name.lower(): data for name, data in files.items()}
    tables: dict[str, Table | str] = {
        sheet.name: csv_table(by_name[f"{sheet.name}.csv"]) for sheet in SHEETS if f"{sheet.name}.csv" in by_name
    }
    return build_request(tables)


def csv_table(data: bytes) -> Table | str:
    """A CSV file as a table, or what is wrong with it. Excel's BOM and semicolon-separated files are read too."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return f"not UTF-8 text (byte {error.start})"
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        return f"not readable as CSV: {error}"
    return table_of(lines)


def workbook_tables(data: bytes) -> dict[str, Table | str]:
    from openpyxl import load_workbook

    tables: dict[str, Table | str] = {}
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            names = {name.strip().lower(): name for name in workbook.sheetnames}
            for sheet in SHEETS:
                if sheet.name in names:
                    rows = workbook[names[sheet.name]].iter_rows(values_only=True)
                    tables[sheet.name] = table_of(list(row) for row in rows)
        finally:
            workbook.close()
    # A damaged file can fail deep inside the zip, XML or style readers with almost any exception.
    except Exception:
        raise RosterError(("the file is not a readable XLSX workbook",)) from None
    return tables


def table_of(lines: Iterable[list[Any]]) -> Table | str:
    """Header and non-blank rows; column names read lower case with spaces as underscores."""
    iterator = iter(lines)
    header = next(iterator, None)
    if header is None:
        return "empty: it needs a header row"
    columns = tuple("" if is_blank(name) else re.sub(r"\s+", "_", str(name).strip().lower()) for name in header)
    rows = []
    for number, line in enumerate(iterator, start=HEADER_ROW + 1):
        # Cells right of the header count as under a column without a name.
        names = columns + ("",) * max(0, len(line) - len(columns))
        cells = {name: value for name, value in zip(names, line, strict=False) if not is_blank(value)}
        if cells:
            rows.append(Row(number, cells))
    return Table(columns, tuple(rows))


def build_request(tables: dict[str, Table | str]) -> PlanRequest:
    """Check the sheets' shapes, build the request JSON, and validate it against the contract."""
    reading = Reading()
    usable: dict[str, Table] = {}
    for sheet in SHEETS:
        table = tables.get(sheet.name)
        if table is None:
            if sheet.required:
                reading.fail(Place(sheet.name), "missing: the roster needs this sheet (or CSV file)")
            usable[sheet.name] = Table((), ())
        elif isinstance(table, str):
            reading.fail(Place(sheet.name), table)
            usable[sheet.name] = Table((), ())
        else:
            check_header(reading, sheet, table)
            usable[sheet.name] = table
    raw = assemble(reading, usable)
    try:
        request = parse_request(json.dumps(raw))
    except RequestError as error:
        for loc, message in error.problems:
            place = place_of(reading, loc)
            if place not in reading.bad and not any(p.sheet == place.sheet and p.row is None for p in reading.bad):
                reading.problems.append((place, translate(reading, loc, message)))
    if reading.problems:
        ordered = sorted(reading.problems, key=lambda problem: order_of(problem[0]))
        raise RosterError(tuple(f"{place}: {message}" for place, message in ordered))
    return request


SHEET_ORDER = {sheet.name: index for index, sheet in enumerate(SHEETS)}


def order_of(place: Place) -> tuple[int, int, int]:
    """Problems listed sheet by sheet, row by row, column by column as the template has them."""
    sheet = sheet_named(place.sheet) if place.sheet in SHEET_ORDER else None
    columns = [c.name for c in sheet.columns] if sheet else []
    column = columns.index(place.column) + 1 if place.column in columns else 0
    return SHEET_ORDER.get(place.sheet, -1), place.row or 0, column


def check_header(reading: Reading, sheet: Sheet, table: Table) -> None:
    """Unknown, repeated and missing columns, and data under a column without a name."""
    seen: set[str] = set()
    if "" in table.columns and any("" in row.cells for row in table.rows):
        reading.fail(Place(sheet.name, HEADER_ROW), "data under a column without a name")
    for name in table.columns:
        if not name:
            continue
        if sheet.column(name) is None:
            known = ", ".join(c.name for c in sheet.columns)
            reading.fail(Place(sheet.name, HEADER_ROW, name), f"unknown column; the columns are {known}")
        elif name in seen:
            reading.fail(Place(sheet.name, HEADER_ROW, name), "the column appears twice")
        seen.add(name)
    for column in sheet.columns:
        if column.required and column.name not in seen:
            reading.fail(Place(sheet.name, HEADER_ROW, column.name), "missing column")
            reading.bad |= {Place(sheet.name, row.number, column.name) for row in table.rows}


def assemble(reading: Reading, tables: dict[str, Table]) -> Json:
    """The request JSON; values of bad cells are left out (their problems are already recorded)."""
    people, index_of = read_people(reading, tables["people"])
    document_keys = ("type", "number", "issuing_country", "expires")
    attach(reading, tables["documents"], "documents", people, index_of, document_keys)
    attach(reading, tables["holds"], "holds", people, index_of, ("kind", "note"))
    raw: Json = {
        "destinations": read_destinations(reading, tables["destinations"]),
        "flights": read_flights(reading, tables["flights"]),
        "people": people,
    }
    raw |= read_settings(reading, tables["settings"])
    return raw


def sheet_named(name: str) -> Sheet:
    return next(sheet for sheet in SHEETS if sheet.name == name)


def read_settings(reading: Reading, table: Table) -> Json:
    sheet = sheet_named("settings")
    if not table.rows:
        if table.columns:
            reading.fail(Place(sheet.name, HEADER_ROW + 1), "the settings sheet needs one row under its header")
        return {}
    first, *others = table.rows
    for extra in others:
        reading.fail(Place(sheet.name, extra.number), "the settings sheet has a single row")
    settings: Json = {}
    offset = reading.offset(sheet, first)
    as_of = reading.value(sheet, first, "as_of", ("as_of",), offset)
    if as_of is not None:
        settings["as_of"] = as_of
    ratios: Json = {}
    for risk in ("low", "medium", "high"):
        reading.put(ratios, risk, sheet, first, ("policy", "officer_ratio"), f"officer_ratio_{risk}")
    policy: Json = {"officer_ratio": ratios} if ratios else {}
    reading.put(policy, "medical_ratio", sheet, first, ("policy",))
    reading.places[("policy",)] = reading.places[("policy", "officer_ratio")] = Place(sheet.name, first.number)
    if policy:
        settings["policy"] = policy
    return settings


def read_destinations(reading: Reading, table: Table) -> list[Json]:
    sheet = sheet_named("destinations")
    destinations = []
    for index, row in enumerate(table.rows):
        loc: Loc = ("destinations", index)
        reading.places[loc] = Place(sheet.name, row.number)
        destination: Json = {}
        for column in sheet.columns:
            if not column.name.startswith("arrival_window"):
                reading.put(destination, column.name, sheet, row, loc)
        window = {
            key: reading.value(sheet, row, f"arrival_window_{key}", (*loc, "arrival_window", key))
            for key in ("start", "end")
        }
        reading.places[(*loc, "arrival_window")] = Place(sheet.name, row.number, "arrival_window_start")
        given = {key: value for key, value in window.items() if value is not None}
        if len(given) == 2:
            destination["arrival_window"] = given
        elif len(given) == 1:
            missing = "end" if "start" in given else "start"
            reading.fail(Place(sheet.name, row.number, f"arrival_window_{missing}"), "give both ends of the window")
        destinations.append(destination)
    return destinations


FLIGHT_COLUMNS = ("aircraft", "seats", "reserved_seats", "cost")


def read_flights(reading: Reading, table: Table) -> list[Json]:
    """Flights from rows of stops: a flight's rows are consecutive, its own columns on the first of them."""
    sheet = sheet_named("flights")
    flights: list[Json] = []
    first_rows: dict[str, int] = {}
    for row, flight_id in flight_rows(reading, sheet, table):
        if flights and flights[-1]["id"] == flight_id:
            flight, index = flights[-1], len(flights) - 1
            check_repeated_columns(reading, sheet, row, flight, index)
        elif flight_id in first_rows:
            reading.fail(
                Place(sheet.name, row.number, "flight_id"),
                f"this flight's stops began at row {first_rows[flight_id]}; keep a flight's rows together",
            )
            continue
        else:
            index = len(flights)
            first_rows[flight_id] = row.number
            flight = {"id": flight_id, "stops": []}
            loc: Loc = ("flights", index)
            reading.places[loc] = reading.places[(*loc, "stops")] = Place(sheet.name, row.number)
            reading.places[(*loc, "id")] = Place(sheet.name, row.number, "flight_id")
            for name in FLIGHT_COLUMNS:
                reading.put(flight, name, sheet, row, loc)
            flights.append(flight)
        flight["stops"].append(read_stop(reading, sheet, row, ("flights", index, "stops", len(flight["stops"]))))
    return flights


def flight_rows(reading: Reading, sheet: Sheet, table: Table) -> Iterator[tuple[Row, str]]:
    for row in table.rows:
        flight_id = reading.value(sheet, row, "flight_id", ("flights-row", row.number))
        if isinstance(flight_id, str) and flight_id:
            yield row, flight_id
        elif Place(sheet.name, row.number, "flight_id") not in reading.bad:
            reading.fail(Place(sheet.name, row.number, "flight_id"), "every stop needs its flight's id")


def check_repeated_columns(reading: Reading, sheet: Sheet, row: Row, flight: Json, index: int) -> None:
    """A flight's own columns on a later stop row are blank or repeat the first row's value."""
    for name in FLIGHT_COLUMNS:
        value = reading.value(sheet, row, name, ("flights-row", row.number, name))
        first = reading.places[("flights", index, name)]
        if value is not None and value != flight.get(name):
            reading.fail(Place(sheet.name, row.number, name), f"differs from row {first.row}, the flight's first row")


def read_stop(reading: Reading, sheet: Sheet, row: Row, loc: Loc) -> Json:
    reading.places[loc] = Place(sheet.name, row.number)
    offset = reading.offset(sheet, row)
    stop: Json = {}
    reading.put(stop, "airport", sheet, row, loc)
    for key in ("arrive", "depart"):
        value = reading.value(sheet, row, key, (*loc, key), offset)
        if value is not None:
            stop[key] = value
    return stop


PERSON_COLUMNS = tuple(c.name for c in sheet_named("people").columns)


def read_people(reading: Reading, table: Table) -> tuple[list[Json], dict[str, int]]:
    sheet = sheet_named("people")
    people: list[Json] = []
    index_of: dict[str, int] = {}
    for index, row in enumerate(table.rows):
        loc: Loc = ("people", index)
        reading.places[loc] = Place(sheet.name, row.number)
        person: Json = {"holds": [], "documents": []}
        for name in PERSON_COLUMNS:
            reading.put(person, name, sheet, row, loc)
        if isinstance(person.get("id"), str):
            index_of.setdefault(person["id"], index)
        people.append(person)
    return people, index_of


def attach(
    reading: Reading, table: Table, name: str, people: list[Json], index_of: dict[str, int], keys: tuple[str, ...]
) -> None:
    """Rows of the documents or holds sheet added, in row order, to the person whose id they name."""
    sheet = sheet_named(name)
    for row in table.rows:
        person_id = reading.value(sheet, row, "person_id", (f"{name}-row", row.number))
        place = Place(sheet.name, row.number, "person_id")
        if person_id is None:
            if place not in reading.bad:
                reading.fail(place, "needs the id of a person on the people sheet")
            continue
        index = index_of.get(str(person_id))
        if index is None:
            reading.fail(place, "no person on the people sheet has this id")
            continue
        items = people[index][name]
        loc: Loc = ("people", index, name, len(items))
        reading.places[loc] = Place(sheet.name, row.number)
        item: Json = {}
        for key in keys:
            reading.put(item, key, sheet, row, loc)
        items.append(item)


def place_of(reading: Reading, loc: Loc) -> Place:
    """The cell (or row, or sheet) a contract location came from: its longest known prefix."""
    for end in range(len(loc), 0, -1):
        place = reading.places.get(loc[:end])
        if place is not None:
            return place
    return Place("settings") if loc and loc[0] in {"as_of", "policy"} else Place(str(loc[0]) if loc else "roster")


REFERENCE = re.compile(r"\b(destinations|flights|people|stops)\[(\d+)\]\.(\w+)")


def translate(reading: Reading, loc: Loc, message: str) -> str:
    """A contract message with its references to other fields (`people[2].id`) turned into cells."""

    def cell(match: re.Match[str]) -> str:
        field, index, key = match[1], int(match[2]), match[3]
        target: Loc = (*loc[:3], index, key) if field == "stops" else (field, index, key)
        place = reading.places.get(target)
        if place is None:
            return match[0]
        here = place_of(reading, loc)
        if place.sheet == here.sheet and place.column == here.column:
            return f"row {place.row}"
        return f"row {place.row} column {place.column}" if place.sheet == here.sheet else str(place)

    if loc[-1:] == ("stops",) and message.startswith("Tuple should have at least"):
        return "a flight needs at least two stops, one row each"
    return REFERENCE.sub(cell, message)
