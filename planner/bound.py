"""An upper bound on placed priority from the LP relaxation of the class model, solved by HiGHS.

CP-SAT proves its own bound, but on 100,000 people it may not finish presolve within the time limit
and then knows only "everyone placed". The relaxation of the class model's rows (planner/linear.py:
escorts as fractions, a weekly cap as a fractional choice of flights) drops integrality, so its
optimum is at least the best plan's priority: a proven bound in seconds.
"""

from __future__ import annotations

import math

from planner.capacity import Loads
from planner.classes import ItemClass
from planner.linear import HighsRun, build_class_columns, run_highs

__all__ = ["priority_bound"]

# The LP's optimum is a float within HiGHS's tolerances (an interior point's relative gap is 1e-8); the
# slack keeps the integer bound valid.
SLACK = 1e-3
RELATIVE_SLACK = 1e-6
# Interior point without crossover: the optimum's value is all a bound needs, and on 100,000 people the
# simplex method had not finished in 60 s.
INTERIOR_POINT = {"solver": "ipm", "run_crossover": "off"}


def priority_bound(loads: Loads, classes: list[ItemClass], time_limit: float) -> int | None:
    """The most priority any plan can place, by the LP relaxation; None if HiGHS does not finish in time."""
    model = build_class_columns(loads, classes)
    for (c, _), column in model.take.items():
        model.lp.col_cost[column] = float(loads.priority[classes[c].items[0]])
    if not model.take:
        return 0  # nobody can fly
    result = run_highs(HighsRun(model.lp, True, time_limit, relax=True, options=dict(INTERIOR_POINT)))
    if result.bound is None or not math.isfinite(result.bound):
        return None
    return math.floor(result.bound + SLACK + RELATIVE_SLACK * abs(result.bound))
