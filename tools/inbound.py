"""Replies in: keep the raw message first, parse it, match it to the lead and the email it answers.

Order: the raw bytes (or the ESP form) are stored and committed in `inbound_messages` before any
parsing, so nothing received is ever lost; a parse failure marks the row `malformed` with the
reason. Matching: In-Reply-To, then References, against `outbox.message_id`; then the sender's
address. Delivery-status notifications become bounce events. A reply from a known lead becomes a
`replies` row and a `reply_received` event (through tools.ingest); an unknown sender is stored
and escalated. What happens next is the reply handler's job (agent.reply_graph.handle_reply when
present); `apply_fallback` is the stand-in: any non-automatic reply exits the lead's sequences.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import Enrollment, InboundMessage, Lead, Outbox, Reply
from tools import clock
from tools.email_events import find_outbox, lead_event
from tools.enrollment import OPEN, exit_enrollment
from tools.escalations import escalate
from tools.mime_in import InboundEmail, MalformedEmail, parse_inbound, parse_inbound_form

log = logging.getLogger(__name__)


@dataclass
class InboundResult:
    """What became of one inbound message."""

    inbound_id: int
    status: str  # processed | bounce | unknown_sender | duplicate | malformed
    reply_id: int | None = None
    lead_id: int | None = None
    outbox_id: int | None = None
    auto_reply: bool = False
    error: str | None = None
    exited: list[int] = field(default_factory=list)


def receive(
    session: Session, raw: bytes, channel: str, *, form: dict[str, Any] | None = None
) -> InboundResult:
    """Store, parse and match one inbound email (raw RFC 5322, or an ESP form when `form`)."""
    inbound = InboundMessage(channel=channel, raw=raw, status="received")
    session.add(inbound)
    session.commit()
    try:
        parsed = parse_inbound_form(form) if form is not None else parse_inbound(raw)
    except MalformedEmail as exc:
        inbound.status, inbound.error = "malformed", exc.reason
        session.commit()
        return InboundResult(inbound.id, "malformed", error=exc.reason)
    if parsed.message_id:
        try:
            with session.begin_nested():
                inbound.message_id = parsed.message_id
                session.flush()
        except IntegrityError:
            inbound.status, inbound.error = "duplicate", f"already received {parsed.message_id}"
            session.commit()
            first = session.scalars(
                select(Reply)
                .join(InboundMessage, InboundMessage.id == Reply.inbound_id)
                .where(InboundMessage.message_id == parsed.message_id)
            ).first()
            return InboundResult(
                inbound.id,
                "duplicate",
                first.id if first else None,
                first.lead_id if first else None,
            )
    if parsed.is_dsn:
        return _bounce(session, inbound, parsed)
    outbox = _answered(session, parsed)
    lead = (
        session.get(Lead, outbox.lead_id) if outbox else _lead_by_email(session, parsed.from_email)
    )
    now = clock.now()
    reply = Reply(
        inbound_id=inbound.id,
        lead_id=lead.id if lead else None,
        outbox_id=outbox.id if outbox else None,
        message_id=parsed.message_id,
        from_email=parsed.from_email,
        subject=parsed.subject[:998],
        body=parsed.new_text or parsed.text,
        received_at=now,
    )
    session.add(reply)
    session.flush()
    result = InboundResult(
        inbound.id, "processed", reply.id, reply.lead_id, reply.outbox_id, parsed.is_auto_reply
    )
    if lead is None:
        inbound.status = result.status = "unknown_sender"
        escalate(
            session,
            kind="unknown_sender",
            dedupe_key=f"unknown_sender:{inbound.id}",
            summary=f"reply from unknown sender {parsed.from_email}: {parsed.subject[:80]}",
            payload={"reply_id": reply.id, "from": parsed.from_email},
        )
        session.commit()
        return result
    inbound.status = "processed"
    session.commit()
    props = {
        "reply_id": reply.id,
        "auto_reply": parsed.is_auto_reply,
        "subject": parsed.subject,
        "in_reply_to": outbox.message_id if outbox else None,
    }
    key = f"reply:{parsed.message_id or inbound.id}"
    events = lead_event(session, lead, "Reply Received", key, props, now)
    if events.event_ids:
        reply.event_id = events.event_ids[0]
        session.commit()
    return result


def _answered(session: Session, parsed: InboundEmail) -> Outbox | None:
    """The email this one answers: In-Reply-To first, then References from the newest."""
    for message_id in [parsed.in_reply_to, *reversed(parsed.references)]:
        if message_id and (row := find_outbox(session, message_id)) is not None:
            return row
    return None


def _lead_by_email(session: Session, email: str | None) -> Lead | None:
    if not email:
        return None
    return session.scalars(select(Lead).where(Lead.email == email.lower())).first()


def _bounce(session: Session, inbound: InboundMessage, parsed: InboundEmail) -> InboundResult:
    """A delivery-status notification: mark the address bounced (hard for 5.x.x)."""
    outbox = _answered(session, parsed)
    lead = session.get(Lead, outbox.lead_id) if outbox else None
    lead = lead or _lead_by_email(session, parsed.dsn_recipient)
    inbound.status = "bounce"
    session.commit()
    if lead is not None:
        hard = (parsed.dsn_status or "5").startswith("5")
        props = {
            "bounce_type": "hard" if hard else "soft",
            "status": parsed.dsn_status,
            "recipient": parsed.dsn_recipient,
            "inbound_id": inbound.id,
            "message_id": outbox.message_id if outbox else None,
        }
        lead_event(
            session,
            lead,
            "Email Bounced",
            f"dsn:{parsed.message_id or inbound.id}",
            props,
            clock.now(),
        )
    return InboundResult(
        inbound.id,
        "bounce",
        lead_id=lead.id if lead else None,
        outbox_id=outbox.id if outbox else None,
    )


def apply_fallback(session: Session, result: InboundResult, now: datetime | None = None) -> None:
    """Until reply classification lands: a non-automatic reply exits every open sequence."""
    if result.status != "processed" or result.auto_reply or result.lead_id is None:
        return
    now = now or clock.now()
    open_ = session.scalars(
        select(Enrollment)
        .where(Enrollment.lead_id == result.lead_id, Enrollment.status.in_(OPEN))
        .with_for_update()
    ).all()
    for enrollment in open_:
        exit_enrollment(session, enrollment, "replied", "exit: the lead replied", now)
        result.exited.append(enrollment.id)
    session.commit()


def handle(
    session: Session, result: InboundResult, handler: Callable[[int], Any] | None = None
) -> None:
    """Hand a stored reply to the reply handler, or to the fallback when there is none."""
    if result.status != "processed" or result.reply_id is None:
        return
    if handler is not None:
        try:
            handler(result.reply_id)
            return
        except Exception:
            log.exception("reply handler failed for reply %s; using the fallback", result.reply_id)
            session.rollback()
    apply_fallback(session, result)


def form_raw(fields: dict[str, Any]) -> bytes:
    """The form post as kept in inbound_messages (JSON of its text fields)."""
    return json.dumps({k: v for k, v in fields.items() if isinstance(v, str)}).encode()
