"""A first-fit plan: the solver's warm start, its fallback, and the baseline it must beat."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from planner.capacity import Loads, Occupancy
from planner.eligibility import Option
from planner.replan import Stakes

__all__ = ["by_preference", "fill", "keep_previous", "plan_greedily"]


def fill(occupancy: Occupancy, items: Iterable[int]) -> None:
    """Put each item, in turn, on the first option that fits: flights already flying first, then the cheapest."""
    loads = occupancy.loads
    for item in items:
        if item in occupancy.chosen:
            continue
        for option in by_preference(occupancy, loads.items[item].options):
            if occupancy.try_add(item, option):
                break


def by_preference(occupancy: Occupancy, options: Iterable[Option]) -> list[Option]:
    """Options in the order a first fit tries them: flights already flying first, then the cheapest."""
    flights = occupancy.loads.roster.flights
    return sorted(
        options, key=lambda o: (o.flight not in occupancy.aboard, flights[o.flight].cost, o.flight, o.deplane)
    )


def greedy_order(loads: Loads) -> list[int]:
    """Items by priority per seat, highest first, then request order."""
    # Exact fractions: with large priorities, floats would tie people who are not tied.
    return sorted(range(len(loads.items)), key=lambda i: (-Fraction(loads.priority[i], loads.size[i]), i))


def plan_greedily(loads: Loads) -> Occupancy:
    """First-fit over items by priority per seat, highest first, then request order."""
    occupancy = Occupancy(loads)
    fill(occupancy, greedy_order(loads))
    return occupancy


def keep_previous(loads: Loads, stakes: Stakes) -> tuple[Occupancy, Stakes]:
    """A replan's first-fit: frozen flights' passengers, then everyone else where they were, then the rest.

    Returns the stakes too, without forced items if the frozen flights cannot keep everyone together
    (a smaller aircraft, a lower cap): the solver then chooses whom they keep.
    """
    occupancy = Occupancy(loads)
    for item in sorted(stakes.forced):
        if not occupancy.try_add(item, loads.items[item].options[0]):
            return keep_previous(loads, Stakes(stakes.move, stakes.drop, frozenset()))
    order = greedy_order(loads)
    for item in order:
        unmoved = [o for o, moved in zip(loads.items[item].options, stakes.move[item], strict=True) if not moved]
        if stakes.drop[item] and unmoved and item not in occupancy.chosen:
            occupancy.try_add(item, unmoved[0])
    fill(occupancy, order)
    return occupancy, stakes
