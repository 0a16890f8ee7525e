"""Writing a plan request as a roster (XLSX workbook or CSV folder) and as contract JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from planner.request import Destination, Flight, Person, PlanRequest
from planner.roster.columns import SHEETS, Kind, Sheet

__all__ = ["request_json", "roster_rows", "write_csv_folder", "write_workbook"]

Cells = dict[str, Any]


def request_json(request: PlanRequest) -> str:
    """Contract JSON of a request; stops carry only the times their position has."""
    document = request.model_dump(mode="json")
    for flight in document["flights"]:
        flight["stops"] = [{k: v for k, v in stop.items() if v is not None} for stop in flight["stops"]]
    return json.dumps(document, indent=2, ensure_ascii=False)


def roster_rows(request: PlanRequest) -> dict[str, list[Cells]]:
    """The rows of each sheet, as cell values by column name (missing names are blank cells)."""
    policy = request.policy
    return {
        "settings": [
            {
                "as_of": request.as_of,
                "officer_ratio_low": policy.officer_ratio.low,
                "officer_ratio_medium": policy.officer_ratio.medium,
                "officer_ratio_high": policy.officer_ratio.high,
                "medical_ratio": policy.medical_ratio,
            }
        ],
        "destinations": [destination_cells(d) for d in request.destinations],
        "flights": [cells for flight in request.flights for cells in flight_cells(flight)],
        "people": [person_cells(p) for p in request.people],
        "documents": [
            {"person_id": p.id, **d.model_dump(mode="json")} | {"expires": d.expires}
            for p in request.people
            for d in p.documents
        ],
        "holds": [{"person_id": p.id, "kind": h.kind, "note": h.note} for p in request.people for h in p.holds],
    }


def destination_cells(destination: Destination) -> Cells:
    cells: Cells = destination.model_dump(mode="json", exclude={"arrival_window"})
    for key in ("accepted_documents", "arrival_airports", "arrival_weekdays"):
        cells[key] = ", ".join(str(item) for item in cells[key]) or "none"
    if destination.arrival_window is not None:
        cells["arrival_window_start"] = destination.arrival_window.start
        cells["arrival_window_end"] = destination.arrival_window.end
    return cells


def flight_cells(flight: Flight) -> list[Cells]:
    own = {"aircraft": flight.aircraft, "seats": flight.seats, "reserved_seats": flight.reserved_seats}
    rows = []
    for index, stop in enumerate(flight.stops):
        cells: Cells = {"flight_id": flight.id, "airport": stop.airport, "arrive": stop.arrive, "depart": stop.depart}
        if index == 0:
            cells |= own | {"cost": flight.cost}
        rows.append(cells)
    return rows


def person_cells(person: Person) -> Cells:
    return person.model_dump(mode="python", exclude={"documents", "holds"}) | {"risk": person.risk.value}


def text_of(value: object) -> object:
    """A cell value as a CSV field or workbook text: timestamps keep their own offset."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else value


def write_csv_folder(request: PlanRequest, folder: Path) -> None:
    """One `<sheet>.csv` per sheet in the folder (created if needed), UTF-8, header first."""
    folder.mkdir(parents=True, exist_ok=True)
    for sheet in SHEETS:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerows(table_lines(sheet, roster_rows(request)[sheet.name], csv_cell))
        (folder / f"{sheet.name}.csv").write_text(buffer.getvalue(), encoding="utf-8")


def csv_cell(value: object) -> object:
    return text_of(value)


def table_lines(sheet: Sheet, rows: list[Cells], render: Any) -> Iterable[list[object]]:
    yield [column.name for column in sheet.columns]
    for cells in rows:
        yield [render(cells.get(column.name)) for column in sheet.columns]


def write_workbook(request: PlanRequest) -> bytes:
    """An XLSX workbook with one sheet per roster table; dates as date cells, timestamps as ISO text."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    rows = roster_rows(request)
    for sheet in SHEETS:
        worksheet = workbook.create_sheet(sheet.name)
        for line in table_lines(sheet, rows[sheet.name], workbook_cell):
            worksheet.append(line)
        for index, column in enumerate(sheet.columns, start=1):
            header = worksheet.cell(row=1, column=index)
            header.font = Font(bold=True)
            header.comment = Comment(column.note, "manifest-planner")
            worksheet.column_dimensions[header.column_letter].width = max(12, len(column.name) + 4)
            if column.kind is Kind.DATE:
                for (cell,) in worksheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "yyyy-mm-dd"
        worksheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def workbook_cell(value: object) -> object:
    # Dates and booleans stay typed cells, which Excel shows and sorts as such; timestamps are text so that
    # each keeps its own UTC offset, which an Excel date-time cannot hold.
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value
