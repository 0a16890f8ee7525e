"""Rules 1-12 of the contract: who may fly, on which flight and stops, and why not."""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

from planner.reasons import ReasonCode
from planner.request import Destination, Document, Flight, Person, PlanRequest, Stop

__all__ = [
    "Eligibility",
    "Item",
    "Option",
    "Reason",
    "Roster",
    "age_on",
    "assess",
    "document_for_arrival",
]

WEEKDAY_NAMES = ("", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NEAREST_FLIGHTS = 3


@dataclass(frozen=True, slots=True)
class Reason:
    code: ReasonCode
    detail: str


@dataclass(frozen=True, slots=True)
class Option:
    """One way an item may fly: a flight, the stop all its members deplane at, and each member's boarding stop."""

    flight: int
    deplane: int
    boards: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Item:
    """People who fly together or not at all (a family, or one person), with every way they may fly."""

    members: tuple[int, ...]
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Eligibility:
    """Items that may fly, and the reasons of everyone who cannot whatever the capacity."""

    items: tuple[Item, ...]
    reasons: dict[int, tuple[Reason, ...]]


class Roster:
    """A request with the lookups every rule needs, built once."""

    def __init__(self, request: PlanRequest) -> None:
        self.request = request
        self.people = request.people
        self.flights = request.flights
        self.as_of_date = request.as_of.date()
        self.destination_of = {d.country: d for d in request.destinations}

    @cached_property
    def families(self) -> dict[str, tuple[int, ...]]:
        groups: dict[str, list[int]] = defaultdict(list)
        for index, person in enumerate(self.people):
            if person.family_id is not None:
                groups[person.family_id].append(index)
        return {family: tuple(members) for family, members in groups.items()}

    @cached_property
    def stops_at(self) -> list[dict[str, list[int]]]:
        """Per flight: airport -> indexes of the stops there, in flying order."""
        tables: list[dict[str, list[int]]] = []
        for flight in self.flights:
            table: dict[str, list[int]] = defaultdict(list)
            for index, stop in enumerate(flight.stops):
                table[stop.airport].append(index)
            tables.append(dict(table))
        return tables

    @cached_property
    def distance(self) -> list[float]:
        """Per flight: seconds between its first departure and `as_of`, either way (how near a diagnosis finds it)."""
        as_of = self.request.as_of
        return [abs((flight.first_depart - as_of).total_seconds()) for flight in self.flights]

    @cached_property
    def nearest_flights(self) -> list[int]:
        """Every flight, nearest `as_of` first, ties in request order."""
        return sorted(range(len(self.flights)), key=lambda f: (self.distance[f], f))

    def destination(self, person: Person) -> Destination | None:
        return self.destination_of.get(person.nationality)

    def is_minor(self, person: Person) -> bool:
        return age_on(person.birth_date, self.as_of_date) < 18

    def group_of(self, index: int) -> tuple[int, ...]:
        family = self.people[index].family_id
        return self.families[family] if family is not None else (index,)

    def group_has_adult(self, index: int) -> bool:
        return any(not self.is_minor(self.people[member]) for member in self.group_of(index))

    def board_stop(self, flight: int, deplane: int, person: Person) -> int | None:
        """Where the person boards to deplane at `deplane` (see `pick_board`), or None without a call there."""
        stops = self.flights[flight].stops
        calls = [
            (b, _depart_date(stops[b])) for b in self.stops_at[flight].get(person.staging_airport, []) if b < deplane
        ]
        return pick_board(calls, person.ready_from)[0]


def pick_board(calls: Sequence[tuple[int, dt.date]], ready_from: dt.date | None) -> tuple[int | None, bool]:
    """The boarding stop among calls at the staging airport, and whether it meets rule 11.

    The last call that meets rule 11, else the last call at all (so a diagnosis can name rule 11).
    Boarding as late as possible keeps the fewest segments busy. Rule 11 is the only rule that reads the
    boarding stop, and it cannot simply take the last call: local dates need not increase along a route
    that crosses time zones, so an earlier call can fall on a later local date.
    """
    ready = [stop for stop, day in calls if ready_from is None or ready_from <= day]
    if ready:
        return ready[-1], True
    return (calls[-1][0] if calls else None), not calls


Day = TypeVar("Day", dt.date, dt.datetime)


def days_after(day: Day, days: int) -> Day:
    """`day` plus whole days (x 24 h for a timestamp), held at the calendar's end rather than overflowing."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        # Only dates in the last years of 9999 get here; the end of the calendar is as late as "later" gets.
        return dt.datetime.max.replace(tzinfo=dt.UTC) if isinstance(day, dt.datetime) else dt.date.max


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years on `day` (someone born on 29 February comes of age on 1 March in common years)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# Person-level rules 1-7: each returns its reason, or None when the person passes.


def check_final_order(person: Person) -> Reason | None:
    """Rule 1: a final order of removal exists."""
    if person.final_order:
        return None
    return Reason(ReasonCode.NO_FINAL_ORDER, "no final order of removal")


def check_holds(person: Person) -> Reason | None:
    """Rule 2: no legal hold."""
    if not person.holds:
        return None
    kinds = ", ".join(hold.kind for hold in person.holds)
    return Reason(ReasonCode.LEGAL_HOLD, f"{len(person.holds)} legal hold(s): {kinds}")


def check_fit_to_fly(person: Person) -> Reason | None:
    """Rule 3: medically cleared to fly."""
    if person.fit_to_fly:
        return None
    return Reason(ReasonCode.NOT_FIT_TO_FLY, "not medically cleared to fly")


def check_destination(person: Person, destination: Destination | None) -> Reason | None:
    """Rule 4: the country of nationality has acceptance rules and is accepting."""
    if destination is None:
        return Reason(ReasonCode.NO_DESTINATION_RULE, f"no destination rules for {person.nationality}")
    if not destination.accepting:
        return Reason(ReasonCode.DESTINATION_NOT_ACCEPTING, f"{destination.country} is not accepting returns")
    return None


def check_nationality_verified(person: Person, destination: Destination) -> Reason | None:
    """Rule 5: nationality verified where the destination requires it."""
    if person.nationality_verified or not destination.requires_verified_nationality:
        return None
    return Reason(
        ReasonCode.NATIONALITY_UNVERIFIED,
        f"{destination.country} requires verified nationality; it is not verified",
    )


def accepted_documents(person: Person, destination: Destination) -> list[Document]:
    """Documents of an accepted type issued by the country of nationality (rule 6)."""
    return [
        document
        for document in person.documents
        if document.type in destination.accepted_documents and document.issuing_country == person.nationality
    ]


def check_documents(person: Person, destination: Destination, as_of_date: dt.date) -> Reason | None:
    """Rule 6: an accepted document that is still valid the required days after the plan date."""
    documents = accepted_documents(person, destination)
    if not documents:
        types = ", ".join(destination.accepted_documents) or "none"
        held = ", ".join(f"{d.type} issued by {d.issuing_country}" for d in person.documents) or "no documents"
        return Reason(
            ReasonCode.NO_ACCEPTED_DOCUMENT,
            f"{destination.country} accepts {types} issued by {person.nationality}; held: {held}",
        )
    needed = validity_needed_now(destination, as_of_date)
    if any(document.expires >= needed for document in documents):
        return None
    latest = max(documents, key=lambda d: d.expires)
    return Reason(
        ReasonCode.DOCUMENT_EXPIRED,
        f"{latest.type} expires {latest.expires}; {destination.country} needs validity until at least {needed}"
        f" ({destination.min_document_validity_days} days after {as_of_date})",
    )


def validity_needed_now(destination: Destination, as_of_date: dt.date) -> dt.date:
    """The date rule 6 needs an accepted document to be valid until: the plan date plus the validity days."""
    return days_after(as_of_date, destination.min_document_validity_days)


def check_minor(person: Person, destination: Destination, roster: Roster, index: int) -> Reason | None:
    """Rule 7: a minor travels with an adult of the family group unless the destination accepts them alone."""
    if destination.accepts_unaccompanied_minors or not roster.is_minor(person):
        return None
    if roster.group_has_adult(index):
        return None
    age = age_on(person.birth_date, roster.as_of_date)
    family = "no family group" if person.family_id is None else "no adult in the family group"
    return Reason(
        ReasonCode.UNACCOMPANIED_MINOR,
        f"aged {age} on {roster.as_of_date} with {family}; {destination.country} does not accept unaccompanied minors",
    )


def person_reasons(roster: Roster, index: int) -> list[Reason]:
    """Every person-level rule (1-7) the person fails."""
    person = roster.people[index]
    destination = roster.destination(person)
    found = [check_final_order(person), check_holds(person), check_fit_to_fly(person)]
    found.append(check_destination(person, destination))
    if destination is not None:
        found.append(check_nationality_verified(person, destination))
        found.append(check_documents(person, destination, roster.as_of_date))
        found.append(check_minor(person, destination, roster, index))
    return [reason for reason in found if reason is not None]


# Flight-level rules 8-12: each returns why the stops fail, or None when they pass.


def check_route(
    person: Person, destination: Destination, flight: Flight, board: int | None, deplane: int
) -> str | None:
    """Rule 8: boards at the staging airport, deplanes later at an accepted arrival airport."""
    if flight.stops[deplane].airport not in destination.arrival_airports:
        airports = "/".join(destination.arrival_airports)
        return (
            f"rule 8: {flight.stops[deplane].airport} is not an arrival airport of {destination.country} ({airports})"
        )
    if board is None:
        return f"rule 8: does not call at {person.staging_airport} before {flight.stops[deplane].airport}"
    return None


def check_arrival_time(destination: Destination, stop: Stop) -> str | None:
    """Rule 9: local arrival on an allowed weekday and within the arrival window."""
    arrive = stop.arrive
    assert arrive is not None
    problems = []
    if arrive.isoweekday() not in destination.arrival_weekdays:
        allowed = ",".join(WEEKDAY_NAMES[day] for day in sorted(destination.arrival_weekdays)) or "none"
        problems.append(
            f"arrives {stop.airport} on {WEEKDAY_NAMES[arrive.isoweekday()]} {arrive.date()}, "
            f"allowed weekdays {allowed}"
        )
    window = destination.arrival_window
    if window is not None and not window.contains(arrive.time()):
        problems.append(f"arrives {stop.airport} at {arrive:%H:%M} local, window {window.start}-{window.end}")
    return "rule 9: " + "; ".join(problems) if problems else None


def check_notice(destination: Destination, flight: Flight, as_of: dt.datetime) -> str | None:
    """Rule 10: the flight leaves at least the notice period after the plan is made."""
    earliest = earliest_departure(destination, as_of)
    if flight.first_depart >= earliest:
        return None
    return (
        f"rule 10: departs {flight.first_depart.isoformat()}, {destination.country} needs "
        f"{destination.notice_days} days' notice (not before {earliest.isoformat()})"
    )


def earliest_departure(destination: Destination, as_of: dt.datetime) -> dt.datetime:
    """The earliest first departure rule 10 allows: the plan time plus the notice days (x 24 h)."""
    return days_after(as_of, destination.notice_days)


def check_ready(person: Person, board_stop: Stop) -> str | None:
    """Rule 11: the person is ready by the local date of boarding."""
    depart = board_stop.depart
    assert depart is not None
    if person.ready_from is None or person.ready_from <= depart.date():
        return None
    return f"rule 11: ready from {person.ready_from}, boarding {board_stop.airport} departs {depart.date()}"


def document_for_arrival(
    person: Person, destination: Destination, deplane_stop: Stop, as_of_date: dt.date
) -> Document | None:
    """The accepted document valid longest among those meeting rules 6 and 12 for this arrival, if any."""
    needed = validity_needed(destination, deplane_stop, as_of_date)
    valid = [d for d in accepted_documents(person, destination) if d.expires >= needed]
    # max() keeps the first of equals, so the person's own order breaks ties deterministically.
    return max(valid, key=lambda d: d.expires) if valid else None


def validity_needed(destination: Destination, deplane_stop: Stop, as_of_date: dt.date) -> dt.date:
    """The date a document must still be valid on: the later of rule 6's and rule 12's."""
    arrive = deplane_stop.arrive
    assert arrive is not None
    # An arrival far west can fall on an earlier local date than as_of; rule 6 still applies then.
    return days_after(max(arrive.date(), as_of_date), destination.min_document_validity_days)


def check_document_at_arrival(
    person: Person, destination: Destination, deplane_stop: Stop, as_of_date: dt.date
) -> str | None:
    """Rule 12: an accepted document stays valid the required days after the arrival date."""
    if document_for_arrival(person, destination, deplane_stop, as_of_date) is not None:
        return None
    needed = validity_needed(destination, deplane_stop, as_of_date)
    return (
        f"rule 12: no accepted document valid until {needed} "
        f"(arrival at {deplane_stop.airport} + {destination.min_document_validity_days} days)"
    )


def stop_failures(roster: Roster, person: Person, flight_index: int, deplane: int) -> tuple[int | None, list[str]]:
    """The boarding stop a person would use to deplane at `deplane`, and every rule 8-12 it fails."""
    destination = roster.destination(person)
    assert destination is not None
    flight = roster.flights[flight_index]
    board = roster.board_stop(flight_index, deplane, person)
    stop = flight.stops[deplane]
    checks = [
        check_route(person, destination, flight, board, deplane),
        check_arrival_time(destination, stop),
        check_notice(destination, flight, roster.request.as_of),
        check_ready(person, flight.stops[board]) if board is not None else None,
        check_document_at_arrival(person, destination, stop, roster.as_of_date),
    ]
    return board, [failure for failure in checks if failure]


# Enumerating options quickly: what depends only on destination and flight is computed once.


@dataclass(frozen=True, slots=True)
class Candidate:
    """A flight and deplaning stop at an arrival airport of one destination, seen from one staging airport.

    Everything here is the same for every person of that nationality staged there; only rules 11 and 12
    are left to each person, as two date comparisons.
    """

    flight: int
    deplane: int
    calls: tuple[tuple[int, dt.date], ...]  # stops at the staging airport before `deplane`, with local depart dates
    fixed: tuple[str, ...]  # failures of rules 8-10, the same for everyone
    needed: dt.date  # the date an accepted document must be valid until (rules 6 and 12)

    def board(self, ready_from: dt.date | None) -> tuple[int | None, bool]:
        return pick_board(self.calls, ready_from)


class OptionFinder:
    """Finds every (flight, board, deplane) a person may use, sharing work between people alike."""

    def __init__(self, roster: Roster) -> None:
        self.roster = roster
        self._serving: dict[str, list[tuple[int, int]]] = {}
        self._candidates: dict[tuple[str, str], list[Candidate]] = {}
        self._open: dict[tuple[str, str, dt.date | None], tuple[list[dt.date], list[tuple[int, int, int]]]] = {}
        self._options: dict[tuple[object, ...], tuple[tuple[int, int, int], ...]] = {}
        self._alone: dict[tuple[tuple[int, int, int], ...], tuple[Option, ...]] = {}

    def serving(self, destination: Destination) -> list[tuple[int, int]]:
        """(flight, stop) pairs, in order, where a flight calls at an arrival airport of the destination."""
        if destination.country not in self._serving:
            airports = set(destination.arrival_airports)
            self._serving[destination.country] = [
                (f, d)
                for f, flight in enumerate(self.roster.flights)
                for d in range(1, len(flight.stops))
                if flight.stops[d].airport in airports
            ]
        return self._serving[destination.country]

    def candidates(self, destination: Destination, staging: str) -> list[Candidate]:
        """Every serving (flight, stop) with what rules 8-10 say of it for people staged at `staging`."""
        key = (destination.country, staging)
        if key not in self._candidates:
            roster = self.roster
            found = []
            for f, d in self.serving(destination):
                flight = roster.flights[f]
                calls = [b for b in roster.stops_at[f].get(staging, []) if b < d]
                fixed = [
                    failure
                    for failure in (
                        None if calls else f"rule 8: does not call at {staging} before {flight.stops[d].airport}",
                        check_arrival_time(destination, flight.stops[d]),
                        check_notice(destination, flight, roster.request.as_of),
                    )
                    if failure
                ]
                dated = tuple((b, _depart_date(flight.stops[b])) for b in calls)
                needed = validity_needed(destination, flight.stops[d], roster.as_of_date)
                found.append(Candidate(f, d, dated, tuple(fixed), needed))
            self._candidates[key] = found
        return self._candidates[key]

    def options(self, person: Person, destination: Destination) -> tuple[tuple[int, int, int], ...]:
        """Every (flight, board, deplane) satisfying rules 8-12 for the person, in flight order."""
        valid_until = max((d.expires for d in accepted_documents(person, destination)), default=None)
        if valid_until is None:
            return ()
        needs, opened = self._open_to(destination, person.staging_airport, person.ready_from)
        # Options are sorted by the validity they need, so those this person's document covers are a prefix.
        count = bisect.bisect_right(needs, valid_until)
        key = (destination.country, person.staging_airport, person.ready_from, count)
        if key not in self._options:
            self._options[key] = tuple(sorted(opened[:count]))
        return self._options[key]

    def _open_to(
        self, destination: Destination, staging: str, ready_from: dt.date | None
    ) -> tuple[list[dt.date], list[tuple[int, int, int]]]:
        key = (destination.country, staging, ready_from)
        if key not in self._open:
            found = []
            for candidate in self.candidates(destination, staging):
                board, is_ready = candidate.board(ready_from)
                if not candidate.fixed and board is not None and is_ready:
                    found.append((candidate.needed, (candidate.flight, board, candidate.deplane)))
            found.sort()
            self._open[key] = ([needed for needed, _ in found], [option for _, option in found])
        return self._open[key]

    def person_failures(self, person: Person, destination: Destination) -> list[tuple[int, int, list[str]]]:
        """For one person, every serving (flight, stop) with all the rules 8-12 it fails there."""
        valid_until = max((d.expires for d in accepted_documents(person, destination)), default=None)
        found = []
        for candidate in self.candidates(destination, person.staging_airport):
            failures = list(candidate.fixed)
            board, is_ready = candidate.board(person.ready_from)
            if board is not None and not is_ready:
                failures.append(check_ready(person, self.roster.flights[candidate.flight].stops[board]) or "rule 11")
            if valid_until is None or valid_until < candidate.needed:
                stop = self.roster.flights[candidate.flight].stops[candidate.deplane]
                failures.append(
                    f"rule 12: no accepted document valid until {candidate.needed} "
                    f"(arrival at {stop.airport} + {destination.min_document_validity_days} days)"
                )
            found.append((candidate.flight, candidate.deplane, failures))
        return found

    def alone(self, person: Person, destination: Destination) -> tuple[Option, ...]:
        """The options of someone travelling alone; people alike share one tuple (100,000 people, one copy each)."""
        options = self.options(person, destination)
        if options not in self._alone:
            self._alone[options] = tuple(Option(f, d, (b,)) for f, b, d in options)
        return self._alone[options]


def _depart_date(stop: Stop) -> dt.date:
    assert stop.depart is not None
    return stop.depart.date()


def group_options(finder: OptionFinder, members: Sequence[int]) -> tuple[Option, ...]:
    """Options open to every member at once: the same flight and the same deplaning stop."""
    roster = finder.roster
    if len(members) == 1:
        return finder.alone(roster.people[members[0]], _destination_of(roster, members[0]))
    common: dict[tuple[int, int], list[int]] | None = None
    for member in members:
        person = roster.people[member]
        destination = roster.destination(person)
        assert destination is not None
        mine = {(f, d): b for f, b, d in finder.options(person, destination)}
        if common is None:
            common = {key: [board] for key, board in mine.items()}
        else:
            common = {key: [*boards, mine[key]] for key, boards in common.items() if key in mine}
    assert common is not None
    return tuple(Option(f, d, tuple(boards)) for (f, d), boards in sorted(common.items()))


def describe_no_flight(finder: OptionFinder, members: Sequence[int]) -> str:
    """Why no flight works: for the nearest flights, the rules each fails at its best deplaning stop."""
    roster = finder.roster
    failures_at = _failures_by_stop(finder, members)
    airports = "/".join(arrival_airports(roster, members))
    parts = [
        f"{roster.flights[f].id}: rule 8: no stop at {airports}"
        if d is None
        else f"{roster.flights[f].id} to {roster.flights[f].stops[d].airport}: "
        + "; ".join(dict.fromkeys(failures_at[(f, d)]))
        for f, d in rank_flights(roster, failures_at)[:NEAREST_FLIGHTS]
    ]
    if not parts:
        return "there are no flights in the request"
    shown = min(NEAREST_FLIGHTS, len(roster.flights))
    more = f" (and {len(roster.flights) - shown} more)" if len(roster.flights) > shown else ""
    return "no flight and stops satisfy rules 8-12; nearest: " + " | ".join(parts) + more


def rank_flights(roster: Roster, failures_at: dict[tuple[int, int], list[str]]) -> list[tuple[int, int | None]]:
    """Every flight, nearest first, with the deplaning stop a diagnosis reports (None when it serves nobody).

    Flights serving the group come first, by their best stop: the fewest rule 8 failures, then the fewest
    failures, then the first departure nearest `as_of`; then the flights serving nobody, nearest first.
    """
    ranked = []
    for (f, d), failures in failures_at.items():
        # A stop that is not even an arrival airport of every member is the least useful thing to report.
        score = (sum(fail.startswith("rule 8") for fail in failures), len(failures))
        ranked.append((score, roster.distance[f], f, d))
    ranked.sort()
    best: dict[int, int | None] = {}
    for _, _, f, d in ranked:
        best.setdefault(f, d)
    others = [f for f in roster.nearest_flights if f not in best]
    return [*best.items(), *((f, None) for f in others)]


def split_rule(failure: str) -> tuple[int, str]:
    """The rule number and the text of a rule 8-12 failure, which always reads `rule N: text`."""
    head, _, text = failure.partition(": ")
    return int(head.removeprefix("rule ")), text


def _failures_by_stop(finder: OptionFinder, members: Sequence[int]) -> dict[tuple[int, int], list[str]]:
    """(flight, stop) -> every rule 8-12 failure there, over all members, for stops serving any member."""
    roster = finder.roster
    if len(members) == 1:
        person = roster.people[members[0]]
        destination = roster.destination(person)
        assert destination is not None
        return {(f, d): failures for f, d, failures in finder.person_failures(person, destination)}
    stops = sorted({pair for member in members for pair in finder.serving(_destination_of(roster, member))})
    result = {}
    for f, d in stops:
        failures: list[str] = []
        for member in members:
            person = roster.people[member]
            failures += [f"{person.id}: {fail}" for fail in stop_failures(roster, person, f, d)[1]]
        result[(f, d)] = failures
    return result


def _destination_of(roster: Roster, member: int) -> Destination:
    destination = roster.destination(roster.people[member])
    assert destination is not None
    return destination


def arrival_airports(roster: Roster, members: Sequence[int]) -> list[str]:
    """The arrival airports of any member's destination, sorted."""
    return sorted({a for m in members for a in _destination_of(roster, m).arrival_airports})


def groups(roster: Roster) -> Iterable[tuple[int, ...]]:
    """Every travel group once: each family, and each person without one, in request order."""
    seen: set[str] = set()
    for index, person in enumerate(roster.people):
        if person.family_id is None:
            yield (index,)
        elif person.family_id not in seen:
            seen.add(person.family_id)
            yield roster.families[person.family_id]


def assess(roster: Roster) -> Eligibility:
    """Split the roster into items that may fly and people who cannot, with all their reasons."""
    finder = OptionFinder(roster)
    items: list[Item] = []
    reasons: dict[int, tuple[Reason, ...]] = {}
    no_flight_detail: dict[tuple[object, ...], str] = {}
    for members in groups(roster):
        own = {member: person_reasons(roster, member) for member in members}
        failing = [member for member in members if own[member]]
        if failing:
            for member in members:
                reasons[member] = tuple(own[member]) or (family_reason(roster, member, failing),)
            continue
        options = group_options(finder, members)
        if options:
            items.append(Item(members, options))
            continue
        key = tuple(_diagnosis_key(roster, m) for m in members) if len(members) == 1 else tuple(members)
        if key not in no_flight_detail:
            no_flight_detail[key] = describe_no_flight(finder, members)
        for member in members:
            reasons[member] = (Reason(ReasonCode.NO_ELIGIBLE_FLIGHT, no_flight_detail[key]),)
    return Eligibility(tuple(items), reasons)


def _diagnosis_key(roster: Roster, index: int) -> tuple[object, ...]:
    # Everything rules 8-12 read of a person; people alike share one diagnosis.
    person = roster.people[index]
    destination = _destination_of(roster, index)
    valid_until = max((d.expires for d in accepted_documents(person, destination)), default=None)
    return (person.nationality, person.staging_airport, person.ready_from, valid_until)


def family_reason(roster: Roster, member: int, failing: Sequence[int]) -> Reason:
    """FAMILY_MEMBER_INELIGIBLE for someone eligible whose family group has a member who is not."""
    family = roster.people[member].family_id
    codes = sorted({reason.code.value for m in failing for reason in person_reasons(roster, m)})
    names = ", ".join(roster.people[m].id for m in failing)
    return Reason(
        ReasonCode.FAMILY_MEMBER_INELIGIBLE,
        f"family {family}: member(s) {names} cannot travel ({', '.join(codes)})",
    )
