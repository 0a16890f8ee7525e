"""The CP-SAT model of rules 13-16, the placed-priority level, the order of levels and parts; imports ortools alone.

Interchangeable items (same options, loads and priority) are merged into classes with an integer
count per option, so a thousand identical single travellers cost one variable per option, not a
thousand; `expand` (planner/classes.py) turns counts back into named items deterministically.
Placed priority is CP-SAT's, unless the repaired warm start already places every item that has an
option; a replan's changes and the cost come after it, by HiGHS on the same class model (planner/mip.py).
Each independent part of the plan (planner/components.py) goes through the levels on its own.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from planner.capacity import Loads, Occupancy, occupy
from planner.classes import Counts, ItemClass, classify, expand, expand_keeping
from planner.components import split_components
from planner.eligibility import Option
from planner.mip import ClassMip, improve_by_windows, plan_cost
from planner.replan import Stakes

__all__ = ["Control", "Progress", "Solution", "SolveSettings", "available_cores", "solve"]

# Shares of the time left that a level may use when it starts; cost, the last level, takes the rest.
# Placed priority matters most and is the hardest to prove; a replan's change count sits between it and cost.
PRIORITY_SHARE = 0.7
CHANGES_SHARE = 0.6
# Class models with more option columns than this are not solved whole: CP-SAT skips placed priority (on
# 100,000 people, 309,755 columns, it found nothing better than the warm start in 300 s) and HiGHS takes the
# cost level a week of flights at a time (whole, it spent 421 s in presolve). On 20,000 people (19,226
# columns) HiGHS presolves the whole model in about 2 s.
WINDOWS_FROM_COLUMNS = 60_000
# The least time a part of the plan gets (if that much is left), however few its columns: a share of a few
# milliseconds would leave a small part's proof to the machine's load.
MIN_PART_SECONDS = 0.5


@dataclass(frozen=True)
class SolveSettings:
    time_limit: float = 60.0
    # One worker by default so that the same request and seed give the same plan (contract: deterministic ties).
    workers: int = 1
    seed: int = 0
    windows_from_columns: int = WINDOWS_FROM_COLUMNS
    # Cores the solve may keep busy; None: every core the process may run on. With two or more, the levels after
    # placed priority look for rounded plans on a second thread (planner/mip.py, `minimise_side_by_side`).
    cores: int | None = None

    def usable_cores(self) -> int:
        return self.cores if self.cores is not None else available_cores()


@dataclass(frozen=True)
class Progress:
    elapsed_seconds: float
    placed_priority: int
    placed_priority_bound: int
    cost: int | None


class Control:
    """Lets another thread follow a solve as it improves and stop it early, keeping the best plan so far."""

    def __init__(self, on_progress: Callable[[Progress], None] | None = None) -> None:
        self.on_progress = on_progress
        self._lock = threading.Lock()
        self._solver: cp_model.CpSolver | None = None
        self._cancelled = False
        self.ceiling: int | None = None
        # Reports count their elapsed seconds from here: make_plan sets it to when the request was parsed.
        self.started = time.monotonic()
        # What the parts of the plan not being solved add to a report (priority, bound, cost): solve() sets it.
        self.offset: tuple[int, int, int] = (0, 0, 0)
        self._last: tuple[int, int, int | None] | None = None  # the figures of the report last passed on
        self.bound: int | None = None  # the least priority bound reported: the plan's may be no looser

    def elapsed(self) -> float:
        """Seconds since `started`, as reports give them."""
        return round(time.monotonic() - self.started, 3)

    @property
    def is_cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Stop the running solve (and any later phase); safe from any thread."""
        with self._lock:
            self._cancelled = True
            if self._solver is not None:
                self._solver.stop_search()

    def run(self, solver: cp_model.CpSolver, model: cp_model.CpModel, reporter: Reporter) -> cp_model.CpSolverStatus:
        """Solve unless cancelled, reachable by `cancel` while it runs."""
        with self._lock:
            if self._cancelled:
                return cp_model.UNKNOWN
            self._solver = solver
        try:
            return solver.solve(model, reporter)
        finally:
            with self._lock:
                self._solver = None

    def report(self, progress: Progress) -> None:
        """Pass a plan on, the other parts' figures added, its priority bound no looser than any before it.

        The bound is the least of every bound reported so far and `ceiling` (the LP's): each is proven, and a
        part's first CP-SAT bound is looser than the one the part before it ended with.
        """
        priority, bound, cost = self.offset
        progress = Progress(
            progress.elapsed_seconds,
            progress.placed_priority + priority,
            progress.placed_priority_bound + bound,
            None if progress.cost is None else progress.cost + cost,
        )
        least = min(b for b in (progress.placed_priority_bound, self.ceiling, self.bound) if b is not None)
        self.bound = least = max(least, progress.placed_priority)
        progress = Progress(progress.elapsed_seconds, progress.placed_priority, least, progress.cost)
        figures = (progress.placed_priority, progress.placed_priority_bound, progress.cost)
        if figures == self._last:
            return  # HiGHS reports each part's start again, and a part may improve nothing the whole plan shows
        self._last = figures
        if self.on_progress is not None:
            self.on_progress(progress)


class Reporter(cp_model.CpSolverSolutionCallback):
    """Reports each plan of the priority level that places more than `floor` (the warm start, reported before)."""

    def __init__(self, model: Model, control: Control, floor: int) -> None:
        super().__init__()
        self.model = model
        self.control = control
        self.floor = floor

    def on_solution_callback(self) -> None:
        model = self.model
        priority = sum(
            self.value(var) * _class_value(model, c, model.loads.priority) for (c, _), var in model.take.items()
        )
        if priority <= self.floor:
            return  # CP-SAT's first plan may place what the warm start does at a higher cost: no better plan
        cost = sum(model.loads.roster.flights[f].cost for f, used in model.used.items() if self.boolean_value(used))
        bound = math.floor(self.best_objective_bound + 1e-6)
        self.control.report(Progress(self.control.elapsed(), priority, max(bound, priority), cost))


@dataclass(frozen=True)
class Solution:
    chosen: dict[int, Option]
    placed_priority_bound: int
    is_optimal: bool


@dataclass
class Model:
    """The CP-SAT model and the variables the rules and objective read."""

    loads: Loads
    classes: list[ItemClass]
    stakes: Stakes | None = None
    cp: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    take: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)  # (class, option position) -> count
    used: dict[int, cp_model.IntVar] = field(default_factory=dict)  # flight -> carries anyone
    by_flight: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    officers: dict[int, cp_model.IntVar] = field(default_factory=dict)
    medics: dict[int, cp_model.IntVar] = field(default_factory=dict)
    serves: dict[tuple[str, tuple[int, int], int], cp_model.IntVar] = field(default_factory=dict)


def add_choice(model: Model) -> None:
    """Rule 16: each item takes at most one option, so a class places at most its size."""
    for c, item_class in enumerate(model.classes):
        first = model.loads.items[item_class.items[0]]
        count = len(item_class.items)
        for position in item_class.options:
            flight = first.options[position].flight
            model.take[(c, position)] = model.cp.new_int_var(0, count, f"take_c{c}_o{position}")
            model.by_flight[flight].append((c, position))
        model.cp.add(sum(model.take[(c, p)] for p in item_class.options) <= count)


def add_flight_use(model: Model) -> None:
    """A flight carrying anyone is used (and costs); an unused flight carries nobody."""
    for flight, terms in sorted(model.by_flight.items()):
        used = model.cp.new_bool_var(f"used_f{flight}")
        model.used[flight] = used
        for c, position in terms:
            model.cp.add(model.take[(c, position)] <= len(model.classes[c].items) * used)


def add_segment_capacity(model: Model) -> None:
    """Rule 14: on every segment, people aboard + officers + medical officers + reserved seats <= seats."""
    loads = model.loads
    for flight, terms in sorted(model.by_flight.items()):
        spec = loads.roster.flights[flight]
        units = sum(model.take[t] * _class_value(model, t[0], loads.officer_units) for t in terms)
        medical = sum(model.take[t] * _class_value(model, t[0], loads.medical) for t in terms)
        officers = model.cp.new_int_var(0, spec.seats, f"officers_f{flight}")
        medics = model.cp.new_int_var(0, spec.seats, f"medics_f{flight}")
        model.cp.add(officers * loads.officer_unit >= units)
        model.cp.add(medics * loads.medical_ratio >= medical)
        model.officers[flight], model.medics[flight] = officers, medics
        aboard: dict[int, list[cp_model.LinearExprT]] = defaultdict(list)
        for c, position in terms:
            load = loads.load(_option(model, c, position))
            for offset, count in enumerate(load.aboard):
                if count:
                    aboard[load.first_segment + offset].append(model.take[(c, position)] * count)
        used = model.used[flight]
        for segment in range(len(spec.stops) - 1):
            people = cp_model.LinearExpr.sum(aboard[segment])
            model.cp.add(people + officers + medics + spec.reserved_seats * used <= spec.seats * used)


def add_family_together(model: Model) -> None:
    """Rule 13 holds by construction: a family is one item whose options share flight and deplaning stop."""


def add_frozen_flights(model: Model) -> None:
    """Replanning: a frozen flight keeps the families it still may carry (their first option); nobody is added.

    Nobody else has a frozen flight among their options, so only the keeping needs a constraint.
    """
    if model.stakes is None:
        return
    for c, item_class in enumerate(model.classes):
        if item_class.items[0] in model.stakes.forced:
            model.cp.add(model.take[(c, 0)] == len(item_class.items))


def add_destination_caps(model: Model) -> None:
    """Rule 15: people deplaned per flight and flights per ISO week, for each capped destination."""
    loads = model.loads
    per_flight: dict[tuple[str, int], list[cp_model.LinearExprT]] = defaultdict(list)
    per_week: dict[tuple[str, tuple[int, int]], dict[int, list[cp_model.LinearExprT]]] = defaultdict(
        lambda: defaultdict(list)
    )
    caps = {d.country: d for airport in loads.capped_at.values() for d in airport}
    for flight, terms in sorted(model.by_flight.items()):
        for c, position in terms:
            load = loads.load(_option(model, c, position))
            size = _class_value(model, c, loads.size)
            for destination in loads.capped_at.get(load.deplane_airport, []):
                per_flight[(destination.country, flight)].append(model.take[(c, position)] * size)
                per_week[(destination.country, load.week)][flight].append(model.take[(c, position)] * size)
    for (country, _), people in sorted(per_flight.items()):
        cap = caps[country].max_people_per_flight
        if cap is not None:
            model.cp.add(cp_model.LinearExpr.sum(people) <= cap)
    for (country, week), flights in sorted(per_week.items()):
        weekly = caps[country].max_flights_per_week
        if weekly is None or len(flights) <= weekly:
            continue
        serves = []
        for flight, people in sorted(flights.items()):
            serving = model.cp.new_bool_var(f"serves_{country}_{week[0]}w{week[1]}_f{flight}")
            model.cp.add(cp_model.LinearExpr.sum(people) <= loads.roster.flights[flight].seats * serving)
            serves.append(serving)
            model.serves[(country, week, flight)] = serving
        model.cp.add(sum(serves) <= weekly)


def placed_priority(model: Model) -> cp_model.LinearExprT:
    return sum(model.take[(c, p)] * _class_value(model, c, model.loads.priority) for c, p in model.take)


def _class_value(model: Model, c: int, values: list[int]) -> int:
    return values[model.classes[c].items[0]]


def _option(model: Model, c: int, position: int) -> Option:
    return model.loads.items[model.classes[c].items[0]].options[position]


RULES: tuple[Callable[[Model], None], ...] = (
    add_choice,
    add_flight_use,
    add_segment_capacity,
    add_family_together,
    add_frozen_flights,
    add_destination_caps,
)


def build_model(
    loads: Loads,
    stakes: Stakes | None = None,
    classes: list[ItemClass] | None = None,
    control: Control | None = None,
) -> Model:
    """The CP-SAT model of every capacity and group rule over the eligible options.

    A cancelled `control` stops the building between rules (seconds on 20,000 people): the model is then
    incomplete, and the caller must not solve it.
    """
    model = Model(loads, classes if classes is not None else classify(loads, stakes), stakes=stakes)
    for rule in RULES:
        if control is not None and control.is_cancelled:
            break
        rule(model)
    return model


def hint(model: Model, chosen: dict[int, Option]) -> None:
    """Suggest a known plan to the solver (the greedy plan, or phase 1's answer to phase 2)."""
    model.cp.clear_hints()  # type: ignore[no-untyped-call]
    for c, item_class in enumerate(model.classes):
        counts = dict.fromkeys(item_class.options, 0)
        for item in item_class.items:
            if item in chosen:
                counts[model.loads.items[item].options.index(chosen[item])] += 1
        for position, count in counts.items():
            model.cp.add_hint(model.take[(c, position)], count)
    # A complete hint is checked at once; a partial one sends a single worker on a search to complete it,
    # which on 20,000 people found no plan at all in 10 s.
    occupancy = occupy(model.loads, chosen)
    for flight, used in model.used.items():
        model.cp.add_hint(used, flight in occupancy.aboard)
        model.cp.add_hint(model.officers[flight], model.loads.officers(occupancy.units[flight]))
        model.cp.add_hint(model.medics[flight], model.loads.medical_officers(occupancy.medical[flight]))
    for (country, week, flight), serving in model.serves.items():
        model.cp.add_hint(serving, flight in occupancy.week_flights[(country, week)])


def new_solver(settings: SolveSettings, time_limit: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit, 0.01)
    solver.parameters.num_workers = settings.workers
    solver.parameters.random_seed = settings.seed
    # Full linearisation of the escort and capacity rows: on a generated 3,000-person roster (seed 2) it cut
    # phase 1 from 18 s to 2 s and proved phase 2 in 9 s where the default had a 13x gap after 30 s.
    solver.parameters.linearization_level = 2
    return solver


def counts(model: Model, solver: cp_model.CpSolver) -> Counts:
    """The solved count of every class and option."""
    return {key: solver.value(var) for key, var in model.take.items()}


def solve(
    loads: Loads,
    settings: SolveSettings,
    warm_start: Occupancy,
    control: Control | None = None,
    stakes: Stakes | None = None,
    classes: list[ItemClass] | None = None,
) -> Solution:
    """Maximise placed priority, then (replanning) minimise changes, then minimise cost, each level kept by the next.

    Each independent part of the plan (planner/components.py) is solved on its own, smallest first, within
    its share of the time left by its option columns: time a small part does not use passes to the larger
    ones. The plan is optimal when every part is, and its priority bound is the sum of theirs.
    Never worse than the warm start, which must be a plan of the same rules (frozen flights included).
    `classes` are those of `stakes` (computed here when not given).
    """
    started = time.monotonic()
    control = control or Control()
    parts = sorted(split_components(loads, classes or classify(loads, stakes)), key=columns)
    # Placed priority does not read change costs: a replan solves it on the cold model's coarser classes
    # (on 20,000 people, seed 0, the replan's own classes left CP-SAT without a plan in 30 s).
    coarse = _coarse(stakes, loads) if stakes is not None else None
    outcomes = [part_outcome(loads, part, warm_start.chosen) for part in parts]
    chosen = dict(warm_start.chosen)
    proven = True
    for index, part in enumerate(parts):
        left = settings.time_limit - (time.monotonic() - started)
        if control.is_cancelled or left <= 0:
            proven = False  # the parts left keep the warm start
            break
        control.offset = offset_of(outcomes, index)
        share = columns(part) / sum(columns(later) for later in parts[index:])
        part_settings = replace(settings, time_limit=min(max(left * share, MIN_PART_SECONDS), left))
        part_start = restrict(warm_start, part)
        solution = solve_part(loads, part_settings, part_start, control, stakes, coarse, part)
        if rank(loads, part, solution.chosen, stakes) < rank(loads, part, part_start.chosen, stakes):
            # A level stopped early may end below its start (a cancel after CP-SAT's first plan, a MIP whose
            # start HiGHS did not take): the warm start was reported, and no plan worse than one reported is kept.
            solution = Solution(dict(part_start.chosen), solution.placed_priority_bound, False)
        for item_class in part:
            for item in item_class.items:
                chosen.pop(item, None)
        chosen.update(solution.chosen)
        outcomes[index] = part_outcome(loads, part, solution.chosen, solution.placed_priority_bound)
        proven = proven and solution.is_optimal
    control.offset = (0, 0, 0)
    return Solution(chosen, sum(bound for _, bound, _ in outcomes), proven)


def rank(loads: Loads, part: list[ItemClass], chosen: dict[int, Option], stakes: Stakes | None) -> tuple[int, int, int]:
    """A part's plan as one key, higher is better: placed priority, then fewer changes, then less cost.

    Changes are counted over the part's items alone: over every item, once per part, a replan of 100,000
    people would count a million items many times over.
    """
    items = [item for item_class in part for item in item_class.items]
    changes = stakes.changes(chosen, loads.items, items) if stakes is not None else 0
    return sum(loads.priority[item] for item in items if item in chosen), -changes, -plan_cost(loads, chosen)


def columns(part: list[ItemClass]) -> int:
    """A part's size as the solver sees it: its option columns."""
    return sum(len(item_class.options) for item_class in part)


def part_outcome(
    loads: Loads, part: list[ItemClass], chosen: dict[int, Option], bound: int | None = None
) -> tuple[int, int, int]:
    """A part's placed priority, its bound (every item with an option placed unless given) and its flights' cost."""
    items = [item for item_class in part for item in item_class.items]
    priority = sum(loads.priority[item] for item in items if item in chosen)
    flights = {chosen[item].flight for item in items if item in chosen}
    cost = sum(loads.roster.flights[f].cost for f in flights)
    return priority, loads.placeable(items) if bound is None else bound, cost


def offset_of(outcomes: list[tuple[int, int, int]], index: int) -> tuple[int, int, int]:
    """What every part but one adds to a progress report: priority, bound, cost."""
    others = outcomes[:index] + outcomes[index + 1 :]
    return sum(o[0] for o in others), sum(o[1] for o in others), sum(o[2] for o in others)


def restrict(occupancy: Occupancy, part: list[ItemClass]) -> Occupancy:
    """The plan of a part's items alone."""
    chosen = occupancy.chosen
    return occupy(occupancy.loads, {i: chosen[i] for k in part for i in k.items if i in chosen})


def solve_part(
    loads: Loads,
    settings: SolveSettings,
    warm_start: Occupancy,
    control: Control,
    stakes: Stakes | None,
    coarse: Stakes | None,
    classes: list[ItemClass],
) -> Solution:
    """Every level on one independent part: its classes and its warm start, nothing of the other parts.

    Placed priority by CP-SAT (unless the warm start places every item; a replan's on the `coarse` stakes'
    classes), the later levels by HiGHS on the class model (planner/mip.py), two weeks of flights at a time
    on large models.
    """
    started = time.monotonic()
    items = sorted(item for item_class in classes for item in item_class.items)
    if stakes is None:
        first = solve_priority(loads, settings, warm_start, control, None, classes, items)
    else:
        first = solve_priority(loads, settings, warm_start, control, coarse, None, items, stakes)
    if first is None:
        return Solution(dict(warm_start.chosen), loads.placeable(items), False)
    chosen, best, bound, proven = first
    if control.is_cancelled or not chosen:
        return Solution(chosen, bound, proven and not control.is_cancelled)
    report = progress_reporter(control, best, bound)
    if is_large(classes, settings):
        left = settings.time_limit - (time.monotonic() - started)
        flights = {loads.items[k.items[0]].options[p].flight for k in classes for p in k.options}
        windowed = improve_by_windows(loads, chosen, left, lambda: control.is_cancelled, report, stakes, flights)
        return Solution(windowed.chosen, bound, False)
    mip = ClassMip(loads, classes, best, stakes)
    # A replan's change count is no cost: its improving plans are reported with the cost unknown.
    levels = [(*mip.changes(), CHANGES_SHARE, lambda _: report(None))] if stakes is not None else []
    levels.append((mip.cost(), 0, 1.0, report))
    minimise = mip.minimise_side_by_side if settings.usable_cores() >= 2 else mip.minimise
    for objective, constant, share, on_improved in levels:
        left = settings.time_limit - (time.monotonic() - started)
        level = minimise(objective, constant, chosen, left * share, lambda: control.is_cancelled, on_improved)
        if level is None:
            return Solution(chosen, bound, False)
        chosen, proven = level.chosen, proven and level.proven
    return Solution(chosen, bound, proven)


def solve_priority(
    loads: Loads,
    settings: SolveSettings,
    warm_start: Occupancy,
    control: Control,
    stakes: Stakes | None,
    classes: list[ItemClass] | None,
    items: list[int],
    keeping: Stakes | None = None,
) -> tuple[dict[int, Option], int, int, bool] | None:
    """The priority level of the items by CP-SAT: the plan, its priority, the proven bound and whether it is optimal.

    Skipped when the warm start already places every item that has an option: nothing can beat that.
    None when cancelled while building the model. With `keeping`, the counts
    go first to the items they keep where they were (a replan).
    """
    started = time.monotonic()
    ceiling = loads.placeable(items)
    start = sum(loads.priority[item] for item in warm_start.chosen)
    if start >= ceiling:
        return dict(warm_start.chosen), ceiling, ceiling, True
    classes = classes if classes is not None else classify(loads, stakes, items)
    if is_large(classes, settings):
        # On 100,000 people CP-SAT found no better plan than the warm start in 300 s.
        return dict(warm_start.chosen), start, ceiling, False
    model = build_model(loads, stakes, classes, control)
    if control.is_cancelled:
        return None
    timing = Timing(settings, control, started)
    solver, status = timing.run(model, placed_priority(model), True, warm_start.chosen, PRIORITY_SHARE, start)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # No plan from CP-SAT in time (100,000 people): the warm start's priority is held by the later levels.
        # CP-SAT's bound is not to be trusted then: stopped before searching, it reports 0.
        return dict(warm_start.chosen), start, ceiling, False
    best = round(solver.objective_value)
    bound = min(math.floor(solver.best_objective_bound + 1e-6), ceiling) if status == cp_model.FEASIBLE else best
    if best <= start:
        # No more placed than the warm start, which was made to cost little: CP-SAT's plan may cost far more.
        return dict(warm_start.chosen), start, max(bound, start), status == cp_model.OPTIMAL
    found = counts(model, solver)
    chosen = (
        expand(loads, model.classes, found) if keeping is None else expand_keeping(loads, model.classes, found, keeping)
    )
    return chosen, best, bound, status == cp_model.OPTIMAL


def available_cores() -> int:
    """Cores this process may run on (all of the machine's where the system does not say)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def is_large(classes: list[ItemClass], settings: SolveSettings) -> bool:
    """Whether the class model is past what one solve handles within minutes (options summed over classes)."""
    return sum(len(item_class.options) for item_class in classes) > settings.windows_from_columns


def progress_reporter(control: Control, priority: int, bound: int) -> Callable[[int | None], None]:
    """Reports a later level's improving plans: placed priority stays as the first level left it."""

    def report(cost: int | None) -> None:
        control.report(Progress(control.elapsed(), priority, bound, cost))

    return report


@dataclass(frozen=True)
class Timing:
    """Runs one objective level of a solve within its share of the time left."""

    settings: SolveSettings
    control: Control
    started: float

    def run(
        self,
        model: Model,
        objective: cp_model.LinearExprT,
        maximise: bool,
        chosen: dict[int, Option],
        share: float,
        floor: int,
    ) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
        if self.control.is_cancelled:
            return cp_model.CpSolver(), cp_model.UNKNOWN  # before the hint: a second on 20,000 people
        hint(model, chosen)
        if maximise:
            model.cp.maximize(objective)
        else:
            model.cp.minimize(objective)
        # Building the model of 100,000 people takes seconds of the budget too.
        left = self.settings.time_limit - (time.monotonic() - self.started)
        solver = new_solver(self.settings, left * share)
        status = self.control.run(solver, model.cp, Reporter(model, self.control, floor))
        return solver, status


def _coarse(stakes: Stakes, loads: Loads) -> Stakes:
    """The stakes without change costs: only the frozen flights' forced items stay apart."""
    return Stakes(tuple(tuple(0 for _ in item.options) for item in loads.items), (0,) * len(loads.items), stakes.forced)
