"""Fold state: what inline scoring needs to fold a batch's events into a lead's score.

Ingest used to recompute every touched lead's score and behaviour summary from its whole trail on
each batch. The `lead_behaviour` row now also keeps the scoring fold state (tools/score_state.py):
per-rule counts since the last reset, capped rules' counts per month, the reset time, the last
engagement, the highest stage reached, the `as_of` folded up to and the first future-dated event
left out. `state_key` names the scoring config the counts belong to; NULL means "no state, refold
from the trail", `new` is a new lead's empty state, which is exact under any config. Existing
rows start without state, so each lead's first batch after the upgrade refolds it.
`ingest_batches.refold_ids` keeps which of a pending batch's leads must be refolded (anonymous
events attached), so whichever transaction finishes the batch scores it the same way;
`ingest_batches.scored_at` marks a batch whose scoring committed and whose triggers have not.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

NEW_LEAD_FUNCTION = """
CREATE OR REPLACE FUNCTION lead_behaviour_for_new_leads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- a lead has no events when it is created, so its empty summary and fold state are exact
  INSERT INTO lead_behaviour (lead_id, summarised_at{state_column})
  SELECT id, now(){state_value} FROM new_leads
  ON CONFLICT (lead_id) DO NOTHING;
  RETURN NULL;
END $$
"""


def upgrade() -> None:
    """Add the fold-state columns; new leads start with an exact empty state."""
    op.add_column("lead_behaviour", sa.Column("state_key", sa.Text(), nullable=True))
    op.add_column("lead_behaviour", sa.Column("rule_counts", ARRAY(sa.Integer()), nullable=True))
    op.add_column("lead_behaviour", sa.Column("capped_counts", JSONB(), nullable=True))
    for column in ("reset_at", "engaged_at", "folded_through", "future_at"):
        op.add_column(
            "lead_behaviour", sa.Column(column, sa.DateTime(timezone=True), nullable=True)
        )
    op.add_column("lead_behaviour", sa.Column("stage_rank", sa.SmallInteger(), nullable=True))
    op.execute(NEW_LEAD_FUNCTION.format(state_column=", state_key", state_value=", 'new'"))
    op.add_column("ingest_batches", sa.Column("refold_ids", ARRAY(sa.BigInteger()), nullable=True))
    op.add_column(
        "ingest_batches", sa.Column("scored_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    """Drop the fold state; the trigger goes back to summaries only."""
    op.drop_column("ingest_batches", "scored_at")
    op.drop_column("ingest_batches", "refold_ids")
    op.execute(NEW_LEAD_FUNCTION.format(state_column="", state_value=""))
    for column in (
        "state_key",
        "rule_counts",
        "capped_counts",
        "reset_at",
        "engaged_at",
        "folded_through",
        "future_at",
        "stage_rank",
    ):
        op.drop_column("lead_behaviour", column)
