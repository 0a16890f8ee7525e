"""Audit reads of explanations (GET /v1/plans/{id}/explain/{person_id}).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out rather than imported from api.store: a revision must keep meaning what it meant when written.
BEFORE = "action IN ('submit', 'cancel', 'read_status', 'read_result', 'read_manifest', 'read_unplaced', 'list')"
AFTER = (
    "action IN ('submit', 'cancel', 'read_status', 'read_result', 'read_manifest', 'read_unplaced', 'list', "
    "'read_explain')"
)


def upgrade() -> None:
    """Allow the audit action `read_explain`."""
    _replace_action_check(AFTER)


def downgrade() -> None:
    """Forget `read_explain` entries, then allow only the actions of revision 0001 again."""
    op.execute("DELETE FROM audit WHERE action = 'read_explain'")
    _replace_action_check(BEFORE)


def _replace_action_check(condition: str) -> None:
    # SQLite changes a constraint only by copying the table, which batch mode does (and PostgreSQL does in place).
    with op.batch_alter_table("audit") as batch:
        batch.drop_constraint(op.f("ck_audit_action"), type_="check")
        batch.create_check_constraint(op.f("ck_audit_action"), condition)
