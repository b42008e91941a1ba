"""Indexes that serve segment filters at scale: persona, product interest, industry, downloads.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_leads_persona", "leads", ["persona"])
    op.create_index("ix_leads_product_interest", "leads", ["product_interest"])
    op.create_index("ix_leads_industry", "leads", ["industry"])
    # Downloads are a few percent of the trail; a partial index answers "downloaded X" counts
    # without touching the heap.
    op.execute(
        "CREATE INDEX ix_events_downloads ON events (type, asset_type, occurred_at, lead_id) "
        "WHERE asset_type IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_events_downloads", table_name="events")
    op.drop_index("ix_leads_industry", table_name="leads")
    op.drop_index("ix_leads_product_interest", table_name="leads")
    op.drop_index("ix_leads_persona", table_name="leads")
