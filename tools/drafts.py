"""Draft rows: create once per thread revision, review transitions as compare-and-set, who may act.

Status machine (core/models/agent.py): pending -> approved | edited | rejected | regenerated;
approved | edited -> queued (or held when the lead became suppressed) -> sent | failed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, any_, cast, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.orm import Session

from core.models import Draft, Lead, Rep
from tools.notify import DRAFTS, publish
from tools.timeline import add_events, system_event

REVIEW_STATUS = {
    "approve": "approved",
    "edit": "edited",
    "reject": "rejected",
    "regenerate": "regenerated",
}


class NotAllowed(PermissionError):
    """The actor may not review this lead's drafts (not its owner, not an approver)."""


class DraftNotFound(LookupError):
    """No draft has that id."""


def create_draft(session: Session, **values: Any) -> Draft:
    """Insert the draft for (thread_id, revision) once, announce it, and return the row."""
    row_id = session.execute(
        insert(Draft)
        .values(status="pending", **values)
        .on_conflict_do_nothing(constraint="uq_drafts_thread_revision")
        .returning(Draft.id)
    ).scalar()
    if row_id is None:  # a re-run of the node: the row is already there
        return session.scalars(
            select(Draft).where(
                Draft.thread_id == values["thread_id"], Draft.revision == values["revision"]
            )
        ).one()
    timeline(
        session,
        values["lead_id"],
        f"draft:{row_id}:created",
        "draft_created",
        {"draft_id": row_id, "revision": values["revision"], "subject": values["subject"]},
    )
    publish(session, DRAFTS, row_id)
    return session.get(Draft, row_id)


_DRAFT_COLUMNS = (
    ("lead_id", "bigint"),
    ("thread_id", "text"),
    ("revision", "int"),
    ("trigger", "text"),
    ("trigger_event_id", "bigint"),
    ("sequence", "text"),
    ("step", "int"),
    ("purpose", "text"),
    ("subject", "text"),
    ("body", "text"),
    ("sentences", "jsonb"),
    ("citations", "jsonb"),
    ("brief", "jsonb"),
    ("verification", "jsonb"),
    ("backend", "text"),
    ("model", "text"),
    ("prompt_version", "text"),
    ("fallback_reason", "text"),
    ("instruction", "text"),
)
_NAMES = ", ".join(name for name, _ in _DRAFT_COLUMNS)
# One statement, one parameter: the rows as a JSON array (PostgreSQL parses one value, not a
# many-VALUES statement), the drafts inserted once per (thread, revision), a draft_created
# timeline event for each new one.
_CREATE_DRAFTS = text(
    f"""
    WITH new AS (
        INSERT INTO drafts (status, {_NAMES})
        SELECT 'pending', {_NAMES}
        FROM jsonb_to_recordset(CAST(:rows AS jsonb))
             AS r({", ".join(f"{name} {kind}" for name, kind in _DRAFT_COLUMNS)})
        ON CONFLICT ON CONSTRAINT uq_drafts_thread_revision DO NOTHING
        RETURNING id, lead_id, thread_id, revision, subject
    ), timeline AS (
        INSERT INTO events (lead_id, source, message_id, type, properties, occurred_at,
                            processed_at)
        SELECT lead_id, 'nurture', 'draft:' || id || '\\:created', 'draft_created',
               jsonb_build_object('draft_id', id, 'revision', revision, 'subject', subject),
               :now, :now
        FROM new
        ON CONFLICT ON CONSTRAINT uq_events_source_message_id DO NOTHING
    )
    SELECT thread_id, id FROM new
    """
)


def create_drafts(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """`create_draft` for many threads in one statement: thread id -> the revision's row id.

    Rows that already exist (a batch re-run after a crash) are found, not inserted or announced.
    """
    if not rows:
        return {}
    payload = json.dumps([{name: row.get(name) for name, _ in _DRAFT_COLUMNS} for row in rows])
    made = dict(session.execute(_CREATE_DRAFTS, {"rows": payload, "now": datetime.now(UTC)}).all())
    if made:
        session.execute(
            text("SELECT pg_notify(:channel, id::text) FROM unnest(CAST(:ids AS bigint[])) id"),
            {"channel": DRAFTS, "ids": sorted(made.values())},
        )
    found = {}
    if others := [r["thread_id"] for r in rows if r["thread_id"] not in made]:
        found = {
            (thread, revision): row_id
            for thread, revision, row_id in session.execute(
                select(Draft.thread_id, Draft.revision, Draft.id).where(
                    Draft.thread_id == any_(cast(others, ARRAY(Text)))
                )
            )
        }
    return {
        row["thread_id"]: made.get(row["thread_id"]) or found[(row["thread_id"], row["revision"])]
        for row in rows
    }


def get_draft(session: Session, draft_id: int) -> Draft:
    """The draft, or DraftNotFound."""
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise DraftNotFound(draft_id)
    return draft


def list_drafts(session: Session, status: str | None = "pending", limit: int = 50) -> list[Draft]:
    """Drafts in a status (all when None), oldest first for pending, newest first otherwise."""
    stmt = select(Draft)
    if status:
        stmt = stmt.where(Draft.status == status)
    order = Draft.created_at.asc() if status == "pending" else Draft.created_at.desc()
    return list(session.scalars(stmt.order_by(order, Draft.id).limit(limit)))


def transition(
    session: Session, draft: Draft, expected: str, new_status: str, **values: Any
) -> bool:
    """Compare-and-set: move the draft from `expected` at its version, else change nothing."""
    done = session.execute(
        update(Draft)
        .where(Draft.id == draft.id, Draft.status == expected, Draft.version == draft.version)
        .values(status=new_status, version=Draft.version + 1, **values)
        .returning(Draft.id)
    ).scalar()
    session.refresh(draft)
    return done is not None


def authorize(session: Session, lead: Lead, actor: str) -> Rep:
    """The rep behind `actor` (email or Slack user id) if they own the lead or are an approver."""
    key = (actor or "").strip()
    rep = session.scalars(
        select(Rep).where(or_(Rep.email == key.lower(), Rep.slack_user_id == key))
    ).first()
    if rep is None or not rep.active:
        raise NotAllowed(f"{actor!r} is not an active rep")
    if rep.id != lead.owner_rep_id and not rep.is_approver:
        raise NotAllowed(f"{rep.email} neither owns this lead nor is an approver")
    return rep


def review(
    session: Session,
    draft: Draft,
    action: str,
    reviewer: str,
    *,
    subject: str | None = None,
    body: str | None = None,
    reason: str | None = None,
    instruction: str | None = None,
) -> bool:
    """Record a rep's decision on a pending draft (compare-and-set); False if no longer pending."""
    values: dict[str, Any] = {"reviewer": reviewer, "reviewed_at": datetime.now(UTC)}
    if action == "edit":
        new_subject, new_body = (subject or draft.subject).strip(), (body or draft.body).strip()
        values |= {
            "original_subject": draft.subject,
            "original_body": draft.body,
            "subject": new_subject,
            "body": new_body,
            "edit_distance": edit_distance(draft.body, new_body),
        }
    elif action == "reject":
        values["reject_reason"] = (reason or "").strip() or None
    elif action == "regenerate":
        values["instruction"] = (instruction or "").strip() or None
    done = transition(session, draft, "pending", REVIEW_STATUS[action], **values)
    if done:
        timeline(
            session,
            draft.lead_id,
            f"draft:{draft.id}:reviewed",
            "draft_reviewed",
            {
                "draft_id": draft.id,
                "action": action,
                "reviewer": reviewer,
                "reason": values.get("reject_reason"),
                "instruction": values.get("instruction"),
            },
        )
    return done


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance in characters (common prefix and suffix skipped first)."""
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    a, b = a[start : len(a) - end], b[start : len(b) - end]
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def timeline(session: Session, lead_id: int, key: str, kind: str, props: dict[str, Any]) -> None:
    """Add one system event to the lead's timeline, once per key."""
    now = datetime.now(UTC)
    add_events(session, [{**system_event(lead_id, key, kind, now, **props), "processed_at": now}])
