"""Escalations: things a rep must see now (MQL, high intent, meeting requests, referrals…).

`escalate` is idempotent by `dedupe_key`, assigns the lead's owner rep, records an `escalated`
event on the timeline and publishes a notification so the Slack app posts it within a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.models import Escalation, Lead
from tools.notify import ESCALATIONS, publish, publish_many
from tools.timeline import add_event, add_events, system_event

KINDS = (
    "mql",
    "high_intent",
    "meeting_request",
    "positive_reply",
    "referral",
    "question",
    "low_confidence",
    "approval_overdue",
    "unknown_sender",
)


def escalate(
    session: Session,
    *,
    kind: str,
    summary: str,
    dedupe_key: str,
    lead_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Escalation | None:
    """Create an escalation once per `dedupe_key`; None when it already existed."""
    if kind not in KINDS:
        raise ValueError(f"unknown escalation kind {kind!r}")
    owner = None
    if lead_id is not None:
        owner = session.scalar(select(Lead.owner_rep_id).where(Lead.id == lead_id))
    row_id = session.execute(
        insert(Escalation)
        .values(
            dedupe_key=dedupe_key,
            lead_id=lead_id,
            kind=kind,
            summary=summary,
            payload=payload or {},
            owner_rep_id=owner,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Escalation.id)
    ).scalar()
    if row_id is None:
        return None
    if lead_id is not None:
        add_event(
            session,
            lead_id,
            f"escalation:{dedupe_key}",
            "escalated",
            datetime.now(UTC),
            kind=kind,
            summary=summary,
            escalation_id=row_id,
        )
    publish(session, ESCALATIONS, row_id)
    return session.get(Escalation, row_id)


@dataclass(frozen=True)
class Alert:
    """One escalation for `escalate_many` (the arguments of `escalate`)."""

    kind: str
    lead_id: int
    dedupe_key: str
    summary: str
    payload: dict[str, Any] = field(default_factory=dict)


_INSERT_MANY = text(
    """
    INSERT INTO escalations (dedupe_key, lead_id, kind, summary, payload, owner_rep_id)
    SELECT a.dedupe_key, a.lead_id, a.kind, a.summary, coalesce(a.payload, '{}'), l.owner_rep_id
    FROM jsonb_to_recordset(CAST(:rows AS jsonb))
         AS a(ord int, dedupe_key text, lead_id bigint, kind text, summary text, payload jsonb)
    JOIN leads l ON l.id = a.lead_id
    ORDER BY a.ord
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING id, dedupe_key
    """
)


def escalate_many(session: Session, alerts: list[Alert]) -> dict[str, int]:
    """`escalate` for many leads in three statements; the ids created, by dedupe key.

    Each escalation goes to the lead's owner at this moment, is recorded on the timeline and
    published, exactly as `escalate` does; a dedupe key seen before creates nothing.
    """
    if unknown := {a.kind for a in alerts} - set(KINDS):
        raise ValueError(f"unknown escalation kind {sorted(unknown)[0]!r}")
    first: dict[str, Alert] = {}
    for alert in alerts:
        first.setdefault(alert.dedupe_key, alert)
    if not first:
        return {}
    rows = [
        {
            "ord": i,
            "dedupe_key": a.dedupe_key,
            "lead_id": a.lead_id,
            "kind": a.kind,
            "summary": a.summary,
            "payload": a.payload,
        }
        for i, a in enumerate(first.values())
    ]
    created = dict(
        (r.dedupe_key, r.id)
        for r in session.execute(_INSERT_MANY, {"rows": orjson.dumps(rows).decode()}).all()
    )
    now = datetime.now(UTC)
    add_events(
        session,
        [
            system_event(
                a.lead_id,
                f"escalation:{key}",
                "escalated",
                now,
                kind=a.kind,
                summary=a.summary,
                escalation_id=created[key],
            )
            for key, a in first.items()
            if key in created
        ],
    )
    publish_many(session, ESCALATIONS, sorted(created.values()))
    return created


def open_escalations(session: Session, limit: int = 50) -> list[Escalation]:
    """Escalations not yet closed, newest first."""
    stmt = (
        select(Escalation)
        .where(Escalation.status.in_(("open", "claimed", "snoozed")))
        .order_by(Escalation.created_at.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
