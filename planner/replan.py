"""The previous plan as a replan reads it: frozen flights, where everyone was, and what each change costs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from planner.capacity import Occupancy
from planner.eligibility import Item, Option, Roster, stop_failures
from planner.plan import Change, ChangeKind, ChangeReason, ChangeSummary, Placement, Plan, Unplaced
from planner.reasons import ChangeCode
from planner.request import Flight, Previous

__all__ = ["Baseline", "Stakes", "Was", "compare_plans", "describe_changes"]

# The replanning contract counts a dropped person twice and a moved person once.
DROP_WEIGHT = 2
MOVE_WEIGHT = 1


@dataclass(frozen=True, slots=True)
class Was:
    """Where the previous plan put a person: flight id, deplaning airport, and its stop index if given."""

    flight_id: str
    deplane: str
    deplane_index: int | None


@dataclass(frozen=True)
class Stakes:
    """What each item's choice costs in changes, and the items a frozen flight keeps whatever else happens.

    `move[i][p]` counts the members of item i who would be moved by its option p; `drop[i]` is what
    leaving item i off costs (twice each member placed before).
    """

    move: tuple[tuple[int, ...], ...]
    drop: tuple[int, ...]
    forced: frozenset[int]

    def changes(self, chosen: dict[int, Option], items: Sequence[Item], among: Iterable[int] | None = None) -> int:
        """Moved plus twice dropped, over the items (only those at the positions `among`, if given), for a plan."""
        total = 0
        for index in range(len(items)) if among is None else among:
            option = chosen.get(index)
            total += self.drop[index] if option is None else self.move[index][items[index].options.index(option)]
        return total


class Baseline:
    """The previous plan against the new request: who was where, and which flights are frozen and why."""

    def __init__(self, roster: Roster, previous: Previous) -> None:
        self.roster = roster
        self.previous = previous
        position = {person.id: index for index, person in enumerate(roster.people)}
        self.placed: dict[int, Was] = {}
        # Placed before but no longer in the request: dropped whatever the new plan does.
        self.removed: list[tuple[str, Was]] = []
        for manifest in previous.plan.manifests:
            for passenger in manifest.passengers:
                was = Was(manifest.flight_id, passenger.deplane, passenger.deplane_index)
                index = position.get(passenger.person_id)
                if index is None:
                    self.removed.append((passenger.person_id, was))
                else:
                    self.placed[index] = was
        self.frozen = frozen_flights(roster.flights, previous)

    def stop_of(self, flight: Flight, was: Was) -> int | None:
        """The stop of `flight` that `was` deplaned at, if the flight is the same and still calls there."""
        if flight.id != was.flight_id:
            return None
        calls = [d for d in range(1, len(flight.stops)) if flight.stops[d].airport == was.deplane]
        if was.deplane_index in calls:
            return was.deplane_index
        # An index that no longer fits (stops were added or removed) leaves the airport to decide, if it can.
        return calls[0] if len(calls) == 1 or (calls and was.deplane_index is None) else None

    def matches(self, member: int, option: Option) -> bool:
        """Whether the option keeps this member where the previous plan put them."""
        was = self.placed.get(member)
        return was is not None and self.stop_of(self.roster.flights[option.flight], was) == option.deplane

    def stakes_and_items(self, items: Sequence[Item]) -> tuple[tuple[Item, ...], Stakes, dict[int, list[str]]]:
        """Items with frozen flights closed to all but the families they keep, the change costs, and why closed.

        An item stays on a frozen flight only if every member was on it before, deplaning at the same stop:
        then it is forced to stay (its first option). Anyone else loses the frozen flights' options.
        """
        restricted: list[Item] = []
        kept: set[int] = set()
        closed: dict[int, list[str]] = {}
        for index, item in enumerate(items):
            frozen = [o for o in item.options if o.flight in self.frozen]
            if not frozen:
                restricted.append(item)
                continue
            stay = [o for o in frozen if all(self.matches(m, o) for m in item.members)]
            open_options = tuple(o for o in item.options if o.flight not in self.frozen)
            if stay:
                # First, so that forcing it is simple; the rest matter only if the frozen flights cannot keep everyone.
                restricted.append(Item(item.members, (stay[0], *open_options)))
                kept.add(index)
                continue
            restricted.append(Item(item.members, open_options))
            closed[index] = sorted({self.describe_frozen(o.flight) for o in frozen})
        move = tuple(
            tuple(
                sum(MOVE_WEIGHT for m in item.members if m in self.placed and not self.matches(m, o)) for o in options
            )
            for item, options in ((item, item.options) for item in restricted)
        )
        drop = tuple(DROP_WEIGHT * sum(m in self.placed for m in item.members) for item in restricted)
        return tuple(restricted), Stakes(move, drop, frozenset(kept)), closed

    def describe_frozen(self, flight: int) -> str:
        return f"{self.roster.flights[flight].id} is frozen ({self.frozen[flight]}): nobody can be added"


def frozen_flights(flights: Sequence[Flight], previous: Previous) -> dict[int, str]:
    """Flights of the new request that may not change, with why: locked, or first departure before the freeze."""
    locked = set(previous.locked_flights)
    frozen: dict[int, str] = {}
    for index, flight in enumerate(flights):
        if flight.id in locked:
            frozen[index] = "locked"
        elif previous.freeze_before is not None and flight.first_depart < previous.freeze_before:
            frozen[index] = f"first departure before {previous.freeze_before.isoformat()}"
    return frozen


def describe_changes(
    baseline: Baseline, occupancy: Occupancy, unplaced: Sequence[Unplaced]
) -> tuple[tuple[Change, ...], ChangeSummary]:
    """Every person added, moved or dropped against the previous plan, with why, and the counts."""
    roster = baseline.roster
    loads = occupancy.loads
    now: dict[int, tuple[int, Option]] = {}
    for item, option in occupancy.chosen.items():
        for member in loads.items[item].members:
            now[member] = (item, option)
    reasons_of = {entry.person_id: entry.reasons for entry in unplaced}
    changes: list[Change] = []
    unchanged = 0
    for member, person in enumerate(roster.people):
        was = baseline.placed.get(member)
        placed = now.get(member)
        if was is None and placed is None:
            continue
        if was is None:
            assert placed is not None
            changes.append(
                Change(
                    person_id=person.id, change=ChangeKind.ADDED, from_=None, to=where(roster, placed[1]), reasons=()
                )
            )
        elif placed is None:
            reasons = tuple(ChangeReason(code=r.code, detail=r.detail) for r in reasons_of.get(person.id, ()))
            changes.append(
                Change(person_id=person.id, change=ChangeKind.DROPPED, from_=placement(was), to=None, reasons=reasons)
            )
        elif baseline.matches(member, placed[1]):
            unchanged += 1
        else:
            reason = why_moved(baseline, occupancy, member, placed[0], was)
            changes.append(
                Change(
                    person_id=person.id,
                    change=ChangeKind.MOVED,
                    from_=placement(was),
                    to=where(roster, placed[1]),
                    reasons=(reason,),
                )
            )
    for person_id, was in baseline.removed:
        gone = ChangeReason(code=ChangeCode.NOT_IN_REQUEST, detail=f"{person_id} is no longer in the request's people")
        changes.append(
            Change(person_id=person_id, change=ChangeKind.DROPPED, from_=placement(was), to=None, reasons=(gone,))
        )
    return tuple(changes), summarize(changes, unchanged)


def placement(was: Was) -> Placement:
    return Placement(flight_id=was.flight_id, deplane=was.deplane)


def where(roster: Roster, option: Option) -> Placement:
    flight = roster.flights[option.flight]
    return Placement(flight_id=flight.id, deplane=flight.stops[option.deplane].airport)


def why_moved(baseline: Baseline, occupancy: Occupancy, member: int, item: int, was: Was) -> ChangeReason:
    """What forced a move: the flight is gone, no longer allowed, the family changed, or more priority fits."""
    roster = baseline.roster
    flight_index = next((f for f, flight in enumerate(roster.flights) if flight.id == was.flight_id), None)
    if flight_index is None:
        return ChangeReason(
            code=ChangeCode.FLIGHT_REMOVED, detail=f"{was.flight_id} is no longer in the request's flights"
        )
    flight = roster.flights[flight_index]
    deplane = baseline.stop_of(flight, was)
    if deplane is None:
        return ChangeReason(
            code=ChangeCode.PREVIOUS_FLIGHT_INELIGIBLE, detail=f"{flight.id} no longer calls at {was.deplane}"
        )
    _, failures = stop_failures(roster, roster.people[member], flight_index, deplane)
    if failures:
        return ChangeReason(
            code=ChangeCode.PREVIOUS_FLIGHT_INELIGIBLE, detail=f"{flight.id} to {was.deplane}: " + "; ".join(failures)
        )
    members = occupancy.loads.items[item].members
    apart = [roster.people[m].id for m in members if not baseline.matches(m, Option(flight_index, deplane, ()))]
    if apart:  # someone of the family was not on it with them: the family as it is now never flew there
        family = roster.people[member].family_id
        return ChangeReason(
            code=ChangeCode.FAMILY_CHANGED,
            detail=f"family {family} must fly together; {', '.join(apart)} were not on {flight.id} to {was.deplane}",
        )
    previous = next(
        (o for o in occupancy.loads.items[item].options if o.flight == flight_index and o.deplane == deplane), None
    )
    blockers = occupancy.blockers(item, previous) if previous is not None else []
    if flight_index in baseline.frozen and previous is None:
        blockers = [
            f"{flight.id} is frozen ({baseline.frozen[flight_index]}) and its previous passengers no longer all fit"
        ]
    detail = "; ".join(blockers) or "the move lets the plan place more priority"
    return ChangeReason(code=ChangeCode.MOVED_FOR_PRIORITY, detail=f"{flight.id} to {was.deplane}: {detail}")


def compare_plans(old: Plan, new: Plan) -> tuple[tuple[Change, ...], ChangeSummary]:
    """The changes from one plan to another read from their manifests alone (`planner diff`).

    Reasons come from the new plan: its own `changes` when it is a replan of the old one, else a dropped
    person's unplaced reasons.
    """
    before = {p.person_id: (m.flight_id, p.deplane, p.deplane_index) for m in old.manifests for p in m.passengers}
    after = {p.person_id: (m.flight_id, p.deplane, p.deplane_index) for m in new.manifests for p in m.passengers}
    stated = {c.person_id: c.reasons for c in new.changes or ()}
    unplaced = {u.person_id: tuple(ChangeReason(code=r.code, detail=r.detail) for r in u.reasons) for u in new.unplaced}
    changes: list[Change] = []
    unchanged = 0
    for person_id in dict.fromkeys([*before, *after]):
        was, now = before.get(person_id), after.get(person_id)
        if was is not None and now is not None and same_stop(was, now):
            unchanged += 1
            continue
        kind = ChangeKind.ADDED if was is None else ChangeKind.DROPPED if now is None else ChangeKind.MOVED
        reasons = stated.get(person_id) or (unplaced.get(person_id, ()) if kind is ChangeKind.DROPPED else ())
        if kind is ChangeKind.DROPPED and person_id not in unplaced and not reasons:
            reasons = (ChangeReason(code=ChangeCode.NOT_IN_REQUEST, detail=f"{person_id} is not in the new plan"),)
        changes.append(
            Change(
                person_id=person_id,
                change=kind,
                from_=Placement(flight_id=was[0], deplane=was[1]) if was else None,
                to=Placement(flight_id=now[0], deplane=now[1]) if now else None,
                reasons=reasons,
            )
        )
    return tuple(changes), summarize(changes, unchanged)


def same_stop(was: tuple[str, str, int | None], now: tuple[str, str, int | None]) -> bool:
    """Same flight and deplaning airport; stop indexes compared only when both plans give them."""
    return was[:2] == now[:2] and (None in (was[2], now[2]) or was[2] == now[2])


def summarize(changes: Sequence[Change], unchanged: int) -> ChangeSummary:
    counts = {kind: sum(change.change == kind for change in changes) for kind in ChangeKind}
    return ChangeSummary(
        added=counts[ChangeKind.ADDED],
        moved=counts[ChangeKind.MOVED],
        dropped=counts[ChangeKind.DROPPED],
        unchanged=unchanged,
    )
