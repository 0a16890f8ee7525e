"""The class model of rules 14-16 as linear rows and integer columns for HiGHS: the LP bound and the MIP levels.

The same counts as the CP-SAT model (solver.py): an integer count per class and option, a used flag
per flight, integer officers and medical officers covering the units and medical escorts aboard, a
serving flag per flight where a flights-per-week cap binds. Built as compressed rows in one pass, so
that 100,000 people cost seconds, not the minutes a per-term modelling layer takes.

Counts and capped people are bounded against the used flag as tightly as the seats, the escorts and the
caps allow: on the generated 20,000-person roster (seed 0, everyone placed) that raised the cost level's LP
relaxation from 14,842,921 to 15,105,574 and HiGHS's bound after its root cuts from 15.07 M to 15.24 M,
and its best plan in 60 s from 15,530,400 to 15,412,300. Rows of Hall's condition (the people whose
options all lie within a set of flights fit on those flights) and at least one officer on a used flight
were tried and left out: the first moved no bound, the second tripled the ICE Air week's proof.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields

import highspy
import numpy as np

from planner.capacity import Loads, Occupancy, escorts_needed
from planner.classes import ItemClass
from planner.eligibility import Option

__all__ = [
    "ClassColumns",
    "HighsResult",
    "LinearModel",
    "build_class_columns",
    "run_highs",
    "seats_kept_for_rounding",
    "start_values",
]

INFINITY = highspy.kHighsInf
# Held while standard output is pointed away: two threads swapping it at once could leave it pointing nowhere.
STDOUT_SWAP = threading.Lock()


@dataclass
class LinearModel:
    """Columns (bounds, objective; all integer in a MIP) and rows (compressed by row), added one at a time."""

    col_lower: list[float] = field(default_factory=list)
    col_upper: list[float] = field(default_factory=list)
    col_cost: list[float] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    starts: list[int] = field(default_factory=lambda: [0])
    index: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)

    def column(self, upper: float, cost: float = 0.0) -> int:
        self.col_lower.append(0.0)
        self.col_upper.append(upper)
        self.col_cost.append(cost)
        return len(self.col_cost) - 1

    def copy(self) -> LinearModel:
        """A copy whose bounds, objective and rows change without changing this model's."""
        return LinearModel(*(list(getattr(self, f.name)) for f in fields(self)))

    def row(self, terms: dict[int, float], upper: float, lower: float = -INFINITY) -> None:
        """Add lower <= sum(terms) <= upper."""
        self.index += terms.keys()
        self.value += terms.values()
        self.starts.append(len(self.index))
        self.row_lower.append(lower)
        self.row_upper.append(upper)


@dataclass
class ClassColumns:
    """The class model's columns by meaning, and the rows of rules 14-16 over them.

    `base` holds items fixed where they are (a large neighbourhood search frees a window of the plan at a
    time): their seats, escorts and caps are constants in the rows, and a flight carrying any of them flies.
    """

    lp: LinearModel
    classes: list[ItemClass]
    base: Occupancy | None = None
    take: dict[tuple[int, int], int] = field(default_factory=dict)  # (class, option position) -> column
    used: dict[int, int] = field(default_factory=dict)  # flight -> column
    officers: dict[int, int] = field(default_factory=dict)
    medics: dict[int, int] = field(default_factory=dict)
    serves: dict[tuple[str, tuple[int, int], int], int] = field(default_factory=dict)
    by_flight: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    seat_rows: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))  # flight -> row per segment

    def terms(self, per_class_option: Callable[[int, int], int]) -> dict[int, float]:
        """A linear expression over the counts: coefficient per (class, option position), zeros left out."""
        found: dict[int, float] = {}
        for (c, position), column in self.take.items():
            coefficient = per_class_option(c, position)
            if coefficient:
                found[column] = float(coefficient)
        return found


def build_class_columns(loads: Loads, classes: list[ItemClass], base: Occupancy | None = None) -> ClassColumns:
    """Columns and rows of rules 14-16 over class counts; no objective yet (every column costs 0)."""
    model = ClassColumns(LinearModel(), classes, base)
    lp = model.lp
    for c, item_class in enumerate(classes):
        first = item_class.items[0]
        count = len(item_class.items)
        for position in item_class.options:
            model.take[(c, position)] = lp.column(count)
            model.by_flight[loads.items[first].options[position].flight].append((c, position))
        if item_class.options:
            lp.row({model.take[(c, p)]: 1.0 for p in item_class.options}, count)
    for flight, terms in sorted(model.by_flight.items()):
        add_flight_rows(model, loads, flight, terms)
    add_cap_rows(model, loads)
    return model


def add_flight_rows(model: ClassColumns, loads: Loads, flight: int, terms: list[tuple[int, int]]) -> None:
    """Rule 14: officers and medical officers cover the people aboard, every segment within the seats."""
    lp = model.lp
    spec = loads.roster.flights[flight]
    room = spec.seats - spec.reserved_seats
    used = model.used[flight] = lp.column(1.0)
    officers = model.officers[flight] = lp.column(spec.seats)
    medics = model.medics[flight] = lp.column(spec.seats)
    base = model.base
    fixed = base.aboard.get(flight) if base is not None else None
    if fixed is not None:
        lp.col_lower[used] = 1.0
    units = float(base.units.get(flight, 0)) if base is not None else 0.0
    medical = float(base.medical.get(flight, 0)) if base is not None else 0.0
    first = {t: model.classes[t[0]].items[0] for t in terms}
    for t in terms:
        # The count's own bound times the flag, no more than fit with their escorts and under the caps: the
        # tighter, the stronger the LP.
        most = most_aboard(model, loads, t, room)
        lp.row({model.take[t]: 1.0, used: -float(most)}, 0.0)
    lp.row(
        {**{model.take[t]: float(loads.officer_units[first[t]]) for t in terms}, officers: -float(loads.officer_unit)},
        -units,
    )
    lp.row(
        {**{model.take[t]: float(loads.medical[first[t]]) for t in terms}, medics: -float(loads.medical_ratio)},
        -medical,
    )
    aboard: dict[int, dict[int, float]] = defaultdict(dict)
    for t in terms:
        load = loads.load(loads.items[first[t]].options[t[1]])
        for offset, count in enumerate(load.aboard):
            if count:
                aboard[load.first_segment + offset][model.take[t]] = float(count)
    for segment in range(len(spec.stops) - 1):
        seated = float(fixed[segment]) if fixed is not None else 0.0
        model.seat_rows[flight].append(len(lp.row_upper))
        lp.row({**aboard[segment], officers: 1.0, medics: 1.0, used: -float(room)}, -seated)


def seats_kept_for_rounding(model: ClassColumns, loads: Loads) -> LinearModel:
    """A copy of the rows in which every flight flying keeps the seats that rounding its escorts up may take.

    Officers cover ceil(units / unit): rounded up, at most (unit - 1) / unit more than the units' share, and
    medical officers likewise. With these seats kept, counts rounded down and escorts rounded up still fit.
    """
    lp = model.lp.copy()
    kept = (loads.officer_unit - 1) / loads.officer_unit + (loads.medical_ratio - 1) / loads.medical_ratio
    for flight, rows in model.seat_rows.items():
        used = model.used[flight]
        for row in rows:
            for k in range(lp.starts[row], lp.starts[row + 1]):
                if lp.index[k] == used:
                    lp.value[k] += kept
    return lp


def most_aboard(model: ClassColumns, loads: Loads, key: tuple[int, int], room: int) -> int:
    """The most items of a class one flight can carry on an option: its count, the seats with escorts, the caps.

    Every member is aboard on the segment before the stop they deplane at, and officers count everyone aboard.
    """
    c, position = key
    item = model.classes[c].items[0]
    option = loads.items[item].options[position]
    size, units, medical = loads.size[item], loads.officer_units[item], loads.medical[item]
    most = min(len(model.classes[c].items), max(room, 0) // size)
    for destination in loads.capped_at.get(loads.load(option).deplane_airport, []):
        cap = destination.max_people_per_flight
        if cap is not None:
            most = min(most, max(cap - deplaned_before(model, destination.country, option.flight), 0) // size)
    while most > 0 and most * size + escorts_needed(loads, most * units, most * medical) > room:
        most -= 1
    return most


def deplaned_before(model: ClassColumns, country: str, flight: int) -> int:
    """People the fixed items of `base` deplane in the country from the flight (0 without a base)."""
    return model.base.deplaned.get((country, flight), 0) if model.base is not None else 0


def add_cap_rows(model: ClassColumns, loads: Loads) -> None:
    """Rule 15: people deplaned per flight; flights per ISO week through a serving flag per flight."""
    per_flight: dict[tuple[str, int], dict[int, float]] = defaultdict(dict)
    per_week: dict[tuple[str, tuple[int, int]], dict[int, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    caps = {d.country: d for airport in loads.capped_at.values() for d in airport}
    for flight, terms in sorted(model.by_flight.items()):
        for c, position in terms:
            first = model.classes[c].items[0]
            load = loads.load(loads.items[first].options[position])
            for destination in loads.capped_at.get(load.deplane_airport, []):
                column = model.take[(c, position)]
                per_flight[(destination.country, flight)][column] = float(loads.size[first])
                per_week[(destination.country, load.week)][flight][column] = float(loads.size[first])
    base = model.base
    for (country, flight), people in per_flight.items():
        cap = caps[country].max_people_per_flight
        if cap is not None:
            # Against the used flag, not a constant: a flight a fraction open carries no more than that fraction
            # of the cap, which on capped countries is most of what the LP relaxation left open.
            left = cap - deplaned_before(model, country, flight)
            model.lp.row({**people, model.used[flight]: -float(left)}, 0.0)
    for (country, week), flights in per_week.items():
        weekly = caps[country].max_flights_per_week
        served = base.week_flights.get((country, week), set()) if base is not None else set()
        if weekly is None or len(flights.keys() | served) <= weekly:
            continue
        serving = {}
        for flight, people in sorted(flights.items()):
            serves = model.serves[(country, week, flight)] = model.lp.column(1.0)
            spec = loads.roster.flights[flight]
            most = min(spec.seats - spec.reserved_seats, caps[country].max_people_per_flight or spec.seats)
            model.lp.row({**people, serves: -float(max(most, 0))}, 0.0)
            if flight in served:
                model.lp.col_lower[serves] = 1.0
            serving[serves] = 1.0
        # Fixed flights deplaning there that week that no free item can take count against the cap as they are.
        model.lp.row(serving, weekly - len(served - flights.keys()))


def start_values(model: ClassColumns, loads: Loads, chosen: dict[int, Option]) -> list[float]:
    """Every column's value in a known plan, to start the MIP from it (items of `base` included in `chosen`)."""
    values = [0.0] * len(model.lp.col_cost)
    position_of = {
        (c, loads.items[item].options[p]): p
        for c, k in enumerate(model.classes)
        for item in k.items[:1]
        for p in k.options
    }
    class_of = {item: c for c, k in enumerate(model.classes) for item in k.items}
    occupancy = Occupancy(loads)
    for item in sorted(chosen):
        occupancy.add(item, chosen[item])
        c = class_of.get(item)
        if c is None:
            continue  # a fixed item of the base
        values[model.take[(c, position_of[(c, chosen[item])])]] += 1.0
    for flight, column in model.used.items():
        values[column] = float(flight in occupancy.aboard)
        values[model.officers[flight]] = float(loads.officers(occupancy.units[flight]))
        values[model.medics[flight]] = float(loads.medical_officers(occupancy.medical[flight]))
    for (country, week, flight), column in model.serves.items():
        values[column] = float(flight in occupancy.week_flights[(country, week)])
    return values


@dataclass(frozen=True)
class HighsResult:
    """What a HiGHS run ended with: a solution's column values (None without one), its objective and bound."""

    values: list[float] | None
    objective: float | None
    bound: float | None
    optimal: bool


@dataclass
class HighsRun:
    """One HiGHS solve: limits, the start, and the callbacks that report progress and honour a cancel."""

    lp: LinearModel
    maximise: bool
    time_limit: float
    relax: bool = False
    continuous: frozenset[int] = frozenset()  # columns a MIP leaves continuous (all others are integer)
    start: list[float] | None = None
    should_stop: Callable[[], bool] = lambda: False
    on_improved: Callable[[np.ndarray], None] | None = None  # the improving solution's column values
    options: dict[str, str | float] = field(default_factory=dict)


def run_highs(run: HighsRun) -> HighsResult:
    """Solve the model with HiGHS within the run's limits; an interrupted MIP keeps its best solution."""
    lp = run.lp
    if not lp.col_cost:
        return HighsResult([], 0.0, 0.0, True)
    model = highspy.HighsLp()
    model.num_col_ = len(lp.col_cost)
    model.num_row_ = len(lp.row_upper)
    model.sense_ = highspy.ObjSense.kMaximize if run.maximise else highspy.ObjSense.kMinimize
    model.col_cost_ = np.array(lp.col_cost, dtype=np.float64)
    model.col_lower_ = np.array(lp.col_lower, dtype=np.float64)
    model.col_upper_ = np.array(lp.col_upper, dtype=np.float64)
    model.row_lower_ = np.array(lp.row_lower, dtype=np.float64)
    model.row_upper_ = np.array(lp.row_upper, dtype=np.float64)
    model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    model.a_matrix_.start_ = np.array(lp.starts, dtype=np.int32)
    model.a_matrix_.index_ = np.array(lp.index, dtype=np.int32)
    model.a_matrix_.value_ = np.array(lp.value, dtype=np.float64)
    if not run.relax:
        integer, continuous = highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous
        model.integrality_ = [continuous if c in run.continuous else integer for c in range(len(lp.col_cost))]
    with STDOUT_SWAP, quiet_stdout():
        highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("time_limit", max(run.time_limit, 0.01))
    for name, value in run.options.items():
        highs.setOptionValue(name, value)
    highs.passModel(model)
    if run.start is not None and not run.relax:
        solution = highspy.HighsSolution()
        solution.col_value = run.start
        solution.value_valid = True
        highs.setSolution(solution)

    def interrupt(event: highspy.highs.HighsCallbackEvent) -> None:
        if run.should_stop():
            event.interrupt()

    def improved(event: highspy.highs.HighsCallbackEvent) -> None:
        if run.on_improved is not None:
            run.on_improved(np.asarray(event.data_out.mip_solution))

    highs.cbMipInterrupt.subscribe(interrupt)
    highs.cbSimplexInterrupt.subscribe(interrupt)
    highs.cbIpmInterrupt.subscribe(interrupt)
    highs.cbMipImprovingSolution.subscribe(improved)
    highs.run()
    status = highs.getModelStatus()
    info = highs.getInfo()
    optimal = status == highspy.HighsModelStatus.kOptimal
    has_solution = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    values = list(highs.getSolution().col_value) if has_solution else None
    objective = info.objective_function_value if has_solution else None
    if run.relax:
        bound = objective if optimal else None
    else:
        bound = info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else None
    return HighsResult(values, objective, bound, optimal)


@contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence the process's standard output: HiGHS prints a banner there, where `planner plan` writes the plan."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
