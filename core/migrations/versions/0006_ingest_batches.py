"""Ingest batches: one durable "downstream work pending" row per accepted batch.

Ingestion used to mark every stored event processed with an UPDATE after scoring and triggers,
which wrote each event row twice. Now the request stores its events and one `ingest_batches` row
(the event and lead ids) in the same commit, and the downstream transaction deletes that row:
a crash in between leaves the row, which `process_pending` picks up. `events.processed_at` is no
longer the pending marker (some system writers still fill it; nothing reads it); ingested events
it still marked pending become one backfilled batch, so nothing pending is lost.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_batches",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("event_ids", ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("lead_ids", ARRAY(sa.BigInteger()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    )
    op.execute(
        "INSERT INTO ingest_batches (event_ids, lead_ids) "
        "SELECT array_agg(id ORDER BY id), array_agg(DISTINCT lead_id) FROM events "
        "WHERE processed_at IS NULL AND lead_id IS NOT NULL AND source <> 'nurture' "
        "HAVING count(*) > 0"
    )


def downgrade() -> None:
    # the old pending marker: everything not in a pending batch was processed
    op.execute(
        "UPDATE events SET processed_at = received_at WHERE processed_at IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM ingest_batches b WHERE events.id = ANY(b.event_ids))"
    )
    op.drop_table("ingest_batches")
