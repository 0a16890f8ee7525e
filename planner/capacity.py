"""Rules 14-15 as arithmetic: what each option adds to a flight, and what a partial plan has left."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from planner.eligibility import Item, Option, Roster
from planner.request import Destination, Risk

__all__ = [
    "Limit",
    "Load",
    "Loads",
    "Occupancy",
    "PeopleCapReached",
    "SegmentFull",
    "WeeklyCapReached",
    "describe_limits",
    "escorts_needed",
    "occupy",
]


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
        # What no plan can exceed: every item that has an option placed.
        self.placeable_priority = self.placeable(range(len(items)))
        self.capped_at = capped_destinations(roster.request.destinations)
        self._loads: dict[Option, Load] = {}

    def placeable(self, items: Iterable[int]) -> int:
        """The priority of the items that have an option: what no plan of them can exceed."""
        return sum(self.priority[item] for item in items if self.items[item].options)

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


@dataclass(frozen=True, slots=True)
class SegmentFull:
    """Rule 14: with the item added, a segment would carry more than the flight's seats."""

    flight: int
    segment: int
    aboard: int  # people aboard before the item
    adding: int  # people the item adds on this segment
    escorts: int  # officers and medical officers with the item aboard
    reserved: int
    seats: int

    @property
    def used(self) -> int:
        return self.aboard + self.adding + self.escorts + self.reserved

    @property
    def over(self) -> int:
        return self.used - self.seats


@dataclass(frozen=True, slots=True)
class PeopleCapReached:
    """Rule 15: the destination's people-per-flight cap would be exceeded."""

    country: str
    flight: int
    cap: int
    current: int  # people the flight already deplanes in the country
    adding: int


@dataclass(frozen=True, slots=True)
class WeeklyCapReached:
    """Rule 15: the destination's flights-per-week cap is used up by other flights."""

    country: str
    week: tuple[int, int]  # ISO year and week of the local arrival date
    cap: int
    flights: tuple[int, ...]  # the flights already deplaning there that week


Limit = SegmentFull | PeopleCapReached | WeeklyCapReached


def describe_limits(roster: Roster, limits: list[Limit]) -> list[str]:
    """Limits as a plan's NOT_SELECTED detail words them: the full segments of a flight in one phrase."""
    found: list[str] = []
    full = [limit for limit in limits if isinstance(limit, SegmentFull)]
    if full:
        flight = roster.flights[full[0].flight]
        over = ", ".join(
            f"{flight.stops[s.segment].airport}-{flight.stops[s.segment + 1].airport} by {s.over}" for s in full
        )
        found.append(
            f"{flight.id} full ({flight.seats} seats, {full[0].escorts} escorts, {flight.reserved_seats} reserved): "
            f"over on {over}"
        )
    for limit in limits:
        if isinstance(limit, PeopleCapReached):
            found.append(
                f"{limit.country} takes at most {limit.cap} people per flight and "
                f"{roster.flights[limit.flight].id} already deplanes {limit.current} there"
            )
        elif isinstance(limit, WeeklyCapReached):
            names = ", ".join(sorted(roster.flights[f].id for f in limit.flights))
            found.append(
                f"{limit.country} takes at most {limit.cap} flight(s) in week {limit.week[0]}-W{limit.week[1]:02d}, "
                f"already used by {names}"
            )
    return found


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
    on_flight: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # flight -> items aboard

    def blockers(self, item: int, option: Option) -> list[str]:
        """Every limit adding this item on this option would break, described; empty when it fits."""
        return describe_limits(self.loads.roster, self.limits(item, option))

    def limits(self, item: int, option: Option) -> list[Limit]:
        """Every limit adding this item on this option would break, as values; empty when it fits."""
        loads = self.loads
        load = loads.load(option)
        flight = loads.roster.flights[option.flight]
        found: list[Limit] = []
        escorts = escorts_needed(
            loads,
            self.units[option.flight] + loads.officer_units[item],
            self.medical[option.flight] + loads.medical[item],
        )
        aboard = self.aboard.get(option.flight) or [0] * (len(flight.stops) - 1)
        for s, current in enumerate(aboard):
            extra = load.aboard[s - load.first_segment] if load.first_segment <= s < option.deplane else 0
            if current + extra + escorts + flight.reserved_seats > flight.seats:
                full = SegmentFull(option.flight, s, current, extra, escorts, flight.reserved_seats, flight.seats)
                found.append(full)
        for destination in loads.capped_at.get(load.deplane_airport, []):
            found += self._cap_limits(destination, item, option, load)
        return found

    def _cap_limits(self, destination: Destination, item: int, option: Option, load: Load) -> list[Limit]:
        found: list[Limit] = []
        cap = destination.max_people_per_flight
        current = self.deplaned[(destination.country, option.flight)]
        if cap is not None and current + self.loads.size[item] > cap:
            found.append(PeopleCapReached(destination.country, option.flight, cap, current, self.loads.size[item]))
        weekly = destination.max_flights_per_week
        flights = self.week_flights[(destination.country, load.week)]
        if weekly is not None and option.flight not in flights and len(flights) >= weekly:
            found.append(WeeklyCapReached(destination.country, load.week, weekly, tuple(sorted(flights))))
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
        self.on_flight[option.flight].add(item)
        self.chosen[item] = option

    def remove(self, item: int) -> Option:
        """Take the item off its flight; a flight left empty no longer flies. Returns the option it had."""
        loads = self.loads
        option = self.chosen.pop(item)
        load = loads.load(option)
        aboard = self.aboard[option.flight]
        for offset, count in enumerate(load.aboard):
            aboard[load.first_segment + offset] -= count
        self.units[option.flight] -= loads.officer_units[item]
        self.medical[option.flight] -= loads.medical[item]
        others = self.on_flight[option.flight]
        others.discard(item)
        for destination in loads.capped_at.get(load.deplane_airport, []):
            self.deplaned[(destination.country, option.flight)] -= loads.size[item]
            if not any(
                loads.load(self.chosen[o]).week == load.week and self._deplanes_in(o, destination) for o in others
            ):
                self.week_flights[(destination.country, load.week)].discard(option.flight)
        if not others:
            del self.aboard[option.flight]
        return option

    def _deplanes_in(self, item: int, destination: Destination) -> bool:
        airport = self.loads.load(self.chosen[item]).deplane_airport
        return destination in self.loads.capped_at.get(airport, [])

    def try_add(self, item: int, option: Option) -> bool:
        """Add the item on the option if it breaks no limit."""
        if self.limits(item, option):
            return False
        self.add(item, option)
        return True


def occupy(loads: Loads, chosen: dict[int, Option]) -> Occupancy:
    """The occupancy of an assignment, items added in a fixed order."""
    occupancy = Occupancy(loads)
    for item in sorted(chosen):
        occupancy.add(item, chosen[item])
    return occupancy
