"""The HTTP service in process, per the contract: every route, status code and role, on SQLite and PostgreSQL.

The app runs with its real lifespan (migrations, the embedded worker process) inside a TestClient; jobs
are really planned, and tests wait for them by polling the job's status until a deadline.
"""

from __future__ import annotations

import gc
import io
import json
import os
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from openpyxl import load_workbook

from api.app import create_app
from api.keys import Role, add_key
from api.settings import Settings
from planner.explain import Explanation, explain
from planner.exports import MEDIA_TYPES, Format
from planner.generate import generate_json
from planner.manifest import CSV_COLUMNS
from planner.parsing import parse_request
from planner.plan import Plan
from planner.reasons import ReasonCode
from planner.roster import write_csv_folder
from tests.builders import person, request_dict
from tests.conftest import POSTGRES_URL_VARIABLE, REQUIRE_POSTGRES_VARIABLE, _postgres_schema

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"
EXAMPLE = (FIXTURES / "contract-example.json").read_bytes()
PROBLEM_JSON = "application/problem+json"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FINISHED = frozenset({"succeeded", "failed", "cancelled"})
# Above the contract example (about 6 KiB), far below the default, so that 413 is cheap to provoke.
BODY_LIMIT = 64 * 1024
POLL_SECONDS = 0.05
WAIT_SECONDS = 90.0
ACTORS = {Role.PLANNER: "pat-planner", Role.VIEWER: "vic-viewer", Role.AUDITOR: "ada-auditor"}
SECRET_SURNAME = "ZZSECRETSURNAME"
SECRET_BIRTH_DATE = "1991-02-30"
EXPECTED_PLACED = {"P-0001": ("AEX", "GUA"), "P-0002": ("AEX", "GUA"), "P-0003": ("HRL", "SAP")}
EXPECTED_UNPLACED = {
    "P-0004": "DOCUMENT_EXPIRED",
    "P-0005": "NATIONALITY_UNVERIFIED",
    "P-0006": "LEGAL_HOLD",
    "P-0007": "DESTINATION_NOT_ACCEPTING",
    "P-0008": "NO_ELIGIBLE_FLIGHT",
}

Json = dict[str, Any]


@dataclass(frozen=True)
class Keys:
    """A keys file with one key per role, and the keys themselves."""

    file: Path
    tokens: dict[Role, str]

    def headers(self, role: Role) -> dict[str, str]:
        """The Authorization header of the key of this role."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}


# Fixtures


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Like conftest's `database_url`, once per module: an empty SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'planner.db'}"
        return
    yield from _postgres_schema(postgres_base_url())


def postgres_base_url() -> str:
    """The configured PostgreSQL server; skips (or fails, where PostgreSQL is required) without one."""
    base_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not base_url:
        message = f"PostgreSQL tests need {POSTGRES_URL_VARIABLE}"
        if os.environ.get(REQUIRE_POSTGRES_VARIABLE):
            pytest.fail(message)
        pytest.skip(message)
    return base_url


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    """A keys file holding a planner, a viewer and an auditor key."""
    return make_keys(tmp_path_factory.mktemp("keys") / "keys.json")


def make_keys(path: Path) -> Keys:
    """Add one key per role to the keys file at `path`."""
    return Keys(path, {role: add_key(path, name, role) for role, name in ACTORS.items()})


@pytest.fixture(scope="module")
def client(module_database_url: str, keys: Keys) -> Iterator[TestClient]:
    """The service with one worker and a small body limit, shared by the module's tests."""
    with running_service(service_settings(module_database_url, keys, body_limit_bytes=BODY_LIMIT)) as client:
        yield client


@contextmanager
def running_service(settings: Settings) -> Iterator[TestClient]:
    """A client of the app with its lifespan started: database migrated, worker process running."""
    with TestClient(create_app(settings)) as client:
        yield client


def service_settings(database_url: str, keys: Keys, **overrides: Any) -> Settings:
    """Settings for a test service: one worker that looks for jobs often."""
    values: dict[str, Any] = {"database_url": database_url, "keys_file": keys.file, "workers": 1, "poll_seconds": 0.05}
    return Settings(**(values | overrides))


@pytest.fixture(scope="module")
def example_id(client: TestClient, keys: Keys) -> str:
    """The id of a job that planned the contract example and succeeded."""
    plan_id = submit(client, keys)
    assert wait_finished(client, keys, plan_id)["status"] == "succeeded"
    return plan_id


# Helpers


def as_json(response: Response) -> Json:
    """The response's JSON object."""
    body = response.json()
    assert isinstance(body, dict), body
    return body


def assert_problem(response: Response, status: int) -> Json:
    """Check that the response is an RFC 9457 problem with this status; its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    problem = as_json(response)
    assert {"type", "title", "status", "detail"} <= problem.keys()
    assert problem["status"] == status
    return problem


def error_locs(problem: Json) -> list[list[str | int]]:
    """The `loc` of every field error of a 422 problem, each error holding exactly `loc` and `msg`."""
    assert all(error.keys() == {"loc", "msg"} for error in problem["errors"])
    return [error["loc"] for error in problem["errors"]]


def submit(client: TestClient, keys: Keys, body: bytes = EXAMPLE, query: str = "", **headers: str) -> str:
    """Submit a plan request as the planner, expecting 202; the job's id."""
    response = client.post(f"/v1/plans{query}", content=body, headers=keys.headers(Role.PLANNER) | headers)
    assert response.status_code == 202, response.text
    plan_id = as_json(response)["id"]
    assert isinstance(plan_id, str)
    return plan_id


def get_job(client: TestClient, keys: Keys, plan_id: str) -> Json:
    """The job's status document, read as the viewer."""
    response = client.get(f"/v1/plans/{plan_id}", headers=keys.headers(Role.VIEWER))
    assert response.status_code == 200, response.text
    return as_json(response)


def wait_for(client: TestClient, keys: Keys, plan_id: str, until: Callable[[Json], bool], what: str) -> Json:
    """Poll the job until `until` holds of it, failing after WAIT_SECONDS; the job then."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        job = get_job(client, keys, plan_id)
        if until(job):
            return job
        if time.monotonic() > deadline:
            pytest.fail(f"job {plan_id} not {what} after {WAIT_SECONDS} s: {job}")
        time.sleep(POLL_SECONDS)


def wait_finished(client: TestClient, keys: Keys, plan_id: str) -> Json:
    """Poll the job until it has a final status."""
    return wait_for(client, keys, plan_id, lambda job: job["status"] in FINISHED, "finished")


def cancel(client: TestClient, keys: Keys, plan_id: str) -> Json:
    """Cancel the job as the planner, expecting 200; the job after."""
    response = client.post(f"/v1/plans/{plan_id}/cancel", headers=keys.headers(Role.PLANNER))
    assert response.status_code == 200, response.text
    return as_json(response)


def personal_data(request: bytes) -> set[str]:
    """Names, birth dates and document numbers of everyone on a roster."""
    values: set[str] = set()
    for someone in json.loads(request)["people"]:
        values |= {someone["surname"], someone["given_names"], someone["birth_date"]}
        values |= {document["number"] for document in someone["documents"]}
    return values


def follow_pages(client: TestClient, path: str, headers: dict[str, str], limit: int) -> list[list[Json]]:
    """Every page of a paginated listing, following next_cursor to the end."""
    pages: list[list[Json]] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": limit} | ({} if cursor is None else {"cursor": cursor})
        response = client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = as_json(response)
        assert page.keys() == {"items", "next_cursor"}
        assert len(page["items"]) <= limit
        pages.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages
        assert len(page["items"]) == limit


@cache
def long_roster() -> str:
    """A roster of 20,000 people that keeps a worker busy for many seconds."""
    return generate_json(20000, 400, 4, seed=1)


# POST /v1/plans


def test_submit_answers_202_with_location_and_queued_job(client: TestClient, keys: Keys) -> None:
    response = client.post("/v1/plans?time_limit_seconds=5&seed=7", content=EXAMPLE, headers=keys.headers(Role.PLANNER))
    assert response.status_code == 202
    job = as_json(response)
    assert response.headers["location"] == f"/v1/plans/{job['id']}"
    assert job["status"] == "queued"
    assert (job["time_limit_seconds"], job["seed"]) == (5, 7)
    assert job["started_at"] is None
    assert job["finished_at"] is None
    assert job["progress"] == dict.fromkeys(("elapsed_seconds", "placed_priority", "placed_priority_bound", "cost"))
    assert job["summary"] is None
    assert job["error"] is None


def test_submit_takes_a_roster_workbook(client: TestClient, keys: Keys) -> None:
    workbook = (FIXTURES / "contract-example.xlsx").read_bytes()
    plan_id = submit(client, keys, workbook, "?time_limit_seconds=10", **{"Content-Type": XLSX_TYPE})
    assert wait_finished(client, keys, plan_id)["summary"]["stats"]["placed"] == 3
    stored = client.get(f"/v1/plans/{plan_id}/result", headers=keys.headers(Role.VIEWER)).json()
    assert {p["person_id"] for p in stored["manifests"][0]["passengers"]} == set(EXPECTED_PLACED)


def test_submit_takes_a_rosters_csv_files(client: TestClient, keys: Keys, tmp_path: Path) -> None:
    write_csv_folder(parse_request(EXAMPLE), tmp_path)
    files = [("files", (path.name, path.read_bytes(), "text/csv")) for path in sorted(tmp_path.glob("*.csv"))]
    response = client.post("/v1/plans?time_limit_seconds=10", files=files, headers=keys.headers(Role.PLANNER))
    assert response.status_code == 202, response.text
    assert wait_finished(client, keys, as_json(response)["id"])["summary"]["stats"]["placed"] == 3


def test_csv_files_with_a_bad_cell_are_422_naming_it(client: TestClient, keys: Keys, tmp_path: Path) -> None:
    write_csv_folder(parse_request(EXAMPLE), tmp_path)
    people = (tmp_path / "people.csv").read_text(encoding="utf-8").splitlines()
    people[1] = people[1].replace("GTM", "XXX", 1)
    (tmp_path / "people.csv").write_text("\n".join(people) + "\n", encoding="utf-8")
    files = [("files", (path.name, path.read_bytes(), "text/csv")) for path in sorted(tmp_path.glob("*.csv"))]
    problem = assert_problem(client.post("/v1/plans", files=files, headers=keys.headers(Role.PLANNER)), 422)
    assert any(error["msg"].startswith("people row 2 column nationality") for error in problem["errors"]), problem


def test_a_workbook_with_bad_cells_is_422_naming_each_cell(client: TestClient, keys: Keys) -> None:
    workbook = load_workbook(FIXTURES / "contract-example.xlsx")
    workbook["flights"]["C2"] = "many"
    workbook["people"]["D2"] = "someday"
    body = io.BytesIO()
    workbook.save(body)
    headers = keys.headers(Role.PLANNER) | {"Content-Type": XLSX_TYPE}
    problem = assert_problem(client.post("/v1/plans", content=body.getvalue(), headers=headers), 422)
    messages = [error["msg"] for error in problem["errors"]]
    assert any(m.startswith("flights row 2 column seats") for m in messages), messages
    assert any(m.startswith("people row 2 column birth_date") for m in messages), messages
    assert "someday" not in json.dumps(problem)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer mp_not-a-key-this-service-knows"}, {"Authorization": "Basic cGF0OnB3"}],
    ids=["no-key", "unknown-key", "not-bearer"],
)
def test_submit_without_a_known_key_is_401(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/v1/plans", content=EXAMPLE, headers=headers)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_missing_key_is_401_before_request_is_validated(client: TestClient) -> None:
    response = client.post("/v1/plans?time_limit_seconds=0", content=b"{not json")
    assert_problem(response, 401)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AUDITOR])
def test_submit_by_other_roles_is_403(client: TestClient, keys: Keys, role: Role) -> None:
    response = client.post("/v1/plans", content=EXAMPLE, headers=keys.headers(role))
    assert_problem(response, 403)


def test_invalid_request_lists_each_bad_field_without_personal_data(client: TestClient, keys: Keys) -> None:
    someone = person("P-1", surname=SECRET_SURNAME, birth_date=SECRET_BIRTH_DATE, priority="first", nickname="ZZ")
    body = request_dict(people=[someone]) | {"flights": "none"}
    response = client.post("/v1/plans", json=body, headers=keys.headers(Role.PLANNER))
    problem = assert_problem(response, 422)
    locs = error_locs(problem)
    for loc in (
        ["body", "flights"],
        ["body", "people", 0, "birth_date"],
        ["body", "people", 0, "priority"],
        ["body", "people", 0, "nickname"],
    ):
        assert loc in locs
    assert SECRET_SURNAME not in response.text
    assert SECRET_BIRTH_DATE not in response.text


@pytest.mark.parametrize(
    "body", [b'{"people": [', b"", b"\xff\xfe", b"[1, 2]"], ids=["cut", "empty", "binary", "array"]
)
def test_malformed_json_is_422(client: TestClient, keys: Keys, body: bytes) -> None:
    response = client.post("/v1/plans", content=body, headers=keys.headers(Role.PLANNER))
    problem = assert_problem(response, 422)
    assert error_locs(problem)
    assert all(loc[0] == "body" for loc in error_locs(problem))


def test_body_over_limit_is_413(client: TestClient, keys: Keys) -> None:
    response = client.post("/v1/plans", content=b" " * (BODY_LIMIT + 1), headers=keys.headers(Role.PLANNER))
    assert_problem(response, 413)


def test_streamed_body_over_limit_is_413(client: TestClient, keys: Keys) -> None:
    chunks = iter([b" " * (BODY_LIMIT // 2)] * 3)  # no Content-Length: the limit is counted as the body arrives
    response = client.post("/v1/plans", content=chunks, headers=keys.headers(Role.PLANNER))
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


@pytest.mark.parametrize("value", ["0", "-1", "3600.5", "7200", "nan", "soon"])
def test_time_limit_outside_0_to_3600_is_422(client: TestClient, keys: Keys, value: str) -> None:
    response = client.post(
        "/v1/plans", params={"time_limit_seconds": value}, content=EXAMPLE, headers=keys.headers(Role.PLANNER)
    )
    problem = assert_problem(response, 422)
    assert error_locs(problem) == [["query", "time_limit_seconds"]]


def test_time_limit_of_3600_is_accepted(client: TestClient, keys: Keys) -> None:
    plan_id = submit(client, keys, query="?time_limit_seconds=3600")
    assert get_job(client, keys, plan_id)["time_limit_seconds"] == 3600


def test_idempotency_key_with_same_body_gives_same_job(client: TestClient, keys: Keys) -> None:
    headers = keys.headers(Role.PLANNER) | {"Idempotency-Key": "same-body-twice"}
    first = client.post("/v1/plans", content=EXAMPLE, headers=headers)
    again = client.post("/v1/plans", content=EXAMPLE, headers=headers)
    assert first.status_code == 202
    assert again.status_code in (200, 202)
    assert as_json(again)["id"] == as_json(first)["id"]
    assert again.headers["location"] == first.headers["location"]


def test_idempotency_key_with_other_body_is_409(client: TestClient, keys: Keys) -> None:
    headers = keys.headers(Role.PLANNER) | {"Idempotency-Key": "other-body-later"}
    assert client.post("/v1/plans", content=EXAMPLE, headers=headers).status_code == 202
    other = json.dumps(json.loads(EXAMPLE) | {"as_of": "2026-12-01T10:00:00-06:00"})
    assert_problem(client.post("/v1/plans", content=other, headers=headers), 409)


# GET /v1/plans


def test_list_pages_newest_first(client: TestClient, keys: Keys) -> None:
    submitted = [submit(client, keys) for _ in range(5)]
    pages = follow_pages(client, "/v1/plans", keys.headers(Role.PLANNER), limit=2)
    listed = [job["id"] for page in pages for job in page]
    assert listed[:5] == submitted[::-1]
    assert len(listed) == len(set(listed))
    times = [job["submitted_at"] for page in pages for job in page]
    assert times == sorted(times, reverse=True)


def test_list_is_open_to_viewer_not_auditor(client: TestClient, keys: Keys) -> None:
    assert client.get("/v1/plans", headers=keys.headers(Role.VIEWER)).status_code == 200
    assert_problem(client.get("/v1/plans", headers=keys.headers(Role.AUDITOR)), 403)
    assert_problem(client.get("/v1/plans"), 401)


@pytest.mark.parametrize("cursor", ["not-a-cursor", "", "YTU", "ajE="], ids=["junk", "empty", "audit-cursor", "padded"])
def test_list_with_invalid_cursor_is_422(client: TestClient, keys: Keys, cursor: str) -> None:
    response = client.get("/v1/plans", params={"cursor": cursor}, headers=keys.headers(Role.PLANNER))
    assert error_locs(assert_problem(response, 422)) == [["query", "cursor"]]


@pytest.mark.parametrize("limit", ["501", "0", "-1", "many"])
def test_list_with_limit_outside_1_to_500_is_422(client: TestClient, keys: Keys, limit: str) -> None:
    response = client.get("/v1/plans", params={"limit": limit}, headers=keys.headers(Role.PLANNER))
    assert error_locs(assert_problem(response, 422)) == [["query", "limit"]]


def test_list_takes_limit_500(client: TestClient, keys: Keys) -> None:
    assert client.get("/v1/plans?limit=500", headers=keys.headers(Role.VIEWER)).status_code == 200


# GET /v1/plans/{id}


def test_finished_job_has_summary_and_times(client: TestClient, keys: Keys, example_id: str) -> None:
    job = get_job(client, keys, example_id)
    assert job["status"] == "succeeded"
    assert job["submitted_at"] <= job["started_at"] <= job["finished_at"]
    assert job["error"] is None
    plan = Plan.model_validate_json(
        client.get(f"/v1/plans/{example_id}/result", headers=keys.headers(Role.VIEWER)).text
    )
    assert job["summary"] == {"objective": plan.objective.model_dump(), "stats": plan.stats.model_dump()}
    assert job["progress"].keys() == {"elapsed_seconds", "placed_priority", "placed_priority_bound", "cost"}


def test_job_is_readable_by_planner_and_viewer_not_auditor(client: TestClient, keys: Keys, example_id: str) -> None:
    for role in (Role.PLANNER, Role.VIEWER):
        assert client.get(f"/v1/plans/{example_id}", headers=keys.headers(role)).status_code == 200
    assert_problem(client.get(f"/v1/plans/{example_id}", headers=keys.headers(Role.AUDITOR)), 403)


@pytest.mark.parametrize("suffix", ["", "/result", "/unplaced", "/manifests/RPN-101", "/explain/P-0004"])
def test_unknown_plan_is_404(client: TestClient, keys: Keys, suffix: str) -> None:
    response = client.get(f"/v1/plans/0123456789abcdef0123456789abcdef{suffix}", headers=keys.headers(Role.VIEWER))
    assert_problem(response, 404)


@pytest.mark.parametrize("suffix", ["", "/result", "/cancel"])
def test_plan_id_with_nul_character_is_404(client: TestClient, keys: Keys, suffix: str) -> None:
    method = "POST" if suffix == "/cancel" else "GET"
    response = client.request(method, f"/v1/plans/%00{suffix}", headers=keys.headers(Role.PLANNER))
    assert_problem(response, 404)


def test_cancel_unknown_plan_is_404(client: TestClient, keys: Keys) -> None:
    response = client.post("/v1/plans/0123456789abcdef0123456789abcdef/cancel", headers=keys.headers(Role.PLANNER))
    assert_problem(response, 404)


# GET /v1/plans/{id}/result


def test_result_is_the_contract_example_plan(client: TestClient, keys: Keys, example_id: str) -> None:
    response = client.get(f"/v1/plans/{example_id}/result", headers=keys.headers(Role.VIEWER))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    plan = Plan.model_validate_json(response.text)
    assert plan.status == "optimal"
    assert [manifest.flight_id for manifest in plan.manifests] == ["RPN-101"]
    placed = {p.person_id: (p.board, p.deplane) for p in plan.manifests[0].passengers}
    assert placed == EXPECTED_PLACED
    assert {u.person_id: [r.code for r in u.reasons] for u in plan.unplaced} == {
        person_id: [code] for person_id, code in EXPECTED_UNPLACED.items()
    }


def test_result_is_not_for_auditor(client: TestClient, keys: Keys, example_id: str) -> None:
    assert_problem(client.get(f"/v1/plans/{example_id}/result", headers=keys.headers(Role.AUDITOR)), 403)


# GET /v1/plans/{id}/manifests/{flight_id}


def test_manifest_as_json(client: TestClient, keys: Keys, example_id: str) -> None:
    response = client.get(f"/v1/plans/{example_id}/manifests/RPN-101", headers=keys.headers(Role.PLANNER))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    manifest = as_json(response)
    assert manifest["flight_id"] == "RPN-101"
    assert {p["person_id"]: (p["board"], p["deplane"]) for p in manifest["passengers"]} == EXPECTED_PLACED


@pytest.mark.parametrize(
    ("query", "headers"), [("?format=csv", {}), ("", {"Accept": "text/csv"})], ids=["format", "accept"]
)
def test_manifest_as_csv(client: TestClient, keys: Keys, example_id: str, query: str, headers: dict[str, str]) -> None:
    path = f"/v1/plans/{example_id}/manifests/RPN-101{query}"
    response = client.get(path, headers=keys.headers(Role.VIEWER) | headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS)
    assert lines[0] == (
        "flight_id,board,deplane,person_id,surname,given_names,birth_date,sex,nationality,"
        "document_type,document_number,document_issuing_country,document_expires"
    )
    assert response.text == (GOLDEN / "contract-example.RPN-101.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize(("format", "suffix"), [("xlsx", "xlsx"), ("pdf", "pdf"), ("paxlst", "edi")])
def test_manifest_as_xlsx_pdf_and_paxlst(
    client: TestClient, keys: Keys, example_id: str, format: str, suffix: str
) -> None:
    from tests.test_exports import check_envelope, edifact_segments, pdf_pages

    response = client.get(
        f"/v1/plans/{example_id}/manifests/RPN-101?format={format}", headers=keys.headers(Role.VIEWER)
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MEDIA_TYPES[Format(format)]
    assert response.headers["content-disposition"] == f'attachment; filename="RPN-101.{suffix}"'
    if format == "xlsx":
        rows = load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)  # type: ignore[union-attr]
        assert [row[3] for row in rows] == ["person_id", *EXPECTED_PLACED]
    elif format == "pdf":
        # The route and local times come from the job's stored request.
        text = "\n".join(pdf_pages(response.content))
        assert "2 HRL 2026-12-03 08:40 UTC-06:00 2026-12-03 09:30 UTC-06:00" in text
    else:
        check_envelope(edifact_segments(response.text), len(EXPECTED_PLACED))


@pytest.mark.parametrize("flight_id", ["RPN-999", "RPN-102"], ids=["unknown", "carries-nobody"])
def test_manifest_of_flight_without_one_is_404(client: TestClient, keys: Keys, example_id: str, flight_id: str) -> None:
    response = client.get(f"/v1/plans/{example_id}/manifests/{flight_id}", headers=keys.headers(Role.VIEWER))
    assert_problem(response, 404)


def test_manifest_of_flight_whose_id_has_a_slash(client: TestClient, keys: Keys) -> None:
    request = EXAMPLE.replace(b'"RPN-101"', b'"RPN/101"')
    plan_id = submit(client, keys, request)
    assert wait_finished(client, keys, plan_id)["status"] == "succeeded"
    response = client.get(f"/v1/plans/{plan_id}/manifests/RPN%2F101", headers=keys.headers(Role.VIEWER))
    assert response.status_code == 200, response.text
    assert as_json(response)["flight_id"] == "RPN/101"


def test_manifest_in_unknown_format_is_422(client: TestClient, keys: Keys, example_id: str) -> None:
    response = client.get(f"/v1/plans/{example_id}/manifests/RPN-101?format=xml", headers=keys.headers(Role.VIEWER))
    assert error_locs(assert_problem(response, 422)) == [["query", "format"]]


def test_manifest_is_not_for_auditor(client: TestClient, keys: Keys, example_id: str) -> None:
    response = client.get(f"/v1/plans/{example_id}/manifests/RPN-101", headers=keys.headers(Role.AUDITOR))
    assert_problem(response, 403)


# GET /v1/plans/{id}/unplaced


def test_unplaced_lists_everyone_left_off(client: TestClient, keys: Keys, example_id: str) -> None:
    response = client.get(f"/v1/plans/{example_id}/unplaced", headers=keys.headers(Role.VIEWER))
    assert response.status_code == 200
    unplaced = response.json()
    assert {u["person_id"]: [r["code"] for r in u["reasons"]] for u in unplaced} == {
        person_id: [code] for person_id, code in EXPECTED_UNPLACED.items()
    }


def test_unplaced_filtered_by_code(client: TestClient, keys: Keys, example_id: str) -> None:
    response = client.get(f"/v1/plans/{example_id}/unplaced?code=LEGAL_HOLD", headers=keys.headers(Role.PLANNER))
    assert response.status_code == 200
    assert [u["person_id"] for u in response.json()] == ["P-0006"]


def test_unplaced_with_unknown_code_is_422(client: TestClient, keys: Keys, example_id: str) -> None:
    response = client.get(f"/v1/plans/{example_id}/unplaced?code=BAD_LUCK", headers=keys.headers(Role.PLANNER))
    assert error_locs(assert_problem(response, 422)) == [["query", "code"]]


def test_unplaced_is_not_for_auditor(client: TestClient, keys: Keys, example_id: str) -> None:
    assert_problem(client.get(f"/v1/plans/{example_id}/unplaced", headers=keys.headers(Role.AUDITOR)), 403)


# GET /v1/plans/{id}/explain/{person_id}


def get_explanation(client: TestClient, keys: Keys, plan_id: str, person_id: str, role: Role) -> Explanation:
    """The explanation of one person, expecting 200 and JSON."""
    response = client.get(f"/v1/plans/{plan_id}/explain/{person_id}", headers=keys.headers(role))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert not {value for value in personal_data(EXAMPLE) if value in response.text}
    return Explanation.model_validate_json(response.text)


def test_explanation_of_someone_left_off(client: TestClient, keys: Keys, example_id: str) -> None:
    explanation = get_explanation(client, keys, example_id, "P-0004", Role.VIEWER)
    assert explanation.placed is None
    assert explanation.codes == (ReasonCode.DOCUMENT_EXPIRED,)
    assert [(f.rule, f.code) for f in explanation.findings] == [(6, ReasonCode.DOCUMENT_EXPIRED)]
    assert "valid until at least 2026-12-31" in explanation.findings[0].fix


def test_explanation_is_that_of_the_job_request_and_plan(client: TestClient, keys: Keys, example_id: str) -> None:
    plan = Plan.model_validate_json(
        client.get(f"/v1/plans/{example_id}/result", headers=keys.headers(Role.VIEWER)).text
    )
    served = get_explanation(client, keys, example_id, "P-0008", Role.PLANNER)
    assert served == explain(parse_request(EXAMPLE), plan, "P-0008")
    assert {f.flight_id for f in served.findings} == {"RPN-101", "RPN-102"}


def test_explanation_of_a_placed_person_says_where(client: TestClient, keys: Keys, example_id: str) -> None:
    explanation = get_explanation(client, keys, example_id, "P-0003", Role.VIEWER)
    assert explanation.placed is not None
    assert (explanation.placed.flight_id, explanation.placed.board, explanation.placed.deplane) == (
        "RPN-101",
        "HRL",
        "SAP",
    )
    assert explanation.findings == ()


def test_explanation_of_unknown_person_is_404(client: TestClient, keys: Keys, example_id: str) -> None:
    response = client.get(f"/v1/plans/{example_id}/explain/P-9999", headers=keys.headers(Role.VIEWER))
    assert "'P-9999'" in assert_problem(response, 404)["detail"]


def test_explanation_is_not_for_auditor(client: TestClient, keys: Keys, example_id: str) -> None:
    response = client.get(f"/v1/plans/{example_id}/explain/P-0004", headers=keys.headers(Role.AUDITOR))
    assert_problem(response, 403)


def test_explanation_reads_are_audited_naming_the_plan_only(client: TestClient, keys: Keys, example_id: str) -> None:
    get_explanation(client, keys, example_id, "P-0005", Role.PLANNER)
    pages = follow_pages(client, "/v1/audit", keys.headers(Role.AUDITOR), limit=100)
    reads = [entry for page in pages for entry in page if entry["action"] == "read_explain"]
    assert (ACTORS[Role.PLANNER], "planner", example_id, None) in {
        (entry["actor"], entry["role"], entry["plan_id"], entry["detail"]) for entry in reads
    }


# GET /v1/plans/{id}/flights


def test_flights_join_the_requests_routes_with_the_plans_seats(client: TestClient, keys: Keys, example_id: str) -> None:
    response = client.get(f"/v1/plans/{example_id}/flights", headers=keys.headers(Role.VIEWER))
    assert response.status_code == 200, response.text
    flown, empty = response.json()
    assert (flown["flight_id"], flown["used"], flown["passengers"], flown["seats"]) == ("RPN-101", True, 3, 12)
    assert [stop["airport"] for stop in flown["stops"]] == ["AEX", "HRL", "GUA", "SAP"]
    assert flown["stops"][0] == {"airport": "AEX", "arrive": None, "depart": "2026-12-03T07:00:00-06:00"}
    assert [(s["from"], s["to"], s["aboard"], s["seats_used"]) for s in flown["segments"]] == [
        ("AEX", "HRL", 2, 6),
        ("HRL", "GUA", 3, 7),
        ("GUA", "SAP", 1, 5),
    ]
    segment = flown["segments"][1]
    assert (segment["depart"], segment["arrive"]) == ("2026-12-03T09:30:00-06:00", "2026-12-03T11:45:00-06:00")
    assert (segment["officers"], segment["medical_officers"], segment["reserved_seats"]) == (1, 1, 2)
    assert (empty["flight_id"], empty["used"], empty["passengers"], empty["aircraft"]) == (
        "RPN-102",
        False,
        0,
        "B737-400",
    )
    assert [(s["aboard"], s["seats_used"], s["seats"]) for s in empty["segments"]] == [(0, 6, 140)]


def test_flights_name_no_passenger(client: TestClient, keys: Keys, example_id: str) -> None:
    response = client.get(f"/v1/plans/{example_id}/flights", headers=keys.headers(Role.PLANNER))
    assert response.status_code == 200
    assert not [value for value in personal_data(EXAMPLE) if value in response.text]
    assert "P-000" not in response.text


def test_flights_read_is_audited_as_a_read_of_the_result(client: TestClient, keys: Keys, example_id: str) -> None:
    assert client.get(f"/v1/plans/{example_id}/flights", headers=keys.headers(Role.VIEWER)).status_code == 200
    latest = client.get("/v1/audit?limit=1", headers=keys.headers(Role.AUDITOR)).json()["items"][0]
    assert (latest["actor"], latest["action"], latest["plan_id"], latest["detail"]) == (
        ACTORS[Role.VIEWER],
        "read_result",
        example_id,
        "flights",
    )


def test_flights_are_not_for_auditor(client: TestClient, keys: Keys, example_id: str) -> None:
    assert_problem(client.get(f"/v1/plans/{example_id}/flights", headers=keys.headers(Role.AUDITOR)), 403)
    assert_problem(client.get(f"/v1/plans/{example_id}/flights"), 401)


def test_flights_of_unknown_plan_is_404(client: TestClient, keys: Keys) -> None:
    assert_problem(client.get(f"/v1/plans/{'0' * 32}/flights", headers=keys.headers(Role.VIEWER)), 404)


# The staff page


def test_page_is_served_at_the_root_with_its_files(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset, kind in (("/static/app.js", "javascript"), ("/static/app.css", "text/css")):
        assert asset in page.text
        response = client.get(asset)
        assert response.status_code == 200
        assert kind in response.headers["content-type"]


# POST /v1/plans/{id}/cancel


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AUDITOR])
def test_cancel_by_other_roles_is_403(client: TestClient, keys: Keys, example_id: str, role: Role) -> None:
    assert_problem(client.post(f"/v1/plans/{example_id}/cancel", headers=keys.headers(role)), 403)


def test_cancel_of_finished_job_leaves_it(client: TestClient, keys: Keys, example_id: str) -> None:
    assert cancel(client, keys, example_id)["status"] == "succeeded"


def test_queued_and_running_jobs_cancel(database_url: str, tmp_path: Path) -> None:
    """One worker busy with a long job: a second job stays queued until cancelled; the long one keeps a plan."""
    keys = make_keys(tmp_path / "keys.json")
    with running_service(service_settings(database_url, keys)) as client:
        long_id = submit(client, keys, long_roster().encode(), query="?time_limit_seconds=60")
        try:
            wait_for(client, keys, long_id, lambda job: job["status"] == "running", "running")
            check_queued_job_cancels(client, keys)
            check_running_job_cancels_with_plan(client, keys, long_id)
        finally:
            cancel(client, keys, long_id)
            wait_finished(client, keys, long_id)


def check_queued_job_cancels(client: TestClient, keys: Keys) -> None:
    """A job behind a running one is queued, has no result yet, and cancels at once."""
    queued_id = submit(client, keys)
    assert get_job(client, keys, queued_id)["status"] == "queued"
    for suffix in ("/result", "/manifests/RPN-101", "/unplaced", "/explain/P-0004", "/flights"):
        response = client.get(f"/v1/plans/{queued_id}{suffix}", headers=keys.headers(Role.VIEWER))
        assert_problem(response, 409)
    job = cancel(client, keys, queued_id)
    assert job["status"] == "cancelled"
    assert job["finished_at"] is not None
    assert job["started_at"] is None
    assert get_job(client, keys, queued_id)["status"] == "cancelled"
    assert_problem(client.get(f"/v1/plans/{queued_id}/result", headers=keys.headers(Role.VIEWER)), 409)


def check_running_job_cancels_with_plan(client: TestClient, keys: Keys, long_id: str) -> None:
    """A running job reports progress, and once cancelled keeps the best plan so far."""
    running = wait_for(
        client, keys, long_id, lambda job: job["progress"]["placed_priority"] is not None, "reporting progress"
    )
    assert running["status"] == "running"
    assert running["progress"]["elapsed_seconds"] > 0
    assert running["progress"]["placed_priority"] <= running["progress"]["placed_priority_bound"]
    cancel(client, keys, long_id)
    job = wait_finished(client, keys, long_id)
    assert job["status"] == "cancelled"
    assert job["summary"] is not None
    response = client.get(f"/v1/plans/{long_id}/result", headers=keys.headers(Role.VIEWER))
    assert response.status_code == 200
    plan = Plan.model_validate_json(response.text)
    assert plan.stats.people == 20000
    assert job["summary"]["objective"] == plan.objective.model_dump()


# GET /v1/audit


# POST /v1/plans/{id}/replan


def replanned(keys: Keys, client: TestClient, example_id: str, changed: Json, query: str = "") -> Json:
    """Replan `changed` against the example's plan as the planner; the finished replan job."""
    response = client.post(
        f"/v1/plans/{example_id}/replan{query}", content=json.dumps(changed), headers=keys.headers(Role.PLANNER)
    )
    assert response.status_code == 202, response.text
    job = as_json(response)
    assert response.headers["location"] == f"/v1/plans/{job['id']}"
    assert job["replan_of"] == example_id
    return wait_finished(client, keys, job["id"])


def test_replan_fills_previous_from_the_plan_and_reports_changes(
    client: TestClient, keys: Keys, example_id: str
) -> None:
    changed = json.loads(EXAMPLE)
    changed["people"][1]["holds"] = [{"kind": "stay_of_removal"}]  # P-0002, of family FAM-1 with P-0001
    job = replanned(keys, client, example_id, changed)
    assert job["status"] == "succeeded"
    assert job["summary"]["change_summary"] == {"added": 0, "moved": 0, "dropped": 2, "unchanged": 1}
    plan = Plan.model_validate_json(client.get(f"/v1/plans/{job['id']}/result", headers=keys.headers(Role.VIEWER)).text)
    assert {c.person_id: [r.code.value for r in c.reasons] for c in plan.changes or ()} == {
        "P-0001": ["FAMILY_MEMBER_INELIGIBLE"],
        "P-0002": ["LEGAL_HOLD"],
    }


def test_replan_keeps_a_previous_given_in_the_body(client: TestClient, keys: Keys, example_id: str) -> None:
    previous = client.get(f"/v1/plans/{example_id}/result", headers=keys.headers(Role.VIEWER)).json()
    changed = json.loads(EXAMPLE)
    # P-0006's hold is lifted, but RPN-101 is locked and RPN-102 lands on a Saturday, which GTM refuses.
    changed["people"][5]["holds"] = []
    changed["previous"] = {"plan": previous, "locked_flights": ["RPN-101"]}
    job = replanned(keys, client, example_id, changed)
    plan = Plan.model_validate_json(client.get(f"/v1/plans/{job['id']}/result", headers=keys.headers(Role.VIEWER)).text)
    assert [m.flight_id for m in plan.manifests] == ["RPN-101"]
    assert sorted(p.person_id for p in plan.manifests[0].passengers) == ["P-0001", "P-0002", "P-0003"]
    (left_off,) = [u for u in plan.unplaced if u.person_id == "P-0006"]
    assert "RPN-101 is frozen (locked)" in left_off.reasons[0].detail


def test_replan_freezes_the_flights_the_query_names(client: TestClient, keys: Keys, example_id: str) -> None:
    changed = json.loads(EXAMPLE)
    changed["people"][5]["holds"] = []  # P-0006 could now join RPN-101, were it not locked
    job = replanned(keys, client, example_id, changed, "?locked_flights=RPN-101&freeze_before=2026-12-01T00:00:00Z")
    plan = Plan.model_validate_json(client.get(f"/v1/plans/{job['id']}/result", headers=keys.headers(Role.VIEWER)).text)
    assert plan.change_summary is not None
    assert plan.change_summary.model_dump() == {"added": 0, "moved": 0, "dropped": 0, "unchanged": 3}


def test_a_request_giving_a_key_twice_is_422_naming_it(client: TestClient, keys: Keys) -> None:
    body = EXAMPLE.decode().replace('"final_order": true', '"final_order": false, "final_order": true', 1).encode()
    response = client.post("/v1/plans", content=body, headers=keys.headers(Role.PLANNER))
    assert error_locs(assert_problem(response, 422)) == [["body", "people", 0, "final_order"]]


def test_replan_with_a_bad_freeze_time_is_422(client: TestClient, keys: Keys, example_id: str) -> None:
    response = client.post(
        f"/v1/plans/{example_id}/replan?freeze_before=tomorrow", content=EXAMPLE, headers=keys.headers(Role.PLANNER)
    )
    assert ["body", "previous", "freeze_before"] in error_locs(assert_problem(response, 422))


def test_replan_of_unknown_plan_is_404(client: TestClient, keys: Keys) -> None:
    response = client.post(f"/v1/plans/{'0' * 32}/replan", content=EXAMPLE, headers=keys.headers(Role.PLANNER))
    assert_problem(response, 404)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AUDITOR])
def test_replan_by_other_roles_is_403(client: TestClient, keys: Keys, example_id: str, role: Role) -> None:
    assert_problem(client.post(f"/v1/plans/{example_id}/replan", content=EXAMPLE, headers=keys.headers(role)), 403)


def test_invalid_replan_lists_each_bad_field(client: TestClient, keys: Keys, example_id: str) -> None:
    changed = json.loads(EXAMPLE)
    changed["people"][0]["birth_date"] = "not a date"
    changed["previous"] = {"plan": {"status": "optimal"}}
    response = client.post(
        f"/v1/plans/{example_id}/replan", content=json.dumps(changed), headers=keys.headers(Role.PLANNER)
    )
    locations = error_locs(assert_problem(response, 422))
    assert ["body", "people", 0, "birth_date"] in locations
    assert ["body", "previous", "plan", "objective"] in locations


@pytest.mark.parametrize("role", [Role.PLANNER, Role.VIEWER])
def test_audit_is_for_auditor_only(client: TestClient, keys: Keys, role: Role) -> None:
    assert_problem(client.get("/v1/audit", headers=keys.headers(role)), 403)
    assert_problem(client.get("/v1/audit"), 401)


def test_audit_records_who_did_what_without_personal_data(client: TestClient, keys: Keys, example_id: str) -> None:
    cancelled_id = submit(client, keys)
    cancel(client, keys, cancelled_id)
    planner, viewer = keys.headers(Role.PLANNER), keys.headers(Role.VIEWER)
    assert client.get(f"/v1/plans/{example_id}/result", headers=viewer).status_code == 200
    assert client.get(f"/v1/plans/{example_id}/manifests/RPN-101?format=csv", headers=planner).status_code == 200
    assert client.get(f"/v1/plans/{example_id}/unplaced?code=LEGAL_HOLD", headers=viewer).status_code == 200
    pages = follow_pages(client, "/v1/audit", keys.headers(Role.AUDITOR), limit=2)
    entries = [entry for page in pages for entry in page]
    seen = {(entry["actor"], entry["role"], entry["action"], entry["plan_id"]) for entry in entries}
    pat, vic = ACTORS[Role.PLANNER], ACTORS[Role.VIEWER]
    assert {
        (pat, "planner", "submit", cancelled_id),
        (pat, "planner", "cancel", cancelled_id),
        (vic, "viewer", "read_result", example_id),
        (pat, "planner", "read_manifest", example_id),
        (vic, "viewer", "read_unplaced", example_id),
    } <= seen
    times = [entry["at"] for entry in entries]
    assert times == sorted(times, reverse=True)
    text = json.dumps(entries)
    assert not {value for value in personal_data(EXAMPLE) if value in text}


def test_audit_with_invalid_cursor_is_422(client: TestClient, keys: Keys) -> None:
    response = client.get("/v1/audit?cursor=ajE", headers=keys.headers(Role.AUDITOR))  # a cursor of the plans
    assert error_locs(assert_problem(response, 422)) == [["query", "cursor"]]


# Service start and stop


def test_stopped_service_leaves_no_connection_open(database_url: str, tmp_path: Path) -> None:
    keys = make_keys(tmp_path / "keys.json")
    gc.collect()  # what earlier tests left is not this test's business
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        with running_service(service_settings(database_url, keys)) as client:
            assert client.get("/readyz").status_code == 200
        del client
        gc.collect()
    assert [str(warning.message) for warning in caught if issubclass(warning.category, ResourceWarning)] == []


# Health, unknown routes and methods


def test_healthz_and_readyz_need_no_key(client: TestClient) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200
    assert as_json(health) == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert as_json(ready) == {"status": "ready", "database": True, "workers": True}


def test_unknown_route_is_404_problem(client: TestClient, keys: Keys) -> None:
    assert_problem(client.get("/v2/plans", headers=keys.headers(Role.PLANNER)), 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("DELETE", "/v1/plans", {"GET", "POST"}), ("PUT", "/healthz", {"GET"}), ("GET", "/v1/plans/x/cancel", {"POST"})],
)
def test_wrong_method_is_405_problem_listing_allowed_methods(
    client: TestClient, keys: Keys, method: str, path: str, allowed: set[str]
) -> None:
    response = client.request(method, path, headers=keys.headers(Role.PLANNER))
    assert_problem(response, 405)
    assert {part.strip() for part in response.headers["allow"].split(",")} == allowed


# The replan scenario (fixtures/scenario) through the service


def test_the_scenario_series_replanned_through_the_service_matches_its_goldens(client: TestClient, keys: Keys) -> None:
    """Day 1 submitted, each later day a replan of the day before with that day's freeze and locks as query."""
    scenario = FIXTURES / "scenario"
    days = json.loads((scenario / "series.json").read_text())["days"]
    previous_id: str | None = None
    for day in days:
        body = (scenario / day["request"]).read_bytes()
        if previous_id is None:
            job_id = submit(client, keys, body, "?time_limit_seconds=20")
        else:
            query = [("time_limit_seconds", "20"), ("freeze_before", day["freeze_before"])]
            query += [("locked_flights", flight_id) for flight_id in day["lock"]]
            response = client.post(
                f"/v1/plans/{previous_id}/replan", params=query, content=body, headers=keys.headers(Role.PLANNER)
            )
            assert response.status_code == 202, response.text
            job_id = as_json(response)["id"]
        job = wait_finished(client, keys, job_id)
        assert job["status"] == "succeeded", job
        golden = json.loads((scenario / f"day-{day['day']}.expected.json").read_text())
        assert job["summary"]["objective"]["placed_priority"] == golden["placed_priority"], day
        assert job["summary"]["objective"]["cost"] == golden["cost"], day
        if previous_id is not None:
            assert job["replan_of"] == previous_id
            assert job["summary"]["change_summary"] == golden["change_summary"], day
            plan = client.get(f"/v1/plans/{job_id}/result", headers=keys.headers(Role.VIEWER)).json()
            changes = sorted((c["person_id"], c["change"], [r["code"] for r in c["reasons"]]) for c in plan["changes"])
            wanted = sorted((c["person_id"], c["change"], c["reasons"]) for c in golden["changes"])
            assert changes == wanted, day
        previous_id = job_id
