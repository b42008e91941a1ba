"""Store Segment-style messages on the trail (idempotently), then score the leads they touched.

The order is the guarantee: validate everything, store the events together with an
`ingest_batches` row naming them and commit (`accept`), and only then do downstream work, in
two commits: scoring, which marks the row `scored_at`, then triggers, whose transaction deletes
it. In-process callers do it before `ingest` returns (`finish_batch`); the API answers first and
then drains (`drain`: one scorer folds every waiting batch). If either step fails (or the
process dies), the row stays and `process_pending` (swept every minute by the worker and by API
processes, `api/sweep.py`; run by `nurture rescore`) finishes what is left, once.
"""

from __future__ import annotations

import logging
import random
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import psycopg
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from core.db import bigint_array
from core.vocab import CRM_STAGES, canonical_event_type, page_category
from tools.escalations import Alert, escalate_many
from tools.ingest_leads import prepare, resolve_leads
from tools.ingest_schema import FieldError, IdentifyMessage, Message, PageMessage
from tools.rescore import rescore
from tools.score_state import lock_lead_rows
from tools.triggers import evaluate_triggers

log = logging.getLogger(__name__)
CHUNK = 1000
STORE_ATTEMPTS = 5
_CONSENT_BY_TYPE = {
    "email_unsubscribed": "unsubscribed",
    "email_complained": "complained",
    "email_bounced": "bounced",
}
_PROJECTED = {*_CONSENT_BY_TYPE, "crm_stage_changed", "identify"}  # types `_project` acts on


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
    attached: list[int] = field(default_factory=list)  # leads that just got anonymous events


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
    attached = _project(session, inserted)
    lead_ids = sorted({lead_id for lead_id in leads if lead_id is not None})
    return IngestResult(
        received=len(messages),
        stored=len(inserted),
        duplicates=len(messages) - len(inserted),
        lead_ids=lead_ids,
        event_ids=[row[0] for row in inserted],
        attached=attached,
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

    Rows come back as (id, lead_id, type, anonymous_id, properties); only the properties
    `_project` reads come back: decoding every row's JSON again is waste. Callers index the
    rows rather than read their attributes (0.04 against 0.5 µs a value, 500 rows a batch).
    """
    return session.execute(_INSERT_EVENTS, {"rows": orjson.dumps(rows, default=str).decode()}).all()


def _project(session: Session, inserted) -> list[int]:
    """Keep consent, lifecycle stage and anonymous links in step with the new events.

    Returns the leads that anonymous events were just attached to (their trails grew by more
    than the batch, so scoring refolds them).
    """
    consent: dict[str, set[int]] = {}
    stages: dict[str, set[int]] = {}
    anonymous: dict[str, int] = {}
    for _, lead_id, etype, anonymous_id, properties in inserted:
        if lead_id is None or etype not in _PROJECTED:
            continue
        value = _CONSENT_BY_TYPE.get(etype)
        soft = etype == "email_bounced" and properties.get("bounce_type") == "soft"
        if value and not soft:
            consent.setdefault(value, set()).add(lead_id)
        if etype == "crm_stage_changed" and properties.get("stage") in CRM_STAGES:
            stages.setdefault(properties["stage"], set()).add(lead_id)
        if etype == "identify" and anonymous_id:
            anonymous[anonymous_id] = lead_id
    touched = {i for groups in (consent, stages) for ids in groups.values() for i in ids}
    if touched:
        lock_lead_rows(session, touched)
    for column, groups in (("consent", consent), ("lifecycle_stage", stages)):
        for value, ids in groups.items():
            session.execute(
                text(f"UPDATE leads SET {column} = :value WHERE id = ANY(:ids)"),
                {"value": value, "ids": sorted(ids)},
            )
    attached = set()
    for anonymous_id, lead_id in anonymous.items():
        linked = session.execute(
            text(
                "UPDATE events SET lead_id = :lead WHERE anonymous_id = :anon AND lead_id IS NULL"
            ),
            {"lead": lead_id, "anon": anonymous_id},
        )
        if linked.rowcount:
            attached.add(lead_id)
    return sorted(attached)


_PENDING = text(
    "INSERT INTO ingest_batches (event_ids, lead_ids, refold_ids) VALUES "
    "(CAST(:events AS bigint[]), CAST(:leads AS bigint[]), CAST(:refold AS bigint[])) RETURNING id"
)
# other requests' batches younger than this may be finished along with one's own (see
# `finish_batch`); older ones are left to `process_pending`, so a batch that keeps failing
# does not keep failing everyone's requests
GROUP_AGE = timedelta(seconds=10)
GROUP_LIMIT = 20
SCORER_LOCK = (7413, 0)  # advisory lock: one request at a time finishes batches (the group)


def score(
    session: Session,
    lead_ids: list[int],
    event_ids: list[int],
    refold: list[int] | None,
    as_of: datetime | None = None,
) -> dict:
    """Score the touched leads (as of now, or `as_of`) and escalate MQL crossings; no commit.

    Scoring folds `event_ids` into the leads' states (tools/score_state.py); `refold` leads are
    rescored from their whole trails instead (None: all of them).
    """
    outcome = rescore(
        session,
        lead_ids,
        as_of=as_of,
        cause="ingest",
        new_events=None if refold is None else event_ids,
        refold=refold or (),
    )
    today = f"{as_of or datetime.now(UTC):%Y-%m-%d}"
    escalate_many(
        session,
        [
            Alert(kind="mql", lead_id=i, dedupe_key=f"mql:{i}:{today}", summary="crossed into MQL")
            for i in outcome["mql_leads"]
        ],
    )
    return outcome


def downstream(
    session: Session,
    lead_ids: list[int],
    event_ids: list[int],
    *,
    refold: list[int] | None = None,
    as_of: datetime | None = None,
) -> dict:
    """Score the touched leads, escalate, then fire triggers; does not commit."""
    outcome = score(session, lead_ids, event_ids, refold, as_of)
    evaluate_triggers(session, event_ids)  # sequences and high-intent alerts (tools/triggers.py)
    return outcome


_BATCH_COLUMNS = "id, event_ids, lead_ids, refold_ids, scored_at"


def _lock_pending(session: Session, where: str, params: dict, order: str = "id") -> list:
    """Lock the pending batches matching `where` that nobody else holds."""
    return session.execute(
        text(
            f"SELECT {_BATCH_COLUMNS} FROM ingest_batches WHERE {where} "
            f"ORDER BY {order} LIMIT :limit FOR UPDATE SKIP LOCKED"
        ),
        params,
    ).all()


def _score_rows(session: Session, rows, as_of: datetime | None = None) -> dict:
    """Score locked batches together (a lead in several is written once); mark them scored."""
    session.execute(
        text("UPDATE ingest_batches SET scored_at = now() WHERE id = ANY(CAST(:ids AS bigint[]))"),
        {"ids": bigint_array([r.id for r in rows])},
    )
    refold = None
    if all(r.refold_ids is not None for r in rows):
        refold = sorted({lead for r in rows for lead in r.refold_ids})
    return score(
        session,
        sorted({lead for r in rows for lead in r.lead_ids}),
        sorted({e for r in rows for e in r.event_ids}),
        refold,
        as_of,
    )


def finish_batch(
    session: Session, batch_id: int, *, group: bool = True, as_of: datetime | None = None
) -> dict | None:
    """Do a stored batch's downstream work, in two commits; its scoring outcome, or None if
    another transaction scored it.

    1. Scoring, as a group. Concurrent batches share leads, so their scoring would queue on the
       same row locks anyway; instead requests take turns as the scorer (an advisory lock held
       to commit), and the scorer scores every young unscored batch along with its own, in one
       pass (a lead in several batches is written once), and marks them scored.
    2. Triggers, per request and in parallel: lock the batch row (waiting for whoever holds
       it), fire its triggers and delete it. A batch still unscored here (its scorer rolled
       back) is scored first, under the same lock. No row: the sweep finished the batch.
    A crash between the two leaves a scored row; `process_pending` fires its triggers.
    """
    outcome = None
    if group:
        session.execute(
            text("SELECT pg_advisory_xact_lock(:ns, :key)"),
            dict(zip(("ns", "key"), SCORER_LOCK, strict=True)),
        )
    where = "scored_at IS NULL AND (id = :mine" + (
        " OR created_at > now() - :young)" if group else ")"
    )
    params = {"mine": batch_id, "young": GROUP_AGE, "limit": GROUP_LIMIT}
    rows = _lock_pending(session, where, params, order="id <> :mine, id")  # ours first
    if rows:
        scored = _score_rows(session, rows, as_of)
        outcome = scored if any(r.id == batch_id for r in rows) else None
    session.commit()
    mine = session.execute(
        text(f"SELECT {_BATCH_COLUMNS} FROM ingest_batches WHERE id = :mine FOR UPDATE"), params
    ).first()
    if mine is None:
        return outcome
    if mine.scored_at is None:
        outcome = _score_rows(session, [mine], as_of)
    _fire(session, [mine])
    return outcome


def accept(session: Session, messages: list[Message], source: str = "segment") -> IngestResult:
    """Store the messages and their pending batch row, and commit: what `ingest` and the API do
    first. After this returns nothing is lost: scoring and triggers can run now (`ingest`),
    right after the response (`drain`) or from the sweep (`process_pending`).

    Two concurrent requests may both create the same new lead; the loser gets a unique
    violation, rolls back and stores again (storing is idempotent), finding the winner's lead.
    """
    for attempt in range(STORE_ATTEMPTS):
        try:
            result = store(session, messages, source)
            if result.event_ids:
                result.batch_id = session.execute(
                    _PENDING,
                    {
                        "events": bigint_array(result.event_ids),
                        "leads": bigint_array(result.lead_ids),
                        "refold": bigint_array(result.attached),
                    },
                ).scalar_one()
            session.commit()
            return result
        except (IntegrityError, OperationalError) as exc:
            session.rollback()
            if attempt == STORE_ATTEMPTS - 1 or not _retryable(exc):
                raise
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    raise AssertionError("unreachable")


def ingest(
    session: Session,
    messages: list[Message],
    source: str = "segment",
    *,
    as_of: datetime | None = None,
) -> IngestResult:
    """Store and commit, then score inline; a downstream failure leaves events for a retry.

    Scores are as of now; `as_of` scores as of another time (loading a dataset anchored in the
    past, so its MQL crossings and history are dated in its own time, not the load's).
    """
    result = accept(session, messages, source)
    for attempt in range(STORE_ATTEMPTS):
        try:
            if result.batch_id is None:  # nothing new: the leads' scores move on to now
                outcome = downstream(
                    session, result.lead_ids, [], refold=result.attached, as_of=as_of
                )
            else:  # alone after a failure: a bad batch taken along must not fail ours again
                outcome = finish_batch(session, result.batch_id, group=attempt == 0, as_of=as_of)
            session.commit()
            if outcome is not None:
                mine = set(result.lead_ids)
                result.mql_leads = [i for i in outcome["mql_leads"] if i in mine]
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


# batches a drain scores or fires triggers for in one turn (500-event batches: 50k events)
DRAIN_LIMIT = 100
# batches whose scoring failed alone in this process: later drains leave them to the sweep
_FAILED: deque[int] = deque(maxlen=1000)
_UNSCORED = "scored_at IS NULL AND id <> ALL(CAST(:failed AS bigint[]))"
_SCORED = "scored_at IS NOT NULL AND id <> ALL(CAST(:failed AS bigint[]))"


def _try_scorer_turn(session: Session) -> bool:
    return session.execute(
        text("SELECT pg_try_advisory_xact_lock(:ns, :key)"),
        dict(zip(("ns", "key"), SCORER_LOCK, strict=True)),
    ).scalar_one()


def _isolating(session: Session, rows, work, *, scored: bool) -> list:
    """`work(rows)` and commit; the rows whose work committed. If that fails, each batch
    alone, locked again if it is still ours (and, to score it, with the scorer's turn), so
    one bad batch does not keep failing the others: one that fails alone is remembered and
    left to the sweep."""
    try:
        work(rows)
        session.commit()
        return list(rows)
    except Exception:
        session.rollback()
        if len(rows) == 1:
            _FAILED.append(rows[0].id)
            log.exception("batch %d failed; left to the sweep", rows[0].id)
            return []
    where = f"id = :id AND scored_at IS {'NOT ' if scored else ''}NULL"
    done = []
    for row in rows:
        again = (scored or _try_scorer_turn(session)) and _lock_pending(
            session, where, {"id": row.id, "limit": 1}
        )
        if again:
            done += _isolating(session, again, work, scored=scored)
        else:
            session.rollback()
    return done


def _fire(session: Session, rows) -> int:
    """Fire the batches' triggers and delete their rows; the number of events. No commit."""
    events = sorted({e for r in rows for e in r.event_ids})
    evaluate_triggers(session, events)
    session.execute(
        text("DELETE FROM ingest_batches WHERE id = ANY(CAST(:ids AS bigint[]))"),
        {"ids": bigint_array([r.id for r in rows])},
    )
    return len(events)


def _fire_scored(session: Session, failed: str) -> None:
    """Fire triggers for scored batches nobody else is finishing and delete them; commit."""
    rows = _lock_pending(session, _SCORED, {"limit": DRAIN_LIMIT, "failed": failed})
    if rows:
        _isolating(session, rows, lambda group: _fire(session, group), scored=True)
    else:
        session.commit()


def drain(session: Session) -> None:
    """Finish accepted batches as the scorer, turn after turn, until none is left unscored.

    What the API runs after answering a request (the Segment contract: 200 means stored).
    Each turn takes every unscored batch (up to `DRAIN_LIMIT`) under the scorer lock and scores
    them in one pass, so the busier ingest is, the more events a turn folds and the fewer lead
    rows it writes per event; then, outside the lock, it fires the scored batches' triggers.
    If another transaction holds the scorer lock this returns at once: that scorer takes another
    turn after releasing the lock, so a batch committed before this call is not missed. A turn
    that finds nothing is followed by one more (a batch may have been committed while it
    looked); two such turns in a row end the drain.
    """
    idle = 0
    while idle < 2:
        if not _try_scorer_turn(session):
            session.rollback()
            return
        failed = bigint_array(list(_FAILED))
        rows = _lock_pending(session, _UNSCORED, {"limit": DRAIN_LIMIT, "failed": failed})
        if rows:
            _isolating(session, rows, lambda group: _score_rows(session, group), scored=False)
        else:
            session.commit()
        _fire_scored(session, failed)
        idle = 0 if rows else idle + 1


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

    Batches younger than `older_than` are left to the request still working on them: unscored
    ones are scored (together, in one commit), then every one's triggers fire (another commit).
    A step that fails is retried batch by batch (`_isolating`), so one batch that keeps failing
    is logged and left for the next sweep instead of holding every other batch back with it.
    Returns the number of events of the batches it finished.
    """
    rows = _lock_pending(session, "created_at <= now() - :age", {"limit": limit, "age": older_than})
    if not rows:
        return 0
    if unscored := [r for r in rows if r.scored_at is None]:
        _isolating(session, unscored, lambda group: _score_rows(session, group), scored=False)
    scored = _lock_pending(  # ours again, if nobody took them meanwhile; now scored
        session,
        "id = ANY(CAST(:ids AS bigint[])) AND scored_at IS NOT NULL",
        {"ids": bigint_array([r.id for r in rows]), "limit": limit},
    )
    if not scored:
        session.commit()
        return 0
    fired = _isolating(session, scored, lambda group: _fire(session, group), scored=True)
    return sum(len(r.event_ids) for r in fired)
