"""Pieces of the embedded runner that need no worker process: progress reporting."""

from __future__ import annotations

from api.jobs import JobStore
from api.runner import ProgressWriter
from planner.solver import Progress


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
