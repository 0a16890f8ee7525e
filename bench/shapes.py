"""Request shapes the generator does not draw by itself: a week at ICE Air scale, through a few hubs."""

from __future__ import annotations

from typing import Any

from planner.generate import US_HUBS, build_document, distance_km, render_document

__all__ = ["ICE_HUBS", "ice_air_json"]

# The staging hubs most removal flights pick up at: Alexandria, Brownsville, Mesa and Miami.
ICE_HUBS = ("AEX", "BRO", "IWA", "MIA")


def ice_air_json(people: int = 3000, flights: int = 70, seed: int = 0) -> str:
    """A generated week whose pickups and staging all fold onto the nearest of a few hubs.

    The generator spreads pickups over nineteen hubs; moving every US airport to its nearest ICE hub
    (and dropping a pickup a flight already makes at that hub) keeps the multi-stop milk runs, times
    and destination rules as drawn, with people concentrated where the flights call.
    """
    document = build_document(people, flights, 1, seed)
    nearest = {hub: min(ICE_HUBS, key=lambda target: distance_km(hub, target)) for hub in US_HUBS}
    for flight in document["flights"]:
        flight["stops"] = fold_stops(flight["stops"], nearest)
    for person in document["people"]:
        person["staging_airport"] = nearest[person["staging_airport"]]
    return render_document(document)


def fold_stops(stops: list[dict[str, Any]], nearest: dict[str, str]) -> list[dict[str, Any]]:
    """Stops with US airports moved to their hub; a second call at the same hub is dropped (times stay increasing)."""
    kept: list[dict[str, Any]] = []
    seen: set[str] = set()
    for stop in stops:
        airport = nearest.get(stop["airport"], stop["airport"])
        if airport in seen:
            continue
        seen.add(airport)
        kept.append(stop | {"airport": airport})
    return kept
