"""Placing what a first fit left over by moving placed items to other options of theirs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from planner.capacity import Limit, Occupancy, PeopleCapReached, SegmentFull
from planner.eligibility import Option
from planner.greedy import by_preference

__all__ = ["repair"]

# Items a single attempt may look at moving, all ejection-chain levels together: enough for the generated
# 20,000-person roster (every item placed, where a first fit left 53 off), while 100,000 people with a
# few hundred left over stay within seconds.
ATTEMPT_BUDGET = 2_000


def repair(occupancy: Occupancy, items: Iterable[int], fixed: frozenset[int] = frozenset()) -> None:
    """Place each unplaced item, in turn, on an option where it fits once some items aboard move elsewhere.

    Items in `fixed` never move (a replan's passengers of frozen flights).
    A first fit leaves people off when those placed before them took the only flight they can take
    while having others: on 20,000 generated people, 53 items whose single option was full.
    Nobody placed is ever dropped, so placed priority only grows.
    """
    loads = occupancy.loads
    for item in items:
        if item in occupancy.chosen or not loads.items[item].options:
            continue
        for option in by_preference(occupancy, loads.items[item].options):
            if occupancy.try_add(item, option):
                break
            attempt = Attempt(occupancy, fixed)
            if attempt.make_room(item, option, depth=2):
                break
            attempt.undo()


@dataclass
class Attempt:
    """Moves tried to place one item, remembered so that a failed attempt leaves the occupancy as it was."""

    occupancy: Occupancy
    fixed: frozenset[int]
    budget: int = ATTEMPT_BUDGET
    journal: list[tuple[int, Option]] = field(default_factory=list)  # item, the option it had before

    def make_room(self, item: int, option: Option, depth: int) -> bool:
        """Move items off the option's flight, each to an option where it fits, until `item` fits on it.

        With `depth` above 1 a moved item may in turn make room for itself the same way (an ejection chain).
        """
        occupancy = self.occupancy
        limits = occupancy.limits(item, option)
        if not all(isinstance(limit, SegmentFull | PeopleCapReached) for limit in limits):
            return False
        loads = occupancy.loads
        for other in sorted(occupancy.on_flight.get(option.flight, ())):
            if self.budget <= 0:
                return False
            self.budget -= 1
            was = occupancy.chosen[other]
            alternatives = [o for o in loads.items[other].options if o.flight != option.flight]
            if not alternatives or other in self.fixed or not relieves(occupancy, other, limits):
                continue
            occupancy.remove(other)
            if self.relocate(other, alternatives, depth):
                self.journal.append((other, was))
                if occupancy.try_add(item, option):
                    return True
                limits = occupancy.limits(item, option)
            else:
                occupancy.add(other, was)
        return False

    def relocate(self, item: int, alternatives: list[Option], depth: int) -> bool:
        occupancy = self.occupancy
        ordered = by_preference(occupancy, alternatives)
        if any(occupancy.try_add(item, alternative) for alternative in ordered):
            return True
        if depth <= 1:
            return False
        for alternative in ordered:
            mark = len(self.journal)
            if self.make_room(item, alternative, depth - 1):
                return True
            self.undo(mark)
        return False

    def undo(self, mark: int = 0) -> None:
        """Put every item moved since `mark` back where it was."""
        occupancy = self.occupancy
        while len(self.journal) > mark:
            item, was = self.journal.pop()
            occupancy.remove(item)
            occupancy.add(item, was)


def relieves(occupancy: Occupancy, other: int, limits: list[Limit]) -> bool:
    """Whether taking `other` off could help lift the limits: it sits on a full segment or in a capped count."""
    loads = occupancy.loads
    load = loads.load(occupancy.chosen[other])
    for limit in limits:
        if isinstance(limit, SegmentFull):
            offset = limit.segment - load.first_segment
            # Its escorts count on every segment, so even one not seated there may free an escort's seat.
            if (0 <= offset < len(load.aboard) and load.aboard[offset] > 0) or loads.officer_units[other] > 0:
                return True
        elif limit.country in {d.country for d in loads.capped_at.get(load.deplane_airport, [])}:
            return True
    return False
