"""Turning a chosen assignment into the contract's plan: manifests, objective, stats and reasons."""

from __future__ import annotations

from collections import defaultdict

from planner.capacity import Occupancy
from planner.eligibility import Eligibility, Option, Reason, document_for_arrival
from planner.plan import (
    Manifest,
    Objective,
    Passenger,
    PassengerDocument,
    Plan,
    Segment,
    Stats,
    Status,
    Unplaced,
)
from planner.plan import Reason as PlanReason
from planner.reasons import ReasonCode

__all__ = ["build_plan", "not_selected_reason"]

OPTIONS_IN_DETAIL = 3


def build_plan(
    occupancy: Occupancy,
    eligibility: Eligibility,
    bound: int,
    is_optimal: bool,
    seconds: float,
    closed: dict[int, list[str]] | None = None,
) -> Plan:
    """The plan of a complete assignment: every person once, in a manifest or unplaced with reasons.

    `closed` names, per item, the frozen flights a replan shut to it, for its NOT_SELECTED detail.
    """
    loads = occupancy.loads
    manifests = [build_manifest(occupancy, flight) for flight in sorted(occupancy.aboard) if occupancy.aboard[flight]]
    manifests = [manifest for manifest in manifests if manifest.passengers]
    placed = sum(len(manifest.passengers) for manifest in manifests)
    priority = sum(loads.priority[item] for item in occupancy.chosen)
    cost = sum(loads.roster.flights[flight].cost for flight in {o.flight for o in occupancy.chosen.values()})
    status = Status.OPTIMAL if is_optimal and priority == bound else Status.FEASIBLE
    return Plan(
        status=status,
        objective=Objective(placed_priority=priority, placed_priority_bound=max(bound, priority), cost=cost),
        stats=Stats(
            people=len(loads.roster.people), placed=placed, flights_used=len(manifests), solve_seconds=round(seconds, 3)
        ),
        manifests=tuple(manifests),
        unplaced=build_unplaced(occupancy, eligibility, closed or {}),
    )


def build_manifest(occupancy: Occupancy, flight_index: int) -> Manifest:
    """One flight's manifest: escorts, seats per segment, passengers by deplaning stop then request order."""
    loads = occupancy.loads
    roster = loads.roster
    flight = roster.flights[flight_index]
    riders = sorted(
        (option.deplane, member, board, item)
        for item, option in occupancy.chosen.items()
        if option.flight == flight_index
        for member, board in zip(loads.items[item].members, option.boards, strict=True)
    )
    officers = loads.officers(occupancy.units[flight_index])
    medics = loads.medical_officers(occupancy.medical[flight_index])
    escorts_and_staff = officers + medics + flight.reserved_seats
    segments = tuple(
        Segment(
            from_=flight.stops[s].airport,
            to=flight.stops[s + 1].airport,
            aboard=aboard,
            seats_used=aboard + escorts_and_staff,
        )
        for s, aboard in enumerate(occupancy.aboard[flight_index])
    )
    airports = [stop.airport for stop in flight.stops]
    revisits = len(set(airports)) < len(airports)
    passengers = tuple(
        build_passenger(occupancy, member, Option(flight_index, deplane, (board,)), revisits)
        for deplane, member, board, _ in riders
    )
    return Manifest(
        flight_id=flight.id,
        officers=officers,
        medical_officers=medics,
        reserved_seats=flight.reserved_seats,
        segments=segments,
        passengers=passengers,
    )


def build_passenger(occupancy: Occupancy, member: int, option: Option, revisits: bool) -> Passenger:
    """A passenger entry: identity as on the roster, the document that satisfies rules 6 and 12, and stops."""
    roster = occupancy.loads.roster
    person = roster.people[member]
    flight = roster.flights[option.flight]
    destination = roster.destination(person)
    assert destination is not None
    document = document_for_arrival(person, destination, flight.stops[option.deplane], roster.as_of_date)
    assert document is not None, "an eligible option always has a valid document"
    board = option.boards[0]
    return Passenger(
        person_id=person.id,
        surname=person.surname,
        given_names=person.given_names,
        birth_date=person.birth_date,
        sex=person.sex,
        nationality=person.nationality,
        document=PassengerDocument(
            type=document.type,
            number=document.number,
            issuing_country=document.issuing_country,
            expires=document.expires,
        ),
        board=flight.stops[board].airport,
        deplane=flight.stops[option.deplane].airport,
        family_id=person.family_id,
        board_index=board if revisits else None,
        deplane_index=option.deplane if revisits else None,
    )


def build_unplaced(
    occupancy: Occupancy, eligibility: Eligibility, closed: dict[int, list[str]]
) -> tuple[Unplaced, ...]:
    """Everyone not placed, in request order, with every reason that applies."""
    loads = occupancy.loads
    reasons: dict[int, tuple[Reason, ...]] = dict(eligibility.reasons)
    for item_index, item in enumerate(loads.items):
        if item_index not in occupancy.chosen:
            reason = not_selected_reason(occupancy, item_index, closed.get(item_index, []))
            for member in item.members:
                reasons[member] = (reason,)
    people = loads.roster.people
    return tuple(
        Unplaced(
            person_id=people[index].id,
            reasons=tuple(PlanReason(code=reason.code, detail=reason.detail) for reason in reasons[index]),
        )
        for index in sorted(reasons)
    )


def not_selected_reason(occupancy: Occupancy, item: int, closed: list[str] | None = None) -> Reason:
    """NOT_SELECTED, naming for each option what stands in the way in the final plan, and frozen flights shut."""
    loads = occupancy.loads
    flights = loads.roster.flights
    options = loads.items[item].options
    blocked: dict[str, list[str]] = defaultdict(list)
    for option in options:
        where = f"{flights[option.flight].id} to {flights[option.flight].stops[option.deplane].airport}"
        blocked[where] += occupancy.blockers(item, option) or ["room left, but the objective preferred another plan"]
    parts = [
        f"{where}: {'; '.join(dict.fromkeys(found))}" for where, found in list(blocked.items())[:OPTIONS_IN_DETAIL]
    ]
    more = f" (and {len(blocked) - OPTIONS_IN_DETAIL} more options)" if len(blocked) > OPTIONS_IN_DETAIL else ""
    group = f"family of {len(loads.items[item].members)}: " if len(loads.items[item].members) > 1 else ""
    frozen = "; ".join(closed or [])
    if not options:
        return Reason(ReasonCode.NOT_SELECTED, f"{group}every flight they could take is frozen: {frozen}")
    also = f" | also {frozen}" if frozen else ""
    return Reason(
        ReasonCode.NOT_SELECTED,
        f"{group}eligible for {len(options)} option(s), none left: " + " | ".join(parts) + more + also,
    )
