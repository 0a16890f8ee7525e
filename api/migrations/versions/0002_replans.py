"""Replans: a job may name the job whose plan it changes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 19:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add jobs.replan_of, indexed so that a plan's replans are found without a scan."""
    op.add_column("jobs", sa.Column("replan_of", sa.String(32), nullable=True))
    op.create_index("ix_jobs_replan_of", "jobs", ["replan_of"])


def downgrade() -> None:
    op.drop_index("ix_jobs_replan_of", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("replan_of")
