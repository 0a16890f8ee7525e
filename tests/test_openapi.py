"""The OpenAPI document describes the HTTP contract, and the service answers as the document says.

The second half is schemathesis: requests generated from the document (valid and invalid ones) against
the app in process, with its real lifespan, each response checked against the document.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from api.keys import Role, generate_key, hash_key
from api.settings import Settings
from planner.parsing import RequestError, parse_request
from tests.test_api import EXAMPLE

PROBLEM_JSON = "application/problem+json"
PLANS = "/v1/plans"
PLAN = "/v1/plans/{plan_id}"
# Every operation of the contract, and the error statuses each must document as problems.
CONTRACT: dict[tuple[str, str], set[int]] = {
    ("post", PLANS): {401, 403, 409, 413, 422},
    ("get", PLANS): {401, 403, 422},
    ("get", PLAN): {401, 403, 404},
    ("get", f"{PLAN}/result"): {401, 403, 404, 409},
    ("get", f"{PLAN}/manifests/{{flight_id}}"): {401, 403, 404, 409, 422},
    ("get", f"{PLAN}/unplaced"): {401, 403, 404, 409, 422},
    ("get", f"{PLAN}/explain/{{person_id}}"): {401, 403, 404, 409},
    ("get", f"{PLAN}/flights"): {401, 403, 404, 409},
    ("post", f"{PLAN}/cancel"): {401, 403, 404},
    ("post", f"{PLAN}/replan"): {401, 403, 404, 409, 413, 422},
    ("get", "/v1/audit"): {401, 403, 422},
    ("get", "/healthz"): set(),
    ("get", "/readyz"): set(),
}
# The 200 (or 202) body of each operation that answers one of the contract's documents.
SUCCESS_SCHEMAS = {
    ("post", PLANS, "202"): "JobView",
    ("get", PLANS, "200"): "JobPage",
    ("get", PLAN, "200"): "JobView",
    ("get", f"{PLAN}/result", "200"): "Plan",
    ("get", f"{PLAN}/manifests/{{flight_id}}", "200"): "Manifest",
    ("get", f"{PLAN}/explain/{{person_id}}", "200"): "Explanation",
    ("post", f"{PLAN}/cancel", "200"): "JobView",
    ("post", f"{PLAN}/replan", "202"): "JobView",
    ("get", "/v1/audit", "200"): "AuditPage",
}
OPEN_ROUTES = {("get", "/healthz"), ("get", "/readyz")}
# Schemathesis sends these; the same for every service of this module.
PLANNER_KEY = generate_key()
AUDITOR_KEY = generate_key()

Json = dict[str, Any]
Case = schemathesis.Case[Any]


def make_app(tmp_path: Path, database_url: str = "sqlite://") -> FastAPI:
    """The service on `database_url`, taking PLANNER_KEY and AUDITOR_KEY from a keys file under `tmp_path`."""
    keys_file = tmp_path / "keys.json"
    stored = [
        {"name": "pat-planner", "role": Role.PLANNER.value, "sha256": hash_key(PLANNER_KEY)},
        {"name": "ada-auditor", "role": Role.AUDITOR.value, "sha256": hash_key(AUDITOR_KEY)},
    ]
    keys_file.write_text(json.dumps({"keys": stored}), encoding="utf-8")
    config = Settings(database_url=database_url, keys_file=keys_file, workers=1, poll_seconds=0.05)
    return create_app(config)


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Json:
    """The OpenAPI document the service serves; serving it needs no lifespan, so none is started."""
    app = make_app(tmp_path_factory.mktemp("openapi"))
    response = TestClient(app).get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert isinstance(body, dict)
    return body


def operations(document: Json) -> dict[tuple[str, str], Json]:
    """Every operation of the document by (method, path)."""
    return {(method, path): op for path, item in document["paths"].items() for method, op in item.items()}


def resolve(document: Json, schema: Json) -> Json:
    """A schema, or the component its `$ref` names."""
    ref = schema.get("$ref")
    if ref is None:
        return schema
    assert isinstance(ref, str)
    found = document["components"]["schemas"][ref.removeprefix("#/components/schemas/")]
    assert isinstance(found, dict)
    return found


def test_document_has_every_route_of_the_contract(document: Json) -> None:
    assert operations(document).keys() == CONTRACT.keys()


def test_submission_takes_a_plan_request(document: Json) -> None:
    submit = operations(document)[("post", PLANS)]
    body = submit["requestBody"]
    assert body["required"] is True
    schema = resolve(document, body["content"]["application/json"]["schema"])
    assert schema is document["components"]["schemas"]["PlanRequest"]
    assert {"as_of", "destinations", "flights", "people"} <= set(schema["required"])
    assert schema["additionalProperties"] is False
    parameters = {(p["in"], p["name"]): p for p in submit["parameters"]}
    time_limit = parameters[("query", "time_limit_seconds")]["schema"]["anyOf"][0]
    assert (time_limit["exclusiveMinimum"], time_limit["maximum"]) == (0, 3600)
    assert ("query", "seed") in parameters
    assert ("header", "idempotency-key") in parameters


@pytest.mark.parametrize("operation", sorted(CONTRACT), ids=" ".join)
def test_errors_are_documented_as_problems(document: Json, operation: tuple[str, str]) -> None:
    responses = operations(document)[operation]["responses"]
    for status in CONTRACT[operation]:
        content = responses[str(status)]["content"]
        assert content.keys() == {PROBLEM_JSON}, status
        problem = content[PROBLEM_JSON]["schema"]
        assert {"title", "status", "detail"} <= set(problem["required"])
        assert {"type", "title", "status", "detail", "errors"} <= problem["properties"].keys()


@pytest.mark.parametrize("operation", sorted(CONTRACT), ids=" ".join)
def test_security_is_the_bearer_key_except_on_health(document: Json, operation: tuple[str, str]) -> None:
    scheme = document["components"]["securitySchemes"]["APIKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    security = operations(document)[operation].get("security")
    assert security == (None if operation in OPEN_ROUTES else [{"APIKey": []}])


def test_success_bodies_are_the_contract_documents(document: Json) -> None:
    ops = operations(document)
    for (method, path, status), name in SUCCESS_SCHEMAS.items():
        schema = ops[(method, path)]["responses"][status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{name}"}, (method, path)
    operation = ops[("get", f"{PLAN}/manifests/{{flight_id}}")]
    assert operation["responses"]["200"]["content"].keys() == {
        "application/json",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/pdf",
        "application/edifact",
    }
    (format,) = [p for p in operation["parameters"] if p["name"] == "format"]
    assert resolve(document, format["schema"]["anyOf"][0])["enum"] == ["json", "csv", "xlsx", "pdf", "paxlst"]


def test_readiness_documents_not_ready(document: Json) -> None:
    assert "503" in operations(document)[("get", "/readyz")]["responses"]


# Values the service refuses in a plan request, by format, which the published schema lets through.
COUNTRY_FIELDS = [
    ("people", 0, "nationality"),
    ("people", 0, "documents", 0, "issuing_country"),
    ("destinations", 0, "country"),
]


@pytest.mark.parametrize("value", ["", "gtm"])
@pytest.mark.parametrize("path", COUNTRY_FIELDS, ids=lambda path: ".".join(map(str, path)))
def test_request_schema_refuses_country_codes_the_service_refuses(
    document: Json, path: tuple[str | int, ...], value: str
) -> None:
    request = json.loads(EXAMPLE)
    place(request, path, value)
    with pytest.raises(RequestError):
        parse_request(json.dumps(request))
    schema = {"$ref": "#/components/schemas/PlanRequest", "components": document["components"]}
    assert not jsonschema_rs.validator_for(schema, validate_formats=True).is_valid(request)


def place(document: Any, path: tuple[str | int, ...], value: object) -> None:
    """Set the value at `path` in a JSON document."""
    for part in path[:-1]:
        document = document[part]
    document[path[-1]] = value


def test_docs_serve_html(tmp_path: Path) -> None:
    response = TestClient(make_app(tmp_path)).get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text


# Schemathesis


def served_document() -> Json:
    """The document the service serves, read without starting the service."""
    with tempfile.TemporaryDirectory() as directory:
        app = make_app(Path(directory))
        body = TestClient(app).get("/openapi.json").json()
    assert isinstance(body, dict)
    return body


# Loaded at import, as schemathesis generates the tests from it at collection; each test then sends its
# requests to a service of its own, so that the tests run on SQLite and on PostgreSQL.
# (schemathesis.pytest.from_fixture would do that lazily, but it fails on this pytest: no `Function._nodeid`.)
schema = schemathesis.openapi.from_dict(served_document())


@schema.auth()
class ServiceKeys:
    """A key on every request, except those that leave credentials out on purpose."""

    def get(self, case: Case, context: schemathesis.AuthContext) -> str:
        """The auditor's key for the audit log, which only an auditor reads; else the planner's."""
        return AUDITOR_KEY if context.operation.path == "/v1/audit" else PLANNER_KEY

    def set(self, case: Case, data: str, context: schemathesis.AuthContext) -> None:
        """Send the key as a bearer token."""
        case.headers["Authorization"] = f"Bearer {data}"


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> FastAPI:
    """A started service on an empty database of each kind.

    The first request starts the lifespan, which schemathesis keeps running until the test ends.
    """
    app = make_app(tmp_path, database_url)
    assert schema["/readyz"]["GET"].Case().call(app=app).status_code == 200
    return app


# One service serves all the examples of an operation, as one service serves all clients: hence the
# function-scoped fixture. Generating plan requests is slow and filters much, which is no fault of the service.
HEALTH_CHECKS_NOT_APPLICABLE = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much]


# A schema-valid request can rightly be refused where the contract has rules a JSON schema cannot state:
# a page cursor must be one the service handed out, and a plan request has request-wide rules (unique
# ids, stops in time order). So schemathesis does not ask these operations to accept every schema-valid
# request; test_request_schema_refuses_country_codes_the_service_refuses holds the schema to what it can state.
ACCEPTANCE_NOT_APPLICABLE = {("GET", PLANS), ("GET", "/v1/audit"), ("POST", PLANS)}


@schema.parametrize()
# 20 cases an operation: most of the 2.5 min this file takes is starting services, and CI must stay under 15 min.
@settings(max_examples=20, deadline=None, suppress_health_check=HEALTH_CHECKS_NOT_APPLICABLE)
# Schemathesis cannot make workbooks; tests/test_import.py fuzzes the workbook reader itself.
@pytest.mark.filterwarnings("ignore:Skipped test cases with unsupported payload media types:UserWarning")
def test_service_answers_as_documented(case: Case, service: FastAPI) -> None:
    # The checks' own requests (without credentials, with other methods) go to the app of the case's schema.
    case.operation.schema.app = service
    is_exempt = (case.method.upper(), case.operation.path) in ACCEPTANCE_NOT_APPLICABLE
    case.call_and_validate(app=service, excluded_checks=[positive_data_acceptance] if is_exempt else [])
