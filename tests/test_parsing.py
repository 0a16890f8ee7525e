"""Request validation: every problem at once, at its location, without personal data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from planner.parsing import RequestError, format_loc, parse_request
from tests.builders import destination, flight, person, request_dict

SECRET_NAME = "ZZSECRETNAME"
SECRET_NUMBER = "ZZDOC99999"
SECRET_BIRTH = "1977-07-07"


def problems(raw: dict[str, Any] | str) -> dict[str, str]:
    text = raw if isinstance(raw, str) else json.dumps(raw)
    with pytest.raises(RequestError) as caught:
        parse_request(text)
    return {format_loc(loc): message for loc, message in caught.value.problems}


def secret_person(pid: str = "P-1", **overrides: Any) -> dict[str, Any]:
    documents = [{"type": "passport", "number": SECRET_NUMBER, "issuing_country": "GTM", "expires": "2030-01-01"}]
    base = {"given_names": SECRET_NAME, "surname": SECRET_NAME, "birth_date": SECRET_BIRTH, "documents": documents}
    return person(pid, **{**base, **overrides})


def test_the_contract_example_is_valid() -> None:
    request = parse_request(
        (Path(__file__).resolve().parent.parent / "fixtures" / "contract-example.json").read_bytes()
    )
    assert [p.id for p in request.people][:2] == ["P-0001", "P-0002"]


def test_four_kinds_of_problem_are_all_reported_at_once() -> None:
    raw = request_dict([secret_person("P-1"), secret_person("P-1", nationality="XXX")], as_of="2026-12-01T09:00:00")
    raw["people"][0]["nickname"] = SECRET_NAME
    found = problems(raw)
    assert found.keys() == {"as_of", "people[1].id", "people[1].nationality", "people[0].nickname"}
    assert "UTC offset" in found["as_of"]
    assert "repeats people[0].id" in found["people[1].id"]
    assert "ISO 3166-1 alpha-3" in found["people[1].nationality"]
    assert "unknown key 'nickname'" in found["people[0].nickname"]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"birth_date": "07/07/1977"}, "people[0].birth_date"),
        ({"sex": "female"}, "people[0].sex"),
        ({"priority": 0}, "people[0].priority"),
        ({"priority": 1.5}, "people[0].priority"),
        ({"staging_airport": "aex"}, "people[0].staging_airport"),
        ({"risk": "extreme"}, "people[0].risk"),
        ({"final_order": "yes"}, "people[0].final_order"),
        (
            {
                "documents": [
                    {"type": "visa", "number": SECRET_NUMBER, "issuing_country": "GTM", "expires": "2030-01-01"}
                ]
            },
            "people[0].documents[0].type",
        ),
        (
            {
                "documents": [
                    {"type": "passport", "number": SECRET_NUMBER, "issuing_country": "GTM", "expires": "2030-02-30"}
                ]
            },
            "people[0].documents[0].expires",
        ),
    ],
)
def test_bad_person_fields_are_named_without_echoing_personal_data(change: dict[str, Any], where: str) -> None:
    found = problems(request_dict([secret_person(**change)]))
    assert where in found
    text = json.dumps(found)
    for secret in (SECRET_NAME, SECRET_NUMBER, SECRET_BIRTH, "07/07/1977"):
        assert secret not in text


def test_missing_required_fields_are_named() -> None:
    raw = request_dict([secret_person()])
    del raw["people"][0]["holds"]
    del raw["flights"][0]["cost"]
    assert {"people[0].holds", "flights[0].cost"} <= problems(raw).keys()


def test_flight_problems() -> None:
    stops = [
        {"airport": "AEX", "arrive": "2026-12-03T06:00:00-06:00", "depart": "2026-12-03T07:00:00-06:00"},
        {"airport": "GUA"},
    ]
    found = problems(request_dict(flights=[flight(stops=stops, seats=0), flight("F-2", reserved_seats=-1)]))
    assert found.keys() >= {
        "flights[0].stops[0].arrive",
        "flights[0].stops[1].arrive",
        "flights[0].seats",
        "flights[1].reserved_seats",
    }


def test_stop_times_must_increase() -> None:
    stops = [
        {"airport": "AEX", "depart": "2026-12-03T07:00:00-06:00"},
        {"airport": "HRL", "arrive": "2026-12-03T06:00:00-06:00", "depart": "2026-12-03T06:00:00-06:00"},
        {"airport": "GUA", "arrive": "2026-12-03T12:00:00-06:00"},
    ]
    found = problems(request_dict(flights=[flight(stops=stops)]))
    assert found == {
        "flights[0].stops[1].arrive": "must be later than stops[0].depart",
        "flights[0].stops[1].depart": "must be later than stops[1].arrive",
    }


def test_stop_order_compares_instants_across_offsets() -> None:
    stops = [
        {"airport": "AEX", "depart": "2026-12-03T07:00:00-06:00"},
        {"airport": "GUA", "arrive": "2026-12-03T09:00:00-04:00"},  # 13:00Z: later than 13:00Z? equal -> rejected
    ]
    assert "flights[0].stops[1].arrive" in problems(request_dict(flights=[flight(stops=stops)]))


def test_a_flight_needs_two_stops() -> None:
    stops = [{"airport": "AEX", "depart": "2026-12-03T07:00:00-06:00"}]
    assert "flights[0].stops" in problems(request_dict(flights=[flight(stops=stops)]))


def test_destination_problems() -> None:
    bad = [
        destination(arrival_airports=[]),
        destination("GTM", arrival_weekdays=[0, 8], arrival_window={"start": "8:00", "end": "24:00"}),
        destination("HND", max_people_per_flight=0, notice_days=-1, accepted_documents=["visa"]),
    ]
    found = problems(request_dict(destinations=bad))
    assert found.keys() >= {
        "destinations[0].arrival_airports",
        "destinations[1].country",
        "destinations[1].arrival_weekdays[0]",
        "destinations[1].arrival_weekdays[1]",
        "destinations[1].arrival_window.start",
        "destinations[1].arrival_window.end",
        "destinations[2].max_people_per_flight",
        "destinations[2].notice_days",
        "destinations[2].accepted_documents[0]",
    }


def test_duplicates_are_found_even_when_other_fields_are_bad() -> None:
    raw = request_dict([secret_person("P-1"), secret_person("P-1", sex="Q")], [flight("F-1"), flight("F-1")])
    found = problems(raw)
    assert {"people[1].id", "people[1].sex", "flights[1].id"} <= found.keys()


def with_key_twice(raw: dict[str, Any], path: tuple[str | int, ...], first: Any) -> str:
    """The request as JSON with the object at `path` giving its last key twice, `first` the earlier value."""
    target: Any = raw
    for part in path:
        target = target[part]
    key, value = list(target.items())[-1]
    marker = "ZZMARKER"
    target[key] = marker
    text = json.dumps(raw)
    return text.replace(f'"{key}": "{marker}"', f'"{key}": {json.dumps(first)}, "{key}": {json.dumps(value)}', 1)


def test_a_key_given_twice_is_named_wherever_it_is_and_its_values_are_not_echoed() -> None:
    raw = request_dict([secret_person("P-1")])
    raw["people"][0] = {**{k: v for k, v in raw["people"][0].items() if k != "holds"}, "holds": []}  # holds last
    # Read as "the last wins", the second `holds` would clear the stay of removal.
    text = with_key_twice(raw, ("people", 0), [{"kind": "stay of removal", "note": SECRET_NAME}])
    assert problems(text) == {"people[0].holds": "given more than once in the same object; give each key once"}
    assert SECRET_NAME not in str(problems(text))


def test_repeated_keys_at_the_top_and_in_a_destination_are_each_named_beside_other_problems() -> None:
    raw = request_dict([secret_person("P-1", sex="Q")], destinations=[destination()])
    twice = with_key_twice(raw, ("destinations", 0), ["GUA"])
    twice = twice.replace('"as_of": ', '"as_of": "2026-12-01T00:00:00Z", "as_of": ', 1)
    found = problems(twice)
    assert {"as_of", "destinations[0].arrival_airports", "people[0].sex"} <= found.keys()


def test_policy_defaults_and_partial_policy() -> None:
    request = parse_request(json.dumps(request_dict(policy={"officer_ratio": {"low": 4}})))
    assert (request.policy.officer_ratio.low, request.policy.officer_ratio.medium) == (4, 2)
    assert request.policy.medical_ratio == 10
    assert "policy.medical_ratio" in problems(request_dict(policy={"medical_ratio": 0}))


def test_malformed_json_names_the_position_only() -> None:
    assert problems('{"as_of": "x", ' + SECRET_NAME) == {"body": "not valid JSON at line 1, column 16"}


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-12-01_09:00:00-06:00",
        "2026-12-01 09:00:00-06:00",
        "2026-12-01T09:00:00-0600",
        "2026-12-01t09:00:00z",
        "2026-12-01T09:00:00.123456789-06:00",  # nanoseconds would be silently cut
        "2026-13-01T09:00:00Z",
        "2026-12-01",
    ],
)
def test_timestamps_must_be_iso_8601_extended_with_an_offset(stamp: str) -> None:
    assert "as_of" in problems(request_dict(as_of=stamp))


@pytest.mark.parametrize("stamp", ["2026-12-01T09:00Z", "2026-12-01T09:00:00.5+05:30", "2026-12-01T15:00:00Z"])
def test_timestamp_forms_the_contract_allows(stamp: str) -> None:
    assert parse_request(json.dumps(request_dict(as_of=stamp))).as_of.tzinfo is not None


@pytest.mark.parametrize(
    ("where", "raw"),
    [
        ("people[0].priority", request_dict([person(priority=10**19)])),
        ("flights[0].seats", request_dict(flights=[flight(seats=10**19)])),
        ("flights[0].cost", request_dict(flights=[flight(cost=10**13)])),
        ("destinations[0].notice_days", request_dict(destinations=[destination(notice_days=10**9)])),
        ("policy.medical_ratio", request_dict(policy={"medical_ratio": 10**19})),
    ],
)
def test_numbers_too_large_to_plan_with_are_rejected(where: str, raw: dict[str, Any]) -> None:
    assert "less than or equal" in problems(raw)[where]


def test_deeply_nested_json_is_rejected_not_crashed() -> None:
    assert problems("[" * 100_000) == {"body": "not valid JSON (nested too deeply)"}


def test_empty_strings_are_strings() -> None:
    raw = request_dict([person(family_id="", holds=[])])
    assert parse_request(json.dumps(raw)).people[0].family_id == ""
