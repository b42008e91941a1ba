"""What happened to an outbox row once handed to a transport: sent, retry, failed or unconfirmed.

The SMTP checkpoint (`hand_over`) commits `sending -> unconfirmed` right before DATA: from that
moment the relay may accept the message, so the row must never be resent blindly. `record` then
writes the outcome; when the sender dies first, `surface_unconfirmed` shows the row to a human
after its lease, and `resolve_unconfirmed` applies their decision (delivered, or send again).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core.models import Draft, Enrollment, Lead, Outbox
from tools.delivery import DeliveryResult, retry_delays
from tools.email_events import lead_event
from tools.enrollment import OPEN
from tools.guardrails import Decision, record_decision
from tools.progress import finish_step
from tools.sequences import ALL_EXITS, UnknownSequence, get_sequence
from tools.timeline import add_event

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
IN_FLIGHT = ("sending", "unconfirmed")
UNCONFIRMED = "delivery_unconfirmed"


def sequence_context(session: Session, draft: Draft | None) -> tuple[Enrollment | None, list[str]]:
    """The enrollment a sequence email belongs to (by draft thread, else lead and sequence)."""
    if draft is None or draft.sequence is None:
        return None, []
    enrollment = (
        session.scalars(
            select(Enrollment)
            .where(Enrollment.waiting_thread_id == draft.thread_id)
            .order_by(Enrollment.id.desc())
            .limit(1)
            .execution_options(populate_existing=True)
        ).first()
        or session.scalars(
            select(Enrollment)
            .where(
                Enrollment.lead_id == draft.lead_id,
                Enrollment.sequence == draft.sequence,
                Enrollment.status.in_(OPEN),
            )
            .execution_options(populate_existing=True)
        ).first()
    )
    try:
        exits = list(get_sequence(draft.sequence).exit_on)
    except UnknownSequence:
        exits = list(ALL_EXITS)
    return enrollment, exits


def hand_over(session: Session, row_id: int, token: str, now: datetime) -> bool:
    """The checkpoint before DATA: commit `unconfirmed` (with the hand-over time) if still ours."""
    try:
        done = session.execute(
            update(Outbox)
            .where(Outbox.id == row_id, Outbox.status == "sending", Outbox.claimed_by == token)
            .values(status="unconfirmed", sent_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.commit()
    except SQLAlchemyError:
        log.exception("outbox %s: cannot record the hand-over; withdrawing the message", row_id)
        session.rollback()
        return False
    return done == 1


_STRANDED = text(
    """
    UPDATE outbox SET claimed_by = NULL, lease_until = NULL,
        last_error = 'the sender stopped after handing the message to the relay: delivery unknown'
    WHERE status = 'unconfirmed' AND claimed_by IS NOT NULL AND lease_until < :now
    RETURNING id, lead_id
    """
)


def surface_unconfirmed(session: Session, now: datetime) -> int:
    """Rows a dead sender left after the checkpoint: no resend, a held reason on the timeline."""
    rows = session.execute(_STRANDED, {"now": now}).all()
    for row_id, lead_id in rows:
        reason = "delivery unconfirmed: the sender stopped during SMTP DATA; a person decides"
        _hold(session, lead_id, row_id, reason, now)
    return len(rows)


def record(
    session: Session, row_id: int, token: str, result: DeliveryResult, now: datetime, report
) -> None:
    """Write one delivery outcome (compare-and-set on the claim token) and commit."""
    row = session.scalars(
        select(Outbox)
        .where(Outbox.id == row_id, Outbox.status.in_(IN_FLIGHT), Outbox.claimed_by == token)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        log.warning("outbox %s: lease lost before recording (%s)", row_id, result.detail)
        session.rollback()
        return
    outcome = apply(session, row, result, now)
    setattr(report, outcome, getattr(report, outcome) + 1)


def apply(session: Session, row: Outbox, result: DeliveryResult, now: datetime) -> str:
    """Apply `result` to a row this caller holds; commit; the outcome's name."""
    draft = session.get(Draft, row.draft_id)
    enrollment, _ = sequence_context(session, draft)
    live = None  # advance only the enrollment that waits on exactly this draft's thread
    if enrollment is not None and enrollment.status in OPEN and draft is not None:
        live = enrollment if enrollment.waiting_thread_id == draft.thread_id else None
    row.lease_until = row.claimed_by = None
    if result.ok:
        row.status, row.sent_at, row.last_error = "sent", row.sent_at or now, None
        _mark_sent(session, row, draft)
        if live is not None and draft.step is not None:
            live.last_message_id = row.message_id
            finish_step(session, live, draft.step, now)
        outcome = "sent"
    elif result.uncertain:  # the relay may have it: never resent without a person's decision
        row.status, row.last_error = "unconfirmed", result.detail
        reason = f"delivery unconfirmed ({result.detail}); a person decides"
        _hold(session, row.lead_id, row.id, reason, now)
        outcome = "unconfirmed"
    elif result.temporary_failure and row.attempts < MAX_ATTEMPTS:
        row.status, row.last_error, row.sent_at = "queued", result.detail, None
        row.next_attempt_at = now + timedelta(seconds=retry_delays(row.attempts))
        outcome = "retried"
    else:
        row.status, row.last_error, row.sent_at = "failed", result.detail, None
        _set_draft(session, draft, "failed")
        if live is not None and draft.step is not None:
            finish_step(session, live, draft.step, now, skipped=f"delivery failed: {result.detail}")
        outcome = "failed"
    session.commit()
    if outcome == "failed":  # a bounce, through ingestion: the trail and consent update
        props = {
            "message_id": row.message_id,
            "outbox_id": row.id,
            "bounce_type": "hard" if result.recipient_refused else "soft",
            "smtp_code": result.smtp_code,
            "reason": result.detail,
        }
        lead = session.get(Lead, row.lead_id)
        lead_event(session, lead, "Email Bounced", f"bounce:{row.message_id}", props, now)
    return outcome


def resolve_unconfirmed(
    session: Session, outbox_id: int, *, delivered: bool, by: str, now: datetime
) -> str:
    """A person's decision on an unconfirmed row: it was delivered (recorded as sent at the
    hand-over time, the sequence moves on) or it was not (queued again, same Message-ID)."""
    row = session.scalars(
        select(Outbox)
        .where(Outbox.id == outbox_id, Outbox.status == "unconfirmed")
        .where(Outbox.claimed_by.is_(None))  # a live sender may still be waiting for the relay
        .with_for_update()
    ).first()
    if row is None:
        raise ValueError(f"outbox {outbox_id} is not unconfirmed (or a sender still holds it)")
    if delivered:
        return apply(session, row, DeliveryResult(True, detail=f"confirmed by {by}"), now)
    row.status, row.sent_at, row.next_attempt_at = "queued", None, now
    row.last_error = f"not delivered, sent again on {by}'s decision"
    session.commit()
    return "requeued"


def _hold(session: Session, lead_id: int, row_id: int, reason: str, now: datetime) -> None:
    record_decision(session, lead_id, Decision(False, UNCONFIRMED, reason), f"outbox:{row_id}", now)


def _set_draft(session: Session, draft: Draft | None, status: str) -> None:
    if draft is not None:
        session.execute(
            text(
                "UPDATE drafts SET status = :s WHERE id = :id "
                "AND status IN ('approved', 'edited', 'queued', 'sending')"
            ),
            {"s": status, "id": draft.id},
        )


def _mark_sent(session: Session, row: Outbox, draft: Draft | None) -> None:
    _set_draft(session, draft, "sent")
    add_event(
        session,
        row.lead_id,
        row.message_id,
        "email_sent",
        row.sent_at,
        outbox_id=row.id,
        draft_id=row.draft_id,
        subject=row.subject,
        sequence=draft.sequence if draft else None,
        step=draft.step if draft else None,
    )
