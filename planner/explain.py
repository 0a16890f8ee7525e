"""Why a person is left off a plan: every rule in the way, the fact that breaks it and what would fix it.

Facts name people by id only, and documents by type, issuing country and expiry: never a name, birth date
or document number.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from planner.capacity import (
    Limit,
    Loads,
    Occupancy,
    PeopleCapReached,
    SegmentFull,
    WeeklyCapReached,
    describe_limits,
)
from planner.eligibility import (
    NEAREST_FLIGHTS,
    WEEKDAY_NAMES,
    Item,
    Option,
    OptionFinder,
    Reason,
    Roster,
    accepted_documents,
    arrival_airports,
    earliest_departure,
    group_options,
    person_reasons,
    rank_flights,
    split_rule,
    stop_failures,
    validity_needed,
    validity_needed_now,
)
from planner.memory import paused_gc
from planner.plan import Plan
from planner.reasons import RULE_OF_CODE, ReasonCode
from planner.request import Destination, Flight, Person, PlanRequest

__all__ = [
    "ExplainError",
    "Explanation",
    "Finding",
    "GiveWay",
    "Placement",
    "UnknownPersonError",
    "explain",
    "render_text",
]

RULE_OF = {**RULE_OF_CODE, ReasonCode.FAMILY_MEMBER_INELIGIBLE: 13}


class ExplainError(Exception):
    """The plan does not belong to the request, so it cannot be explained against it."""


class UnknownPersonError(ExplainError):
    """The person id is in neither the request nor the plan."""


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Placement(Frozen):
    """Where the plan puts a placed person."""

    flight_id: str
    board: str
    deplane: str


class GiveWay(Frozen):
    """Placed people who travel together (a family, or one person) and would have to give way."""

    person_ids: tuple[str, ...]
    priority: int = Field(description="their priority together, compared with the explained person's (or family's)")
    flight_id: str


class Finding(Frozen):
    """One rule in the way: the fact in the request or the plan that breaks it, and what would make it hold."""

    rule: int = Field(ge=1, le=16, description="the contract's rule (1-16)")
    code: ReasonCode
    fact: str
    fix: str
    flight_id: str | None = Field(default=None, description="the flight the finding is about")
    stop: str | None = Field(default=None, description="the deplaning stop (airport) the finding is about")
    members: tuple[str, ...] = Field(default=(), description="the family members the finding is about")
    give_way: tuple[GiveWay, ...] = Field(
        default=(), description="NOT_SELECTED: placed people of lower or equal priority whose leaving makes room"
    )


class Explanation(Frozen):
    """Why a person is or is not placed."""

    person_id: str
    placed: Placement | None = Field(default=None, description="where the plan puts the person, if it does")
    codes: tuple[ReasonCode, ...] = Field(default=(), description="the person's reason codes, as in the plan")
    findings: tuple[Finding, ...] = ()
    flights_not_shown: int = Field(
        default=0, description="NO_ELIGIBLE_FLIGHT: flights beyond the nearest ones the findings cover"
    )
    fix: str | None = Field(default=None, description="NO_ELIGIBLE_FLIGHT: what a flight would need to take them")


def explain(request: PlanRequest, plan: Plan, person_id: str) -> Explanation:
    """Explain where the plan puts a person, or every rule that keeps them off it."""
    for manifest in plan.manifests:
        for passenger in manifest.passengers:
            if passenger.person_id == person_id:
                where = Placement(flight_id=manifest.flight_id, board=passenger.board, deplane=passenger.deplane)
                return Explanation(person_id=person_id, placed=where)
    roster = Roster(request)
    index = next((i for i, someone in enumerate(roster.people) if someone.id == person_id), None)
    unplaced = next((u for u in plan.unplaced if u.person_id == person_id), None)
    if index is None:
        raise UnknownPersonError(f"no person {person_id!r} in the request")
    if unplaced is None:
        raise ExplainError(f"the plan neither places nor leaves off person {person_id!r}; it is not of this request")
    with paused_gc():
        diagnosis = diagnose(roster, plan, index)
    return Explanation(
        person_id=person_id,
        codes=tuple(reason.code for reason in unplaced.reasons),
        findings=diagnosis.findings,
        flights_not_shown=diagnosis.flights_not_shown,
        fix=diagnosis.fix,
    )


@dataclass(frozen=True)
class Diagnosis:
    findings: tuple[Finding, ...]
    flights_not_shown: int = 0
    fix: str | None = None


def diagnose(roster: Roster, plan: Plan, index: int) -> Diagnosis:
    """The findings of the reasons that apply, decided in the order `assess` decides them."""
    members = roster.group_of(index)
    own = {member: person_reasons(roster, member) for member in members}
    if own[index]:
        return Diagnosis(tuple(person_findings(roster, index, own[index])))
    failing = [member for member in members if own[member]]
    if failing:
        return Diagnosis(tuple(family_findings(roster, index, {m: own[m] for m in failing})))
    finder = OptionFinder(roster)
    options = group_options(finder, members)
    if not options:
        return no_flight_diagnosis(roster, finder, members)
    return Diagnosis(tuple(not_selected_findings(roster, plan, Item(members, options))))


# Person-level rules 1-7.


def person_findings(roster: Roster, index: int, reasons: Sequence[Reason]) -> list[Finding]:
    """A finding for every person-level rule the person fails."""
    person = roster.people[index]
    destination = roster.destination(person)
    return [
        Finding(rule=RULE_OF[reason.code], code=reason.code, fact=fact, fix=fix)
        for reason in reasons
        for fact, fix in [person_fact_and_fix(roster, person, destination, reason)]
    ]


def person_fact_and_fix(
    roster: Roster, person: Person, destination: Destination | None, reason: Reason
) -> tuple[str, str]:
    """What breaks a person-level rule, and what would make it hold."""
    code = reason.code
    country = person.nationality
    if code is ReasonCode.NO_FINAL_ORDER:
        return "no final order of removal exists", "a final order of removal"
    if code is ReasonCode.LEGAL_HOLD:
        return reason.detail, "every legal hold lifted"
    if code is ReasonCode.NOT_FIT_TO_FLY:
        return "not medically cleared to fly", "medical clearance to fly"
    if code is ReasonCode.NO_DESTINATION_RULE:
        return f"the request has no destination rules for {country}", f"acceptance rules for {country} in the request"
    assert destination is not None  # every other code is only given when the destination exists
    if code is ReasonCode.DESTINATION_NOT_ACCEPTING:
        return f"{country} is not accepting returns", f"{country} accepting returns again"
    if code is ReasonCode.NATIONALITY_UNVERIFIED:
        return f"{country} requires verified nationality; it is not verified", f"nationality verified by {country}"
    if code in (ReasonCode.NO_ACCEPTED_DOCUMENT, ReasonCode.DOCUMENT_EXPIRED):
        return document_fact(roster, person, destination, code), document_fix(roster, person, destination)
    assert code is ReasonCode.UNACCOMPANIED_MINOR
    family = "no family group" if person.family_id is None else f"family {person.family_id}, which has no adult"
    return (
        f"a minor on {roster.as_of_date} with {family}; {country} does not accept unaccompanied minors",
        f"an adult of the same family group travelling too, or {country} accepting unaccompanied minors",
    )


def document_fact(roster: Roster, person: Person, destination: Destination, code: ReasonCode) -> str:
    """Which documents fail rule 6 and how: of a type or country not accepted, or not valid long enough."""
    if code is ReasonCode.NO_ACCEPTED_DOCUMENT:
        held = ", ".join(f"{d.type} issued by {d.issuing_country}" for d in person.documents) or "no documents"
        return (
            f"{destination.country} accepts {accepted_types(destination)} issued by {person.nationality}; held: {held}"
        )
    needed = validity_needed_now(destination, roster.as_of_date)
    latest = max(accepted_documents(person, destination), key=lambda d: d.expires)
    verb = "expired" if latest.expires < roster.as_of_date else "expires"
    return (
        f"{latest.type} issued by {latest.issuing_country} {verb} {latest.expires}, needed valid until {needed} "
        f"(the plan date {roster.as_of_date} + {destination.min_document_validity_days} days)"
    )


def document_fix(roster: Roster, person: Person, destination: Destination) -> str:
    """The document that would pass rules 6 and 12."""
    if not destination.accepted_documents:
        return f"{destination.country} accepting some document type (it accepts none)"
    needed = validity_needed_now(destination, roster.as_of_date)
    days = destination.min_document_validity_days
    after = f"at least {days} days after the arrival date" if days else "on the arrival date"
    return (
        f"a {accepted_types(destination, 'or')} issued by {person.nationality} valid until at least {needed}, "
        f"and {after} (rule 12)"
    )


def accepted_types(destination: Destination, conjunction: str = "and") -> str:
    types = [str(kind) for kind in destination.accepted_documents]
    if len(types) < 2:
        return "".join(types) or "no document"
    return f"{', '.join(types[:-1])} {conjunction} {types[-1]}"


# Rule 13: a family member who cannot travel.


def family_findings(roster: Roster, index: int, failing: dict[int, list[Reason]]) -> list[Finding]:
    """For each family member who fails a person-level rule, which rule, why, and what would fix it."""
    family = roster.people[index].family_id
    found = []
    for member, reasons in failing.items():
        member_id = roster.people[member].id
        for finding in person_findings(roster, member, reasons):
            found.append(
                Finding(
                    rule=13,
                    code=ReasonCode.FAMILY_MEMBER_INELIGIBLE,
                    fact=f"family {family} travels together; {member_id} fails rule {finding.rule} "
                    f"({finding.code.value}): {finding.fact}",
                    fix=f"for {member_id}: {finding.fix}",
                    members=(member_id,),
                )
            )
    return found


# Rules 8-12: no flight and stops work.


def no_flight_diagnosis(roster: Roster, finder: OptionFinder, members: tuple[int, ...]) -> Diagnosis:
    """For the nearest flights, every rule 8-12 that fails at each of their stops; and what flight would do."""
    failures = member_failures(roster, finder, members)
    ranked = rank_flights(roster, {stop: [failure for _, failure in found] for stop, found in failures.items()})
    shown = ranked[:NEAREST_FLIGHTS]
    findings: list[Finding] = []
    for f, d in shown:
        if d is None:
            findings.append(not_serving_finding(roster, members, f))
            continue
        for stop in sorted(stop for flight, stop in failures if flight == f):
            findings += stop_findings(roster, members, f, stop, failures[(f, stop)])
    return Diagnosis(tuple(findings), len(roster.flights) - len(shown), wanted_flight(roster, members))


def member_failures(
    roster: Roster, finder: OptionFinder, members: tuple[int, ...]
) -> dict[tuple[int, int], list[tuple[int, str]]]:
    """(flight, stop) -> every (member, rule 8-12 failure) there, over the stops that serve any member."""
    stops = sorted({pair for member in members for pair in finder.serving(destination_of(roster, member))})
    return {
        (f, d): [(member, fail) for member in members for fail in stop_failures(roster, roster.people[member], f, d)[1]]
        for f, d in stops
    }


def stop_findings(
    roster: Roster, members: tuple[int, ...], f: int, d: int, failures: list[tuple[int, str]]
) -> list[Finding]:
    """One finding per rule failing at a stop, naming the members it fails for when it is a family."""
    flight = roster.flights[f]
    by_rule: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for member, failure in failures:
        rule, text = split_rule(failure)
        by_rule[rule].append((member, text))
    found = []
    for rule, entries in sorted(by_rule.items()):
        is_family = len(members) > 1
        ids = tuple(dict.fromkeys(roster.people[m].id for m, _ in entries)) if is_family else ()
        fact = "; ".join(dict.fromkeys(f"{roster.people[m].id}: {t}" if is_family else t for m, t in entries))
        fixes = dict.fromkeys(stop_fix(roster, roster.people[m], flight, d, rule) for m, _ in entries)
        found.append(
            Finding(
                rule=rule,
                code=ReasonCode.NO_ELIGIBLE_FLIGHT,
                fact=fact,
                fix="; ".join(fixes),
                flight_id=flight.id,
                stop=flight.stops[d].airport,
                members=ids,
            )
        )
    return found


def stop_fix(roster: Roster, person: Person, flight: Flight, d: int, rule: int) -> str:
    """What the flight or the person would need for one rule 8-12 to hold at a stop."""
    destination = roster.destination(person)
    assert destination is not None
    stop = flight.stops[d]
    if rule == 8:
        if stop.airport not in destination.arrival_airports:
            return f"deplaning at {'/'.join(destination.arrival_airports)} rather than {stop.airport}"
        return f"a call at {person.staging_airport} before {stop.airport}"
    if rule == 9:
        return f"arriving at {stop.airport} {arrival_times(destination)}"
    if rule == 10:
        earliest = earliest_departure(destination, roster.request.as_of)
        return f"a first departure at or after {earliest.isoformat()} ({destination.notice_days} days' notice)"
    if rule == 11:
        return f"boarding at {person.staging_airport} on or after {person.ready_from} (local date)"
    latest = max(d.expires for d in accepted_documents(person, destination))
    days = destination.min_document_validity_days
    return (
        f"arriving on or before {latest - dt.timedelta(days=days)} (local date: the accepted document expires "
        f"{latest}, {destination.country} needs {days} days beyond arrival), or an accepted document valid until "
        f"at least {validity_needed(destination, stop, roster.as_of_date)}"
    )


def arrival_times(destination: Destination) -> str:
    """When a destination takes arrivals: its weekdays and window, in words."""
    days = sorted(destination.arrival_weekdays)
    when = "on any day" if len(days) == 7 else "on " + ", ".join(WEEKDAY_NAMES[day] for day in days)
    window = destination.arrival_window
    return when + (f" between {window.start} and {window.end} local time" if window is not None else "")


def not_serving_finding(roster: Roster, members: tuple[int, ...], f: int) -> Finding:
    """Rule 8 for a flight that calls at no arrival airport of any member's country."""
    flight = roster.flights[f]
    airports = "/".join(arrival_airports(roster, members))
    return Finding(
        rule=8,
        code=ReasonCode.NO_ELIGIBLE_FLIGHT,
        fact=f"{flight.id} calls at no arrival airport ({airports})",
        fix=f"a stop at {airports} after a call at {staging_airports(roster, members)}",
        flight_id=flight.id,
    )


def wanted_flight(roster: Roster, members: tuple[int, ...]) -> str:
    """A flight that would take the person (or family): every rule 8-12 spelled out as a wish."""
    people = [roster.people[m] for m in members]
    destinations = [destination_of(roster, m) for m in members]
    common = set.intersection(*(set(d.arrival_airports) for d in destinations))
    if not common:
        return "none can: no airport is an arrival airport of every member's country"
    parts = [f"a flight from {staging_airports(roster, members)} to {'/'.join(sorted(common))}"]
    parts += sorted({f"arriving {arrival_times(d)} ({d.country})" for d in destinations})
    earliest = max(earliest_departure(d, roster.request.as_of) for d in destinations)
    parts.append(f"first departure at or after {earliest.isoformat()}")
    ready = [p.ready_from for p in people if p.ready_from is not None]
    if ready:
        parts.append(f"boarding on or after {max(ready)} (local date)")
    limits = [
        max(d.expires for d in accepted_documents(p, dest)) - dt.timedelta(days=dest.min_document_validity_days)
        for p, dest in zip(people, destinations, strict=True)
    ]
    parts.append(f"arriving on or before {min(limits)} (local date), while the travel documents are valid long enough")
    return ", ".join(parts)


def staging_airports(roster: Roster, members: tuple[int, ...]) -> str:
    airports: dict[str, list[str]] = defaultdict(list)
    for member in members:
        airports[roster.people[member].staging_airport].append(roster.people[member].id)
    if len(airports) == 1:
        return next(iter(airports))
    return " and ".join(f"{airport} (for {', '.join(ids)})" for airport, ids in sorted(airports.items()))


def destination_of(roster: Roster, member: int) -> Destination:
    destination = roster.destination(roster.people[member])
    assert destination is not None
    return destination


# Rules 14-15: eligible, but the final plan leaves no room.


@dataclass(frozen=True)
class PlacedPlan:
    """The final plan as capacity sees it: placed items (families whole) followed by the explained item."""

    loads: Loads
    candidate: int

    @property
    def placed(self) -> range:
        return range(self.candidate)

    def occupancy(self, items: Sequence[int]) -> Occupancy:
        occupancy = Occupancy(self.loads)
        for item in items:
            occupancy.add(item, self.loads.items[item].options[0])
        return occupancy


def not_selected_findings(roster: Roster, plan: Plan, item: Item) -> list[Finding]:
    """For each option of the item, every limit in the way in the final plan and who would have to give way."""
    placed = placed_plan(roster, plan, item, weekly_airports(roster, item))
    everyone = placed.occupancy(placed.placed)
    found = []
    for option in item.options:
        limits = everyone.limits(placed.candidate, option)
        if not limits:
            found.append(open_finding(roster, option))
            continue
        give_way, short = give_way_for(placed, option, limits)
        fix = give_way_phrase(placed, give_way, short)
        for limit in limits:
            found.append(limit_finding(placed, option, limit, fix, give_way))
    return found


def weekly_airports(roster: Roster, item: Item) -> set[str]:
    """Airports whose arrivals count against a weekly cap that one of the item's options is subject to."""
    deplanes = {roster.flights[o.flight].stops[o.deplane].airport for o in item.options}
    return {
        airport
        for destination in roster.request.destinations
        if destination.max_flights_per_week is not None and deplanes & set(destination.arrival_airports)
        for airport in destination.arrival_airports
    }


def placed_plan(roster: Roster, plan: Plan, item: Item, weekly: set[str]) -> PlacedPlan:
    """The groups the plan places that bear on the item's options, each an item with its one option.

    Those are everyone on the options' flights, and everyone on a flight deplaning anyone where a weekly
    cap that applies to an option counts (`weekly`); on 20,000 people, reading back only these is what
    keeps an explanation well under a second.
    """
    index_of = {someone.id: i for i, someone in enumerate(roster.people)}
    flight_of = {flight.id: f for f, flight in enumerate(roster.flights)}
    own_flights = {option.flight for option in item.options}
    groups: dict[tuple[int, int, str], list[tuple[int, int]]] = defaultdict(list)
    for manifest in plan.manifests:
        f = flight_of.get(manifest.flight_id)
        if f is None:
            raise ExplainError(f"the plan's flight {manifest.flight_id!r} is not in the request")
        if f not in own_flights and not any(p.deplane in weekly for p in manifest.passengers):
            continue
        airports = [stop.airport for stop in roster.flights[f].stops]
        for passenger in manifest.passengers:
            member = index_of.get(passenger.person_id)
            if member is None:
                raise ExplainError(f"the plan's passenger {passenger.person_id!r} is not in the request")
            board = stop_index(airports, passenger.board, passenger.board_index, manifest.flight_id)
            deplane = stop_index(airports, passenger.deplane, passenger.deplane_index, manifest.flight_id)
            group = roster.people[member].family_id or f"person {passenger.person_id}"
            groups[(f, deplane, group)].append((member, board))
    items = [
        Item(tuple(m for m, _ in riders), (Option(f, deplane, tuple(b for _, b in riders)),))
        for (f, deplane, _), riders in groups.items()
    ]
    return PlacedPlan(Loads(roster, (*items, item)), len(items))


def stop_index(airports: list[str], airport: str, index: int | None, flight_id: str) -> int:
    """The position of a passenger's stop: the index the plan gives, else the airport's only call."""
    if index is not None and 0 <= index < len(airports) and airports[index] == airport:
        return index
    if index is None and airport in airports:
        return airports.index(airport)
    raise ExplainError(f"the plan has a passenger of {flight_id} at {airport}, which is not one of its stops")


def give_way_for(placed: PlacedPlan, option: Option, limits: list[Limit]) -> tuple[list[int], list[str]]:
    """Placed items of lower or equal priority whose leaving would make room, and what no such set can clear.

    On the option's flight: the lowest priority first until the item fits, then back again any that need
    not leave. For a weekly cap: the cheapest flights to empty of that country's arrivals that week.
    """
    leaving: list[int] = []
    short: list[str] = []
    if any(not isinstance(limit, WeeklyCapReached) for limit in limits):
        on_flight, still = give_way_on_flight(placed, option)
        leaving += on_flight
        short += still
    for limit in limits:
        if isinstance(limit, WeeklyCapReached):
            in_week, still = give_way_in_week(placed, limit)
            leaving += in_week
            short += still
    priority = placed.loads.priority
    return sorted(dict.fromkeys(leaving), key=lambda i: (priority[i], i)), short


def give_way_on_flight(placed: PlacedPlan, option: Option) -> tuple[list[int], list[str]]:
    """Greedy, lowest priority first, over the items on the option's flight (rules 14 and the per-flight cap)."""
    loads = placed.loads
    aboard = [i for i in placed.placed if loads.items[i].options[0].flight == option.flight]
    mine = loads.priority[placed.candidate]
    order = sorted(
        (i for i in aboard if loads.priority[i] <= mine), key=lambda i: (loads.priority[i], loads.size[i], i)
    )

    def blocked(leaving: set[int]) -> list[Limit]:
        return placed.occupancy([i for i in aboard if i not in leaving]).limits(placed.candidate, option)

    remaining = blocked(set(order))
    if remaining:
        flight = loads.roster.flights[option.flight].id
        if not order:
            return [], [f"everyone placed on {flight} has a higher priority"]
        still = "; ".join(describe_limits(loads.roster, remaining))
        return [], [f"with all {len(order)} of them off {flight}, still {still}"]
    # Room only grows as more leave, so the shortest prefix of the order that makes room is found by bisection.
    low, high = 0, len(order)
    while low < high:
        middle = (low + high) // 2
        if blocked(set(order[:middle])):
            low = middle + 1
        else:
            high = middle
    leaving = set(order[:low])
    for i in reversed(order[:low]):
        if not blocked(leaving - {i}):
            leaving.discard(i)
    return sorted(leaving, key=order.index), []


def give_way_in_week(placed: PlacedPlan, limit: WeeklyCapReached) -> tuple[list[int], list[str]]:
    """The items to take off the cheapest flights of that week so that one more flight may land in the country."""
    loads = placed.loads
    destination = next(d for d in loads.roster.request.destinations if d.country == limit.country)
    airports = set(destination.arrival_airports)
    arriving: dict[int, list[int]] = defaultdict(list)
    for i in placed.placed:
        load = loads.load(loads.items[i].options[0])
        if load.deplane_airport in airports and load.week == limit.week:
            arriving[load.flight].append(i)
    mine = loads.priority[placed.candidate]
    costs = []
    for flight in limit.flights:
        there = arriving[flight]
        if all(loads.priority[i] <= mine for i in there):
            costs.append((sum(loads.priority[i] for i in there), len(there), flight, there))
    needed = len(limit.flights) - limit.cap + 1
    if len(costs) < needed:
        names = ", ".join(loads.roster.flights[f].id for f in limit.flights)
        return [], [f"every flight of {names} deplanes someone of higher priority in {limit.country} that week"]
    costs.sort()
    return [i for _, _, _, there in costs[:needed] for i in there], []


def give_way_phrase(placed: PlacedPlan, leaving: list[int], short: list[str]) -> str:
    """Who would have to give way, or why no one of lower or equal priority can."""
    mine = placed.loads.priority[placed.candidate]
    if short:
        return f"no set of placed people of priority ≤ {mine} giving way makes room ({'; '.join(short)})"
    return f"room if these placed people of priority ≤ {mine} gave way: " + ", ".join(
        describe_item(placed, i) for i in leaving
    )


def describe_item(placed: PlacedPlan, item: int) -> str:
    loads = placed.loads
    ids = [loads.roster.people[m].id for m in loads.items[item].members]
    flight = loads.roster.flights[loads.items[item].options[0].flight].id
    return f"{' + '.join(ids)} (priority {loads.priority[item]}, {flight})"


def limit_finding(placed: PlacedPlan, option: Option, limit: Limit, fix: str, leaving: list[int]) -> Finding:
    """One limit in the way of one option, with the numbers that break it."""
    roster = placed.loads.roster
    flight = roster.flights[option.flight]
    they = "this family" if len(placed.loads.items[placed.candidate].members) > 1 else "this person"
    if isinstance(limit, SegmentFull):
        segment = f"{flight.stops[limit.segment].airport}-{flight.stops[limit.segment + 1].airport}"
        rule = 14
        fact = (
            f"{flight.id} {segment} full: {limit.aboard} aboard + {limit.adding} ({they}) + {limit.escorts} escort "
            f"officers + {limit.reserved} reserved = {limit.used} of {limit.seats} seats, {limit.over} over"
        )
        otherwise = f"{limit.over} more seat(s) on {flight.id} {segment}"
    elif isinstance(limit, PeopleCapReached):
        rule = 15
        fact = (
            f"{limit.country} takes at most {limit.cap} people per flight; {flight.id} already deplanes "
            f"{limit.current} there, and {they} would make {limit.current + limit.adding}"
        )
        otherwise = f"{limit.country} taking {limit.current + limit.adding} people from one flight"
    else:
        rule = 15
        names = ", ".join(roster.flights[f].id for f in limit.flights)
        fact = (
            f"{limit.country} takes at most {limit.cap} flight(s) per week; in {limit.week[0]}-W{limit.week[1]:02d} "
            f"(local arrival date) it is used by {names}"
        )
        otherwise = f"{limit.country} taking {len(limit.flights) + 1} flights that week"
    return Finding(
        rule=rule,
        code=ReasonCode.NOT_SELECTED,
        fact=fact,
        fix=f"{fix}; or {otherwise}",
        flight_id=flight.id,
        stop=flight.stops[option.deplane].airport,
        give_way=tuple(give_way_entry(placed, i) for i in leaving),
    )


def give_way_entry(placed: PlacedPlan, item: int) -> GiveWay:
    loads = placed.loads
    return GiveWay(
        person_ids=tuple(loads.roster.people[m].id for m in loads.items[item].members),
        priority=loads.priority[item],
        flight_id=loads.roster.flights[loads.items[item].options[0].flight].id,
    )


def open_finding(roster: Roster, option: Option) -> Finding:
    """An option with room in the final plan: nothing is in the way, so the plan could have used it."""
    flight = roster.flights[option.flight]
    return Finding(
        rule=14,
        code=ReasonCode.NOT_SELECTED,
        fact=f"{flight.id} to {flight.stops[option.deplane].airport} has room in this plan: no limit is in the way",
        fix="planning again (with more time) can place them here",
        flight_id=flight.id,
        stop=flight.stops[option.deplane].airport,
    )


# Text for people.


def render_text(explanation: Explanation) -> str:
    """The explanation as a person reads it at a terminal."""
    if explanation.placed is not None:
        placed = explanation.placed
        return (
            f"{explanation.person_id} is placed on {placed.flight_id}, boarding at {placed.board}, "
            f"deplaning at {placed.deplane}\n"
        )
    lines = [f"{explanation.person_id} is not placed: {', '.join(code.value for code in explanation.codes)}"]
    for finding in explanation.findings:
        where = f" {finding.flight_id}" if finding.flight_id else ""
        where += f" to {finding.stop}" if finding.stop else ""
        lines.append(f"- rule {finding.rule} {finding.code.value}{where}: {finding.fact}")
        lines.append(f"  fix: {finding.fix}")
    if explanation.flights_not_shown:
        lines.append(f"(and {explanation.flights_not_shown} more flight(s) not shown)")
    if explanation.fix is not None:
        lines.append(f"a flight that would do: {explanation.fix}")
    return "\n".join(lines) + "\n"
