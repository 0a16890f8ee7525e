"""Pieces of the embedded runner that need no worker process: progress reporting, cores per worker."""

from __future__ import annotations

from api.jobs import JobStore
from api.runner import EmbeddedRunner, ProgressWriter
from api.settings import Settings
from planner.solver import Progress, available_cores


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
