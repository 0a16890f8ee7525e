"""A first-fit plan: the solver's warm start, its fallback, and the baseline it must beat."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from planner.capacity import Loads, Occupancy

__all__ = ["fill", "plan_greedily"]


def fill(occupancy: Occupancy, items: Iterable[int]) -> None:
    """Put each item, in turn, on the first option that fits: flights already flying first, then the cheapest."""
    loads = occupancy.loads
    flights = loads.roster.flights
    for item in items:
        if item in occupancy.chosen:
            continue
        options = sorted(
            loads.items[item].options,
            key=lambda o: (o.flight not in occupancy.aboard, flights[o.flight].cost, o.flight, o.deplane),
        )
        for option in options:
            if occupancy.try_add(item, option):
                break


def plan_greedily(loads: Loads) -> Occupancy:
    """First-fit over items by priority per seat, highest first, then request order."""
    # Exact fractions: with large priorities, floats would tie people who are not tied.
    order = sorted(range(len(loads.items)), key=lambda i: (-Fraction(loads.priority[i], loads.size[i]), i))
    occupancy = Occupancy(loads)
    fill(occupancy, order)
    return occupancy
