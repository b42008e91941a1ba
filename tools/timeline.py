"""System events on leads' timelines (source 'nurture', once per message id), one or in bulk.

The batch paths (triggers, assignment, escalations) write many of these per request; one
INSERT … SELECT FROM jsonb_to_recordset replaces a round trip per event. Single events
(`add_event`) go through the same statement, so every writer shares one conflict rule.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

_INSERT = text(
    """
    INSERT INTO events (lead_id, source, message_id, type, properties, occurred_at,
                        processed_at)
    SELECT lead_id, 'nurture', message_id, type, coalesce(properties, '{}'),
           coalesce(occurred_at, now()), processed_at
    FROM jsonb_to_recordset(CAST(:rows AS jsonb))
         AS t(ord int, lead_id bigint, message_id text, type text, properties jsonb,
              occurred_at timestamptz, processed_at timestamptz)
    ORDER BY ord
    ON CONFLICT ON CONSTRAINT uq_events_source_message_id DO NOTHING
    """
)


def system_event(
    lead_id: int, key: str, kind: str, at: datetime | None, /, **props: Any
) -> dict[str, Any]:
    """One row for `add_events` (`at` None: the transaction's time, as SQL now())."""
    return {
        "lead_id": lead_id,
        "message_id": key,
        "type": kind,
        "properties": props,
        "occurred_at": at,
    }


def add_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert these system events in the given order; a message id already stored is skipped."""
    if not rows:
        return
    ordered = [{**row, "ord": i} for i, row in enumerate(rows)]
    session.execute(_INSERT, {"rows": orjson.dumps(ordered, default=str).decode()})


def add_event(
    session: Session, lead_id: int, key: str, kind: str, at: datetime | None, /, **props: Any
) -> None:
    """Write one system event on the lead's timeline, once per key."""
    add_events(session, [system_event(lead_id, key, kind, at, **props)])
