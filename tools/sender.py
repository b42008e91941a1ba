"""The sender: deliver each outbox row exactly once, with guardrails checked right before sending.

Exactly-once rests on four things, in this order:

1. One row per step. The outbox's unique `idempotency_key` (lead + sequence step) means a step
   can be queued once, however often a draft is approved or regenerated.
2. Claim with a lease (short transaction, committed before any network I/O):
   `FOR UPDATE SKIP LOCKED` takes due rows (`queued` and due, or `sending` whose lease ran out),
   then their leads (`FOR UPDATE SKIP LOCKED`, sorted: no deadlock; a lead another sender holds
   waits for the next pass). With the lead locked, `check_delivery` runs the exit checks and every
   guardrail; only an allowed row becomes `sending` with `lease_until` and this claim's token.
   Holds get `next_attempt_at` and a timeline reason; exits and suppressions cancel the row.
3. Deliver. The Message-ID is derived from the idempotency key, so every attempt of a row carries
   the same Message-ID; the file outbox writes each Message-ID once.
4. Record, at once and per row: compare-and-set `sending -> sent` on this claim's token, with the
   `email_sent` event (unique by Message-ID) and the enrollment's next step in the same commit.
   A sender that lost its lease records nothing.

A crash before step 3 leaves the row `sending` until its lease ends; the next pass re-checks the
guardrails and sends it: nothing lost. A crash between the relay's "250 accepted" and the commit
in step 4 is the one window no sender can close without the relay's help: the retry goes out with
the same Message-ID (the file outbox drops it; mail clients thread it as the same message). The
lease (5 minutes) is far longer than an SMTP attempt (30 s timeout), so a slow sender is never
overtaken while still working. Temporary failures retry with exponential backoff; permanent ones
fail the row and become bounce events through tools.ingest (consent and the trail update).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.models import Draft, Enrollment, Lead, Outbox
from core.settings import Settings
from tools import clock
from tools.compose import compose_outbox
from tools.delivery import DeliveryResult, Transport, retry_delays
from tools.email_events import lead_event
from tools.enrollment import OPEN, exit_enrollment, timeline_event
from tools.guardrails import Decision, check_delivery, record_decision
from tools.progress import finish_step
from tools.sequences import ALL_EXITS, UnknownSequence, get_sequence

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8


@dataclass
class SendReport:
    """What one pass over the outbox did."""

    claimed: int = 0
    sent: int = 0
    held: int = 0
    cancelled: int = 0
    retried: int = 0
    failed: int = 0
    details: list[dict[str, Any]] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        """True when the pass found any work."""
        return bool(self.claimed or self.held or self.cancelled)


@dataclass
class SendHooks:
    """Callbacks at the crash-relevant points (metrics, tests)."""

    after_claim: Callable[[list[int]], None] | None = None
    after_send: Callable[[int, DeliveryResult], None] | None = None


# A row never rescheduled (next_attempt_at still equal to created_at) is due at once, whatever
# the clock says: a simulated clock may run behind the database's now().
_DUE = text(
    """
    SELECT id, lead_id FROM outbox
    WHERE (status = 'queued' AND (next_attempt_at <= :now OR next_attempt_at = created_at))
       OR (status = 'sending' AND lease_until < :now)
    ORDER BY next_attempt_at, id LIMIT :limit FOR UPDATE SKIP LOCKED
    """
)
_LOCK_LEADS = text("SELECT id FROM leads WHERE id = ANY(:ids) ORDER BY id FOR UPDATE SKIP LOCKED")


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


def _decide(session: Session, row: Outbox, lead: Lead, now: datetime) -> tuple[Decision, Any]:
    draft = session.get(Draft, row.draft_id)
    enrollment, exits = sequence_context(session, draft)
    if enrollment is not None and enrollment.status not in OPEN and enrollment.status != "stopped":
        ended = f"exit: {enrollment.sequence} ended ({enrollment.exit_reason})"
        return Decision(False, f"exit_{enrollment.exit_reason}", ended), enrollment
    decision = check_delivery(
        session, lead, now, outbox_id=row.id, enrollment=enrollment, exits=exits
    )
    return decision, enrollment


def _thread(session: Session, row: Outbox, enrollment: Enrollment | None) -> None:
    """A follow-up in a sequence replies to the previous email of the same enrollment."""
    if row.in_reply_to or enrollment is None or not enrollment.last_message_id:
        return
    parent = enrollment.last_message_id
    before = session.scalar(select(Outbox.references).where(Outbox.message_id == parent))
    row.in_reply_to = parent
    row.references = " ".join([*(before or "").split(), parent][-20:])


def claim(session: Session, now: datetime, limit: int, token: str, report: SendReport) -> list[int]:
    """Claim due rows whose guardrails pass (leased to `token`); hold or cancel the rest; commit."""
    rows = session.execute(_DUE, {"now": now, "limit": limit}).all()
    locked = set(session.execute(_LOCK_LEADS, {"ids": sorted({r.lead_id for r in rows})}).scalars())
    claimed = []
    for row_id, lead_id in rows:
        if lead_id not in locked:
            continue
        row = session.get(Outbox, row_id, populate_existing=True)
        lead = session.get(Lead, lead_id, populate_existing=True)
        decision, enrollment = _decide(session, row, lead, now)
        detail = {"outbox_id": row.id, "lead_id": lead.id, "code": decision.code}
        if decision.allowed:
            _thread(session, row, enrollment)
            row.status, row.lease_until, row.claimed_by = "sending", now + LEASE, token
            row.attempts += 1
            claimed.append(row.id)
            session.flush()  # the next row for this lead must see this one as being sent
            continue
        record_decision(session, lead.id, decision, f"outbox:{row.id}", now)
        report.details.append({**detail, "reason": decision.reason})
        if decision.retry_at is not None:
            row.status, row.next_attempt_at, row.claimed_by = "queued", decision.retry_at, None
            report.held += 1
        else:
            row.status, row.last_error, row.lease_until = "cancelled", decision.reason, None
            report.cancelled += 1
            if enrollment is not None and enrollment.status in OPEN:
                code = decision.code.removeprefix("exit_")
                exit_enrollment(session, enrollment, code, decision.reason, now)
    session.commit()
    report.claimed += len(claimed)
    return claimed


def send_due(
    session: Session,
    transport: Transport,
    settings: Settings,
    *,
    now: datetime | None = None,
    limit: int = 50,
    worker_id: str = "sender",
    hooks: SendHooks | None = None,
) -> SendReport:
    """One pass over the outbox: claim, deliver and record each due row."""
    now = now or clock.now()
    hooks = hooks or SendHooks()
    token = f"{worker_id}:{uuid.uuid4().hex[:12]}"
    report = SendReport()
    ids = claim(session, now, limit, token, report)
    if hooks.after_claim:
        hooks.after_claim(ids)
    for row_id in ids:
        row = session.get(Outbox, row_id)
        lead = session.get(Lead, row.lead_id)
        try:
            message = compose_outbox(settings, row, lead, now)
        except ValueError as exc:
            result = DeliveryResult(False, True, None, f"cannot compose: {exc}")
        else:
            result = transport.send(message)
        if hooks.after_send:
            hooks.after_send(row_id, result)
        record(session, row_id, token, result, now, report)
    return report


def record(
    session: Session, row_id: int, token: str, result: DeliveryResult, now: datetime, report
) -> None:
    """Write one delivery outcome (compare-and-set on the claim token) and commit."""
    row = session.scalars(
        select(Outbox)
        .where(Outbox.id == row_id, Outbox.status == "sending", Outbox.claimed_by == token)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        log.warning("outbox %s: lease lost before recording (%s)", row_id, result.detail)
        session.rollback()
        return
    draft = session.get(Draft, row.draft_id)
    enrollment, _ = sequence_context(session, draft)
    live = None  # advance only the enrollment that waits on exactly this draft's thread
    if enrollment is not None and enrollment.status in OPEN and draft is not None:
        live = enrollment if enrollment.waiting_thread_id == draft.thread_id else None
    row.lease_until = row.claimed_by = None
    if result.ok:
        row.status, row.sent_at, row.last_error = "sent", now, None
        _mark_sent(session, row, draft, now)
        if live is not None and draft.step is not None:
            live.last_message_id = row.message_id
            finish_step(session, live, draft.step, now)
        report.sent += 1
    elif result.temporary_failure and row.attempts < MAX_ATTEMPTS:
        row.status, row.last_error = "queued", result.detail
        row.next_attempt_at = now + timedelta(seconds=retry_delays(row.attempts))
        report.retried += 1
    else:
        row.status, row.last_error = "failed", result.detail
        _set_draft(session, draft, "failed")
        if live is not None and draft.step is not None:
            finish_step(session, live, draft.step, now, skipped=f"delivery failed: {result.detail}")
        report.failed += 1
    session.commit()
    if row.status == "failed":  # a bounce, through ingestion: the trail and consent update
        bounce = "hard" if result.recipient_refused else "soft"
        props = {
            "message_id": row.message_id,
            "outbox_id": row.id,
            "bounce_type": bounce,
            "smtp_code": result.smtp_code,
            "reason": result.detail,
        }
        lead = session.get(Lead, row.lead_id)
        lead_event(session, lead, "Email Bounced", f"bounce:{row.message_id}", props, now)


def _set_draft(session: Session, draft: Draft | None, status: str) -> None:
    if draft is not None:
        session.execute(
            text(
                "UPDATE drafts SET status = :s WHERE id = :id "
                "AND status IN ('approved', 'edited', 'queued', 'sending')"
            ),
            {"s": status, "id": draft.id},
        )


def _mark_sent(session: Session, row: Outbox, draft: Draft | None, now: datetime) -> None:
    _set_draft(session, draft, "sent")
    timeline_event(
        session,
        row.lead_id,
        row.message_id,
        "email_sent",
        now,
        outbox_id=row.id,
        draft_id=row.draft_id,
        subject=row.subject,
        sequence=draft.sequence if draft else None,
        step=draft.step if draft else None,
    )
