"""Output formats against golden files: the contract example's plan JSON and RPN-101's manifest."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from planner.manifest import find_manifest, manifest_csv
from planner.parsing import parse_request
from planner.plan import Plan
from planner.planning import make_plan
from planner.solver import SolveSettings

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
# UPDATE_GOLDEN=1 rewrites the files; review the diff before committing it.
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def example_plan() -> Plan:
    request = parse_request((ROOT / "fixtures" / "contract-example.json").read_bytes())
    plan = make_plan(request, SolveSettings(time_limit=10))
    # Time is the one field that differs from run to run.
    return plan.model_copy(update={"stats": plan.stats.model_copy(update={"solve_seconds": 0.0})})


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_plan_json(example_plan: Plan) -> None:
    assert_golden("contract-example.plan.json", example_plan.to_json() + "\n")


def test_manifest_json(example_plan: Plan) -> None:
    manifest = find_manifest(example_plan, "RPN-101")
    assert manifest is not None
    assert_golden("contract-example.RPN-101.json", manifest.to_json() + "\n")


def test_manifest_csv(example_plan: Plan) -> None:
    manifest = find_manifest(example_plan, "RPN-101")
    assert manifest is not None
    assert_golden("contract-example.RPN-101.csv", manifest_csv(manifest))


def test_plan_json_round_trips(example_plan: Plan) -> None:
    assert Plan.model_validate_json(example_plan.to_json()) == example_plan
    assert "board_index" not in json.loads(example_plan.to_json())["manifests"][0]["passengers"][0]


def test_stop_indexes_appear_only_on_routes_that_revisit_an_airport() -> None:
    request = parse_request((ROOT / "fixtures" / "rule-airport-revisit.json").read_bytes())
    plan = json.loads(make_plan(request, SolveSettings(time_limit=10)).to_json())
    passengers = [p for m in plan["manifests"] for p in m["passengers"]]
    assert passengers
    assert all("board_index" in p and "deplane_index" in p for p in passengers)
