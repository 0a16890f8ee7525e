"""The JSON bodies of the HTTP API that are not the planning contract's own: jobs, pages, audit entries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict

from api.jobs import AuditEntry, Job

__all__ = ["AuditPage", "AuditView", "JobPage", "JobView", "ProgressView", "audit_view", "job_view"]


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class ProgressView(View):
    """The best plan so far of a running job (nulls before the first)."""

    elapsed_seconds: float | None
    placed_priority: int | None
    placed_priority_bound: int | None
    cost: int | None


class JobView(View):
    id: str
    status: str
    submitted_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    time_limit_seconds: float
    seed: int
    progress: ProgressView
    summary: dict[str, Any] | None
    error: dict[str, Any] | None
    # Additive to the HTTP contract: the job whose plan this job replans.
    replan_of: str | None = None


class JobPage(View):
    items: list[JobView]
    next_cursor: str | None


class AuditView(View):
    at: dt.datetime
    actor: str
    role: str
    action: str
    plan_id: str | None
    detail: str | None


class AuditPage(View):
    items: list[AuditView]
    next_cursor: str | None


def job_view(job: Job) -> JobView:
    """What a client sees of a job: never the roster, only status, timing, progress and outcome."""
    return JobView(
        id=job.id,
        status=job.status,
        submitted_at=job.submitted_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        time_limit_seconds=job.time_limit,
        seed=job.seed,
        progress=ProgressView(
            elapsed_seconds=job.elapsed_seconds,
            placed_priority=job.placed_priority,
            placed_priority_bound=job.placed_priority_bound,
            cost=job.cost,
        ),
        summary=job.summary,
        error=job.error,
        replan_of=job.replan_of,
    )


def audit_view(entry: AuditEntry) -> AuditView:
    """An audit entry as served: every field but the store's own row id."""
    return AuditView.model_validate(entry, from_attributes=True)
