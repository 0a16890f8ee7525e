"""One flight's manifest out of a plan, as JSON or as CSV with one row a passenger."""

from __future__ import annotations

import csv
import io

from planner.plan import Manifest, Plan

__all__ = ["CSV_COLUMNS", "find_manifest", "manifest_csv"]

CSV_COLUMNS = (
    "flight_id",
    "board",
    "deplane",
    "person_id",
    "surname",
    "given_names",
    "birth_date",
    "sex",
    "nationality",
    "document_type",
    "document_number",
    "document_issuing_country",
    "document_expires",
)


def find_manifest(plan: Plan, flight_id: str) -> Manifest | None:
    """The manifest of a flight, or None when the plan puts nobody on it."""
    return next((manifest for manifest in plan.manifests if manifest.flight_id == flight_id), None)


def manifest_csv(manifest: Manifest) -> str:
    """CSV, header first, one row a passenger in manifest order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for p in manifest.passengers:
        document = p.document
        writer.writerow(
            (
                manifest.flight_id,
                p.board,
                p.deplane,
                p.person_id,
                p.surname,
                p.given_names,
                p.birth_date.isoformat(),
                p.sex,
                p.nationality,
                document.type.value,
                document.number,
                document.issuing_country,
                document.expires.isoformat(),
            )
        )
    return buffer.getvalue()
