"""Running queued planning jobs outside the event loop: the runner interface and the embedded process runner.

Only job ids cross the runner boundary; a worker reads the request from the job store and writes the
plan back, so a distributed runner (a queue on PostgreSQL) can take the embedded one's place.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event
from typing import Any, Protocol

from api.jobs import JobStore, NotRunningError
from api.settings import Settings
from api.store import create_engine_for
from planner.parsing import RequestError, parse_request
from planner.plan import Plan
from planner.planning import make_plan
from planner.solver import Control, Progress, SolveSettings

__all__ = ["EmbeddedRunner", "Runner", "run_job"]

log = logging.getLogger(__name__)

# Progress is written at most this often, so a fast solver cannot flood the database.
PROGRESS_INTERVAL_SECONDS = 1.0


class Runner(Protocol):
    """Runs queued jobs; the service starts it with the app and stops it on shutdown."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def is_alive(self) -> bool: ...


class EmbeddedRunner:
    """A fixed number of worker processes on this machine, each taking the oldest queued job in turn."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._context = multiprocessing.get_context("spawn")
        self._stop = self._context.Event()
        self._workers: list[SpawnProcess] = []

    def start(self) -> None:
        """Put jobs a dead service left running back in the queue, then start the workers."""
        store = JobStore(create_engine_for(self.settings.database_url))
        for job_id in store.requeue_interrupted():
            log.info("job %s was running when the service stopped; queued again", job_id)
        for number in range(self.settings.workers):
            worker = self._context.Process(
                target=work,
                args=(self.settings.database_url, self.settings.poll_seconds, os.getpid(), self._stop),
                name=f"planner-worker-{number}",
                daemon=True,
            )
            worker.start()
            self._workers.append(worker)

    def stop(self) -> None:
        """Ask workers to stop; a job they are solving is left running and is queued again at the next start."""
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.terminate()
                worker.join(timeout=5)
        self._workers.clear()

    def is_alive(self) -> bool:
        return bool(self._workers) and all(worker.is_alive() for worker in self._workers)


def work(database_url: str, poll_seconds: float, parent: int, stop: Event) -> None:
    """A worker process: claim and run jobs until told to stop or until the service process is gone."""
    store = JobStore(create_engine_for(database_url))
    while not stop.is_set() and os.getppid() == parent:
        job_id = store.claim_next()
        if job_id is None:
            stop.wait(poll_seconds)
            continue
        run_job(store, job_id, poll_seconds, parent)


def run_job(store: JobStore, job_id: str, poll_seconds: float, parent: int | None = None) -> None:
    """Solve one claimed job and record its outcome; a cancel request stops it and keeps the best plan so far."""
    job = store.get(job_id)
    request_bytes = store.request_of(job_id)
    if job is None or request_bytes is None:
        return
    try:
        request = parse_request(request_bytes)
    except RequestError as error:
        # Requests are validated on submission; this only happens if the contract's models changed since.
        record_outcome(store, job_id, "failed", None, None, invalid_request_problem(error))
        return
    reporter = ProgressWriter(store, job_id)
    control = Control(reporter)
    watcher = CancelWatcher(store, job_id, control, poll_seconds, parent)
    watcher.start()
    try:
        plan = make_plan(request, SolveSettings(time_limit=job.time_limit, seed=job.seed), control)
    except Exception:
        log.exception("job %s failed", job_id)
        record_outcome(store, job_id, "failed", None, None, internal_problem(job_id))
        return
    finally:
        watcher.done.set()
    status = "cancelled" if control.is_cancelled else "succeeded"
    record_outcome(store, job_id, status, plan.to_json().encode(), summary_of(plan), None)


def record_outcome(
    store: JobStore,
    job_id: str,
    status: str,
    plan: bytes | None,
    summary: dict[str, Any] | None,
    error: dict[str, Any] | None,
) -> None:
    """Finish the job, unless it is no longer this worker's to finish."""
    try:
        store.finish(job_id, status, plan, summary, error)
    except NotRunningError:
        # Another start of the service queued the job again while this worker still ran it; the newer run wins.
        log.warning("job %s is no longer running here; its outcome is left to the newer run", job_id)


def summary_of(plan: Plan) -> dict[str, Any]:
    """The `summary` of a finished job: objective and stats of its plan."""
    return {"objective": plan.objective.model_dump(), "stats": plan.stats.model_dump()}


def invalid_request_problem(error: RequestError) -> dict[str, Any]:
    return {
        "type": "urn:manifest-planner:problem:invalid-request",
        "title": "Invalid plan request",
        "status": 422,
        "detail": f"{len(error.problems)} problem(s) in the request",
        "errors": [{"loc": list(loc), "msg": message} for loc, message in error.problems],
    }


def internal_problem(job_id: str) -> dict[str, Any]:
    # No exception text: it could quote roster data. The service log has the traceback.
    return {
        "type": "urn:manifest-planner:problem:internal",
        "title": "Planning failed",
        "status": 500,
        "detail": f"the planner failed on job {job_id}; the service log has the details",
    }


class ProgressWriter:
    """Writes the best plan so far to the job store, at most once a second."""

    def __init__(self, store: JobStore, job_id: str) -> None:
        self.store = store
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL_SECONDS:
            return
        self.last = now
        self.store.record_progress(
            self.job_id,
            progress.elapsed_seconds,
            progress.placed_priority,
            progress.placed_priority_bound,
            progress.cost,
        )


class CancelWatcher(threading.Thread):
    """Polls the job store for a cancel request while a job solves; exits the process if the service died."""

    def __init__(self, store: JobStore, job_id: str, control: Control, poll_seconds: float, parent: int | None) -> None:
        super().__init__(name=f"cancel-watcher-{job_id}", daemon=True)
        self.store = store
        self.job_id = job_id
        self.control = control
        self.poll_seconds = poll_seconds
        self.parent = parent
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.poll_seconds):
            if self.parent is not None and os.getppid() != self.parent:
                # The service was killed: leave the job 'running' so that the next start queues it again,
                # rather than recording a half-finished solve as its outcome.
                os._exit(0)
            if self.store.is_cancel_requested(self.job_id):
                self.control.cancel()
                return
