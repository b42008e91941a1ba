"""The frequency cap's input: when each lead was last emailed (sent, in flight or queued)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.models import Event, Outbox


def last_email_at(
    session: Session,
    lead_id: int,
    *,
    as_of: datetime | None = None,
    include_queued: bool = True,
    exclude_outbox_id: int | None = None,
) -> datetime | None:
    """The latest email sent to the lead or queued for it (queued counts against the cap).

    With `as_of`, later rows are ignored (a simulated clock). `include_queued=False` is the
    sender's view: only emails sent or being sent right now count, never the row it is deciding.
    """
    found = last_emails_at(
        session,
        [lead_id],
        as_of=as_of,
        include_queued=include_queued,
        exclude_outbox_id=exclude_outbox_id,
    )
    return found.get(lead_id)


def last_emails_at(
    session: Session,
    lead_ids: list[int],
    *,
    as_of: datetime | None = None,
    include_queued: bool = True,
    exclude_outbox_id: int | None = None,
) -> dict[int, datetime]:
    """`last_email_at` for many leads in two queries (lead id -> time; absent when never)."""
    sent_q = select(Event.lead_id, func.max(Event.occurred_at)).where(
        Event.lead_id.in_(lead_ids), Event.type == "email_sent"
    )
    if as_of is not None:
        sent_q = sent_q.where(Event.occurred_at <= as_of)
    sending_at = as_of if as_of is not None else func.now()
    when = case((Outbox.status == "sending", sending_at), else_=Outbox.sent_at)
    if include_queued:
        when = func.coalesce(when, Outbox.created_at)
    # an unconfirmed email (handed to the relay, outcome unknown) counts as sent at hand-over
    statuses = ("sending", "unconfirmed", "sent") + (("queued",) if include_queued else ())
    out_q = select(Outbox.lead_id, func.max(when)).where(
        Outbox.lead_id.in_(lead_ids), Outbox.status.in_(statuses)
    )
    if exclude_outbox_id is not None:
        out_q = out_q.where(Outbox.id != exclude_outbox_id)
    if as_of is not None:
        out_q = out_q.where(when <= as_of)
    found: dict[int, datetime] = {}
    for query in (sent_q.group_by(Event.lead_id), out_q.group_by(Outbox.lead_id)):
        for lead_id, at in session.execute(query):
            if at is not None and (lead_id not in found or at > found[lead_id]):
                found[lead_id] = at
    return found
