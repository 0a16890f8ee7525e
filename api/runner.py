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
from dataclasses import dataclass
from multiprocessing.context import SpawnProcess
from typing import Any, Protocol

from sqlalchemy import Engine

from api.jobs import JobStore, NotRunningError
from api.settings import Settings
from api.store import create_engine_for
from planner.parsing import RequestError, parse_request
from planner.plan import Plan
from planner.planning import make_plan
from planner.solver import Control, Progress, SolveSettings, available_cores

__all__ = ["EmbeddedRunner", "Runner", "run_job"]

log = logging.getLogger(__name__)

# Progress is written at most this often, so a fast solver cannot flood the database.
PROGRESS_INTERVAL_SECONDS = 1.0
# How often the supervisor looks for dead workers; a job whose worker died 3 times fails instead.
SUPERVISE_SECONDS = 1.0
MAX_ATTEMPTS = 3
SLOT_BYTES = 64
# How often a process waiting on a StopFlag looks at it again.
STOP_POLL_SECONDS = 0.05


class Runner(Protocol):
    """Runs queued jobs; the service starts it with the app and stops it on shutdown."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def is_alive(self) -> bool: ...


class StopFlag:
    """The service's stop signal, shared with its worker processes through one byte of shared memory, no lock.

    A multiprocessing.Event will not do: a worker killed while it waits on one (for memory, say) leaves the
    event's condition counting a sleeper that never wakes, and setting the event then blocks for ever. Measured
    here: the service's stop hung after `kill -9` of an idle worker, 3 times in 3; with this flag it returns.
    """

    def __init__(self, context: Any) -> None:
        self._value = context.RawValue("b", 0)

    def set(self) -> None:
        self._value.value = 1

    def is_set(self) -> bool:
        return bool(self._value.value)

    def wait(self, timeout: float) -> bool:
        """Whether the flag is set within `timeout` seconds, looking every STOP_POLL_SECONDS."""
        deadline = time.monotonic() + timeout
        while not self.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(left, STOP_POLL_SECONDS))
        return True


@dataclass
class Worker:
    """One worker process and the shared slot where it writes the id of the job it is running."""

    process: SpawnProcess
    slot: Any  # a multiprocessing char array; empty while the worker is idle


class EmbeddedRunner:
    """A fixed number of worker processes on this machine, each taking the oldest queued job in turn.

    A supervisor thread replaces a worker that dies (killed for memory, say) and queues its job again,
    or fails it after MAX_ATTEMPTS lost runs, so that no job stays `running` with nobody running it.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._context = multiprocessing.get_context("spawn")
        self._stop = StopFlag(self._context)
        self._workers: list[Worker] = []
        self._store: JobStore | None = None
        self._engine: Engine | None = None
        self._supervisor = threading.Thread(target=self._supervise, name="planner-supervisor", daemon=True)

    def start(self) -> None:
        """Put jobs a dead service left running back in the queue, then start the workers."""
        self._engine = create_engine_for(self.settings.database_url)
        self._store = JobStore(self._engine)
        for job_id in self._store.requeue_interrupted():
            log.info("job %s was running when the service stopped; queued again", job_id)
        self._workers = [self._spawn(number) for number in range(self.settings.workers)]
        self._supervisor.start()

    def _spawn(self, number: int) -> Worker:
        slot = self._context.Array("c", SLOT_BYTES)
        process = self._context.Process(
            target=work,
            args=(self.settings.database_url, self.settings.poll_seconds, os.getpid(), self._stop, slot, self.cores()),
            name=f"planner-worker-{number}",
            daemon=True,
        )
        process.start()
        return Worker(process, slot)

    def cores(self) -> int:
        """Cores each worker's solve may keep busy: the machine's shared among the workers, at least one."""
        return max(1, available_cores() // self.settings.workers)

    def _supervise(self) -> None:
        while not self._stop.wait(SUPERVISE_SECONDS):
            for number, worker in enumerate(self._workers):
                if not worker.process.is_alive() and not self._stop.is_set():
                    self._recover(worker)
                    self._workers[number] = self._spawn(number)

    def _recover(self, worker: Worker) -> None:
        """Queue again (or fail) the job a dead worker held."""
        job_id = worker.slot.value.decode()
        log.warning("worker %s died (exit code %s)", worker.process.name, worker.process.exitcode)
        if not job_id or self._store is None:
            return
        job = self._store.get(job_id)
        if job is None or job.status != "running":
            return
        if job.attempts >= MAX_ATTEMPTS:
            record_outcome(self._store, job_id, "failed", None, None, lost_worker_problem(job_id, job.attempts))
        elif self._store.requeue(job_id, f"its worker process died (exit code {worker.process.exitcode})"):
            log.info("job %s queued again after its worker died", job_id)

    def stop(self) -> None:
        """Stop the workers; a job they are solving is left running and is queued again at the next start."""
        self._stop.set()
        if self._supervisor.is_alive():
            self._supervisor.join(timeout=5)
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(timeout=5)
        self._workers.clear()
        if self._engine is not None:
            self._engine.dispose()

    def is_alive(self) -> bool:
        return bool(self._workers) and all(worker.process.is_alive() for worker in self._workers)

    def worker_pids(self) -> list[int | None]:
        """The process id of each worker, in worker order (a replaced worker's is its replacement's)."""
        return [worker.process.pid for worker in self._workers]


def work(
    database_url: str, poll_seconds: float, parent: int, stop: StopFlag, slot: Any, cores: int | None = None
) -> None:
    """A worker process: claim and run jobs until told to stop or until the service process is gone."""
    store = JobStore(create_engine_for(database_url))
    while not stop.is_set() and os.getppid() == parent:
        try:
            job_id = store.claim_next()
        except Exception:
            # The database may be briefly unreachable; a worker that died here would strand nothing but
            # would leave the service a worker short, so it waits and tries again.
            log.exception("could not claim a job")
            stop.wait(poll_seconds * 4)
            continue
        if job_id is None:
            stop.wait(poll_seconds)
            continue
        slot.value = job_id.encode()
        try:
            run_job(store, job_id, poll_seconds, parent, stop, cores)
        except Exception:
            log.exception("job %s could not be recorded", job_id)
        finally:
            slot.value = b""


def run_job(
    store: JobStore,
    job_id: str,
    poll_seconds: float,
    parent: int | None = None,
    stop: StopFlag | None = None,
    cores: int | None = None,
) -> None:
    """Solve one claimed job and record its outcome; a cancel request stops it and keeps the best plan so far.

    `cores`: how many the solve may keep busy (None: every core the process may run on).
    """
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
    progress = ProgressWriter(store, job_id)
    control = Control(progress)
    watcher = CancelWatcher(store, job_id, control, progress, poll_seconds, parent, stop)
    watcher.start()
    try:
        plan = make_plan(request, SolveSettings(time_limit=job.time_limit, seed=job.seed, cores=cores), control)
    except Exception:
        log.exception("job %s failed", job_id)
        record_outcome(store, job_id, "failed", None, None, internal_problem(job_id))
        return
    finally:
        watcher.done.set()
        watcher.join()
    progress.flush()
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
    """The `summary` of a finished job: objective and stats of its plan, and a replan's change counts."""
    summary = {"objective": plan.objective.model_dump(), "stats": plan.stats.model_dump()}
    if plan.change_summary is not None:
        summary["change_summary"] = plan.change_summary.model_dump()
    return summary


def invalid_request_problem(error: RequestError) -> dict[str, Any]:
    return {
        "type": "urn:manifest-planner:problem:invalid-request",
        "title": "Invalid plan request",
        "status": 422,
        "detail": f"{len(error.problems)} problem(s) in the request",
        "errors": [{"loc": list(loc), "msg": message} for loc, message in error.problems],
    }


def lost_worker_problem(job_id: str, attempts: int) -> dict[str, Any]:
    return {
        "type": "urn:manifest-planner:problem:worker-lost",
        "title": "Planning failed",
        "status": 500,
        "detail": f"the worker process running job {job_id} died {attempts} times (out of memory?)",
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
    """Writes the best plan so far to the job store, at most once a second, never dropping the latest."""

    def __init__(self, store: JobStore, job_id: str) -> None:
        self.store = store
        self.job_id = job_id
        self.last = 0.0
        self.pending: Progress | None = None
        self.lock = threading.Lock()

    def __call__(self, progress: Progress) -> None:
        with self.lock:
            self.pending = progress
        self.flush(due_only=True)

    def flush(self, due_only: bool = False) -> None:
        """Write the latest report if there is one (and, with `due_only`, if a second has passed)."""
        with self.lock:
            now = time.monotonic()
            if self.pending is None or (due_only and now - self.last < PROGRESS_INTERVAL_SECONDS):
                return
            progress, self.pending, self.last = self.pending, None, now
        self.store.record_progress(
            self.job_id,
            progress.elapsed_seconds,
            progress.placed_priority,
            progress.placed_priority_bound,
            progress.cost,
        )


class CancelWatcher(threading.Thread):
    """While a job solves: passes on cancel requests, writes held-back progress, and leaves when the service does."""

    def __init__(
        self,
        store: JobStore,
        job_id: str,
        control: Control,
        progress: ProgressWriter,
        poll_seconds: float,
        parent: int | None,
        stop: StopFlag | None,
    ) -> None:
        super().__init__(name=f"cancel-watcher-{job_id}", daemon=True)
        self.store = store
        self.job_id = job_id
        self.control = control
        self.progress = progress
        self.poll_seconds = poll_seconds
        self.parent = parent
        self.stop = stop
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.poll_seconds):
            if (self.parent is not None and os.getppid() != self.parent) or (self.stop and self.stop.is_set()):
                # The service was killed or is shutting down: leave the job 'running' so that the next start
                # queues it again, rather than recording a half-finished solve as its outcome.
                os._exit(0)
            self.progress.flush(due_only=True)
            if not self.control.is_cancelled and self.store.is_cancel_requested(self.job_id):
                self.control.cancel()
