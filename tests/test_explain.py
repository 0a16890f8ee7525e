"""Explanations of people left off a plan: one tiny roster per reason code and rule, the contract example, the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from planner.assemble import build_plan
from planner.capacity import Loads, Occupancy
from planner.eligibility import Roster, assess
from planner.explain import ExplainError, Explanation, Finding, GiveWay, UnknownPersonError, explain, render_text
from planner.parsing import parse_request
from planner.plan import Plan
from planner.planning import make_plan
from planner.reasons import ReasonCode
from planner.request import PlanRequest
from tests.builders import build, destination, flight, person
from tests.test_cli import planner
from tests.test_properties import PROPERTY_SETTINGS, SETTINGS, requests

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
EXAMPLE = ROOT / "fixtures" / "contract-example.json"
EXAMPLE_PLAN = GOLDEN / "contract-example.plan.json"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
# Personal data the builders' people carry, which no explanation may repeat.
SECRETS = {"surname": "ZZSURNAME", "given_names": "ZZGIVEN", "birth_date": "1983-07-19"}


def secret_person(pid: str = "P-1", **overrides: Any) -> dict[str, Any]:
    """A person whose name, birth date and document number are easy to look for in output."""
    someone = person(pid, **SECRETS)
    someone["documents"][0]["number"] = f"ZZDOC-{pid}"
    someone.update(overrides)
    return someone


def plan_placing(request: PlanRequest, placed: set[str]) -> Plan:
    """A plan that places exactly the items of these people, each on its first option (no solver involved)."""
    roster = Roster(request)
    eligibility = assess(roster)
    loads = Loads(roster, eligibility.items)
    occupancy = Occupancy(loads)
    for index, item in enumerate(loads.items):
        if roster.people[item.members[0]].id in placed:
            assert occupancy.try_add(index, item.options[0]), f"{placed} do not fit"
    total = sum(someone.priority for someone in request.people)
    return build_plan(occupancy, eligibility, total, False, 0.0)


def explained(request: PlanRequest, person_id: str, placed: set[str] | None = None) -> Explanation:
    """The explanation of one person in a plan placing `placed`, checked free of personal data."""
    explanation = explain(request, plan_placing(request, placed or set()), person_id)
    assert_no_personal_data(request, explanation)
    return explanation


def assert_no_personal_data(request: PlanRequest, explanation: Explanation) -> None:
    text = explanation.model_dump_json() + render_text(explanation)
    for someone in request.people:
        secrets = {someone.surname, someone.given_names, someone.birth_date.isoformat()}
        secrets |= {document.number for document in someone.documents}
        assert not {secret for secret in secrets if secret in text}


def only(explanation: Explanation) -> Finding:
    (finding,) = explanation.findings
    return finding


# Placed people


def test_placed_person_is_said_to_be_placed_and_nothing_more() -> None:
    request = parse_request(EXAMPLE.read_bytes())
    explanation = explain(request, Plan.model_validate_json(EXAMPLE_PLAN.read_text()), "P-0003")
    assert explanation.placed is not None
    assert (explanation.placed.flight_id, explanation.placed.board, explanation.placed.deplane) == (
        "RPN-101",
        "HRL",
        "SAP",
    )
    assert (explanation.codes, explanation.findings) == ((), ())
    assert render_text(explanation) == "P-0003 is placed on RPN-101, boarding at HRL, deplaning at SAP\n"


# Person-level rules 1-7


@pytest.mark.parametrize(
    ("overrides", "rules", "code", "rule", "fact", "fix"),
    [
        ({"final_order": False}, {}, ReasonCode.NO_FINAL_ORDER, 1, "no final order", "a final order of removal"),
        (
            {"holds": [{"kind": "stay_of_removal", "note": "ZZNOTE"}]},
            {},
            ReasonCode.LEGAL_HOLD,
            2,
            "1 legal hold(s): stay_of_removal",
            "every legal hold lifted",
        ),
        ({"fit_to_fly": False}, {}, ReasonCode.NOT_FIT_TO_FLY, 3, "not medically cleared", "medical clearance"),
        (
            {"nationality": "HND", "documents": []},
            {},
            ReasonCode.NO_DESTINATION_RULE,
            4,
            "no destination rules for HND",
            "acceptance rules for HND",
        ),
        ({}, {"accepting": False}, ReasonCode.DESTINATION_NOT_ACCEPTING, 4, "GTM is not accepting", "GTM accepting"),
        (
            {"nationality_verified": False},
            {},
            ReasonCode.NATIONALITY_UNVERIFIED,
            5,
            "GTM requires verified nationality",
            "nationality verified by GTM",
        ),
        (
            {
                "documents": [
                    {"type": "national_id", "number": "ZZDOC-ID", "issuing_country": "GTM", "expires": "2030-01-01"}
                ]
            },
            {},
            ReasonCode.NO_ACCEPTED_DOCUMENT,
            6,
            "GTM accepts passport and emergency_travel_document issued by GTM; held: national_id issued by GTM",
            "a passport or emergency_travel_document issued by GTM valid until at least 2026-12-01",
        ),
        (
            {
                "documents": [
                    {"type": "passport", "number": "ZZDOC-PP", "issuing_country": "GTM", "expires": "2026-11-30"}
                ]
            },
            {"min_document_validity_days": 5},
            ReasonCode.DOCUMENT_EXPIRED,
            6,
            "passport issued by GTM expired 2026-11-30, needed valid until 2026-12-06 "
            "(the plan date 2026-12-01 + 5 days)",
            "a passport or emergency_travel_document issued by GTM valid until at least 2026-12-06, "
            "and at least 5 days after the arrival date (rule 12)",
        ),
        (
            {"birth_date": "2012-01-01"},
            {},
            ReasonCode.UNACCOMPANIED_MINOR,
            7,
            "a minor on 2026-12-01 with no family group; GTM does not accept unaccompanied minors",
            "an adult of the same family group travelling too, or GTM accepting unaccompanied minors",
        ),
    ],
    ids=lambda value: value.value if isinstance(value, ReasonCode) else "",
)
def test_person_level_rule_with_its_fact_and_fix(
    overrides: dict[str, Any], rules: dict[str, Any], code: ReasonCode, rule: int, fact: str, fix: str
) -> None:
    request = build([secret_person("P-1", **overrides)], destinations=[destination(**rules)])
    explanation = explained(request, "P-1")
    assert explanation.placed is None
    assert explanation.codes == (code,)
    finding = only(explanation)
    assert (finding.rule, finding.code) == (rule, code)
    assert fact in finding.fact
    assert fix in finding.fix
    assert "ZZNOTE" not in finding.fact


def test_every_failing_person_level_rule_is_a_finding() -> None:
    someone = secret_person(
        "P-1", final_order=False, holds=[{"kind": "pending_appeal"}], fit_to_fly=False, nationality_verified=False
    )
    someone["documents"][0]["expires"] = "2026-01-01"
    explanation = explained(build([someone]), "P-1")
    assert [(f.rule, f.code) for f in explanation.findings] == [
        (1, ReasonCode.NO_FINAL_ORDER),
        (2, ReasonCode.LEGAL_HOLD),
        (3, ReasonCode.NOT_FIT_TO_FLY),
        (5, ReasonCode.NATIONALITY_UNVERIFIED),
        (6, ReasonCode.DOCUMENT_EXPIRED),
    ]
    assert explanation.codes == tuple(f.code for f in explanation.findings)


# Rule 13: a family member who cannot travel


def test_family_member_ineligible_names_the_member_and_each_rule_they_fail() -> None:
    family = [
        secret_person("P-1", family_id="FAM-1"),
        secret_person("P-2", family_id="FAM-1", holds=[{"kind": "stay_of_removal"}], fit_to_fly=False),
    ]
    request = build(family)
    explanation = explained(request, "P-1")
    assert explanation.codes == (ReasonCode.FAMILY_MEMBER_INELIGIBLE,)
    assert [(f.rule, f.code, f.members) for f in explanation.findings] == [
        (13, ReasonCode.FAMILY_MEMBER_INELIGIBLE, ("P-2",)),
        (13, ReasonCode.FAMILY_MEMBER_INELIGIBLE, ("P-2",)),
    ]
    legal, medical = explanation.findings
    assert "P-2 fails rule 2 (LEGAL_HOLD)" in legal.fact
    assert legal.fix == "for P-2: every legal hold lifted"
    assert "P-2 fails rule 3 (NOT_FIT_TO_FLY)" in medical.fact
    own = explained(request, "P-2")
    assert [f.rule for f in own.findings] == [2, 3]


# Rules 8-12: no eligible flight


@pytest.mark.parametrize(
    ("overrides", "rules", "rule", "stop", "fact", "fix"),
    [
        (
            {"staging_airport": "BRO"},
            {},
            8,
            "GUA",
            "does not call at BRO before GUA",
            "a call at BRO before GUA",
        ),
        (
            {
                "nationality": "HND",
                "documents": [
                    {"type": "passport", "number": "ZZDOC-H", "issuing_country": "HND", "expires": "2030-01-01"}
                ],
            },
            {"country": "HND", "arrival_airports": ["SAP"]},
            8,
            None,
            "F-1 calls at no arrival airport (SAP)",
            "a stop at SAP after a call at AEX",
        ),
        (
            {},
            {"arrival_weekdays": [1, 2]},
            9,
            "GUA",
            "arrives GUA on Thu 2026-12-03, allowed weekdays Mon,Tue",
            "arriving at GUA on Mon, Tue",
        ),
        (
            {},
            {"arrival_window": {"start": "12:00", "end": "16:00"}},
            9,
            "GUA",
            "arrives GUA at 11:45 local, window 12:00-16:00",
            "arriving at GUA on any day between 12:00 and 16:00 local time",
        ),
        (
            {},
            {"notice_days": 3},
            10,
            "GUA",
            "departs 2026-12-03T07:00:00-06:00, GTM needs 3 days' notice (not before 2026-12-04T09:00:00-06:00)",
            "a first departure at or after 2026-12-04T09:00:00-06:00 (3 days' notice)",
        ),
        (
            {"ready_from": "2026-12-05"},
            {},
            11,
            "GUA",
            "ready from 2026-12-05, boarding AEX departs 2026-12-03",
            "boarding at AEX on or after 2026-12-05 (local date)",
        ),
        (
            {
                "documents": [
                    {"type": "passport", "number": "ZZDOC-P", "issuing_country": "GTM", "expires": "2026-12-12"}
                ]
            },
            {"min_document_validity_days": 10},
            12,
            "GUA",
            "no accepted document valid until 2026-12-13 (arrival at GUA + 10 days)",
            "arriving on or before 2026-12-02 (local date: the accepted document expires 2026-12-12, GTM needs 10 days "
            "beyond arrival), or an accepted document valid until at least 2026-12-13",
        ),
    ],
    ids=["8-staging", "8-arrival-airport", "9-weekday", "9-window", "10", "11", "12"],
)
def test_no_eligible_flight_names_the_rule_the_stop_and_the_fix(
    overrides: dict[str, Any], rules: dict[str, Any], rule: int, stop: str | None, fact: str, fix: str
) -> None:
    request = build([secret_person("P-1", **overrides)], destinations=[destination(**rules)])
    explanation = explained(request, "P-1")
    assert explanation.codes == (ReasonCode.NO_ELIGIBLE_FLIGHT,)
    finding = only(explanation)
    assert (finding.rule, finding.code, finding.flight_id, finding.stop) == (
        rule,
        ReasonCode.NO_ELIGIBLE_FLIGHT,
        "F-1",
        stop,
    )
    assert finding.fact == fact
    assert finding.fix == fix
    assert explanation.flights_not_shown == 0
    assert explanation.fix is not None
    assert explanation.fix.startswith("a flight from ")


def test_the_flight_that_would_do_spells_out_every_rule() -> None:
    someone = secret_person("P-1", staging_airport="HRL", ready_from="2026-12-04")
    someone["documents"][0]["expires"] = "2027-01-20"
    rules: dict[str, Any] = {
        "arrival_weekdays": [1, 2, 3],
        "arrival_window": {"start": "08:00", "end": "18:00"},
        "notice_days": 2,
        "min_document_validity_days": 30,
    }
    explanation = explained(build([someone], destinations=[destination(**rules)]), "P-1")
    assert explanation.fix == (
        "a flight from HRL to GUA, arriving on Mon, Tue, Wed between 08:00 and 18:00 local time (GTM), "
        "first departure at or after 2026-12-03T09:00:00-06:00, boarding on or after 2026-12-04 (local date), "
        "arriving on or before 2026-12-21 (local date), while the travel documents are valid long enough"
    )


def test_no_eligible_flight_shows_the_nearest_flights_and_counts_the_rest() -> None:
    flights = [flight(f"F-{n}") for n in range(1, 6)]
    request = build([secret_person("P-1")], flights=flights, destinations=[destination(arrival_weekdays=[1])])
    explanation = explained(request, "P-1")
    assert [(f.rule, f.flight_id) for f in explanation.findings] == [(9, "F-1"), (9, "F-2"), (9, "F-3")]
    assert explanation.flights_not_shown == 2
    assert "(and 2 more flight(s) not shown)" in render_text(explanation)


def test_no_eligible_flight_of_a_family_names_the_member_who_fails() -> None:
    family = [secret_person("P-1", family_id="FAM-1"), secret_person("P-2", family_id="FAM-1", ready_from="2026-12-05")]
    explanation = explained(build(family), "P-1")
    assert explanation.codes == (ReasonCode.NO_ELIGIBLE_FLIGHT,)
    finding = only(explanation)
    assert (finding.rule, finding.members) == (11, ("P-2",))
    assert finding.fact == "P-2: ready from 2026-12-05, boarding AEX departs 2026-12-03"
    assert explanation.fix is not None
    assert "boarding on or after 2026-12-05" in explanation.fix


# Rules 14-15: not selected


def test_full_segment_with_the_seats_it_is_over_and_who_would_give_way() -> None:
    people = [secret_person("P-1", priority=2), secret_person("P-2"), secret_person("P-3")]
    request = build(people, flights=[flight(seats=4, reserved_seats=1)])
    explanation = explained(request, "P-3", placed={"P-1", "P-2"})
    assert explanation.codes == (ReasonCode.NOT_SELECTED,)
    assert [(f.rule, f.flight_id, f.stop) for f in explanation.findings] == [(14, "F-1", "GUA"), (14, "F-1", "GUA")]
    first, second = explanation.findings
    assert first.fact == (
        "F-1 AEX-HRL full: 2 aboard + 1 (this person) + 1 escort officers + 1 reserved = 5 of 4 seats, 1 over"
    )
    assert second.fact.startswith("F-1 HRL-GUA full:")
    assert first.give_way == (GiveWay(person_ids=("P-2",), priority=1, flight_id="F-1"),)
    assert first.fix == (
        "room if these placed people of priority ≤ 1 gave way: P-2 (priority 1, F-1); or 1 more seat(s) on F-1 AEX-HRL"
    )


def test_full_segment_counts_escort_officers_with_the_newcomer_aboard() -> None:
    # Five low-risk people need one officer; a sixth needs a second: the newcomer costs two seats.
    people = [secret_person(f"P-{n}") for n in range(1, 7)]
    request = build(people, flights=[flight(seats=7)])
    explanation = explained(request, "P-6", placed={f"P-{n}" for n in range(1, 6)})
    first = explanation.findings[0]
    assert first.fact == (
        "F-1 AEX-HRL full: 5 aboard + 1 (this person) + 2 escort officers + 0 reserved = 8 of 7 seats, 1 over"
    )


def test_no_set_of_lower_priority_people_suffices() -> None:
    people = [secret_person("P-1", priority=3), secret_person("P-2", priority=3), secret_person("P-3")]
    request = build(people, flights=[flight(seats=3)])
    explanation = explained(request, "P-3", placed={"P-1", "P-2"})
    assert explanation.findings
    for finding in explanation.findings:
        assert finding.give_way == ()
        assert finding.fix.startswith(
            "no set of placed people of priority ≤ 1 giving way makes room "
            "(everyone placed on F-1 has a higher priority)"
        )


def test_people_who_do_not_make_room_are_not_asked_to_give_way() -> None:
    # Lowest priority first takes P-A, then family FAM-B; FAM-B alone makes room, so P-A stays.
    people = [
        secret_person("P-A"),
        secret_person("P-B1", family_id="FAM-B"),
        secret_person("P-B2", family_id="FAM-B"),
        secret_person("P-C", priority=9),
        secret_person("P-D1", family_id="FAM-D"),
        secret_person("P-D2", family_id="FAM-D"),
    ]
    request = build(people, flights=[flight(seats=5)])
    explanation = explained(request, "P-D1", placed={"P-A", "P-B1", "P-C"})
    assert explanation.codes == (ReasonCode.NOT_SELECTED,)
    for finding in explanation.findings:
        assert finding.give_way == (GiveWay(person_ids=("P-B1", "P-B2"), priority=2, flight_id="F-1"),)
    assert "P-B1 + P-B2 (priority 2, F-1)" in explanation.findings[0].fix


def test_a_family_compares_its_priority_as_a_whole() -> None:
    # P-2's priority 2 is above each member's 1, but not above the family's 2.
    people = [
        secret_person("P-1", priority=5),
        secret_person("P-2", priority=2),
        secret_person("P-3", family_id="FAM-1"),
        secret_person("P-4", family_id="FAM-1"),
    ]
    request = build(people, flights=[flight(seats=4)])
    explanation = explained(request, "P-4", placed={"P-1", "P-2"})
    assert explanation.findings[0].give_way == (GiveWay(person_ids=("P-2",), priority=2, flight_id="F-1"),)
    assert "+ 2 (this family) +" in explanation.findings[0].fact


def test_per_flight_cap_reached() -> None:
    people = [secret_person("P-1"), secret_person("P-2"), secret_person("P-3")]
    request = build(people, destinations=[destination(max_people_per_flight=2)])
    explanation = explained(request, "P-3", placed={"P-1", "P-2"})
    finding = only(explanation)
    assert (finding.rule, finding.code, finding.flight_id, finding.stop) == (15, ReasonCode.NOT_SELECTED, "F-1", "GUA")
    assert finding.fact == (
        "GTM takes at most 2 people per flight; F-1 already deplanes 2 there, and this person would make 3"
    )
    assert len(finding.give_way) == 1
    assert finding.give_way[0].person_ids[0] in {"P-1", "P-2"}
    assert finding.fix.endswith("; or GTM taking 3 people from one flight")


def week_cap_request(first_priority: int) -> PlanRequest:
    """GTM takes one flight a week; F-1 (from AEX) and F-2 (from BRO) both land in ISO week 2026-W49."""
    other = flight(
        "F-2",
        stops=[
            {"airport": "BRO", "depart": "2026-12-04T07:00:00-06:00"},
            {"airport": "GUA", "arrive": "2026-12-04T10:00:00-06:00"},
        ],
    )
    people = [secret_person("P-1", priority=first_priority), secret_person("P-2", staging_airport="BRO")]
    return build(people, flights=[flight(), other], destinations=[destination(max_flights_per_week=1)])


def test_weekly_cap_reached_names_the_flights_using_the_week_and_who_would_give_way() -> None:
    explanation = explained(week_cap_request(1), "P-2", placed={"P-1"})
    finding = only(explanation)
    assert (finding.rule, finding.flight_id, finding.stop) == (15, "F-2", "GUA")
    assert finding.fact == "GTM takes at most 1 flight(s) per week; in 2026-W49 (local arrival date) it is used by F-1"
    assert finding.give_way == (GiveWay(person_ids=("P-1",), priority=1, flight_id="F-1"),)


def test_weekly_cap_held_by_higher_priority_people_cannot_be_freed() -> None:
    finding = only(explained(week_cap_request(2), "P-2", placed={"P-1"}))
    assert finding.give_way == ()
    assert "every flight of F-1 deplanes someone of higher priority in GTM that week" in finding.fix


def test_an_option_with_room_says_nothing_is_in_the_way() -> None:
    explanation = explained(build([secret_person("P-1")]), "P-1", placed=set())
    finding = only(explanation)
    assert (finding.rule, finding.code, finding.flight_id) == (14, ReasonCode.NOT_SELECTED, "F-1")
    assert "no limit is in the way" in finding.fact


# Errors


def test_unknown_person_is_an_error_naming_them() -> None:
    request = build([secret_person("P-1")])
    with pytest.raises(UnknownPersonError, match="'P-404'"):
        explain(request, plan_placing(request, set()), "P-404")


def test_plan_of_another_request_is_an_error() -> None:
    request = build([secret_person("P-1"), secret_person("P-2")])
    plan = plan_placing(request, {"P-1"})
    other = build([secret_person("P-2")])
    with pytest.raises(ExplainError, match="'P-1' is not in the request"):
        explain(other, plan, "P-2")
    with pytest.raises(ExplainError, match="neither places nor leaves off"):
        explain(build([secret_person("P-1"), secret_person("P-3")]), plan, "P-3")


# The contract example


@pytest.fixture(scope="module")
def example() -> tuple[PlanRequest, Plan]:
    return parse_request(EXAMPLE.read_bytes()), Plan.model_validate_json(EXAMPLE_PLAN.read_text())


def test_contract_example_people_left_off(example: tuple[PlanRequest, Plan]) -> None:
    request, plan = example
    found = {pid: explain(request, plan, pid) for pid in ("P-0004", "P-0005", "P-0006", "P-0007", "P-0008")}
    assert {pid: [(f.rule, f.code.value, f.flight_id) for f in e.findings] for pid, e in found.items()} == {
        "P-0004": [(6, "DOCUMENT_EXPIRED", None)],
        "P-0005": [(5, "NATIONALITY_UNVERIFIED", None)],
        "P-0006": [(2, "LEGAL_HOLD", None)],
        "P-0007": [(4, "DESTINATION_NOT_ACCEPTING", None)],
        "P-0008": [(11, "NO_ELIGIBLE_FLIGHT", "RPN-101"), (9, "NO_ELIGIBLE_FLIGHT", "RPN-102")],
    }
    assert found["P-0004"].findings[0].fact == (
        "passport issued by HND expires 2026-12-20, needed valid until 2026-12-31 (the plan date 2026-12-01 + 30 days)"
    )
    for explanation in found.values():
        assert_no_personal_data(request, explanation)


def test_contract_example_explanations_as_text(example: tuple[PlanRequest, Plan]) -> None:
    request, plan = example
    text = "\n".join(render_text(explain(request, plan, someone.id)) for someone in request.people)
    path = GOLDEN / "contract-example.explain.txt"
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


# Property: every reason of every unplaced person is explained


@PROPERTY_SETTINGS
@given(requests())
def test_every_reason_of_everyone_left_off_has_a_finding(request: PlanRequest) -> None:
    plan = make_plan(request, SETTINGS)
    for unplaced in plan.unplaced:
        explanation = explain(request, plan, unplaced.person_id)
        codes = [reason.code for reason in unplaced.reasons]
        assert explanation.placed is None
        assert list(explanation.codes) == codes
        assert {finding.code for finding in explanation.findings} == set(codes)
        assert all(finding.fact and finding.fix for finding in explanation.findings)


# The command line


def test_cli_explains_in_text_and_json() -> None:
    text = planner("explain", EXAMPLE_PLAN, EXAMPLE, "P-0004")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("P-0004 is not placed: DOCUMENT_EXPIRED\n- rule 6 DOCUMENT_EXPIRED: passport")
    as_json = planner("explain", EXAMPLE_PLAN, EXAMPLE, "P-0008", "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    request = parse_request(EXAMPLE.read_bytes())
    expected = explain(request, Plan.model_validate_json(EXAMPLE_PLAN.read_text()), "P-0008")
    assert Explanation.model_validate_json(as_json.stdout) == expected
    assert json.loads(as_json.stdout)["codes"] == ["NO_ELIGIBLE_FLIGHT"]


def test_cli_unknown_person_exits_2_naming_them() -> None:
    result = planner("explain", EXAMPLE_PLAN, EXAMPLE, "P-9999")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "no person 'P-9999' in the request" in result.stderr


def test_cli_invalid_plan_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text('{"status": "optimal"}')
    result = planner("explain", bad, EXAMPLE, "P-0004")
    assert result.returncode == 2
    assert "is not a valid plan" in result.stderr
