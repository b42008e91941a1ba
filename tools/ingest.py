"""Store Segment-style messages on the trail (idempotently), then score the leads they touched.

The order is the guarantee: validate everything, store the events together with an
`ingest_batches` row naming them and commit, and only then do downstream work, whose transaction
deletes that row. If scoring or a later hook fails (or the process dies), the row stays and
`process_pending` (run by the worker and by `nurture rescore`) finishes the job.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import psycopg
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from core.vocab import CRM_STAGES, canonical_event_type, page_category
from tools.escalations import Alert, escalate_many
from tools.ingest_leads import prepare, resolve_leads
from tools.ingest_schema import FieldError, IdentifyMessage, Message, PageMessage
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
    batch_id: int | None = None


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
    leads = resolve_leads(session, prepared)
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
    RETURNING id, lead_id, type, anonymous_id,
              CASE WHEN type IN ('email_bounced', 'crm_stage_changed') THEN properties END
                AS properties
    """
)


def _insert_events(session: Session, rows: list[dict[str, Any]]):
    """One INSERT … SELECT FROM jsonb_to_recordset per chunk: one parameter, one round trip.

    Only the properties `_project` reads come back: decoding every row's JSON again is waste.
    """
    return session.execute(_INSERT_EVENTS, {"rows": orjson.dumps(rows, default=str).decode()}).all()


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


_CLAIM = text("DELETE FROM ingest_batches WHERE id = :id RETURNING id")
_PENDING = text(
    "INSERT INTO ingest_batches (event_ids, lead_ids) "
    "VALUES (CAST(:events AS bigint[]), CAST(:leads AS bigint[])) RETURNING id"
)


def _int_array(values: list[int]) -> str:
    """A bigint[] literal: psycopg's list adapter inspects every element, this does not."""
    return "{" + ",".join(map(str, values)) + "}"


def downstream(
    session: Session, lead_ids: list[int], event_ids: list[int], batch_id: int | None = None
) -> dict:
    """Score the touched leads, fire triggers and escalate; does not commit.

    With `batch_id`, the batch's pending row is claimed (deleted) first, so the work commits
    together with its removal; a batch `process_pending` already took is not done twice.
    """
    if batch_id is not None and session.execute(_CLAIM, {"id": batch_id}).first() is None:
        return {"changed": 0, "history": 0, "mql_leads": []}
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
    return outcome


def ingest(session: Session, messages: list[Message], source: str = "segment") -> IngestResult:
    """Store and commit, then score inline; a downstream failure leaves events for a retry.

    Two concurrent requests may both create the same new lead; the loser gets a unique
    violation, rolls back and stores again (storing is idempotent), finding the winner's lead.
    """
    for attempt in range(STORE_ATTEMPTS):
        try:
            result = store(session, messages, source)
            if result.event_ids:
                result.batch_id = session.execute(
                    _PENDING,
                    {"events": _int_array(result.event_ids), "leads": _int_array(result.lead_ids)},
                ).scalar_one()
            session.commit()
            break
        except (IntegrityError, OperationalError) as exc:
            session.rollback()
            if attempt == STORE_ATTEMPTS - 1 or not _retryable(exc):
                raise
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    for attempt in range(STORE_ATTEMPTS):
        try:
            outcome = downstream(session, result.lead_ids, result.event_ids, result.batch_id)
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


def process_pending(
    session: Session, limit: int = 50, *, older_than: timedelta = timedelta(seconds=30)
) -> int:
    """Finish downstream work for accepted batches whose processing never committed.

    Batches younger than `older_than` are left to the request still working on them. Returns
    the number of events processed.
    """
    rows = session.execute(
        text(
            "SELECT id, event_ids, lead_ids FROM ingest_batches "
            "WHERE created_at <= now() - :age ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED"
        ),
        {"limit": limit, "age": older_than},
    ).all()
    if not rows:
        return 0
    events = sorted({e for r in rows for e in r.event_ids})
    downstream(session, sorted({lead for r in rows for lead in r.lead_ids}), events)
    session.execute(
        text("DELETE FROM ingest_batches WHERE id = ANY(:ids)"), {"ids": [r.id for r in rows]}
    )
    session.commit()
    return len(events)
