"""The export formats of a manifest, their media types, and the one function that renders any of them."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from planner.manifest import manifest_csv
from planner.plan import Manifest
from planner.request import PlanRequest

__all__ = ["MEDIA_TYPES", "ExportError", "Format", "export_manifest", "needs_flight"]


class ExportError(Exception):
    """A manifest that cannot be rendered in the format asked; the message names no person."""


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"
    PDF = "pdf"
    PAXLST = "paxlst"


MEDIA_TYPES = {
    Format.JSON: "application/json",
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.PDF: "application/pdf",
    # RFC 1767's media type for EDIFACT interchanges; lower case as media types compare without case.
    Format.PAXLST: "application/edifact",
}


def needs_flight(format: Format) -> bool:
    """Whether the format shows the route and times, which only the request has."""
    return format in {Format.PDF, Format.PAXLST}


def export_manifest(
    manifest: Manifest, format: Format, request: PlanRequest | None = None, prepared: dt.datetime | None = None
) -> bytes:
    """The manifest in `format`; PDF and PAXLST need the plan's request, PAXLST stamps `prepared` (default now)."""
    if format is Format.JSON:
        return (manifest.to_json() + "\n").encode()
    if format is Format.CSV:
        return manifest_csv(manifest).encode()
    if format is Format.XLSX:
        from planner.exports.xlsx import manifest_xlsx

        return manifest_xlsx(manifest)
    if request is None:
        raise ExportError(f"the {format.value} manifest shows the route and times: it needs the plan's request")
    from planner.exports.route import flight_of

    flight = flight_of(request, manifest)
    if format is Format.PDF:
        from planner.exports.pdf import manifest_pdf

        return manifest_pdf(manifest, flight)
    from planner.exports.paxlst import manifest_paxlst

    return manifest_paxlst(manifest, flight, prepared or dt.datetime.now(dt.UTC)).encode("ascii")
