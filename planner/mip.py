"""The levels after placed priority (a replan's changes, then cost) as a MIP over class counts, solved by HiGHS.

Measured on the generated 20,000-person roster (seed 0, 60 s, one thread), with every item placed:
CP-SAT on the same class model ended at a cost of 17,244,200 with a bound of 13,191,600, HiGHS at
15,533,700 with a bound of 15,104,200; on 2,000 people HiGHS proved the optimum in 0.2 s where CP-SAT
took 2.9 s, and on the ICE Air week in 8 s where CP-SAT took 14.6 s. HiGHS's cuts close most of the
gap that CP-SAT's linear relaxation leaves on the fixed cost of flights. What they leave to branching is
mostly the rounding of escorts on full flights: with counts and escorts fractional and only the flights'
flags whole, HiGHS finds far better plans in the same time, which a second thread rounds (`RoundedSearch`).
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from planner.capacity import Loads, Occupancy
from planner.classes import Counts, ItemClass, classify, expand
from planner.eligibility import Option
from planner.linear import (
    HighsResult,
    HighsRun,
    build_class_columns,
    run_highs,
    seats_kept_for_rounding,
    start_values,
)
from planner.replan import Stakes

__all__ = ["ClassMip", "Level", "improve_by_windows", "plan_cost"]

# Objectives are integers: a gap below one proves the optimum, and HiGHS's default relative gap (1e-4)
# would call a plan optimal while a dearer flight than needed still flies.
ABSOLUTE_GAP = 0.999
GAP_OPTIONS: dict[str, str | float] = {"mip_rel_gap": 0.0, "mip_abs_gap": ABSOLUTE_GAP}
# Seconds a level's MIP runs alone before a rounded plan is sought beside it: most parts of a plan are proven
# sooner (2,000 people: 31 parts, the plan proven in 0.3 s; with the search started at once, 0.5 s).
ROUNDED_AFTER = 0.5
# The most of a rounded search's time (`RoundedSearch`) that rounding one relaxed plan may take; it is 0.07 s
# on the largest part of the generated 20,000-person roster, but a search stuck rounding finds nothing better.
ROUNDING_SHARE = 0.1
# How far from a whole number a relaxed count may be and still count as that number.
INTEGRAL = 1e-6


@dataclass(frozen=True)
class Level:
    """One objective level's outcome: the plan, its value, and whether the value is proven optimal."""

    chosen: dict[int, Option]
    value: int
    proven: bool


class ClassMip:
    """The class model in HiGHS, held at placed priority, solved one minimised level at a time."""

    def __init__(
        self,
        loads: Loads,
        classes: list[ItemClass],
        priority: int,
        stakes: Stakes | None = None,
        base: Occupancy | None = None,
    ) -> None:
        """`priority` is what the classes' items must keep placing; `base` holds the other items fixed."""
        self.loads = loads
        if shortfall(loads, classes, priority) <= 0:
            # Every item held placed: priority tells none apart. On 20,000 people, 1,507 classes instead of
            # 2,136, and no symmetric columns for HiGHS to branch on.
            classes = classify(loads, stakes, sorted(i for k in classes for i in k.items), by_priority=False)
        self.classes = classes
        self.stakes = stakes
        self.base = base
        self.columns = build_class_columns(loads, classes, base)
        self._hold_priority(priority)
        self.priority = priority
        if stakes is not None:
            self._keep_forced(stakes)

    def cost(self) -> dict[int, float]:
        """The cost objective: every flight that carries anyone."""
        flights = self.loads.roster.flights
        return {column: float(flights[flight].cost) for flight, column in self.columns.used.items()}

    def changes(self) -> tuple[dict[int, float], int]:
        """People moved plus twice those dropped, as terms over the counts and a constant (every drop)."""
        assert self.stakes is not None
        stakes, classes = self.stakes, self.classes
        terms = self.columns.terms(lambda c, p: stakes.move[classes[c].items[0]][p] - stakes.drop[classes[c].items[0]])
        constant = sum(stakes.drop[item] for item_class in classes for item in item_class.items)
        return terms, constant

    def minimise(
        self,
        objective: dict[int, float],
        constant: int,
        chosen: dict[int, Option],
        time_limit: float,
        should_stop: Callable[[], bool],
        on_improved: Callable[[int], None],
    ) -> Level | None:
        """The best plan by `objective` within the rows so far, started from `chosen`; None if none is checked.

        The level's optimum is then held (as a row) for the levels after it.
        """
        lp = self.columns.lp
        value_of = self.set_objective(objective, constant)
        run = HighsRun(
            lp,
            False,
            time_limit,
            start=start_values(self.columns, self.loads, chosen),
            should_stop=should_stop,
            on_improved=lambda values: on_improved(value_of(values)),
            options=GAP_OPTIONS,
        )

        def misreports(result: HighsResult) -> bool:
            if result.values is None or result.objective is None:
                return False
            return abs(result.objective + constant - value_of(result.values)) >= 1

        started = time.monotonic()
        result = run_highs(run)
        if misreports(result) and result.values is not None:
            # HiGHS 1.16, started from a given plan with presolve on, can report an objective below that plan's
            # while returning the plan itself (seen on 2 people: 3,000 reported, 7,000 returned, 4,000 optimal):
            # its proof then rests on a value no plan has. Once more without the start, keeping the better plan.
            left = time_limit - (time.monotonic() - started)
            retry = run_highs(replace(run, start=None, time_limit=left))
            if retry.values is not None and value_of(retry.values) <= value_of(result.values):
                result = retry
        if result.values is None or result.objective is None:
            return None
        found = self.plan_of(result.values)
        if found is None:
            return None
        value = value_of(self.flags_as_counted(result.values))
        lp.row(objective, value - constant)
        return Level(found, value, result.optimal and not misreports(result))

    def minimise_side_by_side(
        self,
        objective: dict[int, float],
        constant: int,
        chosen: dict[int, Option],
        time_limit: float,
        should_stop: Callable[[], bool],
        on_improved: Callable[[int], None],
    ) -> Level | None:
        """As `minimise`, while a second thread looks for a rounded plan (`RoundedSearch`) within the same time.

        HiGHS lets go of the interpreter while it solves, so the two run on two cores at once (the solver calls
        this only when it may use two: on one, side by side, they would halve the MIP's speed). A proven level
        is the MIP's own plan, as it would be alone (same request, same plan); an unproven one takes the
        rounded plan when that costs less. Only plans better than every one reported before are reported.
        """
        lock = threading.Lock()
        reported: list[int] = []

        def report(value: int) -> None:
            with lock:
                if reported and value >= reported[-1]:
                    return
                reported.append(value)
                on_improved(value)

        done = threading.Event()
        side = RoundedSearch(self, objective, constant, chosen, time_limit, lambda: should_stop() or done.is_set())

        def search() -> None:
            if not done.wait(ROUNDED_AFTER) and not should_stop():
                side.run(report)

        thread = threading.Thread(target=search, name="rounded-plan", daemon=True)
        thread.start()
        try:
            level = self.minimise(objective, constant, chosen, time_limit, should_stop, report)
        finally:
            done.set()
            thread.join()
        rounded = side.found
        if rounded is None or (level is not None and (level.proven or level.value <= rounded.value)):
            return level
        self.columns.lp.row(objective, rounded.value - constant)
        return rounded

    def set_objective(self, objective: dict[int, float], constant: int) -> Callable[[npt.ArrayLike], int]:
        """Make `objective` the model's; returns the value of a solution's columns by it, `constant` added."""
        lp = self.columns.lp
        lp.col_cost = [0.0] * len(lp.col_cost)
        for column, weight in objective.items():
            lp.col_cost[column] = weight
        weights = np.array(lp.col_cost)

        def value_of(values: npt.ArrayLike) -> int:
            return round(float(np.dot(weights, values))) + constant

        return value_of

    def flags_as_counted(self, values: list[float]) -> list[float]:
        """A solution's values with each flight's used flag set as its counts (and the base's items) say.

        A time-limited MIP solution may leave a flag set on an empty flight, and a rounded one whose counts on a
        flight all round down does: valued as solved, that plan would cost a flight it does not fly.
        """
        counted = list(values)
        columns = self.columns
        fixed = self.base.aboard if self.base is not None else {}
        for flight, column in columns.used.items():
            carries = flight in fixed or any(round(values[columns.take[t]]) > 0 for t in columns.by_flight[flight])
            counted[column] = float(carries)
        return counted

    def plan_of(self, values: list[float]) -> dict[int, Option] | None:
        """The named plan of a MIP solution's counts (the base's items included), None if it fails its check."""
        counts: Counts = {key: round(values[column]) for key, column in self.columns.take.items()}
        found = expand(self.loads, self.classes, counts)
        if self.base is not None:
            found.update(self.base.chosen)
        return found if self._checks(found) else None

    def _checks(self, found: dict[int, Option]) -> bool:
        """Rounded floats from a MIP are re-checked against the rules and the held priority before they count."""
        occupancy = Occupancy(self.loads)
        if not all(occupancy.try_add(item, found[item]) for item in sorted(found)):
            return False
        kept = (item for item_class in self.classes for item in item_class.items if item in found)
        return sum(self.loads.priority[item] for item in kept) >= self.priority

    def _hold_priority(self, priority: int) -> None:
        """Keep placed priority at least `priority`: the priority row, and per class the fewest it may leave off.

        Items left off sum to no more than the shortfall below every placeable item's priority, so a class
        leaves off at most shortfall // (its least priority) items; with no shortfall, full counts and no
        priority row. On 20,000 people HiGHS found no plan in 60 s from the priority row alone, and presolved
        the full counts at once; on the ICE Air week (a shortfall of 5) the class rows took the cost level's
        proof from 10.2-12.5 s to 7.2-8.5 s, measured side by side.
        """
        model, loads = self.columns, self.loads
        short = max(shortfall(loads, model.classes, priority), 0)
        if short > 0:
            weights = model.terms(lambda c, _: loads.priority[model.classes[c].items[0]])
            model.lp.row({column: -weight for column, weight in weights.items()}, -float(priority))
        for c, item_class in enumerate(model.classes):
            if not item_class.options:
                continue
            count = len(item_class.items)
            least = count - short // min(loads.priority[i] for i in item_class.items)
            if least > 0:
                model.lp.row({model.take[(c, p)]: 1.0 for p in item_class.options}, float(count), float(least))

    def _keep_forced(self, stakes: Stakes) -> None:
        """Replanning: a frozen flight keeps the families it still may carry (their first option)."""
        model = self.columns
        for c, item_class in enumerate(model.classes):
            if item_class.items[0] in stakes.forced:
                count = float(len(item_class.items))
                model.lp.row({model.take[(c, 0)]: 1.0}, count, count)


class RoundedSearch:
    """A plan from the class model with counts and escorts continuous, its counts then rounded to whole ones.

    Only the flags (flights used, weeks served) stay integer, and every flight flying keeps the seats that
    rounding its escorts up may take (linear.seats_kept_for_rounding); a second MIP then fixes the flags and
    keeps each count between its floor and ceiling. With little left to branch on but the flights, HiGHS finds
    far better plans: on the largest part of the generated 20,000-person roster (seed 0, one thread), a plan
    of 4,659,600 after 30 s against 4,751,100 after 57 s of the integer model; rounding it took 0.07 s. The
    kept seats make this model stricter than the rules, so its bound bounds nothing. The models are copied
    when the search is made, so that it may run beside the MIP it copies.
    """

    def __init__(
        self,
        mip: ClassMip,
        objective: dict[int, float],
        constant: int,
        chosen: dict[int, Option],
        time_limit: float,
        should_stop: Callable[[], bool],
    ) -> None:
        self.mip = mip
        columns = mip.columns
        self.value_of = mip.set_objective(objective, constant)
        self.relaxed = seats_kept_for_rounding(columns, mip.loads)
        self.box = columns.lp.copy()
        self.start = start_values(columns, mip.loads, chosen)
        self.time_limit = time_limit
        # Counted from the search's making, not from its run: started later, it still ends with the MIP beside it.
        self.deadline = time.monotonic() + time_limit
        self.should_stop = should_stop
        self.found: Level | None = None

    def run(self, on_improved: Callable[[int], None]) -> None:
        """Round each better plan of the relaxed model as it comes; `found` holds the best that passes its check."""
        columns = self.mip.columns

        def round_better(values: npt.NDArray[np.float64]) -> None:
            if self.should_stop():
                return  # a cancel, or the MIP beside is done: its answer is not to wait for a rounding
            left = self.deadline - time.monotonic()
            level = self.round(values, min(ROUNDING_SHARE * self.time_limit, left))
            if level is not None and (self.found is None or level.value < self.found.value):
                self.found = level
                on_improved(level.value)

        run_highs(
            HighsRun(
                self.relaxed,
                False,
                self.deadline - time.monotonic(),
                continuous=frozenset([*columns.take.values(), *columns.officers.values(), *columns.medics.values()]),
                start=self.start,
                should_stop=self.should_stop,
                on_improved=round_better,
                options=GAP_OPTIONS,
            )
        )

    def round(self, values: npt.NDArray[np.float64], time_limit: float) -> Level | None:
        """The relaxed plan's flags fixed and each count between its floor and ceiling: a plan of the rules, or None."""
        columns = self.mip.columns
        box = self.box
        for column in columns.used.values():
            # Fixed, not bounded: with the flags free, the cost level's rounding becomes a search of its own, and
            # on 20,000 people it then often found no plan in its time (with them fixed, 0.07 s).
            box.col_lower[column] = box.col_upper[column] = float(round(values[column]))
        own = self.relaxed  # the counts' own bounds, read from this search's copy
        for column in columns.take.values():
            # Kept within the count's own bounds: a count a tolerance below 0 rounds to 0, not to -1.
            box.col_lower[column] = max(own.col_lower[column], float(math.floor(values[column] + INTEGRAL)))
            box.col_upper[column] = min(own.col_upper[column], float(math.ceil(values[column] - INTEGRAL)))
        rounded = run_highs(HighsRun(box, False, time_limit, should_stop=self.should_stop, options=GAP_OPTIONS))
        found = None if rounded.values is None else self.mip.plan_of(rounded.values)
        if found is None or rounded.values is None:
            return None
        return Level(found, self.value_of(self.mip.flags_as_counted(rounded.values)), False)


def shortfall(loads: Loads, classes: list[ItemClass], priority: int) -> int:
    """How far `priority` falls short of placing every item of the classes that has an option (0 or less: none)."""
    return loads.placeable(i for k in classes for i in k.items) - priority


def improve_by_windows(
    loads: Loads,
    chosen: dict[int, Option],
    time_limit: float,
    should_stop: Callable[[], bool],
    on_improved: Callable[[int], None],
    stakes: Stakes | None = None,
    flights: set[int] | None = None,
) -> Level:
    """The levels after priority on a plan too large for one MIP, two weeks of `flights` at a time, the rest fixed.

    Each window frees the items on its flights and the unplaced ones that could take them, lets them
    choose among the window's flights only, keeps their placed priority and minimises (a replan's changes,
    then) cost; passes repeat until one improves nothing or time is up. On 100,000 people the whole model
    (310,000 columns) spent 421 s in HiGHS's presolve, and freeing every item with an option in a week still
    left 200,000 columns: most people may fly any week after they are ready.
    """
    deadline = time.monotonic() + time_limit
    weeks = [week & flights for week in week_windows(loads)] if flights is not None else week_windows(loads)
    weeks = [week for week in weeks if week]
    windows = [weeks[w] | weeks[w + 1] for w in range(len(weeks) - 1)] or weeks
    best = dict(chosen)
    score = plan_score(loads, best, stakes)
    while True:
        before = score
        for done, flights in enumerate(windows):
            left = deadline - time.monotonic()
            if should_stop() or left <= 0:
                return Level(best, score[1], False)
            level = improve_window(loads, best, flights, left / (len(windows) - done), should_stop, stakes)
            if level is not None and plan_score(loads, level.chosen, stakes) < score:
                best, score = level.chosen, plan_score(loads, level.chosen, stakes)
                on_improved(score[1])
        if score == before:
            return Level(best, score[1], False)


def improve_window(
    loads: Loads,
    chosen: dict[int, Option],
    flights: set[int],
    time_limit: float,
    should_stop: Callable[[], bool],
    stakes: Stakes | None = None,
) -> Level | None:
    """The best plan that moves only the window's items among its flights, keeping their placed priority."""
    free = [
        index
        for index, item in enumerate(loads.items)
        if (chosen[index].flight in flights if index in chosen else any(o.flight in flights for o in item.options))
    ]
    freed = set(free)
    kept = [
        tuple(p for p, o in enumerate(item.options) if o.flight in flights) if index in freed else None
        for index, item in enumerate(loads.items)
    ]
    window = Loads(
        loads.roster,
        tuple(
            item if positions is None else replace(item, options=tuple(item.options[p] for p in positions))
            for item, positions in zip(loads.items, kept, strict=True)
        ),
    )
    base = Occupancy(window)
    for item in sorted(chosen):
        if item not in freed:
            base.add(item, chosen[item])
    priority = sum(window.priority[item] for item in free if item in chosen)
    local = None if stakes is None else restrict_stakes(stakes, kept)
    mip = ClassMip(window, classify(window, local, items=free), priority, local, base)
    if local is not None:
        terms, constant = mip.changes()
        started = time.monotonic()
        level = mip.minimise(terms, constant, chosen, time_limit / 2, should_stop, ignore_value)
        if level is None:
            return None
        chosen, time_limit = level.chosen, time_limit - (time.monotonic() - started)
    # Alone, not side by side with a rounded search: on 100,000 people that search beside every window (its
    # copies of the model, its checks of every placed item) ran the plan 4-9 s past a 300 s limit, for costs
    # of 51.2-51.6 M against 51.7 M.
    return mip.minimise(mip.cost(), 0, chosen, time_limit, should_stop, ignore_value)


def ignore_value(_: int) -> None:
    """A window's level values are not the whole plan's: the caller reports the plan's own."""


def restrict_stakes(stakes: Stakes, kept: list[tuple[int, ...] | None]) -> Stakes:
    """A replan's stakes on a window's items, whose options are those at the `kept` positions (None: all)."""
    move = tuple(
        row if positions is None else tuple(row[p] for p in positions)
        for row, positions in zip(stakes.move, kept, strict=True)
    )
    # A frozen flight's passenger stays first among its options only when its frozen option is kept.
    forced = frozenset(i for i in stakes.forced if (positions := kept[i]) is None or positions[:1] == (0,))
    return Stakes(move, stakes.drop, forced)


def plan_score(loads: Loads, chosen: dict[int, Option], stakes: Stakes | None) -> tuple[int, int]:
    """What the windows minimise, in order: a replan's changes (0 otherwise), then cost."""
    changes = stakes.changes(chosen, loads.items) if stakes is not None else 0
    return changes, plan_cost(loads, chosen)


def week_windows(loads: Loads) -> list[set[int]]:
    """Flights grouped by the ISO week of their first departure, in calendar order."""
    windows: dict[tuple[int, int], set[int]] = defaultdict(set)
    for index, flight in enumerate(loads.roster.flights):
        depart = flight.stops[0].depart
        assert depart is not None
        year, week, _ = depart.date().isocalendar()
        windows[(year, week)].add(index)
    return [windows[key] for key in sorted(windows)]


def plan_cost(loads: Loads, chosen: dict[int, Option]) -> int:
    flights = loads.roster.flights
    return sum(flights[f].cost for f in {option.flight for option in chosen.values()})
