"""Lead aliases: the other user ids of a lead merged by email.

An identify whose userId is unknown but whose email belongs to a lead is merged into that lead
(dedupe by normalized email). The lead keeps its own external id, so the merged userId used to
be forgotten: the next event sent under it created an empty lead with that external id, and a
later identify under it (a second `nurture demo`) collided with the email's owner on
`uq_leads_email`. `lead_aliases` remembers the userId, and ingestion resolves it to the lead.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lead_aliases",
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("lead_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("external_id", name="pk_lead_aliases"),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name="fk_lead_aliases_lead_id_leads", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_lead_aliases_lead_id", "lead_aliases", ["lead_id"])


def downgrade() -> None:
    op.drop_index("ix_lead_aliases_lead_id", table_name="lead_aliases")
    op.drop_table("lead_aliases")
