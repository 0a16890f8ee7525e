"""Tiny synthetic requests for rule tests: one destination, one flight, a few people, every field overridable."""

from __future__ import annotations

import json
from typing import Any

from planner.parsing import parse_request
from planner.request import PlanRequest

AS_OF = "2026-12-01T09:00:00-06:00"  # a Tuesday


def person(pid: str = "P-1", **overrides: Any) -> dict[str, Any]:
    """An adult who passes every person-level rule for `destination()` and fits `flight()`."""
    base: dict[str, Any] = {
        "id": pid,
        "given_names": "TEST",
        "surname": f"PERSON {pid}",
        "birth_date": "1990-01-01",
        "sex": "X",
        "nationality": "GTM",
        "nationality_verified": True,
        "final_order": True,
        "holds": [],
        "documents": [{"type": "passport", "number": f"X-{pid}", "issuing_country": "GTM", "expires": "2030-01-01"}],
        "staging_airport": "AEX",
        "ready_from": None,
        "risk": "low",
        "fit_to_fly": True,
        "family_id": None,
        "priority": 1,
    }
    base.update(overrides)
    return base


def destination(country: str = "GTM", **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"country": country, "arrival_airports": ["GUA"]}
    base.update(overrides)
    return base


def flight(fid: str = "F-1", **overrides: Any) -> dict[str, Any]:
    """AEX -> HRL -> GUA on Thursday 3 December 2026, 20 seats."""
    base: dict[str, Any] = {
        "id": fid,
        "aircraft": "B737-800",
        "seats": 20,
        "reserved_seats": 0,
        "cost": 1000,
        "stops": [
            {"airport": "AEX", "depart": "2026-12-03T07:00:00-06:00"},
            {"airport": "HRL", "arrive": "2026-12-03T08:40:00-06:00", "depart": "2026-12-03T09:30:00-06:00"},
            {"airport": "GUA", "arrive": "2026-12-03T11:45:00-06:00"},
        ],
    }
    base.update(overrides)
    return base


def direct_flight(fid: str, day: str = "2026-12-03", **overrides: Any) -> dict[str, Any]:
    """Like `flight()` but AEX -> GUA without the call at HRL, on `day` (Thursday 3 December by default)."""
    stops = [
        {"airport": "AEX", "depart": f"{day}T07:00:00-06:00"},
        {"airport": "GUA", "arrive": f"{day}T10:45:00-06:00"},
    ]
    return flight(fid, **{"stops": stops, **overrides})


def request_dict(
    people: list[dict[str, Any]] | None = None,
    flights: list[dict[str, Any]] | None = None,
    destinations: list[dict[str, Any]] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    base: dict[str, Any] = {
        "as_of": AS_OF,
        "destinations": destinations if destinations is not None else [destination()],
        "flights": flights if flights is not None else [flight()],
        "people": people if people is not None else [person()],
    }
    base.update(overrides)
    return base


def build(
    people: list[dict[str, Any]] | None = None,
    flights: list[dict[str, Any]] | None = None,
    destinations: list[dict[str, Any]] | None = None,
    **overrides: Any,
) -> PlanRequest:
    """A validated request, through the same parser as production input."""
    return parse_request(json.dumps(request_dict(people, flights, destinations, **overrides)))
