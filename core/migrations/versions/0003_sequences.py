"""Sequences at work: enrollment waits on a draft thread, outbox leases, periodic job ledger.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 17:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the columns and the job table."""
    op.add_column("enrollments", sa.Column("waiting_thread_id", sa.Text(), nullable=True))
    op.add_column(
        "enrollments",
        sa.Column("step_attempts", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("enrollments", sa.Column("claimed_by", sa.Text(), nullable=True))
    op.create_index(
        "ix_enrollments_waiting",
        "enrollments",
        ["waiting_thread_id"],
        unique=False,
        postgresql_where=sa.text("waiting_thread_id IS NOT NULL"),
    )
    op.add_column("outbox", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("outbox", sa.Column("claimed_by", sa.Text(), nullable=True))
    op.create_index("ix_outbox_lead", "outbox", ["lead_id"], unique=False)
    op.create_table(
        "worker_jobs",
        sa.Column("job", sa.Text(), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_worker_jobs")),
    )


def downgrade() -> None:
    """Remove them again."""
    op.drop_table("worker_jobs")
    op.drop_index("ix_outbox_lead", table_name="outbox")
    op.drop_column("outbox", "claimed_by")
    op.drop_column("outbox", "lease_until")
    op.drop_index(
        "ix_enrollments_waiting",
        table_name="enrollments",
        postgresql_where=sa.text("waiting_thread_id IS NOT NULL"),
    )
    op.drop_column("enrollments", "claimed_by")
    op.drop_column("enrollments", "step_attempts")
    op.drop_column("enrollments", "waiting_thread_id")
