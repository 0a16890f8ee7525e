"""The job store: planning jobs, their status history and the audit log, in short transactions; no HTTP here.

Every method is its own transaction and is safe to call from several threads and processes at once, on
SQLite and on PostgreSQL. Exceptions::

    JobStoreError
    ├── IdempotencyConflict  an idempotency key reused with another request or other solver settings
    ├── InvalidCursor        a page cursor that this store did not hand out
    └── NotRunningError      finish() on a job that is not running (finished, requeued or unknown)

Unknown values of a closed set (a status or an audit action) raise ``ValueError``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import InstrumentedAttribute, Session

from api.store import (
    MAX_IDEMPOTENCY_KEY_LENGTH,
    AuditAction,
    AuditRow,
    JobEventRow,
    JobRow,
    JobStatus,
    writing,
)

__all__ = [
    "FINISHED",
    "AuditAction",
    "AuditEntry",
    "IdempotencyConflict",
    "InvalidCursor",
    "Job",
    "JobEvent",
    "JobStatus",
    "JobStore",
    "JobStoreError",
    "NotRunningError",
]

FINISHED: Final = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})
Row = TypeVar("Row", JobRow, AuditRow)
Item = TypeVar("Item")
JOBS_CURSOR: Final = "j"
AUDIT_CURSOR: Final = "a"
# A kind letter, then a positive decimal that fits a BIGINT.
CURSOR_TEXT: Final = re.compile(r"([a-z])([1-9][0-9]{0,17})")


class JobStoreError(Exception):
    """Base of the job store's own errors."""


class IdempotencyConflict(JobStoreError):  # noqa: N818 - the name the service codes against
    """The idempotency key was used before by the same submitter with another request or other settings."""


class InvalidCursor(JobStoreError):  # noqa: N818 - the name the service codes against
    """The page cursor was not handed out by this store for this listing."""


class NotRunningError(JobStoreError):
    """The job to finish is not running: it finished already, was requeued, or does not exist."""


@dataclass(frozen=True, slots=True)
class Job:
    """One planning job as stored, without its request and plan bytes."""

    id: str
    seq: int
    status: JobStatus
    submitted_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    submitted_by: str
    time_limit: float
    seed: int
    request_sha256: str
    idempotency_key: str | None
    replan_of: str | None
    cancel_requested: bool
    attempts: int
    elapsed_seconds: float | None
    placed_priority: int | None
    placed_priority_bound: int | None
    cost: int | None
    summary: dict[str, Any] | None
    error: dict[str, Any] | None

    @property
    def is_finished(self) -> bool:
        """Whether the job reached a final status and will not change again."""
        return self.status in FINISHED


@dataclass(frozen=True, slots=True)
class JobEvent:
    """One step in a job's status history."""

    id: int
    job_id: str
    status: JobStatus
    at: datetime
    note: str | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log: who did what when."""

    id: int
    at: datetime
    actor: str
    role: str
    action: AuditAction
    plan_id: str | None
    detail: str | None


class JobStore:
    """Planning jobs and the audit log in one database, shared by the service's processes."""

    def __init__(self, engine: Engine) -> None:
        """Work on this engine, whose tables api.store.migrate created."""
        self._engine = engine
        self._writer = writing(engine)

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Session]:
        """A session in one transaction, committed when the block ends without an exception."""
        with Session(self._writer if write else self._engine) as session, session.begin():
            yield session

    # Submission and reading

    def submit(
        self,
        request: bytes,
        time_limit: float,
        seed: int,
        submitted_by: str,
        idempotency_key: str | None,
        replan_of: str | None = None,
    ) -> tuple[Job, bool]:
        """Queue a job, or give back the one this submitter queued before under the same key; True if new.

        `replan_of` links a replan to the job whose plan it changes.
        """
        if idempotency_key is not None and len(idempotency_key) > MAX_IDEMPOTENCY_KEY_LENGTH:
            raise ValueError(f"an idempotency key has at most {MAX_IDEMPOTENCY_KEY_LENGTH} characters")
        digest = hashlib.sha256(request).hexdigest()
        try:
            with self._transaction(write=True) as session:
                earlier = _find_by_key(session, submitted_by, idempotency_key)
                if earlier is not None:
                    return _replay(earlier, digest, time_limit, seed), False
                row = _insert_job(session, request, digest, time_limit, seed, submitted_by, idempotency_key, replan_of)
                return _job(row), True
        except IntegrityError:
            # On PostgreSQL another process may insert the same key between our look-up and our insert.
            with self._transaction(write=False) as session:
                earlier = _find_by_key(session, submitted_by, idempotency_key)
                if earlier is None:
                    raise
                return _replay(earlier, digest, time_limit, seed), False

    def get(self, job_id: str) -> Job | None:
        """The job with this id, if there is one."""
        with self._transaction(write=False) as session:
            row = session.get(JobRow, job_id)
            return None if row is None else _job(row)

    def list_jobs(self, limit: int, cursor: str | None) -> tuple[list[Job], str | None]:
        """One page of jobs, newest first, and the cursor of the next page (None on the last)."""
        return self._page(JobRow, JobRow.seq, JOBS_CURSOR, limit, cursor, _job)

    def request_of(self, job_id: str) -> bytes | None:
        """The exact request bytes the job was submitted with."""
        with self._transaction(write=False) as session:
            request = session.scalar(select(JobRow.request).where(JobRow.id == job_id))
        return None if request is None else bytes(request)

    def plan_of(self, job_id: str) -> bytes | None:
        """The plan JSON of a finished job, or None when there is none (yet)."""
        with self._transaction(write=False) as session:
            plan = session.scalar(select(JobRow.plan).where(JobRow.id == job_id))
        return None if plan is None else bytes(plan)

    def events(self, job_id: str) -> list[JobEvent]:
        """The job's status history, oldest first."""
        statement = select(JobEventRow).where(JobEventRow.job_id == job_id).order_by(JobEventRow.id)
        with self._transaction(write=False) as session:
            return [_event(row) for row in session.scalars(statement)]

    # Running jobs

    def claim_next(self) -> str | None:
        """Move the oldest queued job to running and give its id; no two callers ever get the same job."""
        # SKIP LOCKED lets concurrent claimers on PostgreSQL pass over each other's candidate; SQLite ignores
        # it and instead serialises writers from BEGIN IMMEDIATE on.
        candidate = (
            select(JobRow.id)
            .where(JobRow.status == JobStatus.QUEUED)
            .order_by(JobRow.seq)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        with self._transaction(write=True) as session:
            job_id = session.scalar(candidate)
            if job_id is None:
                return None
            now = _now()
            attempts = session.scalar(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status == JobStatus.QUEUED)
                .values(status=JobStatus.RUNNING, started_at=now, attempts=JobRow.attempts + 1)
                .returning(JobRow.attempts),
                execution_options={"synchronize_session": False},
            )
            if attempts is None:
                # Cannot happen under the locks above; checked so that a broken lock never runs a job twice.
                return None
            session.add(JobEventRow(job_id=job_id, status=JobStatus.RUNNING, at=now, note=f"attempt {attempts}"))
            return job_id

    def record_progress(
        self,
        job_id: str,
        elapsed_seconds: float,
        placed_priority: int | None,
        placed_priority_bound: int | None,
        cost: int | None,
    ) -> None:
        """Store the best plan so far of a running job; a report for a job no longer running is dropped."""
        with self._transaction(write=True) as session:
            session.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status == JobStatus.RUNNING)
                .values(
                    elapsed_seconds=elapsed_seconds,
                    placed_priority=placed_priority,
                    placed_priority_bound=placed_priority_bound,
                    cost=cost,
                ),
                execution_options={"synchronize_session": False},
            )

    def finish(
        self,
        job_id: str,
        status: str,
        plan: bytes | None,
        summary: dict[str, Any] | None,
        error: dict[str, Any] | None,
    ) -> None:
        """Record the end of a running job: its final status, plan, summary and error problem."""
        if status not in FINISHED:
            raise ValueError(f"{status!r} is not a final status: one of {', '.join(sorted(FINISHED))}")
        final = JobStatus(status)
        with self._transaction(write=True) as session:
            row = _locked(session, job_id)
            if row is None or row.status != JobStatus.RUNNING:
                found = "unknown" if row is None else row.status
                raise NotRunningError(f"job {job_id} is {found}, not running")
            now = _now()
            row.status = final
            row.finished_at = now
            row.plan = plan
            row.summary = _dump(summary)
            row.error = _dump(error)
            session.add(JobEventRow(job_id=job_id, status=final, at=now, note=None))

    def request_cancel(self, job_id: str) -> Job | None:
        """Cancel a queued job at once, ask a running one to stop, leave a finished one; the job after."""
        with self._transaction(write=True) as session:
            row = _locked(session, job_id)
            if row is None:
                return None
            now = _now()
            if row.status == JobStatus.QUEUED:
                row.status = JobStatus.CANCELLED
                row.finished_at = now
                session.add(JobEventRow(job_id=job_id, status=JobStatus.CANCELLED, at=now, note="before it started"))
            elif row.status == JobStatus.RUNNING and not row.cancel_requested:
                row.cancel_requested = True
                session.add(JobEventRow(job_id=job_id, status=JobStatus.RUNNING, at=now, note="cancel requested"))
            session.flush()
            return _job(row)

    def is_cancel_requested(self, job_id: str) -> bool:
        """Whether the running job was asked to stop."""
        with self._transaction(write=False) as session:
            return bool(session.scalar(select(JobRow.cancel_requested).where(JobRow.id == job_id)))

    def requeue_interrupted(self) -> list[str]:
        """Queue again the jobs a stopped service left running, oldest first; their ids.

        A job that was asked to stop before the service stopped is cancelled instead: it has no plan to
        keep, and running it again would only be cancelled at its first look at the flag.
        Call it only when no other service process is running jobs on the same database.
        """
        statement = select(JobRow).where(JobRow.status == JobStatus.RUNNING).order_by(JobRow.seq).with_for_update()
        with self._transaction(write=True) as session:
            rows = list(session.scalars(statement))
            return [row.id for row in rows if _requeue_row(session, row, "the service stopped while it ran")]

    def requeue(self, job_id: str, reason: str) -> bool:
        """Queue again one running job whose worker was lost; False when it was not running."""
        statement = select(JobRow).where(JobRow.id == job_id, JobRow.status == JobStatus.RUNNING).with_for_update()
        with self._transaction(write=True) as session:
            row = session.scalars(statement).first()
            return row is not None and _requeue_row(session, row, reason)

    def audit(self, actor: str, role: str, action: str, plan_id: str | None, detail: str | None = None) -> None:
        """Append one line to the audit log; detail must name no person on a roster."""
        entry = AuditRow(at=_now(), actor=actor, role=role, action=AuditAction(action), plan_id=plan_id, detail=detail)
        with self._transaction(write=True) as session:
            session.add(entry)

    def audit_log(self, limit: int, cursor: str | None) -> tuple[list[AuditEntry], str | None]:
        """One page of the audit log, newest first, and the cursor of the next page (None on the last)."""
        return self._page(AuditRow, AuditRow.id, AUDIT_CURSOR, limit, cursor, _audit_entry)

    def _page(
        self,
        table: type[Row],
        position: InstrumentedAttribute[int],
        kind: str,
        limit: int,
        cursor: str | None,
        convert: Callable[[Row], Item],
    ) -> tuple[list[Item], str | None]:
        """Rows newest first by `position`, after the cursor's; one extra row tells whether a next page exists."""
        _check_limit(limit)
        statement = select(table).order_by(position.desc()).limit(limit + 1)
        if cursor is not None:
            statement = statement.where(position < _decode_cursor(cursor, kind))
        with self._transaction(write=False) as session:
            rows = session.scalars(statement).all()
            # Converted and measured while the session is open: the rows expire when it closes.
            items = [convert(row) for row in rows[:limit]]
            positions = [getattr(row, position.key) for row in rows[:limit]]
        return items, _next_cursor(kind, positions, len(rows) > limit)

    # Health

    def ping(self) -> bool:
        """Whether the database answers a query."""
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True


def _now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def _find_by_key(session: Session, submitted_by: str, idempotency_key: str | None) -> JobRow | None:
    """The job this submitter queued under this idempotency key, if any."""
    if idempotency_key is None:
        return None
    statement = select(JobRow).where(JobRow.submitted_by == submitted_by, JobRow.idempotency_key == idempotency_key)
    return session.scalars(statement).one_or_none()


def _replay(earlier: JobRow, digest: str, time_limit: float, seed: int) -> Job:
    """The earlier job, if the repeated submission asks for the very same thing."""
    if (earlier.request_sha256, earlier.time_limit, earlier.seed) != (digest, time_limit, seed):
        raise IdempotencyConflict(f"idempotency key was used for job {earlier.id} with another request or settings")
    return _job(earlier)


def _insert_job(
    session: Session,
    request: bytes,
    digest: str,
    time_limit: float,
    seed: int,
    submitted_by: str,
    idempotency_key: str | None,
    replan_of: str | None,
) -> JobRow:
    """Insert a queued job and its first event."""
    now = _now()
    row = JobRow(
        id=uuid.uuid4().hex,
        status=JobStatus.QUEUED,
        submitted_at=now,
        submitted_by=submitted_by,
        time_limit=time_limit,
        seed=seed,
        request=request,
        request_sha256=digest,
        idempotency_key=idempotency_key,
        replan_of=replan_of,
        cancel_requested=False,
        attempts=0,
    )
    if session.get_bind().dialect.name == "sqlite":
        # No identity outside the primary key on SQLite; max + 1 is safe as writers hold the lock from BEGIN.
        row.seq = select(func.coalesce(func.max(JobRow.seq), 0) + 1).scalar_subquery()
    session.add(row)
    # The event refers to the job: the job row must be in first.
    session.flush()
    session.add(JobEventRow(job_id=row.id, status=JobStatus.QUEUED, at=now, note=None))
    return row


def _locked(session: Session, job_id: str) -> JobRow | None:
    """The job row, locked until the transaction ends (on PostgreSQL; SQLite locks the whole database)."""
    return session.scalars(select(JobRow).where(JobRow.id == job_id).with_for_update()).one_or_none()


def _requeue_row(session: Session, row: JobRow, reason: str) -> bool:
    """Queue a lost running job again (cancel it instead if a cancel was asked); whether it was queued."""
    now = _now()
    if row.cancel_requested:
        row.status = JobStatus.CANCELLED
        row.finished_at = now
        note = f"{reason}, after the cancel request"
    else:
        _reset_to_queued(row)
        note = f"requeued: {reason}"
    session.add(JobEventRow(job_id=row.id, status=row.status, at=now, note=note))
    return row.status == JobStatus.QUEUED


def _reset_to_queued(row: JobRow) -> None:
    """Put a running job back in the queue, forgetting the progress of the attempt that was lost."""
    row.status = JobStatus.QUEUED
    row.started_at = None
    row.elapsed_seconds = None
    row.placed_priority = None
    row.placed_priority_bound = None
    row.cost = None


def _check_limit(limit: int) -> None:
    """Refuse a page size below one."""
    if limit < 1:
        raise ValueError("a page holds at least one item")


def _encode_cursor(kind: str, position: int) -> str:
    """An opaque cursor: the listing's kind letter and the position to continue below."""
    return base64.urlsafe_b64encode(f"{kind}{position}".encode("ascii")).decode("ascii").rstrip("=")


def _decode_cursor(cursor: str, kind: str) -> int:
    """The position in a cursor of this listing, or InvalidCursor."""
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError) as error:
        raise InvalidCursor("not a cursor of this listing") from error
    match = CURSOR_TEXT.fullmatch(raw)
    # Checking the round trip refuses the many spellings base64 allows for the same bytes.
    if match is None or match.group(1) != kind or _encode_cursor(kind, int(match.group(2))) != cursor:
        raise InvalidCursor("not a cursor of this listing")
    return int(match.group(2))


def _next_cursor(kind: str, positions: Sequence[int], has_more: bool) -> str | None:
    """The cursor after the last item of a page, if more items follow."""
    return _encode_cursor(kind, positions[-1]) if has_more and positions else None


def _dump(value: dict[str, Any] | None) -> str | None:
    """JSON text of a dict, or None."""
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _load(value: str | None) -> dict[str, Any] | None:
    """The dict in a JSON text column, or None."""
    if value is None:
        return None
    loaded = json.loads(value)
    assert isinstance(loaded, dict)
    return loaded


def _job(row: JobRow) -> Job:
    """The value of a job row, without its request and plan bytes."""
    return Job(
        id=row.id,
        seq=row.seq,
        status=JobStatus(row.status),
        submitted_at=row.submitted_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        submitted_by=row.submitted_by,
        time_limit=row.time_limit,
        seed=row.seed,
        request_sha256=row.request_sha256,
        idempotency_key=row.idempotency_key,
        replan_of=row.replan_of,
        cancel_requested=row.cancel_requested,
        attempts=row.attempts,
        elapsed_seconds=row.elapsed_seconds,
        placed_priority=row.placed_priority,
        placed_priority_bound=row.placed_priority_bound,
        cost=row.cost,
        summary=_load(row.summary),
        error=_load(row.error),
    )


def _event(row: JobEventRow) -> JobEvent:
    """The value of a job event row."""
    return JobEvent(id=row.id, job_id=row.job_id, status=JobStatus(row.status), at=row.at, note=row.note)


def _audit_entry(row: AuditRow) -> AuditEntry:
    """The value of an audit row."""
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        role=row.role,
        action=AuditAction(row.action),
        plan_id=row.plan_id,
        detail=row.detail,
    )
