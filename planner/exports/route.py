"""The flight behind a manifest: found in the request, checked against the plan, stops placed on the route."""

from __future__ import annotations

import datetime as dt

from planner.exports.formats import ExportError
from planner.plan import Manifest, Passenger
from planner.request import Flight, PlanRequest

__all__ = ["board_position", "deplane_position", "flight_of", "local_time", "passenger_order"]


def flight_of(request: PlanRequest, manifest: Manifest) -> Flight:
    """The manifest's flight in the request, whose legs must be the manifest's segments."""
    flight = next((f for f in request.flights if f.id == manifest.flight_id), None)
    if flight is None:
        raise ExportError(f"the request has no flight {manifest.flight_id!r}; give the request the plan was made for")
    legs = [(a.airport, b.airport) for a, b in zip(flight.stops, flight.stops[1:], strict=False)]
    if legs != [(s.from_, s.to) for s in manifest.segments]:
        raise ExportError(f"flight {manifest.flight_id!r} of the request flies another route than the plan's")
    return flight


def board_position(flight: Flight, passenger: Passenger) -> int:
    """The 0-based stop where the passenger boards: the index the plan gives, else the airport's stop."""
    if passenger.board_index is not None:
        return passenger.board_index
    airports = [stop.airport for stop in flight.stops]
    return airports.index(passenger.board) if passenger.board in airports else len(airports)


def deplane_position(flight: Flight, passenger: Passenger) -> int:
    """The 0-based stop where the passenger deplanes, after boarding."""
    if passenger.deplane_index is not None:
        return passenger.deplane_index
    board = board_position(flight, passenger)
    later = [i for i, stop in enumerate(flight.stops) if i > board and stop.airport == passenger.deplane]
    return later[0] if later else len(flight.stops)


def local_time(moment: dt.datetime | None) -> str:
    """`2026-12-03 08:40 UTC-06:00`: the local time where it happens, with its offset."""
    if moment is None:
        return ""
    offset = moment.utcoffset() or dt.timedelta()
    minutes = round(offset.total_seconds() / 60)
    sign = "-" if minutes < 0 else "+"
    return f"{moment:%Y-%m-%d %H:%M} UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def passenger_order(manifest: Manifest, flight: Flight) -> list[Passenger]:
    """Passengers by deplaning stop along the route, then surname and given names."""
    return sorted(
        manifest.passengers,
        key=lambda p: (deplane_position(flight, p), p.surname, p.given_names, p.person_id),
    )
