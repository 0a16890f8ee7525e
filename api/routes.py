"""HTTP routes of the planning service: parse, authorise, call the job store, answer. Nothing else."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import TypeAdapter

from api.auth import Auditor, Planner, Reader
from api.jobs import Job, JobStore
from api.problems import PROBLEM_RESPONSES, ProblemError, problem_type
from api.settings import Settings
from api.views import AuditPage, JobPage, JobView, audit_view, job_view
from planner.flights import FlightSummary, flights_of_request, flown_of_plan_json, summarise_flights
from planner.manifest import find_manifest, manifest_csv
from planner.parsing import parse_request
from planner.plan import Plan, Unplaced
from planner.reasons import ReasonCode

__all__ = ["health", "router"]

router = APIRouter(responses=PROBLEM_RESPONSES)
health = APIRouter()

FINISHED = {"succeeded", "failed", "cancelled"}
PLAN_ID = re.compile(r"[0-9a-f]{32}")
PLAN_REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PlanRequest"}}},
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


@router.post(
    "/v1/plans",
    status_code=202,
    response_model=JobView,
    openapi_extra=PLAN_REQUEST_BODY,
    summary="Submit a plan request; the plan is made by a worker",
    responses={200: {"model": JobView, "description": "the same job, for a repeated Idempotency-Key"}},
)
async def submit_plan(
    request: Request,
    response: Response,
    who: Planner,
    store: Store,
    settings: Config,
    time_limit_seconds: Annotated[float | None, Query(gt=0, le=3600)] = None,
    seed: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JobView:
    body = await request.body()
    limit = min(time_limit_seconds or settings.default_time_limit, settings.max_time_limit)
    # Parsing and storing 20 MB of roster takes a while: in a thread, so other requests keep being answered.
    job, created = await run_in_threadpool(accept_submission, store, body, limit, seed, who.name, idempotency_key)
    store.audit(who.name, who.role, "submit", job.id)
    response.status_code = 202 if created else 200
    response.headers["Location"] = f"/v1/plans/{job.id}"
    return job_view(job)


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


@router.get(
    "/v1/plans/{plan_id}/manifests/{flight_id:path}",
    summary="One flight's manifest, as JSON or (format=csv or Accept: text/csv) CSV",
    responses={
        200: {
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Manifest"}},
                "text/csv": {"schema": {"type": "string"}},
            }
        }
    },
)
def get_manifest(
    plan_id: str,
    flight_id: str,
    request: Request,
    who: Reader,
    store: Store,
    format: Annotated[str | None, Query(pattern="^(json|csv)$")] = None,
) -> Response:
    plan = Plan.model_validate_json(finished_plan(store, plan_id))
    manifest = find_manifest(plan, flight_id)
    if manifest is None:
        raise ProblemError(
            404, "No such manifest", f"the plan puts nobody on flight {flight_id!r}", type=problem_type("not-found")
        )
    store.audit(who.name, who.role, "read_manifest", plan_id, flight_id)
    wants_csv = format == "csv" or (format is None and "text/csv" in request.headers.get("accept", ""))
    if wants_csv:
        return PlainTextResponse(manifest_csv(manifest), media_type="text/csv; charset=utf-8")
    return Response(manifest.to_json(), media_type="application/json")


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


@router.post("/v1/plans/{plan_id}/cancel", response_model=JobView, summary="Stop a queued or running job")
def cancel_plan(plan_id: str, who: Planner, store: Store) -> JobView:
    find_job(store, plan_id)
    job = store.request_cancel(plan_id)
    assert job is not None
    store.audit(who.name, who.role, "cancel", plan_id)
    return job_view(job)


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


def accept_submission(
    store: JobStore, body: bytes, time_limit: float, seed: int, who: str, idempotency_key: str | None
) -> tuple[Job, bool]:
    """Validate the request (a RequestError becomes a 422 listing every problem) and queue it."""
    parse_request(body)
    return store.submit(body, time_limit, seed, who, idempotency_key)


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
