"""Rules 1-12, one at a time: a tiny roster that passes and one that fails with the contract's code."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from planner.eligibility import Roster, age_on, assess
from planner.reasons import ReasonCode as C
from planner.request import PlanRequest
from tests.builders import build, destination, flight, person


def codes(request: PlanRequest) -> dict[str, list[str]]:
    """Person id -> reason codes of everyone who cannot fly whatever the capacity."""
    eligibility = assess(Roster(request))
    return {request.people[i].id: [r.code.value for r in reasons] for i, reasons in eligibility.reasons.items()}


def details(request: PlanRequest) -> dict[str, str]:
    eligibility = assess(Roster(request))
    return {request.people[i].id: " | ".join(r.detail for r in reasons) for i, reasons in eligibility.reasons.items()}


def test_baseline_roster_is_eligible() -> None:
    request = build()
    eligibility = assess(Roster(request))
    assert eligibility.reasons == {}
    assert len(eligibility.items) == 1
    (option,) = eligibility.items[0].options
    assert (option.flight, option.deplane, option.boards) == (0, 2, (0,))


PERSON_RULES: list[tuple[str, dict[str, Any], dict[str, Any], list[str]]] = [
    ("rule 1", {"final_order": False}, {}, [C.NO_FINAL_ORDER]),
    ("rule 2", {"holds": [{"kind": "stay_of_removal"}]}, {}, [C.LEGAL_HOLD]),
    ("rule 3", {"fit_to_fly": False}, {}, [C.NOT_FIT_TO_FLY]),
    ("rule 4 no rule", {"nationality": "HND"}, {}, [C.NO_DESTINATION_RULE]),
    ("rule 4 closed", {}, {"accepting": False}, [C.DESTINATION_NOT_ACCEPTING]),
    ("rule 5", {"nationality_verified": False}, {}, [C.NATIONALITY_UNVERIFIED]),
    (
        "rule 6 type",
        {"documents": [{"type": "national_id", "number": "N1", "issuing_country": "GTM", "expires": "2030-01-01"}]},
        {},
        [C.NO_ACCEPTED_DOCUMENT],
    ),
    (
        "rule 6 issuer",
        {"documents": [{"type": "passport", "number": "N1", "issuing_country": "MEX", "expires": "2030-01-01"}]},
        {},
        [C.NO_ACCEPTED_DOCUMENT],
    ),
    ("rule 6 none", {"documents": []}, {}, [C.NO_ACCEPTED_DOCUMENT]),
    (
        "rule 6 expired",
        {"documents": [{"type": "passport", "number": "N1", "issuing_country": "GTM", "expires": "2026-11-30"}]},
        {},
        [C.DOCUMENT_EXPIRED],
    ),
    (
        "rule 6 validity days",
        {"documents": [{"type": "passport", "number": "N1", "issuing_country": "GTM", "expires": "2026-12-10"}]},
        {"min_document_validity_days": 10},
        [C.DOCUMENT_EXPIRED],
    ),
    ("rule 7", {"birth_date": "2010-06-01"}, {}, [C.UNACCOMPANIED_MINOR]),
]


@pytest.mark.parametrize(
    ("rule", "person_change", "destination_change", "expected"), PERSON_RULES, ids=[r[0] for r in PERSON_RULES]
)
def test_person_rule_fails_with_its_code(
    rule: str, person_change: dict[str, Any], destination_change: dict[str, Any], expected: list[str]
) -> None:
    request = build([person(**person_change)], destinations=[destination(**destination_change)])
    assert codes(request) == {"P-1": expected}


PASSING_EDGES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("rule 5 not required", {"nationality_verified": False}, {"requires_verified_nationality": False}),
    (
        "rule 6 expires on the needed day",
        {"documents": [{"type": "passport", "number": "N1", "issuing_country": "GTM", "expires": "2026-12-03"}]},
        {},
    ),
    (
        "rule 6 one of several documents",
        {
            "documents": [
                {"type": "passport", "number": "N1", "issuing_country": "GTM", "expires": "2020-01-01"},
                {"type": "national_id", "number": "N2", "issuing_country": "GTM", "expires": "2030-01-01"},
                {
                    "type": "emergency_travel_document",
                    "number": "N3",
                    "issuing_country": "GTM",
                    "expires": "2027-01-01",
                },
            ]
        },
        {},
    ),
    ("rule 7 accepts minors", {"birth_date": "2010-06-01"}, {"accepts_unaccompanied_minors": True}),
    ("rule 7 eighteen today", {"birth_date": "2008-12-01"}, {}),
]


@pytest.mark.parametrize(
    ("rule", "person_change", "destination_change"), PASSING_EDGES, ids=[r[0] for r in PASSING_EDGES]
)
def test_person_rule_edge_passes(rule: str, person_change: dict[str, Any], destination_change: dict[str, Any]) -> None:
    request = build([person(**person_change)], destinations=[destination(**destination_change)])
    assert codes(request) == {}


def test_every_person_level_failure_is_reported_not_just_the_first() -> None:
    failing = person(
        final_order=False,
        holds=[{"kind": "pending_appeal"}],
        fit_to_fly=False,
        nationality_verified=False,
        documents=[],
        birth_date="2012-01-01",
    )
    request = build([failing], destinations=[destination(accepting=False)])
    assert codes(request) == {
        "P-1": [
            C.NO_FINAL_ORDER,
            C.LEGAL_HOLD,
            C.NOT_FIT_TO_FLY,
            C.DESTINATION_NOT_ACCEPTING,
            C.NATIONALITY_UNVERIFIED,
            C.NO_ACCEPTED_DOCUMENT,
            C.UNACCOMPANIED_MINOR,
        ]
    }


def test_missing_destination_stops_rules_5_to_7() -> None:
    request = build([person(nationality="HND", nationality_verified=False, documents=[], birth_date="2012-01-01")])
    assert codes(request) == {"P-1": [C.NO_DESTINATION_RULE]}


def test_minor_with_an_adult_in_the_family_may_fly() -> None:
    family = [person("P-1", family_id="F"), person("P-2", birth_date="2015-01-01", family_id="F")]
    eligibility = assess(Roster(build(family)))
    assert eligibility.reasons == {}
    assert [item.members for item in eligibility.items] == [(0, 1)]


def test_family_member_ineligible_keeps_the_whole_family_off() -> None:
    family = [
        person("P-1", family_id="F", holds=[{"kind": "stay_of_removal"}]),
        person("P-2", birth_date="2015-01-01", family_id="F"),
    ]
    request = build(family)
    assert codes(request) == {"P-1": [C.LEGAL_HOLD], "P-2": [C.FAMILY_MEMBER_INELIGIBLE]}
    assert "P-1" in details(request)["P-2"]


def test_age_counts_completed_years() -> None:
    assert age_on(dt.date(2008, 12, 2), dt.date(2026, 12, 1)) == 17
    assert age_on(dt.date(2008, 12, 1), dt.date(2026, 12, 1)) == 18
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 2, 28)) == 17
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 3, 1)) == 18


FLIGHT_RULES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], str]] = [
    ("rule 8 staging", {"staging_airport": "ELP"}, {}, {}, "rule 8"),
    ("rule 8 arrival airport", {}, {"arrival_airports": ["SAP"]}, {}, "rule 8"),
    ("rule 9 weekday", {}, {"arrival_weekdays": [1, 2, 3, 5]}, {}, "rule 9"),
    ("rule 9 window late", {}, {"arrival_window": {"start": "06:00", "end": "11:44"}}, {}, "rule 9"),
    ("rule 9 window early", {}, {"arrival_window": {"start": "11:46", "end": "18:00"}}, {}, "rule 9"),
    ("rule 10", {}, {"notice_days": 2}, {}, "rule 10"),
    ("rule 11", {"ready_from": "2026-12-04"}, {}, {}, "rule 11"),
    (
        "rule 12",
        {"documents": [{"type": "passport", "number": "N1", "issuing_country": "GTM", "expires": "2026-12-02"}]},
        {},
        {},
        "rule 12",
    ),
    ("rule 12 validity", {}, {"min_document_validity_days": 30}, {}, "rule 12"),
]


@pytest.mark.parametrize(
    ("rule", "person_change", "destination_change", "flight_change", "named"),
    FLIGHT_RULES,
    ids=[r[0] for r in FLIGHT_RULES],
)
def test_flight_rule_fails_with_no_eligible_flight(
    rule: str,
    person_change: dict[str, Any],
    destination_change: dict[str, Any],
    flight_change: dict[str, Any],
    named: str,
) -> None:
    if rule == "rule 12 validity":
        person_change = {
            "documents": [{"type": "passport", "number": "N1", "issuing_country": "GTM", "expires": "2027-01-01"}]
        }
    request = build([person(**person_change)], [flight(**flight_change)], [destination(**destination_change)])
    assert codes(request) == {"P-1": [C.NO_ELIGIBLE_FLIGHT]}
    assert f"F-1 to GUA: {named}" in details(request)["P-1"] or f"{named}:" in details(request)["P-1"]


FLIGHT_EDGES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("rule 8 boards at an intermediate stop", {"staging_airport": "HRL"}, {}),
    ("rule 9 window inclusive start", {}, {"arrival_window": {"start": "11:45", "end": "12:00"}}),
    ("rule 9 window inclusive end", {}, {"arrival_window": {"start": "06:00", "end": "11:45"}}),
    ("rule 9 window over midnight", {}, {"arrival_window": {"start": "11:00", "end": "01:00"}}),
    ("rule 9 weekday", {}, {"arrival_weekdays": [4]}),
    ("rule 10 exactly the notice", {}, {"notice_days": 1}),
    ("rule 11 ready on the day", {"ready_from": "2026-12-03"}, {}),
    (
        "rule 12 valid on arrival day",
        {"documents": [{"type": "passport", "number": "N1", "issuing_country": "GTM", "expires": "2026-12-03"}]},
        {},
    ),
]


@pytest.mark.parametrize(
    ("rule", "person_change", "destination_change"), FLIGHT_EDGES, ids=[r[0] for r in FLIGHT_EDGES]
)
def test_flight_rule_edge_passes(rule: str, person_change: dict[str, Any], destination_change: dict[str, Any]) -> None:
    request = build([person(**person_change)], destinations=[destination(**destination_change)])
    if rule == "rule 10 exactly the notice":
        request = build(
            [person()], [flight(stops=_stops_departing("2026-12-02T09:00:00-06:00"))], [destination(notice_days=1)]
        )
    assert codes(request) == {}


def _stops_departing(depart: str) -> list[dict[str, str]]:
    return [{"airport": "AEX", "depart": depart}, {"airport": "GUA", "arrive": "2026-12-02T13:00:00-06:00"}]


def test_rule_10_one_minute_short_fails() -> None:
    request = build(
        [person()], [flight(stops=_stops_departing("2026-12-02T08:59:00-06:00"))], [destination(notice_days=1)]
    )
    assert codes(request) == {"P-1": [C.NO_ELIGIBLE_FLIGHT]}


def test_arrival_window_reads_local_time_to_the_minute() -> None:
    stops = [
        {"airport": "AEX", "depart": "2026-12-03T07:00:00-06:00"},
        {"airport": "GUA", "arrive": "2026-12-03T18:00:59-06:00"},
    ]
    window = {"start": "08:00", "end": "18:00"}
    assert codes(build([person()], [flight(stops=stops)], [destination(arrival_window=window)])) == {}


def test_local_weekday_is_in_the_arrival_offset() -> None:
    # 01:00 on Friday in UTC+8 is still Thursday in UTC-6: the arrival's own offset decides.
    stops = [
        {"airport": "AEX", "depart": "2026-12-03T07:00:00-06:00"},
        {"airport": "GUA", "arrive": "2026-12-04T01:00:00+08:00"},
    ]
    assert codes(build([person()], [flight(stops=stops)], [destination(arrival_weekdays=[5])])) == {}
    assert codes(build([person()], [flight(stops=stops)], [destination(arrival_weekdays=[4])])) == {
        "P-1": [C.NO_ELIGIBLE_FLIGHT]
    }


def test_family_must_share_a_deplaning_stop() -> None:
    route = [
        {"airport": "AEX", "depart": "2026-12-03T07:00:00-06:00"},
        {"airport": "GUA", "arrive": "2026-12-03T09:00:00-06:00", "depart": "2026-12-03T10:00:00-06:00"},
        {"airport": "SAP", "arrive": "2026-12-03T11:00:00-06:00"},
    ]
    family = [
        person("P-1", family_id="F"),
        person(
            "P-2",
            family_id="F",
            nationality="HND",
            documents=[{"type": "passport", "number": "H", "issuing_country": "HND", "expires": "2030-01-01"}],
        ),
    ]
    destinations = [destination(), destination("HND", arrival_airports=["SAP"])]
    request = build(family, [flight(stops=route)], destinations)
    assert codes(request) == {"P-1": [C.NO_ELIGIBLE_FLIGHT], "P-2": [C.NO_ELIGIBLE_FLIGHT]}
    shared = [destination(arrival_airports=["GUA", "SAP"]), destination("HND", arrival_airports=["SAP"])]
    eligibility = assess(Roster(build(family, [flight(stops=route)], shared)))
    assert [(o.flight, o.deplane) for item in eligibility.items for o in item.options] == [(0, 2)]


def test_family_members_board_at_their_own_staging_airports() -> None:
    family = [person("P-1", family_id="F"), person("P-2", family_id="F", staging_airport="HRL")]
    eligibility = assess(Roster(build(family)))
    assert [o.boards for item in eligibility.items for o in item.options] == [(0, 1)]


def test_boards_at_the_last_visit_before_deplaning() -> None:
    route = [
        {"airport": "AEX", "depart": "2026-12-03T07:00:00-06:00"},
        {"airport": "HRL", "arrive": "2026-12-03T08:00:00-06:00", "depart": "2026-12-03T09:00:00-06:00"},
        {"airport": "AEX", "arrive": "2026-12-03T10:00:00-06:00", "depart": "2026-12-03T11:00:00-06:00"},
        {"airport": "GUA", "arrive": "2026-12-03T13:00:00-06:00"},
    ]
    eligibility = assess(Roster(build([person(ready_from="2026-12-03")], [flight(stops=route)])))
    assert [o.boards for item in eligibility.items for o in item.options] == [(2,)]


def test_no_eligible_flight_detail_names_the_nearest_flights_and_rules() -> None:
    late = flight("F-LATE", stops=_stops_departing("2026-12-02T08:00:00-06:00"))
    request = build([person(ready_from="2026-12-05")], [flight(), late], [destination(notice_days=1)])
    detail = details(request)["P-1"]
    assert "F-1 to GUA: rule 11" in detail
    assert "F-LATE to GUA: rule 10" in detail


def test_boards_at_an_earlier_call_when_only_it_falls_on_a_ready_local_date() -> None:
    # Regression: the later call at AEX is on 7 December local time (UTC-8), the earlier one on
    # 8 December (UTC+8); someone ready from 8 December must board at the earlier call.
    route = [
        {"airport": "AEX", "depart": "2026-12-08T02:08:00+08:00"},
        {"airport": "HRL", "arrive": "2026-12-07T14:00:00-06:00", "depart": "2026-12-07T15:00:00-06:00"},
        {"airport": "AEX", "arrive": "2026-12-07T19:25:00-08:00", "depart": "2026-12-07T21:10:00-08:00"},
        {"airport": "GUA", "arrive": "2026-12-08T08:01:00+02:00"},
    ]
    eligibility = assess(Roster(build([person(ready_from="2026-12-08")], [flight(stops=route)])))
    assert [o.boards for item in eligibility.items for o in item.options] == [(0,)]
