"""An upper bound on placed priority from the LP relaxation of the class model, solved by HiGHS.

CP-SAT proves its own bound, but on 100,000 people it may not finish presolve within the time limit
and then knows only "everyone placed". The relaxation here keeps rules 14-16 as linear rows over
class counts (escorts as fractions, a weekly cap as a fractional choice of flights) and drops
integrality, so its optimum is at least the best plan's priority: a proven bound in seconds.
"""

from __future__ import annotations

import math
import os
import sys
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import highspy
import numpy as np

from planner.capacity import Loads
from planner.classes import ItemClass

__all__ = ["priority_bound"]

# The LP's optimum is a float within HiGHS's tolerances (an interior point's relative gap is 1e-8); the
# slack keeps the integer bound valid.
SLACK = 1e-3
RELATIVE_SLACK = 1e-6


@dataclass
class Relaxation:
    """Columns (bounds and objective) and rows (CSR) of the LP, built one row at a time."""

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

    def row(self, terms: dict[int, float], upper: float) -> None:
        """Add sum(terms) <= upper."""
        self.index += terms.keys()
        self.value += terms.values()
        self.starts.append(len(self.index))
        self.row_lower.append(-highspy.kHighsInf)
        self.row_upper.append(upper)


def priority_bound(loads: Loads, classes: list[ItemClass], time_limit: float) -> int | None:
    """The most priority any plan can place, by the LP relaxation; None if HiGHS does not finish in time."""
    lp = Relaxation()
    take: dict[tuple[int, int], int] = {}
    by_flight: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for c, item_class in enumerate(classes):
        first = item_class.items[0]
        count = len(item_class.items)
        for position in item_class.options:
            take[(c, position)] = lp.column(count, loads.priority[first])
            by_flight[loads.items[first].options[position].flight].append((c, position))
        lp.row({take[(c, p)]: 1.0 for p in item_class.options}, count)
    for flight, terms in by_flight.items():
        add_flight_rows(lp, loads, classes, take, flight, terms)
    add_cap_rows(lp, loads, classes, take, by_flight)
    return solve_relaxation(lp, time_limit)


def add_flight_rows(
    lp: Relaxation,
    loads: Loads,
    classes: list[ItemClass],
    take: dict[tuple[int, int], int],
    flight: int,
    terms: list[tuple[int, int]],
) -> None:
    """Rule 14 relaxed: fractional officers and medical officers, every segment within the seats."""
    spec = loads.roster.flights[flight]
    officers = lp.column(spec.seats)
    medics = lp.column(spec.seats)
    units = {take[t]: float(loads.officer_units[classes[t[0]].items[0]]) for t in terms}
    lp.row({**units, officers: -float(loads.officer_unit)}, 0.0)
    medical = {take[t]: float(loads.medical[classes[t[0]].items[0]]) for t in terms}
    lp.row({**medical, medics: -float(loads.medical_ratio)}, 0.0)
    aboard: dict[int, dict[int, float]] = defaultdict(dict)
    for c, position in terms:
        load = loads.load(loads.items[classes[c].items[0]].options[position])
        for offset, count in enumerate(load.aboard):
            if count:
                aboard[load.first_segment + offset][take[(c, position)]] = float(count)
    room = float(spec.seats - spec.reserved_seats)
    for segment in sorted(aboard):
        lp.row({**aboard[segment], officers: 1.0, medics: 1.0}, room)


def add_cap_rows(
    lp: Relaxation,
    loads: Loads,
    classes: list[ItemClass],
    take: dict[tuple[int, int], int],
    by_flight: dict[int, list[tuple[int, int]]],
) -> None:
    """Rule 15 relaxed: people per flight as is; flights per week as a fractional choice of flights."""
    per_flight: dict[tuple[str, int], dict[int, float]] = defaultdict(dict)
    per_week: dict[tuple[str, tuple[int, int]], dict[int, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    caps = {d.country: d for airport in loads.capped_at.values() for d in airport}
    for flight, terms in by_flight.items():
        for c, position in terms:
            first = classes[c].items[0]
            load = loads.load(loads.items[first].options[position])
            for destination in loads.capped_at.get(load.deplane_airport, []):
                column = take[(c, position)]
                per_flight[(destination.country, flight)][column] = float(loads.size[first])
                per_week[(destination.country, load.week)][flight][column] = float(loads.size[first])
    for (country, _), people in per_flight.items():
        cap = caps[country].max_people_per_flight
        if cap is not None:
            lp.row(people, cap)
    for (country, _), flights in per_week.items():
        weekly = caps[country].max_flights_per_week
        if weekly is None or len(flights) <= weekly:
            continue
        serving = {}
        for flight, people in flights.items():
            serves = lp.column(1.0)
            lp.row({**people, serves: -float(loads.roster.flights[flight].seats)}, 0.0)
            serving[serves] = 1.0
        lp.row(serving, weekly)


def solve_relaxation(lp: Relaxation, time_limit: float) -> int | None:
    """Maximise the LP; its optimum, rounded down after a small slack, or None without a proven optimum."""
    if not lp.col_cost:
        return 0  # nobody can fly
    model = highspy.HighsLp()
    model.num_col_ = len(lp.col_cost)
    model.num_row_ = len(lp.row_upper)
    model.sense_ = highspy.ObjSense.kMaximize
    model.col_cost_ = np.array(lp.col_cost, dtype=np.float64)
    model.col_lower_ = np.array(lp.col_lower, dtype=np.float64)
    model.col_upper_ = np.array(lp.col_upper, dtype=np.float64)
    model.row_lower_ = np.array(lp.row_lower, dtype=np.float64)
    model.row_upper_ = np.array(lp.row_upper, dtype=np.float64)
    model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    model.a_matrix_.start_ = np.array(lp.starts, dtype=np.int32)
    model.a_matrix_.index_ = np.array(lp.index, dtype=np.int32)
    model.a_matrix_.value_ = np.array(lp.value, dtype=np.float64)
    with quiet_stdout():
        highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", max(time_limit, 0.01))
    # Interior point without crossover: the optimum's value is all a bound needs, and on 100,000 people the
    # simplex method had not finished in 60 s.
    highs.setOptionValue("solver", "ipm")
    highs.setOptionValue("run_crossover", "off")
    highs.passModel(model)
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    value = highs.getInfo().objective_function_value
    return math.floor(value + SLACK + RELATIVE_SLACK * abs(value)) if math.isfinite(value) else None


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
