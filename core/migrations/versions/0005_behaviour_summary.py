"""Per-lead behaviour summaries for segment filters, and an index-only path for inactivity.

Adds `lead_behaviour` (one row per lead: all-time count and the three most recent timestamps of
every behaviour metric), a trigger that gives each new lead its row, and a backfill that inserts a
row for every existing lead with `summarised_at` NULL: segment filters keep reading the event
trail until the next full rescore has summarised every lead. `ix_leads_activity` gains the columns
its expression reads, so "inactive for N days" counts can be answered from the index alone.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Frozen here on purpose: a migration describes the schema of its revision.
METRICS = (
    "events",
    "page_views",
    "pricing_views",
    "case_study_views",
    "comparison_views",
    "blog_views",
    "careers_views",
    "downloads",
    "whitepaper_downloads",
    "case_study_downloads",
    "email_opens",
    "email_clicks",
    "emails_sent",
    "replies",
    "webinars_attended",
    "webinar_registrations",
    "demo_requests",
    "trials",
    "meetings",
)
NEW_LEAD_ROWS = """
CREATE FUNCTION lead_behaviour_for_new_leads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- a lead has no events when it is created, so its empty summary is already exact
  INSERT INTO lead_behaviour (lead_id, summarised_at)
  SELECT id, now() FROM new_leads
  ON CONFLICT (lead_id) DO NOTHING;
  RETURN NULL;
END $$
"""


def upgrade() -> None:
    """Create the summary table, its trigger and indexes; backfill unsummarised rows."""
    metric_columns = []
    for metric in METRICS:
        metric_columns.append(sa.Column(metric, sa.Integer(), server_default="0", nullable=False))
        metric_columns.append(
            sa.Column(f"{metric}_recent", ARRAY(sa.DateTime(timezone=True)), nullable=True)
        )
    op.create_table(
        "lead_behaviour",
        sa.Column("lead_id", sa.BigInteger(), nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summarised_at", sa.DateTime(timezone=True), nullable=True),
        *metric_columns,
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_lead_behaviour_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("lead_id", name=op.f("pk_lead_behaviour")),
    )
    op.execute("INSERT INTO lead_behaviour (lead_id) SELECT id FROM leads")
    op.execute(NEW_LEAD_ROWS)
    op.execute(
        "CREATE TRIGGER lead_behaviour_rows AFTER INSERT ON leads "
        "REFERENCING NEW TABLE AS new_leads FOR EACH STATEMENT "
        "EXECUTE FUNCTION lead_behaviour_for_new_leads()"
    )
    op.create_index("ix_lead_behaviour_last_event_at", "lead_behaviour", ["last_event_at"])
    op.create_index(
        "ix_lead_behaviour_unsummarised",
        "lead_behaviour",
        ["lead_id"],
        postgresql_where=sa.text("summarised_at IS NULL"),
    )
    op.create_index(
        "ix_lead_behaviour_whitepapers",
        "lead_behaviour",
        ["whitepaper_downloads"],
        postgresql_where=sa.text("whitepaper_downloads > 0"),
    )
    op.create_index(
        "ix_lead_behaviour_pricing_2nd", "lead_behaviour", [sa.text("(pricing_views_recent[2])")]
    )
    op.create_index(
        "ix_lead_behaviour_demo_last", "lead_behaviour", [sa.text("(demo_requests_recent[1])")]
    )
    op.drop_index("ix_leads_activity", table_name="leads")
    op.create_index(
        "ix_leads_activity",
        "leads",
        [sa.text("coalesce(last_engaged_at, created_at)")],
        postgresql_include=["last_engaged_at", "created_at"],
    )


def downgrade() -> None:
    """Drop the summaries and restore the plain activity index."""
    op.drop_index("ix_leads_activity", table_name="leads")
    op.create_index(
        "ix_leads_activity", "leads", [sa.text("coalesce(last_engaged_at, created_at)")]
    )
    op.execute("DROP TRIGGER lead_behaviour_rows ON leads")
    op.execute("DROP FUNCTION lead_behaviour_for_new_leads()")
    op.drop_table("lead_behaviour")
