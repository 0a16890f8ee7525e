"""Errors as RFC 9457 problems, bearer keys and roles, and the body limit, on a small app built here."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.types import Message, Receive, Scope, Send

from api.auth import Auditor, Planner, Reader, require
from api.keys import KeyRing, Role, StoredKey, hash_key
from api.limits import BodyLimitMiddleware
from api.problems import (
    PROBLEM_MEDIA_TYPE,
    PROBLEM_RESPONSES,
    VALIDATION_PROBLEM,
    FieldError,
    Problem,
    ProblemError,
    install_problem_handlers,
    problem_type,
)
from planner.parsing import parse_request
from tests.builders import person, request_dict

LIMIT = 4000  # above the small plan requests below
KEYS = {Role.PLANNER: "mp_planner-key", Role.VIEWER: "mp_viewer-key", Role.AUDITOR: "mp_auditor-key"}
SECRET = "ZZ-SECRET-PERSON-4711"


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    count: int


def make_app(with_keys: bool = True) -> FastAPI:
    app = FastAPI()
    app.add_middleware(BodyLimitMiddleware, max_bytes=LIMIT)
    install_problem_handlers(app)
    if with_keys:
        app.state.keys = KeyRing(
            StoredKey(name=f"{role}-holder", role=role, sha256=hash_key(key)) for role, key in KEYS.items()
        )

    @app.post("/items", responses=PROBLEM_RESPONSES)
    async def add_item(item: Item, who: Planner) -> dict[str, Any]:
        return {"by": who.name, "count": item.count}

    @app.get("/items", responses=PROBLEM_RESPONSES)
    async def list_items(who: Reader) -> dict[str, str]:
        return {"by": who.name}

    @app.get("/audit", responses=PROBLEM_RESPONSES)
    async def audit(who: Auditor) -> dict[str, str]:
        return {"by": who.name}

    @app.post("/raw")
    async def raw(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @app.post("/plans")
    async def submit(request: Request) -> dict[str, str]:
        parse_request(await request.body())
        return {"status": "queued"}

    @app.get("/conflict")
    async def conflict() -> None:
        raise ProblemError(
            409, "Not finished", "The job is running.", type=problem_type("not-finished"), headers={"Retry-After": "5"}
        )

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(f"internal detail {SECRET}")

    return app


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(make_app(), raise_server_exceptions=False) as test_client:
        yield test_client


def bearer(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[role]}"}


def problem_of(response: Any, status: int) -> dict[str, Any]:
    """The problem body of a response, after checking what every problem has."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= body.keys()
    return body


# Credentials and roles


def test_no_key_is_401_with_a_bearer_challenge(client: TestClient) -> None:
    response = client.get("/items")
    body = problem_of(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert body == {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "This needs an API key, sent as `Authorization: Bearer <key>`.",
    }


@pytest.mark.parametrize(
    "authorization",
    ["Bearer mp_unknown", "Bearer " + KEYS[Role.PLANNER] + "x", "Basic " + KEYS[Role.PLANNER], "Bearer"],
)
def test_an_unknown_or_unusable_key_is_401(client: TestClient, authorization: str) -> None:
    response = client.get("/items", headers={"Authorization": authorization})
    problem_of(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("post", "/items", Role.VIEWER),
        ("post", "/items", Role.AUDITOR),
        ("get", "/items", Role.AUDITOR),
        ("get", "/audit", Role.PLANNER),
        ("get", "/audit", Role.VIEWER),
    ],
)
def test_a_known_key_with_the_wrong_role_is_403(client: TestClient, method: str, path: str, role: Role) -> None:
    response = client.request(method, path, headers=bearer(role), json={"name": "a", "count": 1})
    body = problem_of(response, 403)
    assert f"role, {role}, may not do this" in body["detail"]
    assert "www-authenticate" not in response.headers


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("post", "/items", Role.PLANNER),
        ("get", "/items", Role.PLANNER),
        ("get", "/items", Role.VIEWER),
        ("get", "/audit", Role.AUDITOR),
    ],
)
def test_the_right_role_gets_through_as_its_key_name(client: TestClient, method: str, path: str, role: Role) -> None:
    response = client.request(method, path, headers=bearer(role), json={"name": "a", "count": 1})
    assert response.status_code == 200
    assert response.json()["by"] == f"{role}-holder"


def test_require_needs_a_role() -> None:
    with pytest.raises(ValueError, match="at least one role"):
        require()


def test_an_app_without_keys_fails_closed() -> None:
    with TestClient(make_app(with_keys=False), raise_server_exceptions=False) as unconfigured:
        problem_of(unconfigured.get("/items", headers=bearer(Role.PLANNER)), 500)


# HTTP errors of the framework


def test_an_unknown_route_is_a_404_problem(client: TestClient) -> None:
    body = problem_of(client.get("/nowhere"), 404)
    assert (body["type"], body["title"]) == ("about:blank", "Not Found")


def test_a_wrong_method_is_a_405_problem_that_keeps_allow(client: TestClient) -> None:
    response = client.delete("/items")
    problem_of(response, 405)
    # Starlette names the methods of the first route on the path only; the header is passed on as it is.
    assert "POST" in response.headers["allow"]


def test_a_problem_error_is_answered_as_raised(client: TestClient) -> None:
    response = client.get("/conflict")
    assert problem_of(response, 409) == {
        "type": "urn:manifest-planner:problem:not-finished",
        "title": "Not finished",
        "status": 409,
        "detail": "The job is running.",
    }
    assert response.headers["retry-after"] == "5"


# Validation: every bad field named, no value echoed


def test_a_wrong_type_is_422_naming_the_field_without_its_value(client: TestClient) -> None:
    response = client.post("/items", headers=bearer(Role.PLANNER), json={"name": "a", "count": SECRET})
    body = problem_of(response, 422)
    assert body["type"] == VALIDATION_PROBLEM
    assert body["errors"] == [
        {"loc": ["body", "count"], "msg": "Input should be a valid integer, unable to parse string as an integer"}
    ]
    assert SECRET not in response.text


def test_every_bad_field_is_listed(client: TestClient) -> None:
    response = client.post("/items", headers=bearer(Role.PLANNER), json={"count": [SECRET], SECRET: 1})
    errors = problem_of(response, 422)["errors"]
    assert sorted(tuple(e["loc"]) for e in errors) == [("body", SECRET), ("body", "count"), ("body", "name")]
    assert all(e.keys() == {"loc", "msg"} for e in errors)
    # An unknown key is named, as its location; the value under `count` is not.
    assert response.text.count(SECRET) == 1


def test_malformed_json_is_422_with_the_position_not_the_text(client: TestClient) -> None:
    response = client.post(
        "/items", headers={**bearer(Role.PLANNER), "Content-Type": "application/json"}, content=f'{{"name": "{SECRET}'
    )
    (error,) = problem_of(response, 422)["errors"]
    assert error["loc"][0] == "body"
    assert error["msg"].startswith("JSON decode error: Unterminated string")
    assert SECRET not in response.text


def test_a_bad_query_parameter_is_422_at_its_place(client: TestClient) -> None:
    app = make_app()

    @app.get("/page")
    async def page(limit: int = 50) -> dict[str, int]:
        return {"limit": limit}

    with TestClient(app) as local:
        (error,) = problem_of(local.get("/page", params={"limit": SECRET}), 422)["errors"]
    assert error["loc"] == ["query", "limit"]


def test_a_request_error_is_422_with_each_problem_in_the_body(client: TestClient) -> None:
    raw = request_dict([person("P-1", given_names=SECRET, birth_date=SECRET), person("P-1")])
    response = client.post("/plans", content=json.dumps(raw))
    errors = problem_of(response, 422)["errors"]
    locs = [e["loc"] for e in errors]
    assert ["body", "people", 0, "birth_date"] in locs
    assert ["body", "people", 1, "id"] in locs
    assert SECRET not in response.text


def test_a_request_that_is_not_json_is_422_at_the_body(client: TestClient) -> None:
    response = client.post("/plans", content=f"{{{SECRET}")
    (error,) = problem_of(response, 422)["errors"]
    assert error["loc"] == ["body"]
    assert SECRET not in response.text


# Unexpected errors


def test_an_unexpected_error_is_a_500_that_tells_nothing(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="api.problems"):
        response = client.get("/boom", params={"q": "query-value"})
    body = problem_of(response, 500)
    assert body["title"] == "Internal Server Error"
    assert SECRET not in response.text
    assert "RuntimeError" not in response.text
    (record,) = [r for r in caplog.records if r.name == "api.problems"]
    assert record.getMessage() == "unexpected RuntimeError in GET /boom"
    assert record.exc_info is not None


# Body limit


def test_a_body_declared_over_the_limit_is_413_before_auth(client: TestClient) -> None:
    response = client.post("/items", content=b"x" * (LIMIT + 1), headers={"Content-Type": "application/json"})
    body = problem_of(response, 413)
    assert str(LIMIT) in body["detail"]


def test_a_body_at_the_limit_passes(client: TestClient) -> None:
    response = client.post("/raw", content=b"x" * LIMIT)
    assert response.json() == {"size": LIMIT}


def chunks(count: int, size: int = 100) -> Iterator[bytes]:
    yield from (b"x" * size for _ in range(count))


def test_a_streamed_body_over_the_limit_is_413(client: TestClient) -> None:
    response = client.post("/raw", content=chunks(LIMIT // 100 + 1))
    assert "content-length" not in response.request.headers
    problem_of(response, 413)


def test_a_streamed_body_over_the_limit_is_413_where_fastapi_parses_it(client: TestClient) -> None:
    response = client.post("/items", headers=bearer(Role.PLANNER), content=chunks(LIMIT // 100 + 1))
    problem_of(response, 413)


def test_a_streamed_body_within_the_limit_passes(client: TestClient) -> None:
    response = client.post("/raw", content=chunks(LIMIT // 100))
    assert response.json() == {"size": LIMIT}


class Exchange:
    """A real ASGI exchange without a server: the client sends `parts` on demand, the responses are kept."""

    def __init__(self, parts: list[bytes], headers: list[tuple[bytes, bytes]]) -> None:
        self.parts = parts
        self.headers = headers
        self.pulled = 0
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        self.pulled += 1
        more = self.pulled < len(self.parts)
        return {"type": "http.request", "body": self.parts[self.pulled - 1], "more_body": more}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    def scope(self) -> Scope:
        return {"type": "http", "method": "POST", "path": "/", "headers": self.headers, "query_string": b""}


async def reading_app(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that reads its whole body and then answers 200."""
    while (await receive()).get("more_body", False):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"read"})


def run(middleware: BodyLimitMiddleware, exchange: Exchange) -> None:
    anyio.run(middleware, exchange.scope(), exchange.receive, exchange.send)


def test_a_chunked_body_stops_being_read_at_the_limit() -> None:
    exchange = Exchange([b"x" * 10] * 100, headers=[])
    run(BodyLimitMiddleware(reading_app, max_bytes=25), exchange)
    assert exchange.pulled == 3
    start, body = exchange.sent
    assert start["status"] == 413
    assert (b"content-type", PROBLEM_MEDIA_TYPE.encode()) in start["headers"]
    assert json.loads(body["body"])["status"] == 413


def test_a_declared_length_over_the_limit_reads_nothing() -> None:
    exchange = Exchange([b"x" * 10] * 100, headers=[(b"content-length", b"1000")])
    run(BodyLimitMiddleware(reading_app, max_bytes=25), exchange)
    assert exchange.pulled == 0
    assert exchange.sent[0]["status"] == 413


def test_a_body_within_the_limit_reaches_the_app_whole() -> None:
    exchange = Exchange([b"x" * 10] * 2, headers=[])
    run(BodyLimitMiddleware(reading_app, max_bytes=25), exchange)
    assert exchange.pulled == 2
    assert [m.get("status") for m in exchange.sent] == [200, None]


# The models and the OpenAPI document


def test_problem_omits_unset_members_and_checks_its_status() -> None:
    problem = Problem(title="Bad", status=422, detail="d", errors=[FieldError(loc=["body", 0], msg="m")])
    assert problem.model_dump(exclude_none=True) == {
        "type": "about:blank",
        "title": "Bad",
        "status": 422,
        "detail": "d",
        "errors": [{"loc": ["body", 0], "msg": "m"}],
    }
    with pytest.raises(ValidationError):
        ProblemError(200, "OK", "not an error")


def test_openapi_describes_errors_as_problems_and_the_bearer_scheme() -> None:
    document = make_app().openapi()
    responses = document["paths"]["/items"]["post"]["responses"]
    for status in ("401", "403", "404", "409", "413", "422"):
        (media_type,) = responses[status]["content"]
        schema = responses[status]["content"][media_type]["schema"]
        assert media_type == PROBLEM_MEDIA_TYPE
        assert {"type", "title", "status", "detail", "errors"} <= schema["properties"].keys()
        assert "$defs" not in json.dumps(schema)
    assert "HTTPValidationError" not in document.get("components", {}).get("schemas", {})
    assert document["components"]["securitySchemes"]["APIKey"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "API key",
        "description": "An API key made with `planner keys add`, sent as `Authorization: Bearer <key>`.",
    }
    assert document["paths"]["/items"]["post"]["security"] == [{"APIKey": []}]
