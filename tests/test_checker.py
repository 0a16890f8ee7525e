"""The plan checker: the contract's example plan passes, and each rule broken one way is caught."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.checker import RULE_RANK, Violation, check_plan, officers_needed
from planner.parsing import parse_request
from planner.plan import Plan
from planner.request import OfficerRatio, Person, Policy, Risk

Json = dict[str, Any]

CONTRACT_EXAMPLE = Path("/work/shared/contract/example-request.json")

# A copy of the contract's example request (synthetic data), so the tests stand alone.
EXAMPLE_REQUEST: Json = {
    "as_of": "2026-12-01T09:00:00-06:00",
    "policy": {"officer_ratio": {"low": 5, "medium": 2, "high": 1}, "medical_ratio": 10},
    "destinations": [
        {
            "country": "GTM",
            "arrival_airports": ["GUA"],
            "notice_days": 1,
            "arrival_weekdays": [1, 2, 3, 4, 5],
            "arrival_window": {"start": "08:00", "end": "18:00"},
            "max_people_per_flight": 6,
        },
        {
            "country": "HND",
            "arrival_airports": ["SAP"],
            "accepted_documents": ["passport", "emergency_travel_document", "laissez_passer"],
            "min_document_validity_days": 30,
        },
        {
            "country": "CHN",
            "arrival_airports": ["PEK", "CAN"],
            "accepted_documents": ["passport"],
            "notice_days": 7,
            "max_flights_per_week": 1,
        },
        {"country": "VEN", "accepting": False, "arrival_airports": ["CCS"]},
    ],
    "flights": [
        {
            "id": "RPN-101",
            "aircraft": "ERJ-145",
            "seats": 12,
            "reserved_seats": 2,
            "cost": 40000,
            "stops": [
                {"airport": "AEX", "depart": "2026-12-03T07:00:00-06:00"},
                {"airport": "HRL", "arrive": "2026-12-03T08:40:00-06:00", "depart": "2026-12-03T09:30:00-06:00"},
                {"airport": "GUA", "arrive": "2026-12-03T11:45:00-06:00", "depart": "2026-12-03T12:45:00-06:00"},
                {"airport": "SAP", "arrive": "2026-12-03T13:40:00-06:00"},
            ],
        },
        {
            "id": "RPN-102",
            "aircraft": "B737-400",
            "seats": 140,
            "reserved_seats": 6,
            "cost": 95000,
            "stops": [
                {"airport": "HRL", "depart": "2026-12-05T06:00:00-06:00"},
                {"airport": "GUA", "arrive": "2026-12-05T08:15:00-06:00"},
            ],
        },
    ],
    "people": [
        {
            "id": "P-0001",
            "given_names": "ANA LUCIA",
            "surname": "PEREZ",
            "birth_date": "1991-04-12",
            "sex": "F",
            "nationality": "GTM",
            "nationality_verified": True,
            "final_order": True,
            "holds": [],
            "documents": [
                {"type": "passport", "number": "G1234567", "issuing_country": "GTM", "expires": "2029-01-31"}
            ],
            "staging_airport": "AEX",
            "ready_from": None,
            "risk": "low",
            "fit_to_fly": True,
            "family_id": "FAM-1",
            "priority": 1,
        },
        {
            "id": "P-0002",
            "given_names": "MATEO",
            "surname": "PEREZ",
            "birth_date": "2019-09-02",
            "sex": "M",
            "nationality": "GTM",
            "nationality_verified": True,
            "final_order": True,
            "holds": [],
            "documents": [
                {
                    "type": "emergency_travel_document",
                    "number": "ETD-88213",
                    "issuing_country": "GTM",
                    "expires": "2026-12-31",
                }
            ],
            "staging_airport": "AEX",
            "ready_from": None,
            "risk": "low",
            "fit_to_fly": True,
            "family_id": "FAM-1",
            "priority": 1,
        },
        {
            "id": "P-0003",
            "given_names": "JOSE",
            "surname": "MEJIA",
            "birth_date": "1985-02-20",
            "sex": "M",
            "nationality": "HND",
            "nationality_verified": True,
            "final_order": True,
            "holds": [],
            "documents": [
                {"type": "laissez_passer", "number": "LP-55102", "issuing_country": "HND", "expires": "2027-02-01"}
            ],
            "staging_airport": "HRL",
            "ready_from": None,
            "risk": "medium",
            "fit_to_fly": True,
            "medical_escort": True,
            "family_id": None,
            "priority": 2,
        },
        {
            "id": "P-0004",
            "given_names": "KEVIN",
            "surname": "ORELLANA",
            "birth_date": "1999-07-01",
            "sex": "M",
            "nationality": "HND",
            "nationality_verified": True,
            "final_order": True,
            "holds": [],
            "documents": [
                {"type": "passport", "number": "H9922001", "issuing_country": "HND", "expires": "2026-12-20"}
            ],
            "staging_airport": "HRL",
            "ready_from": None,
            "risk": "low",
            "fit_to_fly": True,
            "family_id": None,
            "priority": 1,
        },
        {
            "id": "P-0005",
            "given_names": "WEI",
            "surname": "ZHANG",
            "birth_date": "1988-11-11",
            "sex": "M",
            "nationality": "CHN",
            "nationality_verified": False,
            "final_order": True,
            "holds": [],
            "documents": [
                {"type": "passport", "number": "E12345678", "issuing_country": "CHN", "expires": "2030-06-30"}
            ],
            "staging_airport": "AEX",
            "ready_from": None,
            "risk": "low",
            "fit_to_fly": True,
            "family_id": None,
            "priority": 1,
        },
        {
            "id": "P-0006",
            "given_names": "CARLOS",
            "surname": "RAMIREZ",
            "birth_date": "1979-03-03",
            "sex": "M",
            "nationality": "GTM",
            "nationality_verified": True,
            "final_order": True,
            "holds": [{"kind": "stay_of_removal", "note": "pending motion to reopen"}],
            "documents": [
                {"type": "passport", "number": "G7654321", "issuing_country": "GTM", "expires": "2028-05-05"}
            ],
            "staging_airport": "HRL",
            "ready_from": None,
            "risk": "high",
            "fit_to_fly": True,
            "family_id": None,
            "priority": 3,
        },
        {
            "id": "P-0007",
            "given_names": "LUIS",
            "surname": "GONZALEZ",
            "birth_date": "1995-12-24",
            "sex": "M",
            "nationality": "VEN",
            "nationality_verified": True,
            "final_order": True,
            "holds": [],
            "documents": [
                {"type": "passport", "number": "V0011223", "issuing_country": "VEN", "expires": "2031-01-01"}
            ],
            "staging_airport": "AEX",
            "ready_from": None,
            "risk": "low",
            "fit_to_fly": True,
            "family_id": None,
            "priority": 1,
        },
        {
            "id": "P-0008",
            "given_names": "MARIA",
            "surname": "LOPEZ",
            "birth_date": "2000-01-15",
            "sex": "F",
            "nationality": "GTM",
            "nationality_verified": True,
            "final_order": True,
            "holds": [],
            "documents": [
                {"type": "passport", "number": "G5550001", "issuing_country": "GTM", "expires": "2030-08-08"}
            ],
            "staging_airport": "HRL",
            "ready_from": "2026-12-04",
            "risk": "low",
            "fit_to_fly": True,
            "family_id": None,
            "priority": 1,
        },
    ],
}


# --- builders -----------------------------------------------------------------------------------


def request_dict() -> Json:
    """A fresh, editable copy of the example request."""
    return copy.deepcopy(EXAMPLE_REQUEST)


def person_of(request: Json, person_id: str) -> Json:
    """The person entry with this id in a request dict."""
    return next(p for p in request["people"] if p["id"] == person_id)


def destination_of(request: Json, country: str) -> Json:
    """The destination entry for this country in a request dict."""
    return next(d for d in request["destinations"] if d["country"] == country)


def flight_of(request: Json, flight_id: str) -> Json:
    """The flight entry with this id in a request dict."""
    return next(f for f in request["flights"] if f["id"] == flight_id)


def passenger_entry(request: Json, person_id: str, board: str, deplane: str) -> Json:
    """A manifest passenger copied from the request person, carrying their first document."""
    person = person_of(request, person_id)
    copied = {key: person[key] for key in ("surname", "given_names", "birth_date", "sex", "nationality")}
    return {
        "person_id": person_id,
        **copied,
        "document": dict(person["documents"][0]),
        "board": board,
        "deplane": deplane,
        "family_id": person["family_id"],
    }


def unplaced_entry(person_id: str, *codes: str) -> Json:
    """An unplaced entry with these reason codes."""
    return {"person_id": person_id, "reasons": [{"code": code, "detail": "synthetic"} for code in codes]}


def segment(start: str, end: str, aboard: int, seats_used: int) -> Json:
    """A manifest segment, with the contract's `from` key."""
    return {"from": start, "to": end, "aboard": aboard, "seats_used": seats_used}


def plan_dict(request: Json | None = None) -> Json:
    """The expected optimal plan for the example request, as the contract describes it."""
    request = request if request is not None else request_dict()
    return {
        "status": "optimal",
        "objective": {"placed_priority": 4, "placed_priority_bound": 4, "cost": 40000},
        "stats": {"people": 8, "placed": 3, "flights_used": 1, "solve_seconds": 0.1},
        "manifests": [
            {
                "flight_id": "RPN-101",
                "officers": 1,
                "medical_officers": 1,
                "reserved_seats": 2,
                "segments": [
                    segment("AEX", "HRL", 2, 6),
                    segment("HRL", "GUA", 3, 7),
                    segment("GUA", "SAP", 1, 5),
                ],
                "passengers": [
                    passenger_entry(request, "P-0001", "AEX", "GUA"),
                    passenger_entry(request, "P-0002", "AEX", "GUA"),
                    passenger_entry(request, "P-0003", "HRL", "SAP"),
                ],
            }
        ],
        "unplaced": [
            unplaced_entry("P-0004", "DOCUMENT_EXPIRED"),
            unplaced_entry("P-0005", "NATIONALITY_UNVERIFIED"),
            unplaced_entry("P-0006", "LEGAL_HOLD"),
            unplaced_entry("P-0007", "DESTINATION_NOT_ACCEPTING"),
            unplaced_entry("P-0008", "NO_ELIGIBLE_FLIGHT"),
        ],
    }


def passenger_of(plan: Json, person_id: str) -> Json:
    """The manifest passenger entry with this person id in a plan dict."""
    return next(p for m in plan["manifests"] for p in m["passengers"] if p["person_id"] == person_id)


def unplaced_of(plan: Json, person_id: str) -> Json:
    """The unplaced entry with this person id in a plan dict."""
    return next(u for u in plan["unplaced"] if u["person_id"] == person_id)


def check(request: Json, plan: Json) -> list[Violation]:
    """Validate both dicts through the production models and run the checker."""
    return check_plan(parse_request(json.dumps(request)), Plan.model_validate_json(json.dumps(plan)))


def rules_of(violations: list[Violation]) -> set[str]:
    """The rules the violations name."""
    return {violation.rule for violation in violations}


def violations_for(request: Json, plan: Json, rule: str) -> list[Violation]:
    """The violations of one rule."""
    return [violation for violation in check(request, plan) if violation.rule == rule]


# --- the correct plan ---------------------------------------------------------------------------


def test_embedded_request_is_the_contract_example() -> None:
    if not CONTRACT_EXAMPLE.exists():
        pytest.skip("the shared contract directory is not mounted")
    assert json.loads(CONTRACT_EXAMPLE.read_text()) == EXAMPLE_REQUEST


def test_expected_plan_has_no_violations() -> None:
    assert check(request_dict(), plan_dict()) == []


def test_feasible_plan_with_loose_bound_has_no_violations() -> None:
    plan = plan_dict()
    plan["status"] = "feasible"
    plan["objective"]["placed_priority_bound"] = 6
    assert check(request_dict(), plan) == []


# --- coverage -----------------------------------------------------------------------------------


def test_person_missing_from_plan() -> None:
    plan = plan_dict()
    plan["unplaced"] = [u for u in plan["unplaced"] if u["person_id"] != "P-0008"]
    found = violations_for(request_dict(), plan, "coverage")
    assert [v.where for v in found] == ["person P-0008"]


def test_person_placed_and_unplaced() -> None:
    plan = plan_dict()
    plan["unplaced"].append(unplaced_entry("P-0003", "NOT_SELECTED"))
    assert "person P-0003" in {v.where for v in violations_for(request_dict(), plan, "coverage")}


def test_unknown_person_id() -> None:
    plan = plan_dict()
    plan["unplaced"].append(unplaced_entry("P-9999", "NOT_SELECTED"))
    assert "person P-9999" in {v.where for v in violations_for(request_dict(), plan, "coverage")}


def test_unknown_flight_id() -> None:
    plan = plan_dict()
    plan["manifests"][0]["flight_id"] = "RPN-999"
    assert "flight RPN-999" in {v.where for v in violations_for(request_dict(), plan, "coverage")}


def test_two_manifests_for_one_flight() -> None:
    request = request_dict()
    plan = plan_dict(request)
    second = copy.deepcopy(plan["manifests"][0])
    second["passengers"] = [second["passengers"].pop()]
    plan["manifests"][0]["passengers"].pop()
    plan["manifests"].append(second)
    assert "flight RPN-101" in {v.where for v in violations_for(request, plan, "coverage")}


def test_manifest_without_passengers() -> None:
    plan = plan_dict()
    empty = {"flight_id": "RPN-102", "officers": 0, "medical_officers": 0, "reserved_seats": 6, "passengers": []}
    plan["manifests"].append({**empty, "segments": [segment("HRL", "GUA", 0, 6)]})
    found = violations_for(request_dict(), plan, "coverage")
    assert [(v.where, v.message) for v in found] == [("flight RPN-102", "manifest has no passengers")]


@given(st.sampled_from([p["id"] for p in EXAMPLE_REQUEST["people"]]))
def test_dropping_anyone_breaks_coverage(person_id: str) -> None:
    plan = plan_dict()
    plan["unplaced"] = [u for u in plan["unplaced"] if u["person_id"] != person_id]
    for manifest in plan["manifests"]:
        manifest["passengers"] = [p for p in manifest["passengers"] if p["person_id"] != person_id]
    assert f"person {person_id}" in {v.where for v in violations_for(request_dict(), plan, "coverage")}


# --- manifest fields, stops and segments --------------------------------------------------------


def test_copied_field_differs_without_echoing_it() -> None:
    plan = plan_dict()
    passenger_of(plan, "P-0003")["surname"] = "SYNTHETIC-OTHER"
    found = violations_for(request_dict(), plan, "manifest")
    assert [(v.where, v.message) for v in found] == [("RPN-101 passenger P-0003", "surname differs from the request")]


def test_wrong_aboard_count_on_segment() -> None:
    plan = plan_dict()
    plan["manifests"][0]["segments"][1] = segment("HRL", "GUA", 2, 6)
    found = violations_for(request_dict(), plan, "manifest")
    assert {v.where for v in found} == {"RPN-101 segment HRL-GUA"}


def test_missing_segment() -> None:
    plan = plan_dict()
    plan["manifests"][0]["segments"].pop()
    assert "RPN-101" in {v.where for v in violations_for(request_dict(), plan, "manifest")}


def test_segment_in_wrong_order() -> None:
    plan = plan_dict()
    segments = plan["manifests"][0]["segments"]
    segments[0], segments[2] = segments[2], segments[0]
    assert violations_for(request_dict(), plan, "manifest")


def revisiting_request() -> Json:
    """The example with RPN-101's second stop moved to AEX, so the route visits AEX twice."""
    request = request_dict()
    flight_of(request, "RPN-101")["stops"][1]["airport"] = "AEX"
    return request


def test_ambiguous_stop_without_index() -> None:
    request = revisiting_request()
    found = violations_for(request, plan_dict(request), "manifest")
    assert any(v.where == "RPN-101 passenger P-0001" and "ambiguous" in v.message for v in found)


def test_index_resolves_a_revisited_airport() -> None:
    request = revisiting_request()
    plan = plan_dict(request)
    for person_id in ("P-0001", "P-0002"):
        passenger_of(plan, person_id).update(board_index=0, deplane_index=2)
    found = violations_for(request, plan, "manifest")
    assert not any("ambiguous" in v.message for v in found)


def test_indexes_required_on_every_passenger_of_a_revisiting_route() -> None:
    # RPN-101 flies on from SAP back to HRL: P-0001 boards at AEX and deplanes at GUA, each visited once,
    # but the route visits HRL twice, and the contract then asks for indexes on every passenger.
    request = request_dict()
    stops = flight_of(request, "RPN-101")["stops"]
    stops[3]["depart"] = "2026-12-03T14:30:00-06:00"
    stops.append({"airport": "HRL", "arrive": "2026-12-03T17:00:00-06:00"})
    plan = plan_dict(request)
    passenger_of(plan, "P-0003").update(board_index=1, deplane_index=3)
    found = violations_for(request, plan, "manifest")
    required = sorted({v.where for v in found if "deplane_index are required" in v.message})
    assert required == ["RPN-101 passenger P-0001", "RPN-101 passenger P-0002"]


def test_index_naming_another_airport() -> None:
    plan = plan_dict()
    passenger_of(plan, "P-0001").update(board_index=1, deplane_index=2)
    found = violations_for(request_dict(), plan, "manifest")
    assert any(v.where == "RPN-101 passenger P-0001" and "index 1 is HRL" in v.message for v in found)


# --- rules 1-12 for a placed passenger ----------------------------------------------------------


def edit_person(person_id: str, **changes: Any) -> Callable[[Json], None]:
    """An edit of one person in a request."""
    return lambda request: person_of(request, person_id).update(changes)


def edit_destination(country: str, **changes: Any) -> Callable[[Json], None]:
    """An edit of one destination in a request."""
    return lambda request: destination_of(request, country).update(changes)


def drop_destination(country: str) -> Callable[[Json], None]:
    """An edit removing one destination from a request."""

    def edit(request: Json) -> None:
        request["destinations"] = [d for d in request["destinations"] if d["country"] != country]

    return edit


@pytest.mark.parametrize(
    ("edit", "rule", "where"),
    [
        (edit_person("P-0003", final_order=False), "rule 1", "RPN-101 passenger P-0003"),
        (edit_person("P-0003", holds=[{"kind": "pending_appeal"}]), "rule 2", "RPN-101 passenger P-0003"),
        (edit_person("P-0003", fit_to_fly=False), "rule 3", "RPN-101 passenger P-0003"),
        (drop_destination("HND"), "rule 4", "RPN-101 passenger P-0003"),
        (edit_destination("HND", accepting=False), "rule 4", "RPN-101 passenger P-0003"),
        (edit_person("P-0003", nationality_verified=False), "rule 5", "RPN-101 passenger P-0003"),
        (edit_destination("HND", accepted_documents=["passport"]), "rule 6", "RPN-101 passenger P-0003"),
        (edit_person("P-0003", staging_airport="AEX"), "rule 8", "RPN-101 passenger P-0003"),
        (edit_destination("GTM", arrival_airports=["GUA", "SAP"]), None, None),
        (edit_destination("HND", arrival_airports=["TGU"]), "rule 8", "RPN-101 passenger P-0003"),
        (edit_destination("GTM", arrival_weekdays=[1, 2, 3, 5]), "rule 9", "RPN-101 passenger P-0001"),
        (edit_destination("GTM", notice_days=2), "rule 10", "RPN-101 passenger P-0001"),
        (edit_person("P-0001", ready_from="2026-12-04"), "rule 11", "RPN-101 passenger P-0001"),
        (edit_person("P-0001", ready_from="2026-12-03"), None, None),
        # 2026-12-01 + 61 days is 2027-01-31 (rule 6 holds); 2026-12-03 + 61 is 2027-02-02 (rule 12 fails).
        (edit_destination("HND", min_document_validity_days=61), "rule 12", "RPN-101 passenger P-0003"),
        (edit_destination("HND", min_document_validity_days=60), None, None),
    ],
)
def test_request_edit_breaks_rule(edit: Callable[[Json], None], rule: str | None, where: str | None) -> None:
    request = request_dict()
    plan = plan_dict(request)
    edit(request)
    found = [v for v in check(request, plan) if v.rule.startswith("rule ")]
    if rule is None:
        assert found == []
    else:
        assert (rule, where) in {(v.rule, v.where) for v in found}


def test_rule_12_failure_is_not_reported_as_rule_6() -> None:
    request = request_dict()
    plan = plan_dict(request)
    destination_of(request, "HND")["min_document_validity_days"] = 61
    assert "rule 6" not in rules_of(check(request, plan))


def test_document_not_held_by_person() -> None:
    plan = plan_dict()
    passenger_of(plan, "P-0001")["document"]["number"] = "SYNTHETIC-0"
    found = violations_for(request_dict(), plan, "rule 6")
    assert [v.where for v in found] == ["RPN-101 passenger P-0001"]


def test_document_of_another_country() -> None:
    request = request_dict()
    person_of(request, "P-0001")["documents"].append(
        {"type": "passport", "number": "SYNTHETIC-1", "issuing_country": "MEX", "expires": "2030-01-01"}
    )
    plan = plan_dict(request)
    passenger_of(plan, "P-0001")["document"] = person_of(request, "P-0001")["documents"][1]
    found = violations_for(request, plan, "rule 6")
    assert any("issued by MEX" in v.message for v in found)


def test_document_expired_at_as_of() -> None:
    request = request_dict()
    person_of(request, "P-0002")["documents"][0]["expires"] = "2026-11-30"
    plan = plan_dict(request)
    assert "RPN-101 passenger P-0002" in {v.where for v in violations_for(request, plan, "rule 6")}


def test_unaccompanied_minor() -> None:
    request = request_dict()
    person_of(request, "P-0002")["family_id"] = None
    plan = plan_dict(request)
    found = violations_for(request, plan, "rule 7")
    assert [v.where for v in found] == ["RPN-101 passenger P-0002"]


def test_minor_alone_where_destination_accepts_minors() -> None:
    request = request_dict()
    person_of(request, "P-0002")["family_id"] = None
    destination_of(request, "GTM")["accepts_unaccompanied_minors"] = True
    assert check(request, plan_dict(request)) == []


def test_eighteenth_birthday_on_as_of_date_is_adult() -> None:
    request = request_dict()
    person_of(request, "P-0002").update(family_id=None, birth_date="2008-12-01")
    assert check(request, plan_dict(request)) == []


def test_day_before_eighteenth_birthday_is_minor() -> None:
    request = request_dict()
    person_of(request, "P-0002").update(family_id=None, birth_date="2008-12-02")
    assert "rule 7" in rules_of(check(request, plan_dict(request)))


def test_deplaning_before_boarding() -> None:
    request = request_dict()
    person_of(request, "P-0003")["staging_airport"] = "GUA"
    plan = plan_dict(request)
    passenger_of(plan, "P-0003").update(board="GUA", deplane="HRL")
    found = violations_for(request, plan, "rule 8")
    assert any("is not after board stop" in v.message for v in found)


@pytest.mark.parametrize(
    ("start", "end", "arrive", "ok"),
    [
        ("08:00", "11:45", "11:45:00", True),
        ("08:00", "11:44", "11:45:00", False),
        ("11:45", "18:00", "11:45:00", True),
        ("11:46", "18:00", "11:45:00", False),
        # Read to the minute: 11:45:59 is 11:45.
        ("08:00", "11:45", "11:45:59", True),
        # A window ending before it starts runs past midnight.
        ("22:00", "11:45", "11:45:00", True),
        ("12:00", "11:00", "11:45:00", False),
        ("11:00", "02:00", "11:45:00", True),
    ],
)
def test_arrival_window(start: str, end: str, arrive: str, ok: bool) -> None:
    request = request_dict()
    destination_of(request, "GTM")["arrival_window"] = {"start": start, "end": end}
    flight_of(request, "RPN-101")["stops"][2]["arrive"] = f"2026-12-03T{arrive}-06:00"
    found = violations_for(request, plan_dict(request), "rule 9")
    assert (found == []) is ok


def test_arrival_weekday_is_read_in_local_offset() -> None:
    request = request_dict()
    # 2026-12-03T23:30-06:00 is Friday in UTC but Thursday locally; only Thursday is allowed.
    destination_of(request, "GTM").update(arrival_weekdays=[4], arrival_window=None)
    stops = flight_of(request, "RPN-101")["stops"]
    stops[2].update(arrive="2026-12-03T23:30:00-06:00", depart="2026-12-03T23:50:00-06:00")
    stops[3]["arrive"] = "2026-12-04T01:00:00-06:00"
    assert violations_for(request, plan_dict(request), "rule 9") == []


def test_notice_exactly_met() -> None:
    request = request_dict()
    request["as_of"] = "2026-12-02T07:00:00-06:00"
    assert violations_for(request, plan_dict(request), "rule 10") == []


def test_notice_compares_instants_across_offsets() -> None:
    request = request_dict()
    # 13:00:01Z is 07:00:01-06:00: 24 h later is one second after RPN-101 leaves at 07:00-06:00.
    request["as_of"] = "2026-12-02T13:00:01+00:00"
    assert violations_for(request, plan_dict(request), "rule 10")


# --- rule 13 ------------------------------------------------------------------------------------


def test_family_split_between_placed_and_unplaced() -> None:
    plan = plan_dict()
    manifest = plan["manifests"][0]
    manifest["passengers"] = [p for p in manifest["passengers"] if p["person_id"] != "P-0002"]
    plan["unplaced"].append(unplaced_entry("P-0002", "NOT_SELECTED"))
    found = violations_for(request_dict(), plan, "rule 13")
    assert [v.where for v in found] == ["family FAM-1"]


def test_family_deplaning_at_different_stops() -> None:
    request = request_dict()
    # SAP also takes Guatemalans here, so P-0002 may legally deplane there on their own.
    destination_of(request, "GTM")["arrival_airports"] = ["GUA", "SAP"]
    plan = plan_dict(request)
    passenger_of(plan, "P-0002")["deplane"] = "SAP"
    found = violations_for(request, plan, "rule 13")
    assert [v.where for v in found] == ["family FAM-1"]


# --- rule 14 ------------------------------------------------------------------------------------


def test_segment_over_seats() -> None:
    request = request_dict()
    flight_of(request, "RPN-101")["seats"] = 6
    found = violations_for(request, plan_dict(request), "rule 14")
    assert [v.where for v in found] == ["RPN-101 segment HRL-GUA"]


def test_segment_exactly_full() -> None:
    request = request_dict()
    flight_of(request, "RPN-101")["seats"] = 7
    assert check(request, plan_dict(request)) == []


@pytest.mark.parametrize(("field", "value"), [("officers", 0), ("medical_officers", 0), ("reserved_seats", 1)])
def test_wrong_staff_count(field: str, value: int) -> None:
    plan = plan_dict()
    plan["manifests"][0][field] = value
    found = violations_for(request_dict(), plan, "rule 14")
    assert [(v.where, v.message.split(" ")[0]) for v in found] == [("RPN-101", field)]


def person_with(risk: Risk) -> Person:
    """A synthetic person of this risk level, for the officer count."""
    raw = person_of(EXAMPLE_REQUEST, "P-0001")
    return Person.model_validate_json(json.dumps({**raw, "risk": risk.value}))


@given(
    st.integers(0, 12),
    st.integers(0, 12),
    st.integers(0, 12),
    st.integers(1, 9),
    st.integers(1, 9),
    st.integers(1, 9),
)
def test_officers_are_exact_ceiling(
    n_low: int, n_medium: int, n_high: int, r_low: int, r_medium: int, r_high: int
) -> None:
    policy = Policy(officer_ratio=OfficerRatio(low=r_low, medium=r_medium, high=r_high))
    people = [person_with(Risk.LOW)] * n_low + [person_with(Risk.MEDIUM)] * n_medium + [person_with(Risk.HIGH)] * n_high
    numerator = n_low * r_medium * r_high + n_medium * r_low * r_high + n_high * r_low * r_medium
    assert officers_needed(policy, people) == -(-numerator // (r_low * r_medium * r_high))


def test_officers_where_floats_round_up_wrongly() -> None:
    # 1/1 + 5/3 + 1/3 is 3.0000000000000004 in floats.
    policy = Policy(officer_ratio=OfficerRatio(low=1, medium=3, high=3))
    people = [person_with(Risk.LOW)] + [person_with(Risk.MEDIUM)] * 5 + [person_with(Risk.HIGH)]
    assert officers_needed(policy, people) == 3


# --- rule 15 ------------------------------------------------------------------------------------


def test_people_per_flight_cap() -> None:
    request = request_dict()
    destination_of(request, "GTM")["max_people_per_flight"] = 1
    found = violations_for(request, plan_dict(request), "rule 15")
    assert [v.where for v in found] == ["destination GTM flight RPN-101"]


def two_flight_plan(request: Json) -> Json:
    """The example plan plus P-0008 on RPN-102, legal once GTM takes Saturday arrivals."""
    destination_of(request, "GTM")["arrival_weekdays"] = [1, 2, 3, 4, 5, 6, 7]
    plan = plan_dict(request)
    plan["manifests"].append(
        {
            "flight_id": "RPN-102",
            "officers": 1,
            "medical_officers": 0,
            "reserved_seats": 6,
            "segments": [segment("HRL", "GUA", 1, 8)],
            "passengers": [passenger_entry(request, "P-0008", "HRL", "GUA")],
        }
    )
    plan["unplaced"] = [u for u in plan["unplaced"] if u["person_id"] != "P-0008"]
    plan["objective"].update(placed_priority=5, placed_priority_bound=5, cost=135000)
    plan["stats"].update(placed=4, flights_used=2)
    return plan


def test_two_flights_in_one_week_within_cap() -> None:
    request = request_dict()
    plan = two_flight_plan(request)
    assert check(request, plan) == []


def test_flights_per_week_cap() -> None:
    request = request_dict()
    plan = two_flight_plan(request)
    destination_of(request, "GTM")["max_flights_per_week"] = 1
    found = violations_for(request, plan, "rule 15")
    assert [v.where for v in found] == ["destination GTM week 2026-W49"]


def test_flights_in_different_iso_weeks() -> None:
    request = request_dict()
    plan = two_flight_plan(request)
    destination_of(request, "GTM")["max_flights_per_week"] = 1
    # Monday 2026-12-07 is ISO week 50.
    flight_of(request, "RPN-102")["stops"] = [
        {"airport": "HRL", "depart": "2026-12-07T06:00:00-06:00"},
        {"airport": "GUA", "arrive": "2026-12-07T08:15:00-06:00"},
    ]
    assert check(request, plan) == []


# --- objective and stats ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "field", "value", "where"),
    [
        ("objective", "placed_priority", 5, "placed_priority"),
        ("objective", "cost", 95000, "cost"),
        ("objective", "placed_priority_bound", 3, "placed_priority_bound"),
        ("objective", "placed_priority_bound", 5, "status"),
        ("stats", "people", 7, "stats.people"),
        ("stats", "placed", 2, "stats.placed"),
        ("stats", "flights_used", 2, "stats.flights_used"),
    ],
)
def test_objective_mismatch(section: str, field: str, value: int, where: str) -> None:
    plan = plan_dict()
    plan[section][field] = value
    found = violations_for(request_dict(), plan, "objective")
    assert where in {v.where for v in found}


# --- reasons ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person_id", "codes"),
    [
        ("P-0004", ["NO_ACCEPTED_DOCUMENT"]),
        ("P-0004", ["DOCUMENT_EXPIRED", "NO_ACCEPTED_DOCUMENT"]),
        ("P-0005", ["NATIONALITY_UNVERIFIED", "NOT_SELECTED"]),
        ("P-0006", []),
        ("P-0007", ["DESTINATION_NOT_ACCEPTING", "FAMILY_MEMBER_INELIGIBLE"]),
        ("P-0008", ["NOT_SELECTED"]),
        ("P-0008", ["NO_ELIGIBLE_FLIGHT", "NOT_SELECTED"]),
    ],
)
def test_wrong_reasons(person_id: str, codes: list[str]) -> None:
    plan = plan_dict()
    unplaced_of(plan, person_id)["reasons"] = [{"code": code, "detail": "synthetic"} for code in codes]
    found = violations_for(request_dict(), plan, "reasons")
    assert found
    assert {v.where for v in found} == {f"person {person_id}"}


def test_every_failed_person_rule_is_reported() -> None:
    request = request_dict()
    person_of(request, "P-0007").update(nationality_verified=False, fit_to_fly=False)
    plan = plan_dict(request)
    found = violations_for(request, plan, "reasons")
    assert {v.message.split(":")[0] for v in found} == {"missing NOT_FIT_TO_FLY", "missing NATIONALITY_UNVERIFIED"}
    unplaced_of(plan, "P-0007")["reasons"] = [
        {"code": code, "detail": "synthetic"}
        for code in ("NOT_FIT_TO_FLY", "DESTINATION_NOT_ACCEPTING", "NATIONALITY_UNVERIFIED")
    ]
    assert check(request, plan) == []


def test_no_destination_rule_stops_rules_5_to_7() -> None:
    request = request_dict()
    request["destinations"] = [d for d in request["destinations"] if d["country"] != "CHN"]
    plan = plan_dict(request)
    assert "reasons" in rules_of(check(request, plan))
    unplaced_of(plan, "P-0005")["reasons"] = [{"code": "NO_DESTINATION_RULE", "detail": "synthetic"}]
    assert check(request, plan) == []


def family_held_plan(request: Json) -> Json:
    """The plan when P-0001 has a legal hold: FAM-1 stays home and only P-0003 flies."""
    person_of(request, "P-0001")["holds"] = [{"kind": "stay_of_removal"}]
    plan = plan_dict(request)
    manifest = plan["manifests"][0]
    manifest["passengers"] = [p for p in manifest["passengers"] if p["person_id"] == "P-0003"]
    manifest["segments"] = [segment("AEX", "HRL", 0, 4), segment("HRL", "GUA", 1, 5), segment("GUA", "SAP", 1, 5)]
    plan["unplaced"] += [unplaced_entry("P-0001", "LEGAL_HOLD"), unplaced_entry("P-0002", "FAMILY_MEMBER_INELIGIBLE")]
    plan["objective"].update(placed_priority=2, placed_priority_bound=2)
    plan["stats"]["placed"] = 1
    return plan


def test_family_member_ineligible() -> None:
    request = request_dict()
    assert check(request, family_held_plan(request)) == []


def test_family_member_ineligible_not_selected_instead() -> None:
    request = request_dict()
    plan = family_held_plan(request)
    unplaced_of(plan, "P-0002")["reasons"] = [{"code": "NOT_SELECTED", "detail": "synthetic"}]
    found = violations_for(request, plan, "reasons")
    assert {v.where for v in found} == {"person P-0002"}


def test_not_selected_when_a_flight_fits() -> None:
    request = request_dict()
    person_of(request, "P-0008")["ready_from"] = None
    plan = plan_dict(request)
    plan["status"] = "feasible"
    plan["objective"]["placed_priority_bound"] = 5
    assert {v.where for v in violations_for(request, plan, "reasons")} == {"person P-0008"}
    unplaced_of(plan, "P-0008")["reasons"] = [{"code": "NOT_SELECTED", "detail": "synthetic"}]
    assert check(request, plan) == []


def test_family_needing_one_stop_has_no_eligible_flight() -> None:
    request = request_dict()
    # Each member alone can fly RPN-101, but one deplanes only at GUA and the other only at SAP.
    person_of(request, "P-0002")["nationality"] = "HND"
    person_of(request, "P-0002")["documents"][0].update(issuing_country="HND", expires="2027-06-30")
    plan = plan_dict(request)
    plan["manifests"] = []
    plan["unplaced"] += [
        unplaced_entry("P-0001", "NO_ELIGIBLE_FLIGHT"),
        unplaced_entry("P-0002", "NO_ELIGIBLE_FLIGHT"),
        unplaced_entry("P-0003", "NOT_SELECTED"),
    ]
    plan["status"] = "feasible"
    plan["objective"].update(placed_priority=0, cost=0)
    plan["stats"].update(placed=0, flights_used=0)
    assert check(request, plan) == []


# --- the report ---------------------------------------------------------------------------------


def broken_plan() -> tuple[Json, Json]:
    """A request and plan breaking many rules at once."""
    request = request_dict()
    flight_of(request, "RPN-101")["seats"] = 5
    destination_of(request, "GTM")["max_people_per_flight"] = 1
    person_of(request, "P-0002")["documents"][0]["expires"] = "2026-11-30"
    person_of(request, "P-0003")["holds"] = [{"kind": "pending_appeal"}]
    plan = plan_dict(request)
    passenger_of(plan, "P-0001")["document"]["number"] = "SYNTHETIC-0"
    passenger_of(plan, "P-0002")["surname"] = "SYNTHETIC-OTHER"
    plan["unplaced"][0]["reasons"] = []
    plan["objective"]["cost"] = 1
    return request, plan


def test_violations_carry_no_personal_data() -> None:
    request, plan = broken_plan()
    texts = [f"{v.where} {v.message}" for v in check(request, plan)]
    private = {
        value
        for person in EXAMPLE_REQUEST["people"]
        for value in (person["surname"], person["given_names"], person["birth_date"])
    } | {document["number"] for person in EXAMPLE_REQUEST["people"] for document in person["documents"]}
    leaks = [(text, value) for text in texts for value in private if value in text]
    assert leaks == []


def test_violations_are_grouped_by_rule_and_repeatable() -> None:
    request, plan = broken_plan()
    first = check(request, plan)
    ranks = [RULE_RANK[v.rule] for v in first]
    assert ranks == sorted(ranks)
    assert check(request, plan) == first
    assert {"manifest", "rule 2", "rule 6", "rule 14", "rule 15", "objective", "reasons"} <= rules_of(first)
