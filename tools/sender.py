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

Step 3 has a checkpoint for SMTP: after MAIL FROM and RCPT TO are accepted and right before DATA,
the row is committed `sending -> unconfirmed` (tools/send_outcome.hand_over; a sender that lost
its claim withdraws instead). Recovery then follows where the crash happened:

- before the checkpoint (the relay never got DATA): the row stays `sending`; after its lease the
  next pass re-checks the guardrails and sends it once more. Nothing lost, nothing doubled.
- after the checkpoint (the relay may have accepted it, "250" or not): the row is `unconfirmed`
  and is never resent automatically. After its lease it is surfaced (a `delivery_unconfirmed`
  hold on the timeline, counted in the pass's report); it counts against the frequency cap as
  sent at the hand-over; a person decides with `resolve_unconfirmed` (delivered: recorded as sent;
  not delivered: queued again with the same Message-ID). A connection lost during DATA is the
  same case, without the crash.
- the file outbox has no checkpoint: it writes each Message-ID once, so a resend is harmless.

The lease (5 minutes) is far longer than an SMTP attempt (30 s timeout), so a slow sender is never
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
from tools.delivery import DeliveryResult, Transport
from tools.enrollment import OPEN, exit_enrollment
from tools.guardrails import Decision, check_delivery, record_decision
from tools.send_outcome import hand_over, record, sequence_context, surface_unconfirmed

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)


@dataclass
class SendReport:
    """What one pass over the outbox did."""

    claimed: int = 0
    sent: int = 0
    held: int = 0
    cancelled: int = 0
    retried: int = 0
    failed: int = 0
    unconfirmed: int = 0  # handed to the relay, outcome unknown: waiting for a person
    details: list[dict[str, Any]] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        """True when the pass found any work."""
        return bool(self.claimed or self.held or self.cancelled)


@dataclass
class SendHooks:
    """Callbacks at the crash-relevant points (metrics, tests)."""

    after_claim: Callable[[list[int]], None] | None = None
    before_data: Callable[[int], None] | None = None  # SMTP only, before the checkpoint
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
    report.unconfirmed += surface_unconfirmed(session, now)
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
            result = transport.send(
                message, before_data=_checkpoint(session, row_id, token, now, hooks)
            )
        if hooks.after_send:
            hooks.after_send(row_id, result)
        record(session, row_id, token, result, now, report)
    return report


def _checkpoint(session: Session, row_id: int, token: str, now: datetime, hooks: SendHooks):
    def before_data() -> bool:
        if hooks.before_data:
            hooks.before_data(row_id)
        return hand_over(session, row_id, token, now)

    return before_data
