"""Jobs, their status history and the audit log.

Revision ID: 0001
Revises:
Create Date: 2024-11-29 17:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out rather than imported from api.store: a revision must keep meaning what it meant when written.
JOB_STATUSES = "status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')"
AUDIT_ACTIONS = "action IN ('submit', 'cancel', 'read_status', 'read_result', 'read_manifest', 'read_unplaced', 'list')"


def _auto_id() -> sa.Column[int]:
    """An autoincrementing primary key; SQLite numbers rows itself only for a column typed INTEGER."""
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), sa.Identity(), nullable=False)


def upgrade() -> None:
    """Create the jobs, job_events and audit tables."""
    _create_jobs()
    _create_job_events()
    _create_audit()


def _create_jobs() -> None:
    """Planning jobs: request, settings, status, progress and result."""
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("time_limit", sa.Float(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("request", sa.LargeBinary(), nullable=False),
        sa.Column("request_sha256", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("elapsed_seconds", sa.Float(), nullable=True),
        sa.Column("placed_priority", sa.BigInteger(), nullable=True),
        sa.Column("placed_priority_bound", sa.BigInteger(), nullable=True),
        sa.Column("cost", sa.BigInteger(), nullable=True),
        sa.Column("plan", sa.LargeBinary(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("seq", name=op.f("uq_jobs_seq")),
        sa.UniqueConstraint("submitted_by", "idempotency_key", name=op.f("uq_jobs_submitted_by_idempotency_key")),
        sa.CheckConstraint(JOB_STATUSES, name=op.f("ck_jobs_status")),
    )
    # Claiming takes the oldest queued job.
    op.create_index("ix_jobs_status_seq", "jobs", ["status", "seq"])


def _create_job_events() -> None:
    """Status history of each job."""
    op.create_table(
        "job_events",
        _auto_id(),
        sa.Column("job_id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_events")),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_job_events_job_id_jobs")),
        sa.CheckConstraint(JOB_STATUSES, name=op.f("ck_job_events_status")),
    )
    op.create_index(op.f("ix_job_events_job_id"), "job_events", ["job_id"])


def _create_audit() -> None:
    """Who did what when."""
    op.create_table(
        "audit",
        _auto_id(),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("plan_id", sa.String(32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit")),
        sa.CheckConstraint(AUDIT_ACTIONS, name=op.f("ck_audit_action")),
    )


def downgrade() -> None:
    """Drop the three tables, dependents first."""
    op.drop_table("audit")
    op.drop_index(op.f("ix_job_events_job_id"), table_name="job_events")
    op.drop_table("job_events")
    op.drop_index("ix_jobs_status_seq", table_name="jobs")
    op.drop_table("jobs")
