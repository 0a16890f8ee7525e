"""A manifest as an XLSX workbook: one sheet, the CSV's columns, one row a passenger."""

from __future__ import annotations

import io

from planner.manifest import CSV_COLUMNS
from planner.plan import Manifest

__all__ = ["manifest_xlsx"]


def manifest_xlsx(manifest: Manifest) -> bytes:
    """The workbook's bytes; dates are date cells, everything else text as in the CSV."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    # Sheet titles cannot hold some characters a flight id may have; 31 characters at most.
    sheet.title = "".join(c if c not in "[]:*?/\\" else "-" for c in manifest.flight_id)[:31] or "manifest"
    sheet.append(CSV_COLUMNS)
    for p in manifest.passengers:
        document = p.document
        sheet.append(
            [manifest.flight_id, p.board, p.deplane, p.person_id, p.surname, p.given_names, p.birth_date, p.sex,
             p.nationality, document.type.value, document.number, document.issuing_country, document.expires]
        )  # fmt: skip
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in ("G", "M"):
        for cell in sheet[column][1:]:
            cell.number_format = "yyyy-mm-dd"
    for index, name in enumerate(CSV_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(name) + 2)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
