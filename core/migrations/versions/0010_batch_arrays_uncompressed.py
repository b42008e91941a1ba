"""Store the pending batches' id arrays uncompressed.

An `ingest_batches` row names its events and leads in bigint arrays (500 events: 4 KB), above
the 2 KB at which PostgreSQL compresses a value. pglz on those arrays made each row's INSERT
cost 3.4 ms instead of 1.0 ms, once per API request, and every scoring pass decompressed them
again; the rows live only until their batch is finished, so the space saved buys nothing.
EXTERNAL keeps them out of line, uncompressed.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = ("event_ids", "lead_ids", "refold_ids")


def _storage(kind: str) -> None:
    changes = ", ".join(f"ALTER COLUMN {column} SET STORAGE {kind}" for column in COLUMNS)
    op.execute(f"ALTER TABLE ingest_batches {changes}")


def upgrade() -> None:
    _storage("EXTERNAL")


def downgrade() -> None:
    _storage("EXTENDED")
