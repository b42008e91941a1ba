"""The small state changes reply actions make: trail events via ingestion, pauses, exits, enrolls.

Consent, referral leads and the reply's score line all go through `tools.ingest.store` (so the
trail stays the one source of truth and a re-run stores nothing twice); exits and enrollments go
through tools.enrollment; a pause is a snooze plus a later next step (see `pause`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Enrollment, Lead, Reply
from tools.drafts import timeline
from tools.escalations import escalate
from tools.ingest import store
from tools.ingest_schema import parse_one
from tools.reply_schema import ReplyClassification
from tools.reply_text import split_reply

SOURCE = "nurture"  # events the system writes about itself
LIVE = ("active", "paused")


@dataclass
class ReplyContext:
    """What an action may touch: one reply, its lead, its classification, and the clock."""

    session: Session
    reply: Reply
    lead: Lead
    result: ReplyClassification
    now: datetime
    event_ids: list[int | None] = field(default_factory=list)
    lead_ids: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The idempotency prefix of everything this reply causes."""
        return f"reply:{self.reply.id}"

    @property
    def quote(self) -> str:
        """The reply's own words (quoted history and signature removed), cut to 300 chars."""
        return (split_reply(self.reply.body).new_text or self.reply.body).strip()[:300]

    def escalate(self, kind: str, summary: str, **payload: Any) -> int | None:
        """Alert the lead's owner once per reply and kind; the escalation id."""
        row = escalate(self.session, kind=kind, summary=summary[:300], lead_id=self.lead.id,
                       dedupe_key=f"{self.key}:{kind}",
                       payload={"reply_id": self.reply.id, **payload})  # fmt: skip
        return row.id if row else None


def lead_key(lead: Lead) -> dict[str, str]:
    """How an ingestion message names an existing lead: its external id, else its email."""
    if not (lead.external_id or lead.email):
        raise ValueError(f"lead {lead.id} has neither an external id nor an email")
    return {"userId": lead.external_id or lead.email}


def track(
    session: Session, lead: Lead, event: str, key: str, at: datetime, **properties: Any
) -> int | None:
    """Store one track event for the lead through ingestion; its id, or None if already stored."""
    message = parse_one(
        {**lead_key(lead), "event": event, "messageId": key, "timestamp": at.isoformat(),
         "properties": properties}, "track",
    )  # fmt: skip
    result = store(session, [message], source=SOURCE)
    return result.event_ids[0] if result.event_ids else None


def identify(session: Session, key: str, traits: dict[str, Any], **who: str) -> int | None:
    """Store one identify message (create or update a lead); the lead id it resolved to."""
    message = parse_one({**who, "traits": traits, "messageId": key}, "identify")
    result = store(session, [message], source=SOURCE)
    return result.lead_ids[0] if result.lead_ids else None


def find_lead(session: Session, email: str) -> Lead | None:
    """The lead with this (normalized) email, if any."""
    return session.scalars(select(Lead).where(Lead.email == email)).first()


def live_enrollments(session: Session, lead_id: int) -> list[Enrollment]:
    """The lead's open (active or paused) enrollments, locked for the update that follows."""
    return list(
        session.scalars(
            select(Enrollment)
            .where(Enrollment.lead_id == lead_id, Enrollment.status.in_(LIVE))
            .order_by(Enrollment.id)
            .with_for_update()
        )
    )


def pause(session: Session, lead: Lead, until: datetime, reason: str, key: str) -> list[int]:
    """Hold every send to the lead until `until`; reversible (clear the dates to resume).

    The lead is snoozed (guardrails hold any email before `until`), and each open enrollment's
    next step is moved to `until` at the earliest, staying `active` so the sequences worker
    picks it up again by itself. An enrollment waiting on a draft keeps its state; the snooze
    holds that draft's email.
    """
    ids = []
    for enrollment in live_enrollments(session, lead.id):
        enrollment.paused_until = until
        if enrollment.next_due_at is not None:
            enrollment.next_due_at = max(enrollment.next_due_at, until)
        ids.append(enrollment.id)
    lead.snoozed_until = until
    session.flush()
    timeline(session, lead.id, f"{key}:paused", "sequence_paused",
             {"until": until.isoformat(), "reason": reason, "enrollment_ids": ids})  # fmt: skip
    return ids


def exit_all(session: Session, lead: Lead, code: str, detail: str, now: datetime) -> list[int]:
    """Exit every open enrollment of the lead through tools.enrollment (a timeline event each)."""
    from tools.enrollment import exit_enrollment  # the sequences module owns exits

    ids = []
    for enrollment in live_enrollments(session, lead.id):
        exit_enrollment(session, enrollment, code, detail, now)
        ids.append(enrollment.id)
    return ids


def enroll_decision(
    session: Session, lead: Lead, sequence: str, trigger: str, event_id: int | None, now: datetime
) -> dict[str, Any]:
    """Enroll the lead in the decision-stage sequence via tools.enrollment.enroll."""
    from tools.enrollment import enroll

    outcome = enroll(session, lead.id, sequence, trigger=trigger, trigger_event_id=event_id,
                     now=now)  # fmt: skip
    return _plain(outcome)


def _plain(value: Any) -> Any:
    """A JSON-friendly view of another module's result object."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "__dict__"):
        return {k: _plain(v) for k, v in vars(value).items() if not k.startswith("_")}
    return str(value)


def rescore(session: Session, lead_ids: list[int], event_ids: list[int]) -> None:
    """Score the touched leads inline and mark the new events processed (tools.ingest)."""
    from tools.ingest import downstream

    ids = sorted({lead_id for lead_id in lead_ids if lead_id is not None})
    if ids or event_ids:
        downstream(session, ids, [e for e in event_ids if e is not None])


def lead_timezone_name(session: Session, lead: Lead) -> str:
    """The lead's IANA timezone name (lead, account, then default)."""
    from tools.guardrails import lead_timezone

    return lead_timezone(session, lead).key
