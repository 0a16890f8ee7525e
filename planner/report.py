"""Briefing pictures of a plan: a seat chart per flight and the breakdown of reasons, as SVG (and PNG with cairosvg)."""

from __future__ import annotations

import importlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from planner.flights import FlightSummary, SegmentSeats
from planner.plan import Plan
from planner.reasons import ReasonCode

__all__ = ["SEAT_PARTS", "reason_counts", "reasons_svg", "seat_chart_svg", "svg_to_png", "write_report"]

FONT = "font-family='DejaVu Sans, Arial, sans-serif' font-size='13'"
INK = "#1a1a1a"
MUTED = "#595959"


@dataclass(frozen=True)
class SeatPart:
    """One kind of seat occupant, with the colour the page and the pictures both use (contrast ≥ 4.5:1 on white)."""

    key: str
    label: str
    colour: str


# The order the stacked bars are drawn in; the web page draws the same parts in the same colours (app.js).
SEAT_PARTS = (
    SeatPart("aboard", "people", "#1f5fa8"),
    SeatPart("officers", "escort officers", "#a34a00"),
    SeatPart("medical_officers", "medical officers", "#1b6e34"),
    SeatPart("reserved_seats", "reserved", "#5c5c5c"),
)
FREE_COLOUR = "#ffffff"
BAR_COLOUR = "#1f5fa8"


def seat_chart_svg(flight: FlightSummary) -> str:
    """Per segment, a bar of seats: people, escort officers, medical officers and reserved seats against the seats."""
    width, left, right, row, top = 640, 110, 64, 34, 58
    seats = flight.seats or max((s.seats_used for s in flight.segments), default=1) or 1
    scale = (width - left - right) / seats
    height = top + row * len(flight.segments) + 46
    title = f"{flight.flight_id}: seats per segment"
    subtitle = " · ".join(
        part
        for part in (
            flight.aircraft,
            f"{flight.seats} seats" if flight.seats is not None else "seats not known (no request given)",
            f"{flight.passengers} passengers" if flight.used else "not used by the plan",
        )
        if part
    )
    body = [
        text(left - 100, 22, title, weight="bold", size=15),
        text(left - 100, 42, subtitle, colour=MUTED),
    ]
    for index, segment in enumerate(flight.segments):
        y = top + index * row
        body.append(text(left - 100, y + 17, f"{segment.from_} → {segment.to}"))
        body += segment_bar(segment, left, y, scale, seats)
        body.append(text(width - 8, y + 17, f"{segment.seats_used}/{seats}", anchor="end", size=12))
    body += legend(left - 100, height - 18)
    return document(width, height, title, body)


def segment_bar(segment: SegmentSeats, left: float, y: float, scale: float, seats: int) -> list[str]:
    """The stacked bar of one segment, each part with a tooltip saying what it is."""
    shapes = [rect(left, y + 4, seats * scale, 18, FREE_COLOUR, f"{seats} seats", stroke="#767676")]
    x = float(left)
    for part in SEAT_PARTS:
        count = int(getattr(segment, part.key))
        if count:
            shapes.append(rect(x, y + 4, count * scale, 18, part.colour, f"{count} {part.label}"))
            x += count * scale
    return shapes


def legend(x: float, y: float) -> list[str]:
    items = [*((p.label, p.colour) for p in SEAT_PARTS), ("free", FREE_COLOUR)]
    shapes: list[str] = []
    for label, colour in items:
        shapes.append(rect(x, y - 10, 12, 12, colour, label, stroke="#767676"))
        shapes.append(text(x + 16, y, label, size=12))
        x += 30 + 6.6 * len(label)
    return shapes


def reason_counts(plan: Plan) -> list[tuple[ReasonCode, int]]:
    """People left off per reason code, most first (a person with several reasons counts under each)."""
    counts = Counter(reason.code for unplaced in plan.unplaced for reason in unplaced.reasons)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0].value))


def reasons_svg(plan: Plan) -> str:
    """A bar per reason code: how many people it keeps off the plan."""
    counts = reason_counts(plan)
    width, left, right, row, top = 640, 250, 60, 26, 58
    most = max((count for _, count in counts), default=1)
    scale = (width - left - right) / most
    height = top + row * max(len(counts), 1) + 10
    title = "Why people are left off"
    subtitle = f"{len(plan.unplaced)} of {plan.stats.people} people unplaced; a person may have several reasons"
    body = [text(10, 22, title, weight="bold", size=15), text(10, 42, subtitle, colour=MUTED)]
    if not counts:
        body.append(text(10, top + 17, "everyone is placed"))
    for index, (code, count) in enumerate(counts):
        y = top + index * row
        body.append(text(left - 8, y + 15, code.value, anchor="end", size=12))
        body.append(rect(left, y + 3, count * scale, 16, BAR_COLOUR, f"{count} people: {code.value}"))
        body.append(text(left + count * scale + 6, y + 15, str(count), size=12))
    return document(width, height, title, body)


def document(width: int, height: int, title: str, body: Sequence[str]) -> str:
    """A standalone SVG with a title for screen readers and a white background for pasting into slides."""
    return "\n".join(
        [
            f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}' role='img' {FONT}>",
            f"<title>{escape(title)}</title>",
            f"<rect width='{width}' height='{height}' fill='#ffffff'/>",
            *body,
            "</svg>\n",
        ]
    )


def text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    weight: str = "normal",
    size: int = 13,
    colour: str = INK,
) -> str:
    return (
        f"<text x='{x:g}' y='{y:g}' text-anchor='{anchor}' font-weight='{weight}' font-size='{size}' "
        f"fill='{colour}'>{escape(content)}</text>"
    )


def rect(x: float, y: float, width: float, height: float, fill: str, tooltip: str, stroke: str | None = None) -> str:
    outline = f" stroke='{stroke}'" if stroke else ""
    return (
        f"<rect x='{x:.2f}' y='{y:.2f}' width='{width:.2f}' height='{height:.2f}' fill='{fill}'{outline}>"
        f"<title>{escape(tooltip)}</title></rect>"
    )


def svg_to_png(svg: str) -> bytes | None:
    """The SVG as PNG when the optional cairosvg (and the Cairo library) are installed, else None."""
    try:
        cairosvg = importlib.import_module("cairosvg")
    except (ImportError, OSError):
        return None
    png: bytes = cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=1280)
    return png


def write_report(plan: Plan, flights: Sequence[FlightSummary], out: Path, *, png: bool = True) -> list[Path]:
    """Write reasons.svg and seats-FLIGHT.svg per flight (and .png beside each when possible); the files written."""
    out.mkdir(parents=True, exist_ok=True)
    pictures = {"reasons": reasons_svg(plan)}
    used: set[str] = set()
    for flight in flights:
        pictures[unique_name(f"seats-{flight.flight_id}", used)] = seat_chart_svg(flight)
    written: list[Path] = []
    for name, svg in pictures.items():
        path = out / f"{name}.svg"
        path.write_text(svg, encoding="utf-8")
        written.append(path)
        image = svg_to_png(svg) if png else None
        if image is not None:
            written.append(path.with_suffix(".png"))
            written[-1].write_bytes(image)
    return written


def unique_name(name: str, used: set[str]) -> str:
    """A file name from a flight id: only letters, digits, '-', '_' and '.', and never the same twice."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    candidate, number = safe, 1
    while candidate in used:
        number += 1
        candidate = f"{safe}-{number}"
    used.add(candidate)
    return candidate
