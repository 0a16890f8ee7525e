"""The sheets and columns of a roster workbook, and how each kind of cell becomes a contract JSON value."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto

__all__ = ["SHEETS", "CellError", "Column", "Kind", "Sheet", "convert", "format_offset"]


class CellError(ValueError):
    """A cell that cannot be read as its column's kind; the message never quotes the cell."""


class Kind(Enum):
    TEXT = auto()
    CODE = auto()  # country or airport codes, letters read upper case
    ENUM = auto()  # contract words (risk, document types), read lower case
    INT = auto()
    BOOL = auto()
    DATE = auto()
    TIMESTAMP = auto()
    OFFSET = auto()
    CLOCK = auto()
    CODES = auto()
    ENUMS = auto()
    INTS = auto()


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool
    note: str


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    required: bool = True

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


TEXT, CODE, ENUM, INT, BOOL, DATE = Kind.TEXT, Kind.CODE, Kind.ENUM, Kind.INT, Kind.BOOL, Kind.DATE
TIMESTAMP, OFFSET, CLOCK = Kind.TIMESTAMP, Kind.OFFSET, Kind.CLOCK
CODES, ENUMS, INTS = Kind.CODES, Kind.ENUMS, Kind.INTS
YES_NO = "TRUE or FALSE (also yes/no)"
LIST = "comma-separated; 'none' for an empty list; blank for the default"
TIME_NOTE = "2026-12-03T07:00:00-06:00, or a date-time cell with the row's utc_offset"

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "settings",
        (
            Column("as_of", TIMESTAMP, True, f"when the plan is made: {TIME_NOTE}"),
            Column("utc_offset", OFFSET, False, "like -06:00; for an as_of given without offset"),
            Column("officer_ratio_low", INT, False, "people per escort officer at low risk (default 5)"),
            Column("officer_ratio_medium", INT, False, "people per escort officer at medium risk (default 2)"),
            Column("officer_ratio_high", INT, False, "people per escort officer at high risk (default 1)"),
            Column("medical_ratio", INT, False, "people needing a medical escort per medical officer (default 10)"),
        ),
    ),
    Sheet(
        "destinations",
        (
            Column("country", CODE, True, "ISO 3166-1 alpha-3, one row per country"),
            Column("accepting", BOOL, False, f"{YES_NO}; default TRUE"),
            Column("requires_verified_nationality", BOOL, False, f"{YES_NO}; default TRUE"),
            Column("accepted_documents", ENUMS, False, f"document types, {LIST} (passport, emergency_travel_document)"),
            Column("min_document_validity_days", INT, False, "default 0"),
            Column("arrival_airports", CODES, True, "IATA codes, comma-separated, at least one"),
            Column("arrival_weekdays", INTS, False, f"ISO weekdays 1 (Monday) to 7, {LIST} (all)"),
            Column("arrival_window_start", CLOCK, False, "HH:MM local; blank with the end for no window"),
            Column("arrival_window_end", CLOCK, False, "HH:MM local"),
            Column("notice_days", INT, False, "default 0"),
            Column("max_people_per_flight", INT, False, "blank for no cap"),
            Column("max_flights_per_week", INT, False, "blank for no cap"),
            Column("accepts_unaccompanied_minors", BOOL, False, f"{YES_NO}; default FALSE"),
        ),
    ),
    Sheet(
        "flights",
        (
            Column("flight_id", TEXT, True, "one row per stop in flying order; a flight's rows together"),
            Column("aircraft", TEXT, True, "on the flight's first row (later rows blank or the same)"),
            Column("seats", INT, True, "on the flight's first row"),
            Column("reserved_seats", INT, False, "on the flight's first row; default 0"),
            Column("cost", INT, True, "on the flight's first row"),
            Column("airport", CODE, True, "IATA code of this stop"),
            Column("arrive", TIMESTAMP, False, f"blank on the first stop; {TIME_NOTE}"),
            Column("depart", TIMESTAMP, False, f"blank on the last stop; {TIME_NOTE}"),
            Column("utc_offset", OFFSET, False, "like -06:00; for times given without offset"),
        ),
    ),
    Sheet(
        "people",
        (
            Column("id", TEXT, True, "unique"),
            Column("surname", TEXT, True, "as on the travel document"),
            Column("given_names", TEXT, True, "as on the travel document"),
            Column("birth_date", DATE, True, "YYYY-MM-DD or a date cell"),
            Column("sex", CODE, True, "F, M or X"),
            Column("nationality", CODE, True, "ISO 3166-1 alpha-3"),
            Column("nationality_verified", BOOL, True, YES_NO),
            Column("final_order", BOOL, True, YES_NO),
            Column("staging_airport", CODE, True, "IATA code"),
            Column("ready_from", DATE, False, "earliest local boarding date; blank for none"),
            Column("risk", ENUM, True, "low, medium or high"),
            Column("fit_to_fly", BOOL, True, YES_NO),
            Column("medical_escort", BOOL, False, f"{YES_NO}; default FALSE"),
            Column("family_id", TEXT, False, "people sharing it travel together; blank for none"),
            Column("priority", INT, False, "default 1"),
        ),
    ),
    Sheet(
        "documents",
        (
            Column("person_id", TEXT, True, "the id of a row of the people sheet; one row per document"),
            Column("type", ENUM, True, "passport, emergency_travel_document, laissez_passer or national_id"),
            Column("number", TEXT, True, "document number"),
            Column("issuing_country", CODE, True, "ISO 3166-1 alpha-3"),
            Column("expires", DATE, True, "YYYY-MM-DD or a date cell"),
        ),
    ),
    Sheet(
        "holds",
        (
            Column("person_id", TEXT, True, "the id of a row of the people sheet; one row per legal hold"),
            Column("kind", TEXT, True, "stay_of_removal, pending_appeal, ..."),
            Column("note", TEXT, False, "free text"),
        ),
        required=False,
    ),
)

Cell = object
TRUE_WORDS = frozenset({"true", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "0"})
OFFSET_TEXT = re.compile(r"([+-])(\d{1,2})(?::?(\d{2}))?")
HAS_OFFSET = re.compile(r".*(Z|[+-]\d{2}:?\d{2})", re.IGNORECASE)
SEPARATORS = re.compile(r"[,;\s]+")


def is_blank(value: Cell) -> bool:
    """Whether a cell holds nothing (absent, or only spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())


def convert(kind: Kind, value: Cell, offset: str | None = None) -> object:
    """The contract JSON value of a non-blank cell; `offset` completes times written without one."""
    converters: dict[Kind, Callable[[Cell], object]] = {
        TEXT: as_text,
        CODE: lambda v: as_text(v).upper(),
        ENUM: lambda v: as_text(v).lower(),
        INT: as_int,
        BOOL: as_bool,
        DATE: as_date,
        OFFSET: as_offset,
        CLOCK: as_clock,
        CODES: lambda v: [t.upper() for t in as_tokens(v)],
        ENUMS: lambda v: [t.lower() for t in as_tokens(v)],
        INTS: lambda v: [as_int(t) for t in as_tokens(v)],
    }
    if kind is TIMESTAMP:
        return as_timestamp(value, offset)
    return converters[kind](value)


def as_text(value: Cell) -> str:
    if isinstance(value, bool):
        raise CellError("expected text, found TRUE or FALSE")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, str):
        return value.strip()
    raise CellError("expected text, found a date or time cell")


def as_int(value: Cell) -> int:
    if isinstance(value, bool):
        raise CellError("expected a whole number, found TRUE or FALSE")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,18}", value.strip()):
        return int(value.strip())
    raise CellError("not a whole number")


def as_bool(value: Cell) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS | FALSE_WORDS:
            return word in TRUE_WORDS
    raise CellError("not TRUE or FALSE")


def as_date(value: Cell) -> str:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time():
            raise CellError("a date cell with a time of day; give the date only")
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        # The contract's own date check reports a malformed text date.
        return value.strip()
    raise CellError("not a date; write YYYY-MM-DD or use a date cell")


def as_offset(value: Cell) -> str:
    """A UTC offset as `+HH:MM` from text (`-06:00`, `-6`, `Z`) or a number of hours (-6, 5.5)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and abs(value) < 24:
        minutes = round(value * 60)
        return format_offset(dt.timedelta(minutes=minutes))
    if isinstance(value, str):
        text = value.strip()
        if text.upper() in {"Z", "UTC"}:
            return "+00:00"
        match = OFFSET_TEXT.fullmatch(text)
        if match and int(match[2]) < 24 and int(match[3] or 0) < 60:
            return f"{match[1]}{int(match[2]):02d}:{match[3] or '00'}"
    raise CellError("not a UTC offset like -06:00")


def format_offset(delta: dt.timedelta) -> str:
    """`+HH:MM` of a time zone offset."""
    minutes = round(delta.total_seconds() / 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def as_timestamp(value: Cell, offset: str | None) -> str:
    """ISO 8601 text with an offset: as written, or a date-time (cell or text) completed by the row's offset."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            return value.isoformat()
        if offset is None:
            raise CellError("a date-time cell needs the row's utc_offset, like -06:00")
        return value.isoformat(timespec="seconds") + offset
    if isinstance(value, str):
        text = value.strip()
        if offset is not None and not HAS_OFFSET.fullmatch(text):
            return text + offset
        return text
    raise CellError("not a date and time; write 2026-12-03T07:00:00-06:00 or use a date-time cell")


def as_clock(value: Cell) -> str:
    if isinstance(value, dt.time):
        if value.second or value.microsecond:
            raise CellError("a time with seconds; give HH:MM")
        return f"{value.hour:02d}:{value.minute:02d}"
    if isinstance(value, dt.datetime | dt.date):
        raise CellError("a date where a time of day HH:MM is expected")
    if isinstance(value, str):
        return value.strip()
    raise CellError("not a time of day; write HH:MM")


def as_tokens(value: Cell) -> list[str]:
    """The items of a list cell; `none` is the empty list."""
    text = as_text(value)
    if text.lower() == "none":
        return []
    return [token for token in SEPARATORS.split(text) if token]
