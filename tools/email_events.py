"""Email events into the trail: ESP webhooks, our own open/click tracking, one-click unsubscribe.

Everything goes through tools.ingest (idempotent by a key per event), so consent, the score and
the triggers update exactly as for any other event: an unsubscribe suppresses the lead at once.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Lead, Outbox
from core.settings import Settings
from tools import clock
from tools.ingest import IngestResult, ingest
from tools.ingest_schema import Message, parse_one
from tools.tokens import verify
from tools.triggers import load_triggers

ESP_EVENTS = {
    "delivered": "Email Delivered",
    "opened": "Email Opened",
    "clicked": "Email Clicked",
    "bounced": "Email Bounced",
    "complained": "Email Complained",
    "unsubscribed": "Email Unsubscribed",
}


class EspEvent(BaseModel):
    """One event from an email service provider, about a message we sent."""

    model_config = ConfigDict(extra="allow")

    type: Literal["delivered", "opened", "clicked", "bounced", "complained", "unsubscribed"]
    message_id: str = Field(min_length=3, max_length=998)
    id: str | None = Field(None, max_length=256, description="the provider's event id")
    timestamp: datetime | None = None
    url: str | None = Field(None, max_length=4000)
    bounce_type: Literal["hard", "soft"] | None = None
    reason: str | None = Field(None, max_length=2000)


class EspBatch(BaseModel):
    """The webhook body: a batch of events."""

    events: list[EspEvent] = Field(min_length=1, max_length=1000)


def lead_message(lead: Lead, event: str, key: str, props: dict, at: datetime | None) -> Message:
    """A track message about `lead` (validated like any other input)."""
    data = {
        "userId": lead.external_id or lead.email,
        "event": event,
        "messageId": key,
        "properties": props,
    }
    if at is not None and at <= datetime.now(UTC) + timedelta(hours=12):
        data["timestamp"] = at.isoformat()
    return parse_one(data, "track")


def lead_event(
    session: Session, lead: Lead, event: str, key: str, props: dict, at: datetime | None = None
) -> IngestResult:
    """Record one email event for a lead through ingestion (commits)."""
    return ingest(session, [lead_message(lead, event, key, props, at)], source="email")


def find_outbox(session: Session, message_id: str) -> Outbox | None:
    """The outbox row with this Message-ID (with or without angle brackets)."""
    bare = message_id.strip().strip("<>")
    return session.scalars(
        select(Outbox).where(Outbox.message_id.in_((f"<{bare}>", bare))).limit(1)
    ).first()


def _link(url: str | None) -> str | None:
    return "demo_offer" if url and load_triggers().demo_offer_url in urlsplit(url).path else None


def process_esp_events(session: Session, batch: EspBatch) -> dict:
    """Store a webhook batch; events about unknown messages are reported, not stored."""
    messages, unmatched = [], []
    for item in batch.events:
        row = find_outbox(session, item.message_id)
        lead = session.get(Lead, row.lead_id) if row else None
        if lead is None:
            unmatched.append(item.message_id)
            continue
        props = {"message_id": row.message_id, "outbox_id": row.id, "provider": True}
        props |= {
            k: v
            for k, v in (
                ("url", item.url),
                ("bounce_type", item.bounce_type),
                ("reason", item.reason),
                ("link", _link(item.url)),
            )
            if v
        }
        digest = hashlib.sha256(
            f"{item.type}|{row.message_id}|{item.timestamp}|{item.url}".encode()
        ).hexdigest()[:24]
        key = f"esp:{item.id}" if item.id else f"esp:{digest}"
        messages.append(lead_message(lead, ESP_EVENTS[item.type], key, props, item.timestamp))
    result = ingest(session, messages, source="email") if messages else IngestResult()
    return {
        "received": len(batch.events),
        "stored": result.stored,
        "duplicates": result.duplicates,
        "unmatched": unmatched,
    }


def _row_and_lead(session: Session, outbox_id: int) -> tuple[Outbox, Lead] | None:
    row = session.get(Outbox, outbox_id)
    lead = session.get(Lead, row.lead_id) if row else None
    return (row, lead) if lead else None


def record_open(session: Session, settings: Settings, token: str) -> bool:
    """An open from our pixel (BadToken if forged); at most one per email per hour."""
    (outbox_id,) = verify(settings.unsubscribe_secret, token, "open")
    found = _row_and_lead(session, outbox_id)
    if found is None:
        return False
    row, lead = found
    at = clock.now()
    props = {"message_id": row.message_id, "outbox_id": row.id, "tracking": "pixel"}
    lead_event(session, lead, "Email Opened", f"open:{row.id}:{at:%Y%m%d%H}", props, at)
    return True


def record_click(session: Session, settings: Settings, token: str, url: str) -> str:
    """A click through our redirect (BadToken if the token does not sign this URL)."""
    (outbox_id,) = verify(settings.unsubscribe_secret, token, "click", extra=url)
    found = _row_and_lead(session, outbox_id)
    if found is not None:
        row, lead = found
        at = clock.now()
        props = {"message_id": row.message_id, "outbox_id": row.id, "url": url}
        if link := _link(url):
            props["link"] = link
        key = f"click:{row.id}:{hashlib.sha256(url.encode()).hexdigest()[:12]}:{at:%Y%m%d%H%M}"
        lead_event(session, lead, "Email Clicked", key, props, at)
    return url


def unsubscribe(session: Session, settings: Settings, token: str, method: str) -> Lead | None:
    """Suppress the lead a signed unsubscribe token names, at once (BadToken if forged)."""
    lead_id, outbox_id = verify(settings.unsubscribe_secret, token, "unsubscribe")
    lead = session.get(Lead, lead_id)
    if lead is None:
        return None
    props = {"outbox_id": outbox_id, "method": method, "reason": f"unsubscribed ({method})"}
    key = f"unsubscribe:{lead_id}:{outbox_id}"
    lead_event(session, lead, "Email Unsubscribed", key, props, clock.now())
    session.refresh(lead)
    return lead
