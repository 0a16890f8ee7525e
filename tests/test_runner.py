"""The embedded runner: progress reporting, cores per worker, and workers that die."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from api.jobs import JobStore
from api.runner import EmbeddedRunner, ProgressWriter, StopFlag
from api.settings import Settings
from api.store import create_engine_for, migrate
from planner.solver import Progress, available_cores

EXAMPLE = Path(__file__).parent.parent / "fixtures" / "contract-example.json"


def test_progress_holds_back_but_never_drops_the_latest_report(store: JobStore) -> None:
    job, _ = store.submit(b"{}", 60.0, 0, "tester", None)
    assert store.claim_next() == job.id
    writer = ProgressWriter(store, job.id)
    writer(Progress(1.0, 10, 100, 500))
    writer(Progress(1.4, 90, 100, 300))  # within a second of the first: held back
    current = store.get(job.id)
    assert current is not None
    assert (current.placed_priority, current.cost) == (10, 500)
    writer.flush()
    current = store.get(job.id)
    assert current is not None
    assert (current.placed_priority, current.cost) == (90, 300)


def test_workers_share_the_machines_cores_and_each_keeps_at_least_one() -> None:
    cores = available_cores()
    assert EmbeddedRunner(Settings(workers=1)).cores() == cores
    assert EmbeddedRunner(Settings(workers=cores)).cores() == 1
    assert EmbeddedRunner(Settings(workers=cores + 1)).cores() == 1


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    """Whether the condition holds within the time, looked at every 50 ms (a process state, not an event)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_worker_killed_while_idle_is_replaced_and_the_service_still_stops(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'jobs.db'}", workers=1, poll_seconds=0.1)
    migrate(create_engine_for(settings.database_url))
    store = JobStore(create_engine_for(settings.database_url))
    runner = EmbeddedRunner(settings)
    stopping = threading.Thread(target=runner.stop, daemon=True)
    runner.start()
    try:
        # After a job the worker is back in its idle wait on the stop signal, where a kill did the harm.
        job, _ = store.submit(EXAMPLE.read_bytes(), 10.0, 0, "tester", None)
        assert wait_until(lambda: getattr(store.get(job.id), "status", None) == "succeeded", 60)
        [first] = runner.worker_pids()
        assert first is not None
        os.kill(first, signal.SIGKILL)
        assert wait_until(lambda: runner.worker_pids()[0] != first and runner.is_alive(), 30)
    finally:
        # In a thread: with a multiprocessing.Event as the signal, stopping hung for ever here.
        stopping.start()
        stopping.join(timeout=20)
    assert not stopping.is_alive()


def test_a_stop_flag_set_after_a_waiting_process_was_killed_reaches_the_others() -> None:
    context = multiprocessing.get_context("spawn")
    flag = StopFlag(context)
    waiters = [context.Process(target=flag.wait, args=(60.0,), daemon=True) for _ in range(2)]
    for waiter in waiters:
        waiter.start()
    os.kill(waiters[0].pid or 0, signal.SIGKILL)
    waiters[0].join()
    setting = threading.Thread(target=flag.set)
    setting.start()
    setting.join(timeout=5)
    assert not setting.is_alive()
    waiters[1].join(timeout=30)
    assert waiters[1].exitcode == 0
