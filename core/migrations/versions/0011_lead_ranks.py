"""Move the ranking indexes off `leads` so scoring's lead updates are HOT.

Each scoring pass rewrites `score`, `tier` and `last_engaged_at` of every lead it touched.
Three of the twelve indexes on `leads` covered those columns (tier + score, last_engaged_at,
the inactivity expression), so none of these updates could be HOT: each one added an entry to
all twelve indexes, ~100 µs a lead at 1.5k leads (~195 µs at 1M), the largest single cost of
a scoring pass. `lead_ranks` holds a copy of those columns (and `created_at`, which inactivity
falls back to) with the three indexes; `leads` keeps the columns, so every reader stays as it
is, and leaves room on its pages (fillfactor 80) so the new row version fits beside the old.
A scoring update then writes no index entry at all. Two statement-level triggers keep the copy:
each INSERT on `leads` inserts the new leads' rows, each UPDATE updates the rows whose ranking
columns changed (one set-based statement over the transition table). Segment filters and lead
lists that filter or order by tier, score or inactivity read `lead_ranks`
(tools/segment_filter.py, tools/segments.py, tools/leads.py).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

LEADS_FILLFACTOR = 80
RANKED = ("tier", "score", "last_engaged_at", "created_at")
ACTIVITY = "coalesce(last_engaged_at, created_at)"

FUNCTIONS = f"""
CREATE FUNCTION lead_ranks_for_new_leads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO lead_ranks (lead_id, {", ".join(RANKED)})
  SELECT id, {", ".join(RANKED)} FROM new_leads;
  RETURN NULL;
END $$;
CREATE FUNCTION lead_ranks_follow_leads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE lead_ranks r
  SET {", ".join(f"{c} = n.{c}" for c in RANKED)}
  FROM new_leads n
  WHERE r.lead_id = n.id
    AND ({", ".join(f"r.{c}" for c in RANKED)})
        IS DISTINCT FROM ({", ".join(f"n.{c}" for c in RANKED)});
  RETURN NULL;
END $$;
"""


def _ranking_indexes(table: str, create: bool) -> None:
    """The indexes on tier + score, last_engaged_at and inactivity, on `table`."""
    names = [f"ix_{table}_{suffix}" for suffix in ("tier_score", "last_engaged_at", "activity")]
    if not create:
        for name in names:
            op.drop_index(name, table_name=table)
        return
    op.create_index(names[0], table, ["tier", "score"])
    op.create_index(names[1], table, ["last_engaged_at"])
    # the included columns let "inactive for N days" counts run as index-only scans
    op.create_index(
        names[2], table, [sa.text(ACTIVITY)], postgresql_include=["last_engaged_at", "created_at"]
    )


def upgrade() -> None:
    op.create_table(
        "lead_ranks",
        sa.Column(
            "lead_id",
            sa.BigInteger(),
            sa.ForeignKey("leads.id", ondelete="CASCADE", name="fk_lead_ranks_lead_id_leads"),
            primary_key=True,
        ),
        sa.Column("tier", sa.Text(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("last_engaged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(
        f"INSERT INTO lead_ranks (lead_id, {', '.join(RANKED)}) "
        f"SELECT id, {', '.join(RANKED)} FROM leads"
    )
    _ranking_indexes("lead_ranks", create=True)
    # statistics now, not at autovacuum's first visit: without them the planner guesses 5,000
    # rows for any tier and scans the whole table (its visibility map, which index-only scans
    # need, waits for that first autovacuum: about a minute on a running server)
    op.execute("ANALYZE lead_ranks")
    op.execute(FUNCTIONS)
    op.execute(
        "CREATE TRIGGER lead_ranks_rows AFTER INSERT ON leads "
        "REFERENCING NEW TABLE AS new_leads FOR EACH STATEMENT "
        "EXECUTE FUNCTION lead_ranks_for_new_leads()"
    )
    op.execute(
        "CREATE TRIGGER lead_ranks_follow AFTER UPDATE ON leads "
        "REFERENCING NEW TABLE AS new_leads FOR EACH STATEMENT "
        "EXECUTE FUNCTION lead_ranks_follow_leads()"
    )
    _ranking_indexes("leads", create=False)
    op.execute(f"ALTER TABLE leads SET (fillfactor = {LEADS_FILLFACTOR})")
    # the ranks table is rewritten as often as leads rows are scored: vacuum it as soon (0008)
    op.execute(
        "ALTER TABLE lead_ranks SET "
        "(autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000)"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE leads RESET (fillfactor)")
    _ranking_indexes("leads", create=True)
    op.execute("DROP TRIGGER lead_ranks_follow ON leads")
    op.execute("DROP TRIGGER lead_ranks_rows ON leads")
    op.execute("DROP FUNCTION lead_ranks_follow_leads()")
    op.execute("DROP FUNCTION lead_ranks_for_new_leads()")
    op.drop_table("lead_ranks")
