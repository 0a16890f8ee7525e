"""The plan request of the planning contract, as frozen and strictly validated pydantic models."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from enum import StrEnum
from functools import cache
from typing import Annotated, Literal, Self

import pycountry
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from planner.plan import Plan
from planner.vocabulary import DocumentType

__all__ = [
    "ArrivalWindow",
    "Destination",
    "Document",
    "DocumentType",
    "Flight",
    "Hold",
    "OfficerRatio",
    "Person",
    "PlanRequest",
    "Policy",
    "Previous",
    "Problem",
    "Risk",
    "Stop",
    "duplicate_problems",
]


class Frozen(BaseModel):
    """Base of every contract model: immutable, strict JSON types, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


@cache
def _alpha3_codes() -> frozenset[str]:
    return frozenset(country.alpha_3 for country in pycountry.countries)


def check_alpha3(code: str) -> str:
    """Accept only an ISO 3166-1 alpha-3 code from the standard list."""
    if code not in _alpha3_codes():
        # The value is not echoed: on a person it is personal data.
        raise PydanticCustomError("country_code", "not an ISO 3166-1 alpha-3 country code")
    return code


TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(?P<offset>Z|[+-]\d{2}:\d{2})?")


def parse_timestamp(value: object) -> object:
    """Accept only ISO 8601 extended timestamps with an offset.

    Pydantic alone also takes `_` or a space for `T`, `-0600`, and nanoseconds, which it silently cuts to
    microseconds (so two distinct stop times could become equal).
    """
    if not isinstance(value, str):
        return value
    match = TIMESTAMP.fullmatch(value)
    if match is None:
        raise PydanticCustomError("timestamp", "not an ISO 8601 timestamp like 2026-12-03T08:00:00-06:00")
    if match["offset"] is None:
        raise PydanticCustomError("timestamp_offset", "a timestamp needs a UTC offset, like -06:00 or Z")
    try:
        # Parsed here because strict validation takes only datetime objects once a validator has run.
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("timestamp", "not a real date and time") from None


# The pattern also goes into the published JSON schema; the list check needs pycountry.
Alpha3 = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), AfterValidator(check_alpha3)]
Timestamp = Annotated[AwareDatetime, BeforeValidator(parse_timestamp)]
Iata = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
# The contract sets no upper bounds; these keep every sum the solver forms far inside 64-bit integers
# (a priority of 1e19 used to crash it) while leaving room for any real programme.
Ratio = Annotated[int, Field(ge=1, le=1_000)]
SeatCount = Annotated[int, Field(ge=1, le=100_000)]
ReservedSeats = Annotated[int, Field(ge=0, le=100_000)]
Cost = Annotated[int, Field(ge=0, le=10**12)]
Priority = Annotated[int, Field(ge=1, le=1_000_000)]
Days = Annotated[int, Field(ge=0, le=3_650)]
PeopleCap = Annotated[int, Field(ge=1, le=100_000)]
FlightCap = Annotated[int, Field(ge=1, le=10_000)]
ClockTime = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Weekday = Annotated[int, Field(ge=1, le=7)]


class Risk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class OfficerRatio(Frozen):
    low: Ratio = 5
    medium: Ratio = 2
    high: Ratio = 1

    def for_risk(self, risk: Risk) -> int:
        """People per escort officer at this risk level."""
        return {Risk.LOW: self.low, Risk.MEDIUM: self.medium, Risk.HIGH: self.high}[risk]


class Policy(Frozen):
    officer_ratio: OfficerRatio = OfficerRatio()
    medical_ratio: Ratio = 10


class ArrivalWindow(Frozen):
    start: ClockTime
    end: ClockTime

    def contains(self, local: dt.time) -> bool:
        """Whether a local time, read to the minute, falls in the window (both ends inclusive).

        A window whose end is before its start runs over midnight (22:00-06:00).
        """
        minute = local.hour * 60 + local.minute
        start, end = _minutes(self.start), _minutes(self.end)
        if start <= end:
            return start <= minute <= end
        return minute >= start or minute <= end


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


ALL_WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)
DEFAULT_DOCUMENTS = (DocumentType.PASSPORT, DocumentType.EMERGENCY_TRAVEL_DOCUMENT)


class Destination(Frozen):
    country: Alpha3
    accepting: bool = True
    requires_verified_nationality: bool = True
    accepted_documents: tuple[DocumentType, ...] = DEFAULT_DOCUMENTS
    min_document_validity_days: Days = 0
    arrival_airports: Annotated[tuple[Iata, ...], Field(min_length=1)]
    arrival_weekdays: tuple[Weekday, ...] = ALL_WEEKDAYS
    arrival_window: ArrivalWindow | None = None
    notice_days: Days = 0
    max_people_per_flight: PeopleCap | None = None
    max_flights_per_week: FlightCap | None = None
    accepts_unaccompanied_minors: bool = False


class Stop(Frozen):
    airport: Iata
    arrive: Timestamp | None = None
    depart: Timestamp | None = None


class Flight(Frozen):
    id: str
    aircraft: str
    seats: SeatCount
    reserved_seats: ReservedSeats = 0
    cost: Cost
    stops: Annotated[tuple[Stop, ...], Field(min_length=2)]

    @field_validator("stops")
    @classmethod
    def check_stops(cls, stops: tuple[Stop, ...]) -> tuple[Stop, ...]:
        """Every stop has the times its position needs, and times strictly increase."""
        raise_problems(cls.__name__, stop_problems(stops))
        return stops

    @property
    def first_depart(self) -> dt.datetime:
        depart = self.stops[0].depart
        assert depart is not None  # guaranteed by check_stops
        return depart


Loc = tuple[str | int, ...]
Problem = tuple[Loc, str]


def format_position(loc: Loc) -> str:
    """`manifests[0].passengers[2]` for a location inside the previous plan."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc[1:]).lstrip(".")


def raise_problems(title: str, problems: list[Problem]) -> None:
    """Raise every problem at once, each at its own location, as one pydantic ValidationError."""
    if problems:
        details = [
            InitErrorDetails(type=PydanticCustomError("contract", message), loc=loc, input=None)
            for loc, message in problems
        ]
        raise ValidationError.from_exception_data(title, details)


def stop_problems(stops: tuple[Stop, ...]) -> list[Problem]:
    """Every stop that lacks a time its position needs, has one it must not, or breaks time order."""
    problems: list[Problem] = []
    last = len(stops) - 1
    for index, stop in enumerate(stops):
        position = "first" if index == 0 else "last" if index == last else "intermediate"
        if (index > 0) != (stop.arrive is not None):
            verb = "needs" if index > 0 else "must not have"
            problems.append(((index, "arrive"), f"the {position} stop {verb} an arrive time"))
        if (index < last) != (stop.depart is not None):
            verb = "needs" if index < last else "must not have"
            problems.append(((index, "depart"), f"the {position} stop {verb} a depart time"))
    if problems:
        return problems
    times: list[tuple[Loc, dt.datetime]] = [
        ((index, key), moment)
        for index, stop in enumerate(stops)
        for key, moment in (("arrive", stop.arrive), ("depart", stop.depart))
        if moment is not None
    ]
    for (before_loc, before), (loc, moment) in itertools.pairwise(times):
        if not before < moment:
            problems.append((loc, f"must be later than stops[{before_loc[0]}].{before_loc[1]}"))
    return problems


class Hold(Frozen):
    kind: str
    note: str | None = None


class Document(Frozen):
    type: DocumentType
    number: str
    issuing_country: Alpha3
    expires: dt.date


class Person(Frozen):
    id: str
    given_names: str
    surname: str
    birth_date: dt.date
    sex: Literal["F", "M", "X"]
    nationality: Alpha3
    nationality_verified: bool
    final_order: bool
    holds: tuple[Hold, ...]
    documents: tuple[Document, ...]
    staging_airport: Iata
    ready_from: dt.date | None = None
    risk: Risk
    fit_to_fly: bool
    medical_escort: bool = False
    family_id: str | None = None
    priority: Priority = 1


class Previous(Frozen):
    """A plan made earlier, and which of its flights may no longer change (replanning contract)."""

    plan: Plan
    # Both optional: a replan with neither freezes nothing and only minimises changes.
    freeze_before: Timestamp | None = None
    locked_flights: tuple[str, ...] = ()

    @model_validator(mode="after")
    def check_placed_once(self) -> Self:
        """The previous plan has one manifest per flight and places each person at most once."""
        manifests = self.plan.manifests
        problems: list[Problem] = [
            (("plan", "manifests", later, "flight_id"), f"repeats manifests[{first}].flight_id; it must be unique")
            for first, later in duplicate_positions([m.flight_id for m in manifests])
        ]
        where = [(("plan", "manifests", m, "passengers", p), manifest.passengers[p].person_id) for m, manifest in
                 enumerate(manifests) for p in range(len(manifest.passengers))]  # fmt: skip
        problems += [
            (where[later][0], f"places the person of {format_position(where[first][0])} a second time")
            for first, later in duplicate_positions([person_id for _, person_id in where])
        ]
        raise_problems(type(self).__name__, problems)
        return self


class PlanRequest(Frozen):
    as_of: Timestamp
    policy: Policy = Policy()
    destinations: tuple[Destination, ...]
    flights: tuple[Flight, ...]
    people: tuple[Person, ...]
    previous: Previous | None = None

    @model_validator(mode="after")
    def check_unique_keys(self) -> Self:
        """Destination countries, flight ids and person ids are each unique."""
        raise_problems(
            type(self).__name__,
            duplicate_problems(
                {
                    "destinations": [{"country": d.country} for d in self.destinations],
                    "flights": [{"id": f.id} for f in self.flights],
                    "people": [{"id": p.id} for p in self.people],
                }
            ),
        )
        return self


UNIQUE_KEYS = {"destinations": "country", "flights": "id", "people": "id"}


def duplicate_problems(raw: object) -> list[Problem]:
    """Every repeated destination country, flight id or person id in a (possibly invalid) request."""
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return problems
    for field, key in UNIQUE_KEYS.items():
        items = raw.get(field)
        if not isinstance(items, list | tuple):
            continue
        values = [item.get(key) if isinstance(item, dict) else None for item in items]
        problems.extend(
            ((field, later, key), f"repeats {field}[{first}].{key}; it must be unique")
            for first, later in duplicate_positions(values)
        )
    return problems


def duplicate_positions(values: list[object]) -> list[tuple[int, int]]:
    """Pairs (first position, later position) of every value seen before in the list."""
    counts = Counter(v for v in values if isinstance(v, str))
    first_seen: dict[object, int] = {}
    pairs: list[tuple[int, int]] = []
    for index, value in enumerate(values):
        if not isinstance(value, str) or counts[value] < 2:
            continue
        if value in first_seen:
            pairs.append((first_seen[value], index))
        else:
            first_seen[value] = index
    return pairs
