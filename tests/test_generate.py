"""The synthetic request generator: deterministic, valid, exactly sized, and as varied as real rosters."""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.eligibility import Roster, age_on, assess, person_reasons
from planner.generate import AIRPORTS, AS_OF, generate_json, generate_request
from planner.parsing import parse_request
from planner.request import DocumentType, PlanRequest

LARGE = {"people": 5000, "flights": 200, "weeks": 2, "seed": 11}


@pytest.fixture(scope="module")
def large() -> PlanRequest:
    """A roster big enough that every rare case shows up at least a few times."""
    return generate_request(**LARGE)


def test_same_arguments_give_identical_json() -> None:
    assert generate_json(300, 20, 2, seed=5) == generate_json(300, 20, 2, seed=5)


def test_different_seeds_give_different_requests() -> None:
    assert generate_json(300, 20, 2, seed=5) != generate_json(300, 20, 2, seed=6)


def test_json_parses_back_to_the_generated_request() -> None:
    text = generate_json(400, 25, 2, seed=3)
    assert parse_request(text) == generate_request(400, 25, 2, seed=3)


def test_json_keeps_one_record_a_line_and_omits_absent_stop_times() -> None:
    text = generate_json(50, 6, 1, seed=1)
    raw = json.loads(text)
    assert len(text.splitlines()) == 10 + len(raw["destinations"]) + len(raw["flights"]) + len(raw["people"])
    for flight in raw["flights"]:
        first, *_, last = flight["stops"]
        assert "arrive" not in first
        assert "depart" not in last


@settings(max_examples=25, deadline=None)
@given(
    people=st.integers(min_value=0, max_value=60),
    flights=st.integers(min_value=0, max_value=12),
    weeks=st.integers(min_value=1, max_value=4),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_sizes_are_exact_and_the_request_is_valid(people: int, flights: int, weeks: int, seed: int) -> None:
    request = parse_request(generate_json(people, flights, weeks, seed))
    assert len(request.people) == people
    assert len(request.flights) == flights
    assert request.as_of == AS_OF


@pytest.mark.parametrize(("people", "flights", "weeks"), [(-1, 1, 1), (1, -1, 1), (1, 1, 0)])
def test_negative_sizes_are_refused(people: int, flights: int, weeks: int) -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_request(people, flights, weeks)


def test_ids_are_unique_and_padded(large: PlanRequest) -> None:
    assert [p.id for p in large.people][:2] == ["P-000001", "P-000002"]
    assert [f.id for f in large.flights][:2] == ["RPN-0001", "RPN-0002"]
    assert all(p.family_id is None or p.family_id.startswith("FAM-") for p in large.people)


def test_flights_are_numbered_in_departure_order(large: PlanRequest) -> None:
    departures = [f.first_depart for f in large.flights]
    assert departures == sorted(departures)


def test_every_stop_is_stamped_in_its_own_airports_offset(large: PlanRequest) -> None:
    for flight in large.flights:
        for stop in flight.stops:
            for moment in (stop.arrive, stop.depart):
                if moment is not None:
                    assert moment.utcoffset() == dt.timedelta(minutes=AIRPORTS[stop.airport][0])


def test_offsets_span_pacific_to_china(large: PlanRequest) -> None:
    offsets = {
        moment.utcoffset()
        for flight in large.flights
        for stop in flight.stops
        for moment in (stop.arrive, stop.depart)
        if moment is not None
    }
    assert min(o for o in offsets if o is not None) <= dt.timedelta(hours=-8)
    assert max(o for o in offsets if o is not None) >= dt.timedelta(hours=8)


def test_flights_are_in_the_horizon_after_as_of(large: PlanRequest) -> None:
    end = AS_OF + dt.timedelta(days=2 + 7 * LARGE["weeks"] + 1)
    assert all(AS_OF < f.first_depart < end for f in large.flights)


def test_routes_mix_single_legs_and_milk_runs(large: PlanRequest) -> None:
    lengths = Counter(len(f.stops) for f in large.flights)
    assert lengths[2] > 0
    assert sum(count for length, count in lengths.items() if length >= 4) > 0
    assert all(1 <= f.reserved_seats < f.seats <= 180 for f in large.flights)
    assert any(f.seats <= 50 for f in large.flights)


def test_rosters_hold_families_holds_and_bad_documents(large: PlanRequest) -> None:
    roster = Roster(large)
    families = roster.families.values()
    assert any(
        any(roster.is_minor(large.people[m]) for m in members)
        and any(not roster.is_minor(large.people[m]) for m in members)
        for members in families
    )
    assert any(any(large.people[m].holds for m in members) for members in families)
    assert any(roster.is_minor(p) and p.family_id is None for p in large.people)
    kinds = {hold.kind for p in large.people for hold in p.holds}
    assert kinds == {"stay_of_removal", "pending_appeal", "pending_motion"}
    as_of = AS_OF.date()
    assert any(d.expires < as_of for p in large.people for d in p.documents)
    assert any(not p.documents for p in large.people)
    assert any(d.issuing_country != p.nationality for p in large.people for d in p.documents)
    assert any(all(d.type == DocumentType.NATIONAL_ID for d in p.documents) and p.documents for p in large.people)


def test_shares_are_near_their_targets(large: PlanRequest) -> None:
    people = large.people
    n = len(people)
    assert 0.80 < sum(p.nationality_verified for p in people) / n < 0.90
    assert 0.88 < sum(p.final_order for p in people) / n < 0.96
    assert 0.05 < sum(bool(p.holds) for p in people) / n < 0.09
    assert 0.06 < sum(p.family_id is not None for p in people) / n < 0.15
    risks = Counter(p.risk.value for p in people)
    assert risks["low"] > risks["medium"] > risks["high"] > 0
    top = [code for code, _ in Counter(p.nationality for p in people).most_common(4)]
    assert set(top) == {"GTM", "HND", "MEX", "SLV"}


def test_minors_are_under_18_and_parents_are_adults(large: PlanRequest) -> None:
    ages = [age_on(p.birth_date, AS_OF.date()) for p in large.people]
    assert min(ages) >= 0
    assert max(ages) <= 66
    assert all(p.risk.value == "low" for p, age in zip(large.people, ages, strict=True) if age < 18)


def test_destinations_vary_and_cover_every_ruled_nationality(large: PlanRequest) -> None:
    ruled = {d.country for d in large.destinations}
    nationalities = {p.nationality for p in large.people}
    assert nationalities - ruled, "a few people should have no destination rule"
    assert len(nationalities & ruled) >= len(nationalities) - 2
    assert any(d.arrival_window is not None for d in large.destinations)
    assert any(len(d.arrival_weekdays) < 7 for d in large.destinations)
    assert any(d.notice_days > 0 for d in large.destinations)
    assert any(not d.requires_verified_nationality for d in large.destinations)


def test_a_good_share_of_people_can_fly(large: PlanRequest) -> None:
    roster = Roster(large)
    passing = sum(not person_reasons(roster, i) for i in range(len(large.people)))
    assert 0.45 < passing / len(large.people) < 0.75
    eligibility = assess(roster)
    placeable = [m for item in eligibility.items for m in item.members]
    assert len(placeable) / len(large.people) > 0.4
    served = {large.people[m].nationality for m in placeable}
    demanded = {p.nationality for p in large.people}
    assert len(served) / len(demanded) > 0.75


def test_the_collector_is_left_running() -> None:
    assert gc.isenabled()
    generate_request(20, 2)
    assert gc.isenabled()
