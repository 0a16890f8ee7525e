"""HTTP routes of the planning service: parse, authorise, call the job store, answer. Nothing else."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter
from starlette.datastructures import UploadFile as StarletteUpload

from api.auth import Auditor, Planner, Reader
from api.jobs import Job, JobStore
from api.problems import PROBLEM_RESPONSES, ProblemError, field_errors, problem_type
from api.settings import Settings
from api.views import AuditPage, JobPage, JobView, audit_view, job_view
from planner.explain import Explanation, UnknownPersonError, explain
from planner.exports import MEDIA_TYPES, Format, export_manifest, needs_flight
from planner.flights import FlightSummary, flights_of_request, flown_of_plan_json, summarise_flights
from planner.manifest import find_manifest
from planner.parsing import parse_request
from planner.plan import Plan, Unplaced
from planner.reasons import ReasonCode
from planner.request import PlanRequest
from planner.roster import RosterError, read_csv_files, read_workbook, request_json

__all__ = ["health", "router"]

router = APIRouter(responses=PROBLEM_RESPONSES)
health = APIRouter()

FINISHED = {"succeeded", "failed", "cancelled"}
PLAN_ID = re.compile(r"[0-9a-f]{32}")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAN_REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PlanRequest"}}},
    }
}
# A submission may also be a roster workbook (README: Spreadsheets and exports), turned into the same JSON.
SUBMISSION_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/PlanRequest"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                }
            },
        },
    }
}
FLIGHT_SUMMARIES = TypeAdapter(tuple[FlightSummary, ...])


def get_store(request: Request) -> JobStore:
    store: JobStore = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


Store = Annotated[JobStore, Depends(get_store)]
Config = Annotated[Settings, Depends(get_settings)]
Limit = Annotated[int, Query(ge=1, le=500, description="page size")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
TimeLimit = Annotated[float | None, Query(gt=0, le=3600)]
Seed = Annotated[int, Query(ge=0, le=2**31 - 1)]
IdempotencyKey = Annotated[str | None, Header(max_length=200)]


@router.post(
    "/v1/plans",
    status_code=202,
    response_model=JobView,
    openapi_extra=SUBMISSION_BODY,
    summary="Submit a plan request; the plan is made by a worker",
    responses={200: {"model": JobView, "description": "the same job, for a repeated Idempotency-Key"}},
)
async def submit_plan(
    request: Request,
    response: Response,
    who: Planner,
    store: Store,
    settings: Config,
    time_limit_seconds: TimeLimit = None,
    seed: Seed = 0,
    idempotency_key: IdempotencyKey = None,
) -> JobView:
    body = await request.body()
    limit = min(time_limit_seconds or settings.default_time_limit, settings.max_time_limit)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == XLSX:
        body = await run_in_threadpool(roster_request, lambda: read_workbook(body))
    elif kind == "multipart/form-data":
        files = await uploaded_files(request)
        body = await run_in_threadpool(roster_request, lambda: read_csv_files(files))
    # Parsing and storing 20 MB of roster takes a while: in a thread, so other requests keep being answered.
    job, created = await run_in_threadpool(accept_submission, store, body, limit, seed, who.name, idempotency_key)
    store.audit(who.name, who.role, "submit", job.id)
    return accepted(response, job, created)


@router.get("/v1/plans", response_model=JobPage, summary="Jobs, newest first")
def list_plans(who: Reader, store: Store, limit: Limit = 50, cursor: Cursor = None) -> JobPage:
    jobs, next_cursor = store.list_jobs(limit, cursor)
    return JobPage(items=[job_view(job) for job in jobs], next_cursor=next_cursor)


@router.get("/v1/plans/{plan_id}", response_model=JobView, summary="A job's status, progress and summary")
def get_plan(plan_id: str, who: Reader, store: Store) -> JobView:
    return job_view(find_job(store, plan_id))


@router.get(
    "/v1/plans/{plan_id}/result",
    summary="The plan (planning contract); 409 until the job has finished with one",
    responses={200: {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Plan"}}}}},
)
def get_result(plan_id: str, who: Reader, store: Store) -> Response:
    plan = finished_plan(store, plan_id)
    store.audit(who.name, who.role, "read_result", plan_id)
    return Response(plan, media_type="application/json")


BINARY = {"schema": {"type": "string", "format": "binary"}}
MANIFEST_CONTENT: dict[str, Any] = {
    MEDIA_TYPES[Format.JSON]: {"schema": {"$ref": "#/components/schemas/Manifest"}},
    "text/csv": {"schema": {"type": "string"}},
    MEDIA_TYPES[Format.XLSX]: BINARY,
    MEDIA_TYPES[Format.PDF]: BINARY,
    MEDIA_TYPES[Format.PAXLST]: {"schema": {"type": "string"}},
}


@router.get(
    "/v1/plans/{plan_id}/manifests/{flight_id:path}",
    summary="One flight's manifest: JSON, or CSV (format=csv or Accept: text/csv), XLSX, PDF or UN/EDIFACT PAXLST",
    responses={200: {"content": MANIFEST_CONTENT}},
)
def get_manifest(
    plan_id: str,
    flight_id: str,
    request: Request,
    who: Reader,
    store: Store,
    format: Annotated[Format | None, Query(description="default: JSON, or CSV for Accept: text/csv")] = None,
) -> Response:
    plan = Plan.model_validate_json(finished_plan(store, plan_id))
    manifest = find_manifest(plan, flight_id)
    if manifest is None:
        raise ProblemError(
            404, "No such manifest", f"the plan puts nobody on flight {flight_id!r}", type=problem_type("not-found")
        )
    store.audit(who.name, who.role, "read_manifest", plan_id, flight_id)
    if format is None:
        format = Format.CSV if "text/csv" in request.headers.get("accept", "") else Format.JSON
    # PDF and PAXLST show the route and times, which the job's own request holds.
    stored = store.request_of(plan_id) if needs_flight(format) else None
    body = export_manifest(manifest, format, None if stored is None else parse_request(stored))
    headers = {} if format in {Format.JSON, Format.CSV} else {"Content-Disposition": attachment(flight_id, format)}
    return Response(body, media_type=MEDIA_TYPES[format], headers=headers)


def attachment(flight_id: str, format: Format) -> str:
    """A download name made of the flight id's safe characters."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", flight_id) or "manifest"
    return f'attachment; filename="{name}.{"edi" if format is Format.PAXLST else format.value}"'


@router.get(
    "/v1/plans/{plan_id}/unplaced",
    summary="People left off and why; ?code= keeps those with that reason",
    response_model=list[Unplaced],
)
def get_unplaced(plan_id: str, who: Reader, store: Store, code: ReasonCode | None = None) -> Response:
    # The stored plan was checked when it was made; reading only its unplaced list as plain JSON keeps the
    # page's first view of 20,000 people quick.
    entries: list[dict[str, Any]] = json.loads(finished_plan(store, plan_id))["unplaced"]
    unplaced = [u for u in entries if code is None or any(r["code"] == code.value for r in u["reasons"])]
    store.audit(who.name, who.role, "read_unplaced", plan_id, code.value if code else None)
    return Response(json.dumps(unplaced), media_type="application/json")


@router.get(
    "/v1/plans/{plan_id}/flights",
    summary="Every flight of the request (route, times, seats) with the plan's seat use per segment",
    response_model=list[FlightSummary],
)
def get_flights(plan_id: str, who: Reader, store: Store) -> Response:
    flown = flown_of_plan_json(finished_plan(store, plan_id))
    request = store.request_of(plan_id)
    assert request is not None, "every job keeps its request"
    # Audited as a read of the result (detail "flights"), which it is a view of: the audit actions stay as they are.
    store.audit(who.name, who.role, "read_result", plan_id, "flights")
    # Serialised here in one step: FastAPI's own route through response_model takes half a second for 400 flights.
    body = FLIGHT_SUMMARIES.dump_json(summarise_flights(flown, flights_of_request(request)), by_alias=True)
    return Response(body, media_type="application/json")


@router.get(
    "/v1/plans/{plan_id}/explain/{person_id:path}",
    response_model=Explanation,
    summary="Why a person is left off the plan: each rule in the way, the fact breaking it, what would fix it",
)
def get_explanation(plan_id: str, person_id: str, who: Reader, store: Store) -> Explanation:
    plan = Plan.model_validate_json(finished_plan(store, plan_id))
    request = store.request_of(plan_id)
    assert request is not None, "a job with a plan keeps its request"
    try:
        explanation = explain(parse_request(request), plan, person_id)
    except UnknownPersonError:
        detail = f"the plan's request has no person {person_id!r}"
        raise ProblemError(404, "No such person", detail, type=problem_type("not-found")) from None
    # Like result reads, the entry names the plan only: the audit log names no one on a roster.
    store.audit(who.name, who.role, "read_explain", plan_id)
    return explanation


@router.post("/v1/plans/{plan_id}/cancel", response_model=JobView, summary="Stop a queued or running job")
def cancel_plan(plan_id: str, who: Planner, store: Store) -> JobView:
    find_job(store, plan_id)
    job = store.request_cancel(plan_id)
    assert job is not None
    store.audit(who.name, who.role, "cancel", plan_id)
    return job_view(job)


@router.post(
    "/v1/plans/{plan_id}/replan",
    status_code=202,
    response_model=JobView,
    openapi_extra=PLAN_REQUEST_BODY,
    summary="Replan a changed request against this job's plan (its `previous`, unless the body has one)",
    responses={200: {"model": JobView, "description": "the same job, for a repeated Idempotency-Key"}},
)
async def replan_plan(
    plan_id: str,
    request: Request,
    response: Response,
    who: Planner,
    store: Store,
    settings: Config,
    time_limit_seconds: TimeLimit = None,
    seed: Seed = 0,
    idempotency_key: IdempotencyKey = None,
    freeze_before: Annotated[
        str | None, Query(max_length=64, description="flights departing earlier keep their passengers")
    ] = None,
    locked_flights: Annotated[list[str] | None, Query(description="flights that keep their passengers")] = None,
) -> JobView:
    body = await request.body()
    limit = min(time_limit_seconds or settings.default_time_limit, settings.max_time_limit)
    freeze = Freeze(freeze_before, tuple(locked_flights or ()))
    job, created = await run_in_threadpool(
        accept_replan, store, plan_id, body, freeze, limit, seed, who.name, idempotency_key
    )
    store.audit(who.name, who.role, "submit", job.id, f"replan of {plan_id}")
    return accepted(response, job, created)


@router.get("/v1/audit", response_model=AuditPage, summary="Who did what when, newest first")
def get_audit(who: Auditor, store: Store, limit: Limit = 50, cursor: Cursor = None) -> AuditPage:
    entries, next_cursor = store.audit_log(limit, cursor)
    return AuditPage(items=[audit_view(entry) for entry in entries], next_cursor=next_cursor)


@health.get("/healthz", summary="Liveness")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@health.get(
    "/readyz",
    summary="Readiness: database and workers reachable",
    responses={503: {"description": "not ready: the database or a worker is down"}},
)
def readyz(request: Request, store: Store) -> JSONResponse:
    checks: dict[str, Any] = {"database": store.ping(), "workers": request.app.state.runner.is_alive()}
    ready = all(checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", **checks}, status_code=200 if ready else 503)


async def uploaded_files(request: Request) -> dict[str, bytes]:
    """The files of a multipart submission (a roster's CSV files, field `files`), by file name."""
    try:
        form = await request.form()
    except Exception:  # Starlette raises several kinds for a malformed multipart body.
        raise ProblemError(
            422, "Invalid upload", "the multipart body cannot be read", type=problem_type("invalid-upload")
        ) from None
    files = {}
    try:
        for value in form.getlist("files"):
            if isinstance(value, StarletteUpload) and value.filename:
                files[value.filename] = await value.read()
    finally:
        await form.close()  # its spooled files, at once rather than when collected
    return files


def roster_request(read: Callable[[], PlanRequest]) -> bytes:
    """A roster (workbook or CSV files) as contract JSON; every bad cell named by sheet, row and column."""
    try:
        return request_json(read()).encode()
    except RosterError as error:
        errors = field_errors((("body",), problem) for problem in error.problems)
        detail = f"{len(errors)} problem(s) in the roster; `errors` names each bad cell."
        raise ProblemError(422, "Invalid roster", detail, type=problem_type("invalid-roster"), errors=errors) from None


def accepted(response: Response, job: Job, created: bool) -> JobView:
    """A queued job's answer: 202 and its Location, or 200 for the job an Idempotency-Key gave back."""
    response.status_code = 202 if created else 200
    response.headers["Location"] = f"/v1/plans/{job.id}"
    return job_view(job)


def accept_submission(
    store: JobStore, body: bytes, time_limit: float, seed: int, who: str, idempotency_key: str | None
) -> tuple[Job, bool]:
    """Validate the request (a RequestError becomes a 422 listing every problem) and queue it."""
    parse_request(body)
    return store.submit(body, time_limit, seed, who, idempotency_key)


@dataclass(frozen=True)
class Freeze:
    """The replan query's `freeze_before` and `locked_flights`, for a body without its own `previous`."""

    before: str | None
    locked: tuple[str, ...]


def accept_replan(
    store: JobStore,
    plan_id: str,
    body: bytes,
    freeze: Freeze,
    time_limit: float,
    seed: int,
    who: str,
    idempotency_key: str | None,
) -> tuple[Job, bool]:
    """Queue a changed request as a replan of plan `plan_id`, its plan filled in as `previous` unless given."""
    previous = finished_plan(store, plan_id)
    replan = with_previous(body, previous, freeze)
    parse_request(replan)
    return store.submit(replan, time_limit, seed, who, idempotency_key, replan_of=plan_id)


def with_previous(body: bytes, plan: bytes, freeze: Freeze) -> bytes:
    """The request body with `previous` set to the plan and the query's freeze, unless it has its own.

    Nothing is frozen unless asked: every flight of the request, departed or not, is re-checked against
    its `as_of` (a flight that has left fails rule 10), so freezing by `as_of` would keep nothing.
    A body that is not a JSON object is left as it is, for the parser to say what is wrong with it.
    """
    try:
        raw = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return body
    if not isinstance(raw, dict) or "previous" in raw:
        return body
    previous = {"plan": json.loads(plan), "freeze_before": freeze.before, "locked_flights": list(freeze.locked)}
    return json.dumps({**raw, "previous": previous}).encode()


def find_job(store: JobStore, plan_id: str) -> Job:
    # Ids are what submit made (32 hex digits); anything else is unknown without asking the database,
    # which for some text (a NUL byte on PostgreSQL) would fail rather than find nothing.
    job = store.get(plan_id) if PLAN_ID.fullmatch(plan_id) else None
    if job is None:
        raise ProblemError(404, "No such plan", f"there is no plan job {plan_id!r}", type=problem_type("not-found"))
    return job


def finished_plan(store: JobStore, plan_id: str) -> bytes:
    """The plan JSON of a finished job, or 409 saying why there is none yet."""
    job = find_job(store, plan_id)
    if job.status not in FINISHED:
        raise ProblemError(
            409, "Not finished", f"the job is {job.status}; its plan is not ready", type=problem_type("not-finished")
        )
    plan = store.plan_of(plan_id)
    if plan is None:
        raise ProblemError(409, "No plan", f"the job {job.status} without a plan", type=problem_type("no-plan"))
    return plan
