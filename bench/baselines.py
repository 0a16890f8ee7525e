"""Baselines the planner must beat: one variable per (item, option), solved by CP-SAT and as a MIP by HiGHS.

Written apart from planner/solver.py on purpose: the textbook model, with no classes of interchangeable
items and no warm start, so that the bench measures what the planner's model buys. One linear
description feeds both solvers, so the two baselines solve the very same model.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import highspy
import numpy as np
from ortools.sat.python import cp_model

from planner.capacity import Loads
from planner.eligibility import Option

__all__ = ["Outcome", "PerOptionModel", "build_per_option", "solve_cpsat", "solve_highs"]

# Phase 1 (placed priority) may use this share of what is left of the time limit; phase 2 (cost) the rest.
PRIORITY_PHASE_SHARE = 0.7


@dataclass
class Row:
    """lower <= sum(coefs[k] * column[columns[k]]) <= upper."""

    columns: list[int]
    coefs: list[int]
    lower: float
    upper: float


@dataclass
class PerOptionModel:
    """Columns and rows of rules 14-16 with one 0/1 column per (item, option)."""

    loads: Loads
    lower: list[int] = field(default_factory=list)
    upper: list[int] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    takes: list[tuple[int, Option]] = field(default_factory=list)  # column -> (item, option), for columns 0..n-1
    priority: dict[int, int] = field(default_factory=dict)  # column -> priority placed when it is 1
    cost: dict[int, int] = field(default_factory=dict)  # column -> cost paid when it is 1

    def column(self, lower: int, upper: int) -> int:
        self.lower.append(lower)
        self.upper.append(upper)
        return len(self.lower) - 1

    def row(self, terms: dict[int, int], lower: float, upper: float) -> None:
        self.rows.append(Row(list(terms), list(terms.values()), lower, upper))


@dataclass(frozen=True)
class Outcome:
    """What a baseline solve found: the assignment and how far it got within the time limit."""

    chosen: dict[int, Option]
    bound: int  # proven upper bound on placed priority
    is_optimal: bool  # both levels proven
    first_seconds: float | None  # first complete assignment, from the start of the solve call
    optimal_seconds: float | None  # both levels proven, from the start of the solve call


def build_per_option(loads: Loads) -> PerOptionModel:
    """The model: choice (rule 16), flight use, segment capacity with escorts (rule 14), caps (rule 15)."""
    model = PerOptionModel(loads)
    by_flight: dict[int, list[int]] = defaultdict(list)
    for item, entry in enumerate(loads.items):
        columns = []
        for option in entry.options:
            column = model.column(0, 1)
            model.takes.append((item, option))
            model.priority[column] = loads.priority[item]
            by_flight[option.flight].append(column)
            columns.append(column)
        if len(columns) > 1:
            model.row(dict.fromkeys(columns, 1), -math.inf, 1)
    for flight in sorted(by_flight):
        add_flight(model, flight, by_flight[flight])
    add_weekly_caps(model, by_flight)
    return model


def add_flight(model: PerOptionModel, flight: int, columns: list[int]) -> None:
    """One flight's use, escorts, seats on every segment and per-flight destination caps."""
    loads = model.loads
    spec = loads.roster.flights[flight]
    used = model.column(0, 1)
    model.cost[used] = spec.cost
    officers, medics = model.column(0, spec.seats), model.column(0, spec.seats)
    for column in columns:
        model.row({column: 1, used: -1}, -math.inf, 0)
    # Escorts are ceil(units / unit) and ceil(medical / ratio): the least integers covering the sums.
    units = {column: -loads.officer_units[model.takes[column][0]] for column in columns}
    model.row(units | {officers: loads.officer_unit}, 0, math.inf)
    medical = {column: -loads.medical[model.takes[column][0]] for column in columns}
    medical = {column: coef for column, coef in medical.items() if coef}
    model.row(medical | {medics: loads.medical_ratio}, 0, math.inf)
    segments: list[dict[int, int]] = [{} for _ in range(len(spec.stops) - 1)]
    capped: dict[str, dict[int, int]] = defaultdict(dict)
    for column in columns:
        item, option = model.takes[column]
        load = loads.load(option)
        for offset, count in enumerate(load.aboard):
            if count:
                segments[load.first_segment + offset][column] = count
        for destination in loads.capped_at.get(load.deplane_airport, []):
            if destination.max_people_per_flight is not None:
                capped[destination.country][column] = loads.size[item]
    for aboard in segments:
        if aboard:
            terms = aboard | {officers: 1, medics: 1, used: spec.reserved_seats - spec.seats}
            model.row(terms, -math.inf, 0)
    caps = {d.country: d.max_people_per_flight for airport in loads.capped_at.values() for d in airport}
    for country, people in sorted(capped.items()):
        cap = caps[country]
        assert cap is not None
        model.row(people, -math.inf, cap)


def add_weekly_caps(model: PerOptionModel, by_flight: dict[int, list[int]]) -> None:
    """Rule 15's flights per ISO week: a flight serves a capped country in a week if anyone deplanes there then."""
    loads = model.loads
    serving: dict[tuple[str, tuple[int, int]], dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    weekly: dict[str, int] = {}
    for flight in sorted(by_flight):
        for column in by_flight[flight]:
            load = loads.load(model.takes[column][1])
            for destination in loads.capped_at.get(load.deplane_airport, []):
                if destination.max_flights_per_week is not None:
                    weekly[destination.country] = destination.max_flights_per_week
                    serving[(destination.country, load.week)][flight].append(column)
    for (country, _), flights in sorted(serving.items()):
        if len(flights) <= weekly[country]:
            continue
        serves = []
        for _, columns in sorted(flights.items()):
            serve = model.column(0, 1)
            serves.append(serve)
            for column in columns:
                model.row({column: 1, serve: -1}, -math.inf, 0)
        model.row(dict.fromkeys(serves, 1), -math.inf, weekly[country])


def chosen_of(model: PerOptionModel, values: Callable[[int], float]) -> dict[int, Option]:
    """The assignment a solution's take columns describe."""
    return {item: option for column, (item, option) in enumerate(model.takes) if values(column) > 0.5}


def bound_without_plan(model: PerOptionModel, proven: float) -> int:
    """The solver's bound on placed priority when it found no plan, or placing everyone if it has none."""
    everyone = sum(model.loads.priority)
    return min(everyone, math.floor(proven + 1e-6)) if math.isfinite(proven) else everyone


# --- CP-SAT


class FirstSolution(cp_model.CpSolverSolutionCallback):
    """Notes when the first complete assignment appears."""

    def __init__(self, started: float) -> None:
        super().__init__()
        self.started = started
        self.seconds: float | None = None

    def on_solution_callback(self) -> None:
        if self.seconds is None:
            self.seconds = time.monotonic() - self.started


def cp_bound(value: float) -> int:
    return cp_model.INT_MIN if value == -math.inf else cp_model.INT_MAX if value == math.inf else int(value)


def solve_cpsat(model: PerOptionModel, time_limit: float, workers: int = 1, seed: int = 0) -> Outcome:
    """Maximise placed priority, then minimise cost at that priority, with CP-SAT's default search."""
    started = time.monotonic()
    cp = cp_model.CpModel()
    columns = [
        cp.new_int_var(low, high, f"c{k}") for k, (low, high) in enumerate(zip(model.lower, model.upper, strict=True))
    ]
    for row in model.rows:
        expr = cp_model.LinearExpr.weighted_sum([columns[k] for k in row.columns], row.coefs)
        cp.add_linear_constraint(expr, cp_bound(row.lower), cp_bound(row.upper))
    priority = cp_model.LinearExpr.weighted_sum([columns[k] for k in model.priority], list(model.priority.values()))
    cost = cp_model.LinearExpr.weighted_sum([columns[k] for k in model.cost], list(model.cost.values()))

    def solver(seconds: float) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(seconds, 0.01)
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        return solver

    cp.maximize(priority)
    first = solver((time_limit - (time.monotonic() - started)) * PRIORITY_PHASE_SHARE)
    watch = FirstSolution(started)
    status = first.solve(cp, watch)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Stopped before its search began, CP-SAT reports a bound of 0: unset, as a true 0 would come with OPTIMAL.
        proven = first.best_objective_bound if first.best_objective_bound > 0 else math.inf
        return Outcome({}, bound_without_plan(model, proven), False, None, None)
    best = round(first.objective_value)
    bound = best if status == cp_model.OPTIMAL else math.floor(first.best_objective_bound + 1e-6)
    values = [first.value(column) for column in columns]
    for column, value in zip(columns, values, strict=True):
        cp.add_hint(column, value)
    cp.add(priority >= best)
    cp.minimize(cost)
    second = solver(time_limit - (time.monotonic() - started))
    second_status = second.solve(cp)
    if second_status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = [second.value(column) for column in columns]
    is_optimal = status == cp_model.OPTIMAL and second_status == cp_model.OPTIMAL
    finished = time.monotonic() - started
    return Outcome(
        chosen_of(model, values.__getitem__), bound, is_optimal, watch.seconds, finished if is_optimal else None
    )


# --- HiGHS


def highs_lp(model: PerOptionModel) -> highspy.HighsLp:
    """The model as HiGHS's row-wise sparse MIP, maximising placed priority."""
    lp = highspy.HighsLp()
    count = len(model.lower)
    lp.num_col_ = count
    lp.num_row_ = len(model.rows)
    cost = np.zeros(count)
    for column, value in model.priority.items():
        cost[column] = value
    lp.col_cost_ = cost
    lp.col_lower_ = np.array(model.lower, dtype=np.double)
    lp.col_upper_ = np.array(model.upper, dtype=np.double)
    lp.row_lower_ = np.array([row.lower for row in model.rows], dtype=np.double).clip(-highspy.kHighsInf)
    lp.row_upper_ = np.array([row.upper for row in model.rows], dtype=np.double).clip(max=highspy.kHighsInf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.cumsum([0] + [len(row.columns) for row in model.rows], dtype=np.int32)
    lp.a_matrix_.index_ = np.array([k for row in model.rows for k in row.columns], dtype=np.int32)
    lp.a_matrix_.value_ = np.array([c for row in model.rows for c in row.coefs], dtype=np.double)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * count
    lp.sense_ = highspy.ObjSense.kMaximize
    return lp


def solve_highs(model: PerOptionModel, time_limit: float, threads: int = 1, seed: int = 0) -> Outcome:
    """The same two levels as a MIP: maximise priority, then minimise cost with priority at least the best found."""
    started = time.monotonic()
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", threads)
    highs.setOptionValue("random_seed", seed)
    # Both objectives are integers: a gap below one proves the optimum, and no relative gap may stop it sooner.
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.setOptionValue("mip_abs_gap", 0.99)
    first_seconds: list[float] = []

    def on_improving(*_: object) -> None:
        if not first_seconds:
            first_seconds.append(time.monotonic() - started)

    highs.cbMipImprovingSolution.subscribe(on_improving)
    highs.passModel(highs_lp(model))
    highs.setOptionValue("time_limit", max((time_limit - (time.monotonic() - started)) * PRIORITY_PHASE_SHARE, 0.01))
    highs.run()
    status = highs.getModelStatus()
    info = highs.getInfo()
    if info.primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        return Outcome({}, bound_without_plan(model, info.mip_dual_bound), False, None, None)
    solution = highs.getSolution()
    best = round(info.objective_function_value)
    proven_first = status == highspy.HighsModelStatus.kOptimal
    bound = best if proven_first else math.floor(info.mip_dual_bound + 1e-6)
    values = list(solution.col_value)

    count = len(model.lower)
    costs = np.zeros(count)
    for column, value in model.cost.items():
        costs[column] = value
    highs.changeColsCost(count, np.arange(count, dtype=np.int32), costs)
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    priority = np.array(list(model.priority), dtype=np.int32)
    weights = np.array(list(model.priority.values()), dtype=np.double)
    highs.addRow(best - 0.5, highspy.kHighsInf, len(priority), priority, weights)
    highs.setSolution(solution)
    highs.setOptionValue("time_limit", max(time_limit - (time.monotonic() - started), 0.01))
    highs.run()
    second_status = highs.getModelStatus()
    if highs.getInfo().primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible:
        values = list(highs.getSolution().col_value)
    is_optimal = proven_first and second_status == highspy.HighsModelStatus.kOptimal
    finished = time.monotonic() - started
    return Outcome(
        chosen_of(model, values.__getitem__),
        bound,
        is_optimal,
        first_seconds[0] if first_seconds else None,
        finished if is_optimal else None,
    )
