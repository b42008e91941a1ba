"""Reviewed drafts move their enrollment on: rejected (skip the step), held (retry), failed, sent.

The worker (tools/worker.py) leaves an enrollment waiting on its draft's thread; this sweep reads
the thread's latest draft row and settles the enrollment, whichever process made the draft.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.models import Draft, Enrollment
from tools import clock
from tools.progress import finish_step

MAX_DRAFT_ATTEMPTS = 5
HELD_RETRY = timedelta(days=1)

_RESOLVABLE = text(
    """
    SELECT e.id, d.status, d.step, d.reject_reason, d.id AS draft_id FROM enrollments e
    JOIN LATERAL (SELECT id, status, step, reject_reason FROM drafts
                  WHERE thread_id = e.waiting_thread_id
                  ORDER BY revision DESC, id DESC LIMIT 1) d ON TRUE
    WHERE e.status = 'active' AND e.waiting_thread_id IS NOT NULL AND e.next_due_at IS NULL
      AND d.status IN ('rejected', 'held', 'failed', 'sent')
    ORDER BY e.id LIMIT :limit FOR UPDATE OF e SKIP LOCKED
    """
)


def resolve_reviews(session: Session, now: datetime | None = None, limit: int = 500) -> int:
    """Move on enrollments whose draft was rejected (skip), held (retry) or failed; commit."""
    now = now or clock.now()
    rows = session.execute(_RESOLVABLE, {"limit": limit}).all()
    for row in rows:
        enrollment = session.get(Enrollment, row.id, populate_existing=True)
        step = row.step or enrollment.current_step
        if row.status == "held":
            enrollment.step_attempts += 1
            if enrollment.step_attempts < MAX_DRAFT_ATTEMPTS:
                enrollment.waiting_thread_id, enrollment.next_due_at = None, now + HELD_RETRY
                continue
        reason = {
            "rejected": f"draft rejected by the reviewer ({row.reject_reason or 'no reason'})",
            "held": "draft held too many times",
            "failed": "delivery failed",
        }.get(row.status)
        if row.status == "sent":
            draft = session.get(Draft, row.draft_id)
            enrollment.last_message_id = (
                _message_id(session, draft.id) or enrollment.last_message_id
            )
        finish_step(session, enrollment, step, now, skipped=reason)
    session.commit()
    return len(rows)


def _message_id(session: Session, draft_id: int) -> str | None:
    return session.execute(
        text("SELECT message_id FROM outbox WHERE draft_id = :d"), {"d": draft_id}
    ).scalar()
