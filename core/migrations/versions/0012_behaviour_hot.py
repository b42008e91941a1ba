"""Let the fold's state-row updates be HOT: a BRIN index on `last_event_at`, room on the pages.

Every scoring pass rewrites the `lead_behaviour` row of each lead it touches (the fold state
and the behaviour summaries), and nearly every time `last_event_at` moves. That column had a
B-tree index, so no such update could be HOT: each one added an entry to all six indexes of
the table, ~20 µs of a ~35 µs row update on a 911-lead pass (EXPLAIN ANALYZE, BENCHMARKS.md).
The index only served one question, "is any summarised event later than this time?"
(tools/segments.py asks it before counting from the summaries), which a BRIN index answers as
well: a range predicate over ~800 block summaries at 1M leads, 0.2 ms. A BRIN index is a
summarizing index, and since PostgreSQL 16 an update that changes only columns covered by
summarizing indexes can still be HOT. The fold also stops rewriting `summarised_at` once it is
set (the partial index on it would otherwise block HOT too), and the table leaves 30 % of each
page free for the new row versions. The other indexes cover columns that move only on their own
events (whitepaper downloads, pricing views, demo requests). Pages filled before this keep no
room until rewritten (VACUUM FULL) or until rows leave them.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BEHAVIOUR_FILLFACTOR = 70


def upgrade() -> None:
    op.drop_index("ix_lead_behaviour_last_event_at", table_name="lead_behaviour")
    # new rows land on new pages: autosummarize has autovacuum summarize their ranges (an
    # unsummarized range is simply read, so this only keeps the question cheap)
    op.execute(
        "CREATE INDEX ix_lead_behaviour_last_event_at ON lead_behaviour "
        "USING brin (last_event_at) WITH (autosummarize = on)"
    )
    op.execute(f"ALTER TABLE lead_behaviour SET (fillfactor = {BEHAVIOUR_FILLFACTOR})")


def downgrade() -> None:
    op.execute("ALTER TABLE lead_behaviour RESET (fillfactor)")
    op.drop_index("ix_lead_behaviour_last_event_at", table_name="lead_behaviour")
    op.create_index("ix_lead_behaviour_last_event_at", "lead_behaviour", ["last_event_at"])
