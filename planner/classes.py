"""Classes of interchangeable items: what the solver and the LP bound count instead of people."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from planner.capacity import Loads
from planner.eligibility import Option
from planner.replan import Stakes

__all__ = ["Counts", "ItemClass", "classify", "expand", "expand_keeping"]

Counts = dict[tuple[int, int], int]  # (class, option position) -> items of the class taking that option


@dataclass
class ItemClass:
    """Items the model cannot tell apart: same priority, escorts, seats on every option."""

    items: list[int]
    options: list[int] = field(default_factory=list)  # option positions, shared by every item of the class


def classify(
    loads: Loads, stakes: Stakes | None = None, items: Iterable[int] | None = None, by_priority: bool = True
) -> list[ItemClass]:
    """Group items whose every option, load, escort need, priority and (in a replan) change cost are the same.

    Only `items` when given (in order), every item otherwise; priority is left out without `by_priority`.
    """
    classes: dict[tuple[object, ...], ItemClass] = {}
    for index in range(len(loads.items)) if items is None else items:
        item = loads.items[index]
        shape = tuple((o.flight, o.deplane, tuple(sorted(o.boards))) for o in item.options)
        key: tuple[object, ...] = (
            loads.priority[index] if by_priority else 0,
            loads.size[index],
            loads.officer_units[index],
            loads.medical[index],
            shape,
        )
        if stakes is not None:
            key += (stakes.drop[index], stakes.move[index], index in stakes.forced)
        if key not in classes:
            classes[key] = ItemClass([], list(range(len(item.options))))
        classes[key].items.append(index)
    return list(classes.values())


def expand(loads: Loads, classes: list[ItemClass], counts: Counts) -> dict[int, Option]:
    """Named options from class counts: the class's items, in request order, fill its options in order."""
    chosen: dict[int, Option] = {}
    for c, item_class in enumerate(classes):
        queue = iter(item_class.items)
        for position in item_class.options:
            for _ in range(counts.get((c, position), 0)):
                item = next(queue)
                chosen[item] = loads.items[item].options[position]
    return chosen


def expand_keeping(loads: Loads, classes: list[ItemClass], counts: Counts, stakes: Stakes) -> dict[int, Option]:
    """Named options from class counts, each count given first to items it keeps where they were.

    Then to items placed before (a drop costs twice a move), then to the rest, in request order.
    """
    chosen: dict[int, Option] = {}
    for c, item_class in enumerate(classes):
        left = {p: counts.get((c, p), 0) for p in item_class.options}
        waiting = []
        for item in item_class.items:
            kept = next(
                (p for p in item_class.options if left[p] and not stakes.move[item][p] and stakes.drop[item]), None
            )
            if kept is None:
                waiting.append(item)
                continue
            left[kept] -= 1
            chosen[item] = loads.items[item].options[kept]
        waiting.sort(key=lambda item: -stakes.drop[item])
        queue = iter(waiting)
        for position, count in left.items():
            for _ in range(count):
                item = next(queue)
                chosen[item] = loads.items[item].options[position]
    return chosen
