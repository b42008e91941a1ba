"""Cross-process notifications over PostgreSQL LISTEN/NOTIFY (channel names live here).

Tools publish; the Slack app (or any other listener) subscribes. A notification is only a nudge:
listeners re-read the row, and a periodic sweep catches anything missed while nobody listened.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

ESCALATIONS = "nurture_escalations"
DRAFTS = "nurture_drafts"
CHANNELS = (ESCALATIONS, DRAFTS)


def publish(session: Session, channel: str, row_id: int) -> None:
    """Queue a notification; PostgreSQL delivers it when the transaction commits."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    session.execute(
        text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": str(row_id)}
    )


def publish_many(session: Session, channel: str, row_ids: list[int]) -> None:
    """`publish` for several rows in one statement (delivered in this order on commit)."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if row_ids:
        session.execute(
            text(
                "SELECT count(pg_notify(:channel, id::text)) "
                "FROM (SELECT unnest(CAST(:ids AS bigint[])) AS id ORDER BY 1) AS s"
            ),
            {"channel": channel, "ids": row_ids},
        )
