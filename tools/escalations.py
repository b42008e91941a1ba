"""Escalations: things a rep must see now (MQL, high intent, meeting requests, referrals…).

`escalate` is idempotent by `dedupe_key`, assigns the lead's owner rep, records an `escalated`
event on the timeline and publishes a notification so the Slack app posts it within a second.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.models import Escalation, Event, Lead
from tools.notify import ESCALATIONS, publish

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
        session.execute(
            insert(Event)
            .values(
                lead_id=lead_id,
                source="nurture",
                message_id=f"escalation:{dedupe_key}",
                type="escalated",
                properties={"kind": kind, "summary": summary, "escalation_id": row_id},
                occurred_at=datetime.now(UTC),
            )
            .on_conflict_do_nothing(constraint="uq_events_source_message_id")
        )
    publish(session, ESCALATIONS, row_id)
    return session.get(Escalation, row_id)


def open_escalations(session: Session, limit: int = 50) -> list[Escalation]:
    """Escalations not yet closed, newest first."""
    stmt = (
        select(Escalation)
        .where(Escalation.status.in_(("open", "claimed", "snoozed")))
        .order_by(Escalation.created_at.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
