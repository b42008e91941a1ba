"""Store Segment-style messages on the trail (idempotently), then score the leads they touched.

The order is the guarantee: validate everything, store the events and commit, and only then do
downstream work. If scoring or a later hook fails, the events are safe with `processed_at` NULL
and `process_pending` (run by the worker and by `nurture rescore`) finishes the job.
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from core.models import Lead
from core.vocab import CRM_STAGES, canonical_event_type, page_category
from tools.escalations import Alert, escalate_many
from tools.hygiene import InvalidEmail, normalize_email
from tools.ingest_schema import (
    FieldError,
    IdentifyMessage,
    InvalidInput,
    Message,
    PageMessage,
)
from tools.leads_upsert import apply_fields, clean_traits, find_leads, link_accounts
from tools.rescore import rescore
from tools.triggers import evaluate_triggers

log = logging.getLogger(__name__)
CHUNK = 1000
STORE_ATTEMPTS = 5
_CONSENT_BY_TYPE = {
    "email_unsubscribed": "unsubscribed",
    "email_complained": "complained",
    "email_bounced": "bounced",
}


@dataclass
class IngestResult:
    """What happened to a batch: how many were new, duplicates, leads touched, warnings."""

    received: int = 0
    stored: int = 0
    duplicates: int = 0
    lead_ids: list[int] = field(default_factory=list)
    event_ids: list[int] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)
    mql_leads: list[int] = field(default_factory=list)


def _as_email(value: str | None) -> str | None:
    if value and "@" in value:
        try:
            return normalize_email(value)
        except InvalidEmail:
            return None
    return None


def prepare(messages: list[Message], prefix: str = "batch") -> list[tuple[Message, dict, dict]]:
    """Clean identify traits up front so a bad email refuses the batch before anything is stored."""
    prepared, errors = [], []
    for i, msg in enumerate(messages):
        fields, extra = {}, {}
        if isinstance(msg, IdentifyMessage):
            try:
                fields, warnings = clean_traits(msg.traits)
            except InvalidEmail as exc:
                errors.append(FieldError(field=f"{prefix}[{i}].traits.email", error=str(exc)))
                continue
            extra = {k: v for k, v in msg.traits.items() if k not in fields}
            if warnings:
                extra["_hygiene_warnings"] = warnings
        prepared.append((msg, fields, extra))
    if errors:
        raise InvalidInput(errors)
    return prepared


def _lead_key(msg: Message, fields: dict) -> tuple[str | None, str | None]:
    return msg.userId, fields.get("email") or _as_email(msg.userId)


def _known_ids(session: Session, prepared) -> tuple[dict[str, int], dict[str, int]]:
    """Lead ids by external id and by email for every key in the batch (one light query)."""
    keys = [_lead_key(m, f) for m, f, _ in prepared]
    ext = sorted({k for k, _ in keys if k})
    emails = sorted({e for _, e in keys if e})
    rows = session.execute(
        text(
            "SELECT id, external_id, email FROM leads "
            "WHERE external_id = ANY(:ext) OR email = ANY(:emails)"
        ),
        {"ext": ext, "emails": emails},
    ).all()
    return (
        {r.external_id: r.id for r in rows if r.external_id},
        {r.email: r.id for r in rows if r.email},
    )


def _resolve_leads(session: Session, prepared) -> list[int | None]:
    """Lead id per message; identify messages (and unknown users) go through the ORM."""
    by_ext, by_email = _known_ids(session, prepared)
    slow = [
        i
        for i, (msg, fields, _) in enumerate(prepared)
        if isinstance(msg, IdentifyMessage)
        or not (by_ext.get(msg.userId) or by_email.get(_lead_key(msg, fields)[1]))
    ]
    # Create and update leads in one global order so concurrent batches queue, not deadlock.
    slow.sort(key=lambda i: tuple(k or "" for k in _lead_key(prepared[i][0], prepared[i][1])))
    resolved: list[int | None] = [None] * len(prepared)
    touched: dict[int, Lead] = {}
    if slow:
        ext = {prepared[i][0].userId for i in slow if prepared[i][0].userId}
        emails = {e for i in slow if (e := _lead_key(prepared[i][0], prepared[i][1])[1])}
        known = find_leads(session, ext, emails)
        for i in slow:
            msg, fields, extra = prepared[i]
            user_id, email = _lead_key(msg, fields)
            lead = (known.get(f"id:{user_id}") if user_id else None) or (
                known.get(f"email:{email}") if email else None
            )
            if lead is None and (user_id or email):
                lead = Lead(
                    external_id=user_id,
                    email=email,
                    source=fields.get("source"),
                    created_at=msg.timestamp or datetime.now(UTC),
                )
                session.add(lead)
            if lead is None:
                continue
            if user_id and lead.external_id is None:
                lead.external_id = user_id
            if isinstance(msg, IdentifyMessage):
                apply_fields(lead, fields, extra)
            if user_id:
                known[f"id:{user_id}"] = lead
            if email:
                known[f"email:{email}"] = lead
            touched[i] = lead
        with session.no_autoflush:
            link_accounts(session, list(touched.values()))
        session.flush()
    for i, (msg, fields, _) in enumerate(prepared):
        if i in touched:
            resolved[i] = touched[i].id
        else:
            user_id, email = _lead_key(msg, fields)
            resolved[i] = by_ext.get(user_id) or by_email.get(email)
    return resolved


def _event_row(msg: Message, lead_id: int | None, source: str, now: datetime) -> dict[str, Any]:
    props = dict(getattr(msg, "properties", None) or {})
    if isinstance(msg, IdentifyMessage):
        etype, name, props = "identify", "identify", dict(msg.traits)
    elif isinstance(msg, PageMessage):
        etype, name = "page_viewed", msg.name or "Page Viewed"
        props.setdefault("url", (msg.context.get("page") or {}).get("url"))
    else:
        etype, name = canonical_event_type(msg.event), msg.event
    category = page_category(props.get("url"), props.get("category"))
    asset = props.get("asset_type")
    return {
        "lead_id": lead_id,
        "anonymous_id": msg.anonymousId,
        "source": source,
        "message_id": msg.message_key(),
        "type": etype,
        "name": name,
        "category": category if etype == "page_viewed" else props.get("category"),
        "asset_type": str(asset).strip().lower().replace(" ", "_") if asset else None,
        "properties": props,
        "occurred_at": msg.timestamp or now,
        "received_at": now,
    }


def store(session: Session, messages: list[Message], source: str = "segment") -> IngestResult:
    """Validate, resolve leads, insert new events (duplicates ignored). Does not commit."""
    prepared = prepare(messages)
    now = datetime.now(UTC)
    leads = _resolve_leads(session, prepared)
    rows = [
        _event_row(m, lead, source, now) for (m, _, _), lead in zip(prepared, leads, strict=True)
    ]
    inserted = []
    for start in range(0, len(rows), CHUNK):
        inserted.extend(_insert_events(session, rows[start : start + CHUNK]))
    _project(session, inserted)
    lead_ids = sorted({lead_id for lead_id in leads if lead_id is not None})
    return IngestResult(
        received=len(messages),
        stored=len(inserted),
        duplicates=len(messages) - len(inserted),
        lead_ids=lead_ids,
        event_ids=[row.id for row in inserted],
        warnings=[
            FieldError(field=f"batch[{i}].traits", error=w)
            for i, (_, _, extra) in enumerate(prepared)
            for w in extra.get("_hygiene_warnings", [])
        ],
    )


_INSERT_EVENTS = text(
    """
    INSERT INTO events (lead_id, anonymous_id, source, message_id, type, name, category,
                        asset_type, properties, occurred_at, received_at)
    SELECT lead_id, anonymous_id, source, message_id, type, name, category, asset_type,
           properties, occurred_at, received_at
    FROM jsonb_to_recordset(CAST(:rows AS jsonb))
         AS t(lead_id bigint, anonymous_id text, source text, message_id text, type text,
              name text, category text, asset_type text, properties jsonb,
              occurred_at timestamptz, received_at timestamptz)
    ON CONFLICT ON CONSTRAINT uq_events_source_message_id DO NOTHING
    RETURNING id, lead_id, type, properties, anonymous_id
    """
)


def _insert_events(session: Session, rows: list[dict[str, Any]]):
    """One INSERT … SELECT FROM jsonb_to_recordset per chunk: one parameter, one round trip."""
    return session.execute(_INSERT_EVENTS, {"rows": json.dumps(rows, default=str)}).all()


def _project(session: Session, inserted) -> None:
    """Keep consent, lifecycle stage and anonymous links in step with the new events."""
    consent: dict[str, set[int]] = {}
    stages: dict[str, set[int]] = {}
    anonymous: dict[str, int] = {}
    for row in inserted:
        if row.lead_id is None:
            continue
        value = _CONSENT_BY_TYPE.get(row.type)
        soft = row.type == "email_bounced" and row.properties.get("bounce_type") == "soft"
        if value and not soft:
            consent.setdefault(value, set()).add(row.lead_id)
        if row.type == "crm_stage_changed" and row.properties.get("stage") in CRM_STAGES:
            stages.setdefault(row.properties["stage"], set()).add(row.lead_id)
        if row.type == "identify" and row.anonymous_id:
            anonymous[row.anonymous_id] = row.lead_id
    for column, groups in (("consent", consent), ("lifecycle_stage", stages)):
        for value, ids in groups.items():
            session.execute(
                text(f"UPDATE leads SET {column} = :value WHERE id = ANY(:ids)"),
                {"value": value, "ids": sorted(ids)},
            )
    for anonymous_id, lead_id in anonymous.items():
        session.execute(
            text(
                "UPDATE events SET lead_id = :lead WHERE anonymous_id = :anon AND lead_id IS NULL"
            ),
            {"lead": lead_id, "anon": anonymous_id},
        )


def downstream(session: Session, lead_ids: list[int], event_ids: list[int]) -> dict:
    """Score the touched leads, fire triggers and mark the events processed."""
    outcome = rescore(session, lead_ids, cause="ingest")
    today = f"{datetime.now(UTC):%Y-%m-%d}"
    escalate_many(
        session,
        [
            Alert(kind="mql", lead_id=i, dedupe_key=f"mql:{i}:{today}", summary="crossed into MQL")
            for i in outcome["mql_leads"]
        ],
    )
    evaluate_triggers(session, event_ids)  # sequences and high-intent alerts (tools/triggers.py)
    if event_ids:
        session.execute(
            text("UPDATE events SET processed_at = now() WHERE id = ANY(:ids)"), {"ids": event_ids}
        )
    return outcome


def ingest(session: Session, messages: list[Message], source: str = "segment") -> IngestResult:
    """Store and commit, then score inline; a downstream failure leaves events for a retry.

    Two concurrent requests may both create the same new lead; the loser gets a unique
    violation, rolls back and stores again (storing is idempotent), finding the winner's lead.
    """
    for attempt in range(STORE_ATTEMPTS):
        try:
            result = store(session, messages, source)
            session.commit()
            break
        except (IntegrityError, OperationalError) as exc:
            session.rollback()
            if attempt == STORE_ATTEMPTS - 1 or not _retryable(exc):
                raise
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    for attempt in range(STORE_ATTEMPTS):
        try:
            outcome = downstream(session, result.lead_ids, result.event_ids)
            session.commit()
            result.mql_leads = outcome["mql_leads"]
            break
        except OperationalError as exc:
            session.rollback()
            if attempt < STORE_ATTEMPTS - 1 and _retryable(exc):
                continue
            log.exception("downstream work failed; %d events left for retry", len(result.event_ids))
        except Exception:
            session.rollback()
            log.exception("downstream work failed; %d events left for retry", len(result.event_ids))
            break
    return result


def _retryable(exc: Exception) -> bool:
    """Unique races between concurrent batches, deadlocks and serialization failures."""
    if isinstance(exc, IntegrityError):
        return isinstance(exc.orig, psycopg.errors.UniqueViolation)
    return isinstance(
        exc.orig, psycopg.errors.DeadlockDetected | psycopg.errors.SerializationFailure
    )


def process_pending(session: Session, limit: int = 5000) -> int:
    """Finish downstream work for stored events whose processing never completed."""
    rows = session.execute(
        text(
            "SELECT id, lead_id FROM events WHERE processed_at IS NULL AND lead_id IS NOT NULL "
            "ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED"
        ),
        {"limit": limit},
    ).all()
    if rows:
        downstream(session, sorted({r.lead_id for r in rows}), [r.id for r in rows])
        session.commit()
    return len(rows)
