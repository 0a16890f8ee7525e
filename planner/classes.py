"""Classes of interchangeable items: what the solver and the LP bound count instead of people."""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.capacity import Loads
from planner.replan import Stakes

__all__ = ["ItemClass", "classify"]


@dataclass
class ItemClass:
    """Items the model cannot tell apart: same priority, escorts, seats on every option."""

    items: list[int]
    options: list[int] = field(default_factory=list)  # option positions, shared by every item of the class


def classify(loads: Loads, stakes: Stakes | None = None) -> list[ItemClass]:
    """Group items whose every option, load, escort need, priority and (in a replan) change cost are the same."""
    classes: dict[tuple[object, ...], ItemClass] = {}
    for index, item in enumerate(loads.items):
        shape = tuple((o.flight, o.deplane, tuple(sorted(o.boards))) for o in item.options)
        key: tuple[object, ...] = (
            loads.priority[index],
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
