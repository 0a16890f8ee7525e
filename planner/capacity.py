"""Rules 14-15 as arithmetic: what each option adds to a flight, and what a partial plan has left."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from planner.eligibility import Item, Option, Roster
from planner.request import Destination, Risk

__all__ = ["Load", "Loads", "Occupancy", "escorts_needed"]


@dataclass(frozen=True, slots=True)
class Load:
    """What one item adds to a flight when it takes one option."""

    flight: int
    first_segment: int
    # People aboard on each segment from `first_segment` on, in order (members may board at different stops).
    aboard: tuple[int, ...]
    deplane_airport: str
    week: tuple[int, int]


class Loads:
    """Per-item and per-option quantities every capacity rule reads, computed once."""

    def __init__(self, roster: Roster, items: tuple[Item, ...]) -> None:
        self.roster = roster
        self.items = items
        ratio = roster.request.policy.officer_ratio
        # Officers are ceil(sum n_r / ratio_r): scaled by the lcm the sum becomes an integer count of "units".
        self.officer_unit = math.lcm(ratio.low, ratio.medium, ratio.high)
        self.unit_of = {risk: self.officer_unit // ratio.for_risk(risk) for risk in Risk}
        self.medical_ratio = roster.request.policy.medical_ratio
        self.size = [len(item.members) for item in items]
        self.priority = [sum(roster.people[m].priority for m in item.members) for item in items]
        self.officer_units = [sum(self.unit_of[roster.people[m].risk] for m in item.members) for item in items]
        self.medical = [sum(roster.people[m].medical_escort for m in item.members) for item in items]
        self.capped_at = capped_destinations(roster.request.destinations)
        self._loads: dict[Option, Load] = {}

    def load(self, option: Option) -> Load:
        """Seats an option keeps busy on each segment, and where and when it deplanes (computed once per option)."""
        load = self._loads.get(option)
        if load is None:
            load = self._loads[option] = self._compute_load(option)
        return load

    def _compute_load(self, option: Option) -> Load:
        flight = self.roster.flights[option.flight]
        first = min(option.boards)
        aboard = tuple(sum(board <= s for board in option.boards) for s in range(first, option.deplane))
        arrive = flight.stops[option.deplane].arrive
        assert arrive is not None
        year, week, _ = arrive.date().isocalendar()
        return Load(option.flight, first, aboard, flight.stops[option.deplane].airport, (year, week))

    def officers(self, units: int) -> int:
        return -(-units // self.officer_unit)

    def medical_officers(self, medical: int) -> int:
        return -(-medical // self.medical_ratio)


def escorts_needed(loads: Loads, units: int, medical: int) -> int:
    """Officers plus medical officers for a flight carrying people worth `units` officer units and `medical` escorts."""
    return loads.officers(units) + loads.medical_officers(medical)


def capped_destinations(destinations: tuple[Destination, ...]) -> dict[str, list[Destination]]:
    """Arrival airport -> destinations with a per-flight or per-week cap that count people deplaned there."""
    table: dict[str, list[Destination]] = defaultdict(list)
    for destination in destinations:
        if destination.max_people_per_flight is not None or destination.max_flights_per_week is not None:
            for airport in dict.fromkeys(destination.arrival_airports):
                table[airport].append(destination)
    return dict(table)


@dataclass
class Occupancy:
    """A partial plan: who is on which flight, and the seats and caps that leaves."""

    loads: Loads
    chosen: dict[int, Option] = field(default_factory=dict)
    aboard: dict[int, list[int]] = field(default_factory=dict)
    units: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    medical: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    deplaned: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    week_flights: dict[tuple[str, tuple[int, int]], set[int]] = field(default_factory=lambda: defaultdict(set))

    def blockers(self, item: int, option: Option) -> list[str]:
        """Every limit adding this item on this option would break, described; empty when it fits."""
        loads = self.loads
        load = loads.load(option)
        flight = loads.roster.flights[option.flight]
        found: list[str] = []
        escorts = escorts_needed(
            loads,
            self.units[option.flight] + loads.officer_units[item],
            self.medical[option.flight] + loads.medical[item],
        )
        aboard = self.aboard.get(option.flight) or [0] * (len(flight.stops) - 1)
        full = []
        for s, current in enumerate(aboard):
            extra = load.aboard[s - load.first_segment] if load.first_segment <= s < option.deplane else 0
            used = current + extra + escorts + flight.reserved_seats
            if used > flight.seats:
                full.append(f"{flight.stops[s].airport}-{flight.stops[s + 1].airport} by {used - flight.seats}")
        if full:
            found.append(
                f"{flight.id} full ({flight.seats} seats, {escorts} escorts, {flight.reserved_seats} reserved): "
                f"over on {', '.join(full)}"
            )
        for destination in loads.capped_at.get(load.deplane_airport, []):
            found += self._cap_blockers(destination, item, option, load)
        return found

    def _cap_blockers(self, destination: Destination, item: int, option: Option, load: Load) -> list[str]:
        found = []
        flight_id = self.loads.roster.flights[option.flight].id
        cap = destination.max_people_per_flight
        if cap is not None and self.deplaned[(destination.country, option.flight)] + self.loads.size[item] > cap:
            found.append(
                f"{destination.country} takes at most {cap} people per flight and {flight_id} already deplanes "
                f"{self.deplaned[(destination.country, option.flight)]} there"
            )
        weekly = destination.max_flights_per_week
        flights = self.week_flights[(destination.country, load.week)]
        if weekly is not None and option.flight not in flights and len(flights) >= weekly:
            names = ", ".join(sorted(self.loads.roster.flights[f].id for f in flights))
            found.append(
                f"{destination.country} takes at most {weekly} flight(s) in week {load.week[0]}-W{load.week[1]:02d}, "
                f"already used by {names}"
            )
        return found

    def add(self, item: int, option: Option) -> None:
        """Put the item on the option (the caller has checked it fits)."""
        loads = self.loads
        load = loads.load(option)
        flight = loads.roster.flights[option.flight]
        aboard = self.aboard.setdefault(option.flight, [0] * (len(flight.stops) - 1))
        for offset, count in enumerate(load.aboard):
            aboard[load.first_segment + offset] += count
        self.units[option.flight] += loads.officer_units[item]
        self.medical[option.flight] += loads.medical[item]
        for destination in loads.capped_at.get(load.deplane_airport, []):
            self.deplaned[(destination.country, option.flight)] += loads.size[item]
            self.week_flights[(destination.country, load.week)].add(option.flight)
        self.chosen[item] = option

    def try_add(self, item: int, option: Option) -> bool:
        """Add the item on the option if it breaks no limit."""
        if self.blockers(item, option):
            return False
        self.add(item, option)
        return True
