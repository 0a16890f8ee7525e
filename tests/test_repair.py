"""The warm start's repair: an item a first fit left off is placed when someone aboard can move, and only then."""

from __future__ import annotations

from planner.capacity import Loads, Occupancy
from planner.eligibility import Roster, assess
from planner.greedy import greedy_order, plan_greedily
from planner.planning import make_plan
from planner.repair import repair
from planner.request import PlanRequest
from planner.solver import SolveSettings
from tests.builders import build, direct_flight, flight, person


def squeezed(second_seats: int) -> PlanRequest:
    """P-1 (priority 2) can take F-1 or F-2 and a first fit puts them on F-1, the cheaper; P-2 stages at HRL,
    which only F-1 calls at, and F-1 has room for one person and their officer."""
    return build(
        [person("P-1", priority=2), person("P-2", staging_airport="HRL"), person("P-3")],
        [flight("F-1", seats=2, cost=1000), direct_flight("F-2", seats=second_seats, cost=2000)],
    )


def greedy_and_repaired(request: PlanRequest) -> tuple[Occupancy, Occupancy]:
    loads = Loads(Roster(request), assess(Roster(request)).items)
    repaired = plan_greedily(loads)
    repair(repaired, greedy_order(loads))
    return plan_greedily(loads), repaired


def ids(occupancy: Occupancy) -> dict[str, int]:
    """Person id -> flight index of everyone placed."""
    loads = occupancy.loads
    return {
        loads.roster.people[m].id: option.flight
        for item, option in occupancy.chosen.items()
        for m in loads.items[item].members
    }


def snapshot(occupancy: Occupancy) -> tuple[object, ...]:
    return (
        dict(occupancy.chosen),
        {f: list(a) for f, a in occupancy.aboard.items()},
        {f: u for f, u in occupancy.units.items() if u},
        {k: v for k, v in occupancy.deplaned.items() if v},
        {k: set(v) for k, v in occupancy.week_flights.items() if v},
    )


def test_someone_with_another_option_moves_to_make_room() -> None:
    greedy, repaired = greedy_and_repaired(squeezed(second_seats=3))
    assert "P-2" not in ids(greedy)
    # P-1 moves to F-2 (index 1), P-2 takes F-1; P-3, first fit to F-2, stays.
    assert ids(repaired) == {"P-1": 1, "P-2": 0, "P-3": 1}


def test_nobody_moves_when_the_mover_fits_nowhere_else() -> None:
    # F-2 holds P-3 and an officer only: P-1 cannot move there, so the repair changes nothing.
    greedy, repaired = greedy_and_repaired(squeezed(second_seats=2))
    assert snapshot(repaired) == snapshot(greedy)
    assert "P-2" not in ids(repaired)


def test_the_planner_places_everyone_from_the_repaired_start() -> None:
    plan = make_plan(squeezed(second_seats=3), SolveSettings(time_limit=10))
    assert plan.stats.placed == 3
    assert plan.status == "optimal"


def test_removing_an_item_leaves_the_occupancy_as_if_it_never_came() -> None:
    request = build([person("P-1"), person("P-2", risk="high")], [flight("F-1")])
    loads = Loads(Roster(request), assess(Roster(request)).items)
    alone = Occupancy(loads)
    alone.add(0, loads.items[0].options[0])
    both = Occupancy(loads)
    both.add(0, loads.items[0].options[0])
    both.add(1, loads.items[1].options[0])
    both.remove(1)
    assert snapshot(both) == snapshot(alone)
    both.remove(0)
    assert snapshot(both) == snapshot(Occupancy(loads))
