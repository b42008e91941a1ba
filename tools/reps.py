"""Reps: create or update the team (territory, product lines, Slack id, capacity)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.models import Rep

REP_FIELDS = (
    "name",
    "email",
    "slack_user_id",
    "territory",
    "product_lines",
    "capacity",
    "is_approver",
)


def upsert_reps(session: Session, reps: list[dict[str, Any]]) -> int:
    """Insert reps or update them by email; returns how many were written."""
    for rep in reps:
        values = {k: rep[k] for k in REP_FIELDS if k in rep}
        values["email"] = values["email"].strip().lower()
        stmt = insert(Rep).values(**values)
        update = {k: stmt.excluded[k] for k in values if k != "email"}
        session.execute(stmt.on_conflict_do_update(index_elements=["email"], set_=update))
    session.flush()
    return len(reps)
