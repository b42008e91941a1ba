"""Factories that build leads and events through the real ingestion path."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Event, Lead
from tools.ingest import store
from tools.ingest_schema import parse_one

_ids = itertools.count(1)


def identify(session: Session, user_id: str | None = None, **traits) -> Lead:
    """Create or update a lead from traits (stored as an identify event)."""
    user_id = user_id or f"u-{next(_ids)}"
    msg = parse_one(
        {"userId": user_id, "traits": traits, "messageId": f"id-{next(_ids)}"}, "identify"
    )
    store(session, [msg])
    session.flush()
    return session.scalars(select(Lead).where(Lead.external_id == user_id)).one()


def track(session: Session, lead: Lead, event: str, at: datetime, **properties) -> Event:
    """Append one track event for `lead` at time `at`."""
    mid = f"ev-{next(_ids)}"
    msg = parse_one(
        {
            "userId": lead.external_id,
            "event": event,
            "timestamp": at.isoformat(),
            "properties": properties,
            "messageId": mid,
        },
        "track",
    )
    store(session, [msg])
    return session.scalars(select(Event).where(Event.message_id == mid)).one()


def events_of(session: Session, lead_id: int) -> list[dict]:
    """A lead's events as the dicts `tools.scoring.compute_score` takes."""
    rows = session.scalars(select(Event).where(Event.lead_id == lead_id)).all()
    return [
        {
            "id": e.id,
            "type": e.type,
            "category": e.category,
            "asset_type": e.asset_type,
            "label": (e.properties or {}).get("label"),
            "occurred_at": e.occurred_at,
        }
        for e in rows
    ]


def lead_attrs(lead: Lead) -> dict:
    """Lead attributes as `compute_score` takes them."""
    return {
        "seniority": lead.seniority,
        "industry": lead.industry,
        "company_size": lead.company_size,
    }
