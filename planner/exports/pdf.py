"""A printable manifest (PDF): flight, route with local times, seats per segment, passengers, signature block."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from unidecode import unidecode

from planner.exports.route import local_time, passenger_order
from planner.plan import Manifest
from planner.request import Flight

__all__ = ["FONT_PATHS", "manifest_pdf"]

# A Unicode font prints every name as written; without one (a bare container), names outside Latin-1
# are printed transliterated, which the built-in PDF fonts can show.
FONT_PATHS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
DOCUMENT_NAMES = {
    "passport": "Passport",
    "emergency_travel_document": "Emergency travel document",
    "laissez_passer": "Laissez-passer",
    "national_id": "National ID",
}
LINE = 6.0


@cache
def unicode_font() -> Path | None:
    """The first Unicode TrueType font installed (its bold face beside it), if any."""
    return next((p for p in FONT_PATHS if p.exists() and p.with_name(p.stem + "-Bold.ttf").exists()), None)


class ManifestDocument(FPDF):
    """A4 landscape pages whose footer names the flight and numbers the pages."""

    def __init__(self, flight_id: str, font: Path | None) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.flight_id = flight_id
        self.family = "Helvetica"
        if font is not None:
            self.add_font("Manifest", "", str(font))
            self.add_font("Manifest", "B", str(font.with_name(font.stem + "-Bold.ttf")))
            self.family = "Manifest"
        self.is_unicode = font is not None
        self.set_auto_page_break(auto=True, margin=15)

    def printable(self, value: str) -> str:
        """Text the font can show."""
        if self.is_unicode:
            return value
        return "".join(c if ord(c) < 256 else unidecode(c) for c in value)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        footer = f"Manifest of flight {self.flight_id} - page {self.page_no()} of {{nb}}"
        self.cell(0, 5, self.printable(footer), align="C")

    def heading(self, title: str) -> None:
        self.ln(2)
        self.set_font(self.family, "B", 12)
        self.cell(0, LINE + 1, self.printable(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(self.family, "", 9)

    def grid(self, headings: list[str], rows: list[list[str]], widths: tuple[float, ...]) -> None:
        """A table of columns this wide (mm), whose heading row repeats on every page it runs over."""
        self.set_font(self.family, "", 9)
        with self.table(
            col_widths=widths,
            width=min(sum(widths), self.epw),
            align="LEFT",
            text_align="LEFT",
            line_height=4.5,
            padding=0.8,
        ) as table:
            for line in [headings, *rows]:
                row = table.row()
                for value in line:
                    row.cell(self.printable(value))


def manifest_pdf(manifest: Manifest, flight: Flight, font: Path | bool | None = True) -> bytes:
    """The PDF's bytes; `font` is a TrueType path, True for the installed Unicode font, False for none."""
    chosen = unicode_font() if font is True else (font or None)
    pdf = ManifestDocument(manifest.flight_id, chosen if isinstance(chosen, Path) else None)
    # A fixed creation date: the same manifest gives the same file.
    pdf.set_creation_date(flight.first_depart.astimezone(dt.UTC))
    pdf.set_title(f"Manifest of flight {manifest.flight_id}")
    pdf.add_page()
    write_summary(pdf, manifest, flight)
    write_route(pdf, flight)
    write_segments(pdf, manifest, flight)
    write_passengers(pdf, manifest, flight)
    write_signatures(pdf)
    return bytes(pdf.output())


def write_summary(pdf: ManifestDocument, manifest: Manifest, flight: Flight) -> None:
    pdf.set_font(pdf.family, "B", 16)
    title = f"Passenger manifest - flight {manifest.flight_id}"
    pdf.cell(0, 10, pdf.printable(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.family, "", 10)
    route = " - ".join(stop.airport for stop in flight.stops)
    lines = [
        f"Aircraft: {flight.aircraft}    Seats: {flight.seats}    Route: {route}",
        f"Departure: {local_time(flight.first_depart)} from {flight.stops[0].airport}",
        f"Passengers: {len(manifest.passengers)}    Escort officers: {manifest.officers}    "
        f"Medical officers: {manifest.medical_officers}    Reserved seats: {manifest.reserved_seats}",
    ]
    for line in lines:
        pdf.cell(0, LINE, pdf.printable(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def write_route(pdf: ManifestDocument, flight: Flight) -> None:
    pdf.heading("Route (local times)")
    rows = [
        [str(index + 1), stop.airport, local_time(stop.arrive), local_time(stop.depart)]
        for index, stop in enumerate(flight.stops)
    ]
    pdf.grid(["Stop", "Airport", "Arrive", "Depart"], rows, (12, 18, 50, 50))


def write_segments(pdf: ManifestDocument, manifest: Manifest, flight: Flight) -> None:
    pdf.heading("Seats per segment")
    rows = [
        [f"{s.from_} - {s.to}", str(s.aboard), str(manifest.officers), str(manifest.medical_officers),
         str(manifest.reserved_seats), str(s.seats_used), str(flight.seats)]
        for s in manifest.segments
    ]  # fmt: skip
    headings = ["Segment", "Passengers", "Escort officers", "Medical officers", "Reserved", "Seats used", "Seats"]
    pdf.grid(headings, rows, (26, 25, 30, 32, 20, 22, 16))


def write_passengers(pdf: ManifestDocument, manifest: Manifest, flight: Flight) -> None:
    pdf.heading("Passengers (by deplaning stop, then surname)")
    rows = [
        [str(number), p.deplane, p.board, p.surname, p.given_names, p.sex, p.birth_date.isoformat(), p.nationality,
         DOCUMENT_NAMES[p.document.type.value], p.document.number, p.document.issuing_country,
         p.document.expires.isoformat(), p.person_id]
        for number, p in enumerate(passenger_order(manifest, flight), start=1)
    ]  # fmt: skip
    headings = ["#", "Deplane", "Board", "Surname", "Given names", "Sex", "Born", "Nat.", "Document", "Number",
                "Issuer", "Expires", "Person id"]  # fmt: skip
    pdf.grid(headings, rows, (8, 18, 13, 36, 38, 9, 21, 11, 42, 26, 15, 21, 19))


def write_signatures(pdf: ManifestDocument) -> None:
    """Name, signature and time of the officer in charge, on one line, kept on one page."""
    if pdf.get_y() > pdf.h - pdf.b_margin - 36:
        pdf.add_page()
    pdf.heading("Officer in charge")
    pdf.set_font(pdf.family, "", 10)
    certificate = "I certify that the persons listed above were on board."
    pdf.cell(0, LINE, pdf.printable(certificate), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)
    for label, width in (("Name:", 80.0), ("Signature:", 70.0), ("Date and time:", 45.0)):
        pdf.cell(pdf.get_string_width(label) + 2, 8, pdf.printable(label))
        pdf.cell(width, 8, "", border="B")
        pdf.cell(6, 8, "")
    pdf.ln(10)
