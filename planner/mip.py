"""The cost level as a MIP over class counts, solved by HiGHS with placed priority held at its best.

Measured on the generated 20,000-person roster (seed 0, 60 s, one thread), with every item placed:
CP-SAT on the same class model ended at a cost of 17,244,200 with a bound of 13,191,600, HiGHS at
15,533,700 with a bound of 15,104,200; on 2,000 people HiGHS proved the optimum in 0.2 s where CP-SAT
took 2.9 s, and on the ICE Air week in 8 s where CP-SAT took 14.6 s. HiGHS's cuts close most of the
gap that CP-SAT's linear relaxation leaves on the fixed cost of flights.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from planner.capacity import Loads, Occupancy
from planner.classes import Counts, ItemClass, expand
from planner.eligibility import Option
from planner.linear import ClassColumns, HighsRun, build_class_columns, run_highs, start_values

__all__ = ["CostOutcome", "minimise_cost"]

# Flight costs are integers: a gap below one proves the optimum, and HiGHS's default relative gap (1e-4)
# would call a plan optimal while a dearer flight than needed still flies.
ABSOLUTE_GAP = 0.999


@dataclass(frozen=True)
class CostOutcome:
    chosen: dict[int, Option]
    cost: int
    proven: bool


def minimise_cost(
    loads: Loads,
    classes: list[ItemClass],
    chosen: dict[int, Option],
    priority: int,
    time_limit: float,
    should_stop: Callable[[], bool],
    on_improved: Callable[[int], None],
) -> CostOutcome | None:
    """The cheapest plan placing `priority`, started from `chosen` (which must place it); None if none is found.

    When `priority` is every placeable item's, each class is held at its full count: on 20,000 people,
    HiGHS found no plan in 60 s from the priority row alone, and proved the equalities at once.
    """
    model = build_class_columns(loads, classes)
    hold_priority(model, loads, priority)
    for flight, column in model.used.items():
        model.lp.col_cost[column] = float(loads.roster.flights[flight].cost)

    def improved(objective: float, _: float) -> None:
        on_improved(round(objective))

    run = HighsRun(
        model.lp,
        False,
        time_limit,
        start=start_values(model, loads, chosen),
        should_stop=should_stop,
        on_improved=improved,
        options={"mip_rel_gap": 0.0, "mip_abs_gap": ABSOLUTE_GAP},
    )
    result = run_highs(run)
    if result.values is None:
        return None
    counts: Counts = {key: round(result.values[column]) for key, column in model.take.items()}
    found = expand(loads, classes, counts)
    occupancy = Occupancy(loads)
    # Rounded floats from a MIP are re-checked against the rules before they are trusted.
    if not all(occupancy.try_add(item, found[item]) for item in sorted(found)):
        return None
    if sum(loads.priority[item] for item in found) < priority:
        return None
    cost = sum(loads.roster.flights[flight].cost for flight in occupancy.aboard)
    return CostOutcome(found, cost, result.optimal)


def hold_priority(model: ClassColumns, loads: Loads, priority: int) -> None:
    """Keep placed priority at least `priority`: as full counts when that is every placeable item's."""
    everyone = sum(
        loads.priority[item_class.items[0]] * len(item_class.items)
        for item_class in model.classes
        if item_class.options
    )
    lp = model.lp
    if priority >= everyone:
        for c, item_class in enumerate(model.classes):
            if item_class.options:
                count = float(len(item_class.items))
                lp.row({model.take[(c, p)]: 1.0 for p in item_class.options}, count, count)
        return
    weights = model.terms(lambda c, _: loads.priority[model.classes[c].items[0]])
    lp.row({column: -weight for column, weight in weights.items()}, -float(priority))
