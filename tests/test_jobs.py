"""The job store on real databases: SQLite always, PostgreSQL when PLANNER_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import base64
import dataclasses
import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from api.jobs import (
    AuditAction,
    IdempotencyConflict,
    InvalidCursor,
    Job,
    JobStatus,
    JobStore,
    NotRunningError,
)
from api.store import MIGRATIONS, Base, alembic_config, create_engine_for, migrate, writing

REQUEST = b'{"people": [], "flights": []}'
PLAN = b'{"status": "optimal"}'
SUMMARY: dict[str, Any] = {"objective": {"placed_priority": 4, "cost": 40000}, "stats": {"placed": 3}}
PROBLEM: dict[str, Any] = {"type": "about:blank", "title": "Solver failure", "status": 500, "detail": "élan"}


def submit(store: JobStore, request: bytes = REQUEST, *, by: str = "planner-1", key: str | None = None) -> Job:
    """Submit a job that must be new."""
    job, created = store.submit(request, 60.0, 7, by, key)
    assert created
    return job


def start(store: JobStore, job: Job) -> None:
    """Claim the given job, which must be the oldest queued one."""
    assert store.claim_next() == job.id


def encoded(text: str) -> str:
    """Text in unpadded URL-safe base64, the way cursors are spelled."""
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# Schema


def test_migrate_again_is_a_no_op(engine: Engine, store: JobStore) -> None:
    """Running migrations on a migrated database keeps its tables and rows."""
    job = submit(store)
    migrate(engine)
    assert {"jobs", "job_events", "audit", "alembic_version"} <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision()
    assert store.get(job.id) == job


def head_revision() -> str:
    """The newest revision in api/migrations, which migrate() brings every database to."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def _migrate_together(url: str, barrier: Barrier) -> None:
    """In a child process: migrate the database at the same moment as the others."""
    engine = create_engine_for(url)
    try:
        barrier.wait(timeout=60)
        migrate(engine)
    finally:
        engine.dispose()


def test_processes_migrating_a_new_database_at_once_all_succeed(database_url: str) -> None:
    """Service processes starting together on an empty database do not trip over each other's migration."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(3)
    workers = [context.Process(target=_migrate_together, args=(database_url, barrier)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    engine = create_engine_for(database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head_revision()]
    engine.dispose()


def test_migrations_create_what_the_models_declare(engine: Engine) -> None:
    """Autogenerate finds nothing to add: the revisions and the tables in api.store agree."""
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_revision_0003_keeps_the_audit_log_and_allows_explanation_reads(database_url: str) -> None:
    """A database made at revision 0001 keeps its audit entries and takes `read_explain` once upgraded."""
    engine = create_engine_for(database_url)
    with writing(engine).begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
    store = JobStore(engine)
    store.audit("pat", "planner", "read_result", "plan-1")
    with pytest.raises(SQLAlchemyError):
        store.audit("vic", "viewer", "read_explain", "plan-1")
    migrate(engine)
    store.audit("vic", "viewer", "read_explain", "plan-1")
    entries, _ = store.audit_log(10, None)
    assert [(e.actor, e.action) for e in entries] == [("vic", "read_explain"), ("pat", "read_result")]
    with pytest.raises(SQLAlchemyError), writing(engine).begin() as connection:
        connection.execute(
            text("INSERT INTO audit (at, actor, role, action) VALUES (CURRENT_TIMESTAMP, 'x', 'y', 'z')")
        )
    engine.dispose()


def test_sqlite_engine_uses_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    """Several processes share one SQLite file: readers beside a writer, writers waiting their turn."""
    engine = create_engine_for(f"sqlite:///{tmp_path / 'planner.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() > 0
    engine.dispose()


def test_bare_postgresql_url_uses_psycopg() -> None:
    """psycopg 3 is the driver installed, so a URL without a driver gets it."""
    engine = create_engine_for("postgresql://planner@db.invalid/planner")
    assert engine.dialect.driver == "psycopg"
    engine.dispose()


def test_other_databases_are_refused() -> None:
    """Only SQLite and PostgreSQL are supported."""
    with pytest.raises(ValueError, match="unsupported database"):
        create_engine_for("mysql://planner@db.invalid/planner")


# Submitting and reading


def test_submit_queues_the_job(store: JobStore) -> None:
    """A new job is queued, keeps its exact request bytes and has a first event."""
    job, created = store.submit(REQUEST, 12.5, 3, "planner-1", None)
    assert created
    assert job.status is JobStatus.QUEUED
    assert (job.time_limit, job.seed, job.submitted_by, job.idempotency_key) == (12.5, 3, "planner-1", None)
    assert (job.attempts, job.cancel_requested, job.started_at, job.finished_at) == (0, False, None, None)
    assert (job.elapsed_seconds, job.placed_priority, job.placed_priority_bound, job.cost) == (None,) * 4
    assert (job.summary, job.error, job.is_finished) == (None, None, False)
    assert len(job.id) == 32
    assert store.get(job.id) == job
    assert store.request_of(job.id) == REQUEST
    assert store.plan_of(job.id) is None
    assert [(e.status, e.job_id) for e in store.events(job.id)] == [(JobStatus.QUEUED, job.id)]


def test_times_are_timezone_aware_utc(store: JobStore) -> None:
    """Timestamps come back aware, in UTC, and close to now."""
    before = datetime.now(UTC)
    job = submit(store)
    start(store, job)
    running = store.get(job.id)
    assert running is not None
    assert running.started_at is not None
    for moment in (running.submitted_at, running.started_at, store.events(job.id)[0].at):
        assert moment.tzinfo is UTC
        assert before - timedelta(seconds=1) <= moment <= datetime.now(UTC)


def test_unknown_job_reads_as_none(store: JobStore) -> None:
    """Reading a job that does not exist gives None, not an error."""
    assert store.get("0" * 32) is None
    assert store.request_of("0" * 32) is None
    assert store.plan_of("0" * 32) is None
    assert store.events("0" * 32) == []


def test_job_is_a_frozen_value(store: JobStore) -> None:
    """A Job cannot be changed by whoever holds it."""
    job = submit(store)
    with pytest.raises(dataclasses.FrozenInstanceError):
        job.status = JobStatus.RUNNING  # type: ignore[misc]


def test_list_jobs_pages_newest_first(store: JobStore) -> None:
    """Seven jobs in pages of three: 3, 3, 1, newest first, and no cursor after the last page."""
    submitted = [submit(store, b'{"n": %d}' % n) for n in range(7)]
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        jobs, cursor = store.list_jobs(3, cursor)
        pages.append([job.id for job in jobs])
        if cursor is None:
            break
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [job_id for page in pages for job_id in page] == [job.id for job in reversed(submitted)]


def test_list_jobs_without_jobs_is_empty(store: JobStore) -> None:
    """An empty store lists nothing and no next page."""
    assert store.list_jobs(50, None) == ([], None)


def test_list_jobs_with_a_page_as_large_as_the_list_has_no_next_cursor(store: JobStore) -> None:
    """A page that ends exactly at the oldest job says there is nothing more."""
    for n in range(3):
        submit(store, b'{"n": %d}' % n)
    jobs, cursor = store.list_jobs(3, None)
    assert (len(jobs), cursor) == (3, None)


@pytest.mark.parametrize(
    "cursor",
    ["", "not a cursor!", "é", encoded("a5"), encoded("j0"), encoded("j-1"), encoded("j5x"), encoded("j5") + "="],
    ids=["empty", "not-base64", "not-ascii", "audit-cursor", "zero", "negative", "trailing", "padded"],
)
def test_list_jobs_refuses_a_cursor_it_did_not_hand_out(store: JobStore, cursor: str) -> None:
    """Anything but a jobs cursor from this store is InvalidCursor."""
    with pytest.raises(InvalidCursor):
        store.list_jobs(3, cursor)


def test_list_jobs_refuses_an_empty_page(store: JobStore) -> None:
    """A page holds at least one job."""
    with pytest.raises(ValueError, match="at least one"):
        store.list_jobs(0, None)


# Idempotency


def test_same_key_and_request_give_the_same_job(store: JobStore) -> None:
    """Submitting again under the same key returns the first job and queues nothing new."""
    first = submit(store, key="k-1")
    again, created = store.submit(REQUEST, 60.0, 7, "planner-1", "k-1")
    assert not created
    assert again == first
    assert [job.id for job in store.list_jobs(10, None)[0]] == [first.id]
    assert len(store.events(first.id)) == 1


@pytest.mark.parametrize(
    ("request_bytes", "time_limit", "seed"),
    [(b'{"people": [1]}', 60.0, 7), (REQUEST, 30.0, 7), (REQUEST, 60.0, 8)],
    ids=["other-body", "other-time-limit", "other-seed"],
)
def test_same_key_with_another_request_conflicts(
    store: JobStore, request_bytes: bytes, time_limit: float, seed: int
) -> None:
    """The same key with another body or other solver settings is a conflict."""
    submit(store, key="k-1")
    with pytest.raises(IdempotencyConflict):
        store.submit(request_bytes, time_limit, seed, "planner-1", "k-1")


def test_same_key_from_another_submitter_is_a_new_job(store: JobStore) -> None:
    """Keys belong to their submitter: another key name may use the same one."""
    first = submit(store, by="planner-1", key="k-1")
    second = submit(store, by="planner-2", key="k-1")
    assert second.id != first.id


def test_without_a_key_every_submission_is_a_new_job(store: JobStore) -> None:
    """No key, no deduplication, even for the same body."""
    assert submit(store).id != submit(store).id


def test_overlong_key_is_refused(store: JobStore) -> None:
    """Keys longer than the column are refused before reaching the database."""
    with pytest.raises(ValueError, match="at most 255"):
        store.submit(REQUEST, 60.0, 7, "planner-1", "k" * 256)


def test_simultaneous_submissions_under_one_key_make_one_job(store: JobStore) -> None:
    """Eight threads submitting the same keyed request at once get one job, created once."""
    barrier = threading.Barrier(8)

    def submit_together() -> tuple[Job, bool]:
        """Wait for the others, then submit."""
        barrier.wait(timeout=30)
        return store.submit(REQUEST, 60.0, 7, "planner-1", "k-race")

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: submit_together(), range(8)))
    assert len({job.id for job, _ in results}) == 1
    assert sum(created for _, created in results) == 1


# Claiming


def test_claim_takes_the_oldest_queued_job_first(store: JobStore) -> None:
    """Jobs are claimed in submission order, each moving to running with one attempt."""
    jobs = [submit(store, b'{"n": %d}' % n) for n in range(3)]
    assert [store.claim_next() for _ in range(3)] == [job.id for job in jobs]
    for job in jobs:
        claimed = store.get(job.id)
        assert claimed is not None
        assert (claimed.status, claimed.attempts) == (JobStatus.RUNNING, 1)
        assert claimed.started_at is not None
    assert store.claim_next() is None


def test_claim_skips_jobs_not_queued(store: JobStore) -> None:
    """A cancelled job is never claimed."""
    cancelled = submit(store)
    store.request_cancel(cancelled.id)
    queued = submit(store)
    assert store.claim_next() == queued.id


def test_claim_on_an_empty_queue_is_none(store: JobStore) -> None:
    """Nothing queued, nothing claimed."""
    assert store.claim_next() is None


def _claim_until_empty(url: str, barrier: Barrier, claimed: Queue[list[str]]) -> None:
    """In a child process: claim jobs until none is left, and report which."""
    engine = create_engine_for(url)
    try:
        store = JobStore(engine)
        barrier.wait(timeout=60)
        ids: list[str] = []
        while (job_id := store.claim_next()) is not None:
            ids.append(job_id)
        claimed.put(ids)
    finally:
        engine.dispose()


def test_two_processes_never_claim_the_same_job(database_url: str, store: JobStore) -> None:
    """Two processes claiming from one database at once share the jobs out without overlap."""
    submitted = {submit(store, b'{"n": %d}' % n).id for n in range(40)}
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    claimed: Queue[list[str]] = context.Queue()
    workers = [context.Process(target=_claim_until_empty, args=(database_url, barrier, claimed)) for _ in range(2)]
    for worker in workers:
        worker.start()
    # Read before joining: a child does not exit while its queue still holds unread data.
    results = [claimed.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    every_claim = [job_id for ids in results for job_id in ids]
    assert len(every_claim) == len(set(every_claim))
    assert set(every_claim) == submitted
    assert {job.attempts for job in store.list_jobs(100, None)[0]} == {1}


# Progress and finishing


def test_progress_of_a_running_job_is_stored(store: JobStore) -> None:
    """The best plan so far is visible while the job runs, and overwritten by the next."""
    job = submit(store)
    start(store, job)
    store.record_progress(job.id, 1.5, 3, 5, 900)
    store.record_progress(job.id, 2.5, 4, 5, 800)
    running = store.get(job.id)
    assert running is not None
    assert (running.elapsed_seconds, running.placed_priority, running.placed_priority_bound, running.cost) == (
        2.5,
        4,
        5,
        800,
    )


def test_progress_of_a_job_not_running_is_dropped(store: JobStore) -> None:
    """A late report for a queued or finished job changes nothing."""
    queued = submit(store)
    store.record_progress(queued.id, 1.0, 1, 1, 1)
    assert store.get(queued.id) == queued


def test_finish_stores_plan_and_summary(store: JobStore) -> None:
    """A succeeded job has its plan, summary and finish time, and is finished."""
    job = submit(store)
    start(store, job)
    store.finish(job.id, "succeeded", PLAN, SUMMARY, None)
    done = store.get(job.id)
    assert done is not None
    assert (done.status, done.summary, done.error, done.is_finished) == (JobStatus.SUCCEEDED, SUMMARY, None, True)
    assert done.finished_at is not None
    assert store.plan_of(job.id) == PLAN


def test_finish_stores_the_error_problem(store: JobStore) -> None:
    """A failed job keeps its problem dict, non-ASCII text included, and no plan."""
    job = submit(store)
    start(store, job)
    store.finish(job.id, JobStatus.FAILED, None, None, PROBLEM)
    done = store.get(job.id)
    assert done is not None
    assert (done.status, done.error, done.summary) == (JobStatus.FAILED, PROBLEM, None)
    assert store.plan_of(job.id) is None


@pytest.mark.parametrize("state", ["queued", "finished", "unknown"])
def test_finish_requires_a_running_job(store: JobStore, state: str) -> None:
    """Only a running job can finish, and only once."""
    job = submit(store)
    job_id = "0" * 32 if state == "unknown" else job.id
    if state == "finished":
        start(store, job)
        store.finish(job.id, "succeeded", PLAN, SUMMARY, None)
    with pytest.raises(NotRunningError):
        store.finish(job_id, "failed", None, None, PROBLEM)


@pytest.mark.parametrize("status", ["running", "queued", "done"])
def test_finish_refuses_a_status_that_is_not_final(store: JobStore, status: str) -> None:
    """A job finishes as succeeded, failed or cancelled, nothing else."""
    job = submit(store)
    start(store, job)
    with pytest.raises(ValueError, match="status"):
        store.finish(job.id, status, None, None, None)


# Cancelling


def test_cancel_of_a_queued_job_is_immediate(store: JobStore) -> None:
    """A queued job is cancelled at once and finished."""
    job = submit(store)
    cancelled = store.request_cancel(job.id)
    assert cancelled is not None
    assert (cancelled.status, cancelled.is_finished) == (JobStatus.CANCELLED, True)
    assert cancelled.finished_at is not None
    assert store.get(job.id) == cancelled
    assert [e.status for e in store.events(job.id)] == [JobStatus.QUEUED, JobStatus.CANCELLED]


def test_cancel_of_a_running_job_asks_it_to_stop(store: JobStore) -> None:
    """A running job keeps running with its flag up, until its worker finishes it as cancelled."""
    job = submit(store)
    start(store, job)
    assert not store.is_cancel_requested(job.id)
    asked = store.request_cancel(job.id)
    assert asked is not None
    assert (asked.status, asked.cancel_requested) == (JobStatus.RUNNING, True)
    assert store.is_cancel_requested(job.id)
    store.finish(job.id, "cancelled", PLAN, SUMMARY, None)
    assert store.plan_of(job.id) == PLAN


def test_asking_twice_to_stop_records_one_request(store: JobStore) -> None:
    """A repeated cancel request of a running job adds no second event."""
    job = submit(store)
    start(store, job)
    store.request_cancel(job.id)
    store.request_cancel(job.id)
    assert [e.note for e in store.events(job.id)].count("cancel requested") == 1


def test_cancel_of_a_finished_job_changes_nothing(store: JobStore) -> None:
    """A succeeded job stays succeeded, with its plan."""
    job = submit(store)
    start(store, job)
    store.finish(job.id, "succeeded", PLAN, SUMMARY, None)
    done = store.get(job.id)
    assert store.request_cancel(job.id) == done
    assert store.plan_of(job.id) == PLAN


def test_cancel_of_an_unknown_job_is_none(store: JobStore) -> None:
    """There is nothing to cancel."""
    assert store.request_cancel("0" * 32) is None
    assert not store.is_cancel_requested("0" * 32)


# Restarting


def test_requeue_puts_interrupted_jobs_back_in_the_queue(store: JobStore) -> None:
    """Running jobs go back to queued, oldest first, forget their progress, and run again in their turn."""
    done, first, second, queued = (submit(store, b'{"n": %d}' % n) for n in range(4))
    for job in (done, first, second):
        start(store, job)
    store.finish(done.id, "succeeded", PLAN, SUMMARY, None)
    store.record_progress(first.id, 1.0, 2, 3, 4)
    assert store.requeue_interrupted() == [first.id, second.id]
    again = store.get(first.id)
    assert again is not None
    assert (again.status, again.started_at, again.elapsed_seconds, again.cost) == (JobStatus.QUEUED, None, None, None)
    assert [e.status for e in store.events(first.id)][-1] is JobStatus.QUEUED
    finished = store.get(done.id)
    assert finished is not None
    assert finished.status is JobStatus.SUCCEEDED
    assert [store.claim_next() for _ in range(4)] == [first.id, second.id, queued.id, None]
    rerun = store.get(first.id)
    assert rerun is not None
    assert rerun.attempts == 2


def test_requeue_cancels_a_job_that_was_asked_to_stop(store: JobStore) -> None:
    """A job whose cancel request outlived the service is cancelled, not run again."""
    job = submit(store)
    start(store, job)
    store.request_cancel(job.id)
    assert store.requeue_interrupted() == []
    cancelled = store.get(job.id)
    assert cancelled is not None
    assert cancelled.status is JobStatus.CANCELLED
    assert cancelled.finished_at is not None
    assert store.claim_next() is None


def test_requeue_with_nothing_running_does_nothing(store: JobStore) -> None:
    """A clean start requeues nothing."""
    job = submit(store)
    assert store.requeue_interrupted() == []
    assert store.get(job.id) == job


def test_events_tell_the_status_history_in_order(store: JobStore) -> None:
    """Each change of status, and a cancel request, is one event, oldest first."""
    job = submit(store)
    start(store, job)
    store.requeue_interrupted()
    start(store, job)
    store.request_cancel(job.id)
    store.finish(job.id, "cancelled", None, None, None)
    history = [(e.status, e.note) for e in store.events(job.id)]
    assert history == [
        (JobStatus.QUEUED, None),
        (JobStatus.RUNNING, "attempt 1"),
        (JobStatus.QUEUED, "requeued: the service stopped while it ran"),
        (JobStatus.RUNNING, "attempt 2"),
        (JobStatus.RUNNING, "cancel requested"),
        (JobStatus.CANCELLED, None),
    ]
    assert [e.id for e in store.events(job.id)] == sorted(e.id for e in store.events(job.id))


# Audit log


def test_audit_log_pages_newest_first(store: JobStore) -> None:
    """Seven entries in pages of three: 3, 3, 1, newest first, each as written."""
    for n in range(7):
        store.audit("planner-1", "planner", "read_manifest", f"plan-{n}", f"RPN-{n}")
    pages: list[list[str | None]] = []
    cursor: str | None = None
    while True:
        entries, cursor = store.audit_log(3, cursor)
        pages.append([entry.plan_id for entry in entries])
        if cursor is None:
            break
    assert pages == [["plan-6", "plan-5", "plan-4"], ["plan-3", "plan-2", "plan-1"], ["plan-0"]]
    newest = store.audit_log(1, None)[0][0]
    assert (newest.actor, newest.role, newest.action, newest.detail) == (
        "planner-1",
        "planner",
        AuditAction.READ_MANIFEST,
        "RPN-6",
    )
    assert newest.at.tzinfo is UTC


def test_audit_without_plan_or_detail(store: JobStore) -> None:
    """A listing names no plan; detail defaults to none."""
    store.audit("viewer-1", "viewer", AuditAction.LIST, None)
    entry = store.audit_log(10, None)[0][0]
    assert (entry.action, entry.plan_id, entry.detail) == (AuditAction.LIST, None, None)


def test_audit_refuses_an_unknown_action(store: JobStore) -> None:
    """Actions are a closed set."""
    with pytest.raises(ValueError, match="delete"):
        store.audit("planner-1", "planner", "delete", None)


def test_audit_log_refuses_a_jobs_cursor(store: JobStore) -> None:
    """Cursors of one listing are no good for another."""
    for n in range(3):
        submit(store, b'{"n": %d}' % n)
    _, jobs_cursor = store.list_jobs(1, None)
    assert jobs_cursor is not None
    with pytest.raises(InvalidCursor):
        store.audit_log(1, jobs_cursor)


# Health


def test_ping_answers_on_a_live_database(store: JobStore) -> None:
    """A reachable database answers."""
    assert store.ping()


def test_ping_is_false_when_the_database_is_unreachable(tmp_path: Path) -> None:
    """A database that cannot be opened makes ping false, not an exception."""
    engine = create_engine_for(f"sqlite:///{tmp_path / 'missing' / 'planner.db'}")
    assert not JobStore(engine).ping()
    engine.dispose()
