"""Flight summaries: each flight's route, times and seats from the request, joined with its manifest's seat use."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from planner.plan import Plan, Segment
from planner.request import Flight

__all__ = [
    "FlightSummary",
    "Flown",
    "SegmentSeats",
    "StopTimes",
    "flights_of_request",
    "flown_of_plan",
    "flown_of_plan_json",
    "summarise_flights",
]


class Summary(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)


class StopTimes(Summary):
    airport: str
    arrive: dt.datetime | None
    depart: dt.datetime | None


class SegmentSeats(Summary):
    """One leg's seats: who and what fills them (seats_used = aboard + officers + medical + reserved)."""

    from_: str = Field(alias="from")
    to: str
    depart: dt.datetime | None
    arrive: dt.datetime | None
    aboard: int
    officers: int
    medical_officers: int
    reserved_seats: int
    seats_used: int
    # None when the request is not known (a plan read on its own).
    seats: int | None


class FlightSummary(Summary):
    """A flight as the timeline and the seat chart show it; `used` is false for a flight the plan leaves empty."""

    flight_id: str
    aircraft: str | None
    seats: int | None
    cost: int | None
    used: bool
    passengers: int
    officers: int
    medical_officers: int
    reserved_seats: int
    stops: tuple[StopTimes, ...]
    segments: tuple[SegmentSeats, ...]


class Flown(BaseModel):
    """What a summary needs of a manifest: escorts and seats per segment, and only the number of passengers."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    flight_id: str
    officers: int
    medical_officers: int
    reserved_seats: int
    segments: tuple[Segment, ...]
    passengers: Annotated[int, BeforeValidator(len)]


class FlownPlan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    manifests: tuple[Flown, ...]


class RequestFlights(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    flights: tuple[Flight, ...]


def flights_of_request(body: bytes | str) -> tuple[Flight, ...]:
    """The flights of a request validated when it was submitted; the roster is skipped, not parsed into objects."""
    return RequestFlights.model_validate_json(body).flights


def flown_of_plan_json(body: bytes | str) -> tuple[Flown, ...]:
    """The manifests of a stored plan without their passengers' details, which a 20,000-person plan is mostly."""
    return FlownPlan.model_validate_json(body).manifests


def flown_of_plan(plan: Plan) -> tuple[Flown, ...]:
    return tuple(
        Flown(
            flight_id=m.flight_id,
            officers=m.officers,
            medical_officers=m.medical_officers,
            reserved_seats=m.reserved_seats,
            segments=m.segments,
            passengers=m.passengers,
        )
        for m in plan.manifests
    )


def summarise_flights(flown: Sequence[Flown], flights: Sequence[Flight] | None = None) -> tuple[FlightSummary, ...]:
    """Every flight of the request in request order (only the flown ones, without times, when it is not known)."""
    if flights is None:
        return tuple(summarise_manifest(manifest) for manifest in flown)
    manifests = {manifest.flight_id: manifest for manifest in flown}
    return tuple(summarise_flight(flight, manifests.get(flight.id)) for flight in flights)


def summarise_flight(flight: Flight, manifest: Flown | None) -> FlightSummary:
    """A request's flight with its manifest's seat use, or reserved seats only when nobody flies on it."""
    officers = manifest.officers if manifest else 0
    medical = manifest.medical_officers if manifest else 0
    segments = tuple(
        SegmentSeats(
            from_=start.airport,
            to=end.airport,
            depart=start.depart,
            arrive=end.arrive,
            aboard=manifest.segments[index].aboard if manifest else 0,
            officers=officers,
            medical_officers=medical,
            reserved_seats=flight.reserved_seats,
            seats_used=manifest.segments[index].seats_used if manifest else flight.reserved_seats,
            seats=flight.seats,
        )
        for index, (start, end) in enumerate(itertools.pairwise(flight.stops))
    )
    return FlightSummary(
        flight_id=flight.id,
        aircraft=flight.aircraft,
        seats=flight.seats,
        cost=flight.cost,
        used=manifest is not None,
        passengers=manifest.passengers if manifest else 0,
        officers=officers,
        medical_officers=medical,
        reserved_seats=flight.reserved_seats,
        stops=tuple(StopTimes(airport=stop.airport, arrive=stop.arrive, depart=stop.depart) for stop in flight.stops),
        segments=segments,
    )


def summarise_manifest(manifest: Flown) -> FlightSummary:
    """A flown flight known only from its manifest: its route from the segments, no times, seats or cost."""
    airports = [manifest.segments[0].from_] + [segment.to for segment in manifest.segments]
    return FlightSummary(
        flight_id=manifest.flight_id,
        aircraft=None,
        seats=None,
        cost=None,
        used=True,
        passengers=manifest.passengers,
        officers=manifest.officers,
        medical_officers=manifest.medical_officers,
        reserved_seats=manifest.reserved_seats,
        stops=tuple(StopTimes(airport=airport, arrive=None, depart=None) for airport in airports),
        segments=tuple(
            SegmentSeats(
                from_=segment.from_,
                to=segment.to,
                depart=None,
                arrive=None,
                aboard=segment.aboard,
                officers=manifest.officers,
                medical_officers=manifest.medical_officers,
                reserved_seats=manifest.reserved_seats,
                seats_used=segment.seats_used,
                seats=None,
            )
            for segment in manifest.segments
        ),
    )
