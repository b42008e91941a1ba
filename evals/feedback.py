"""Feedback becomes cases: rejected and heavily edited drafts turn into new draft eval cases."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.models import Draft, Lead

FEEDBACK = Path(__file__).resolve().parent / "datasets" / "drafts_feedback.jsonl"
HEAVY_EDIT = 0.3  # an edit touching 30%+ of the body counts as heavy


def feedback_cases(session: Session, heavy_edit: float = HEAVY_EDIT) -> list[dict]:
    """One case per rejected or heavily edited draft, newest last, with what the rep wanted."""
    drafts = session.scalars(
        select(Draft)
        .where(or_(Draft.status == "rejected", Draft.edit_distance.is_not(None)))
        .order_by(Draft.id)
    ).all()
    cases = []
    for draft in drafts:
        original = draft.original_body or draft.body
        heavy = draft.edit_distance is not None and draft.edit_distance >= heavy_edit * max(
            1, len(original)
        )
        if draft.status != "rejected" and not heavy:
            continue
        lead = session.get(Lead, draft.lead_id)
        cases.append(
            {
                "id": f"feedback-draft-{draft.id}",
                "lead_email": lead.email if lead else None,
                "trigger": draft.trigger,
                "sequence": draft.sequence,
                "step": draft.step,
                "purpose": draft.purpose,
                "stage": (draft.brief or {}).get("stage"),
                "kind": "rejected" if draft.status == "rejected" else "heavily_edited",
                "reject_reason": draft.reject_reason,
                "original": {"subject": draft.original_subject or draft.subject, "body": original},
                "preferred": None
                if draft.status == "rejected"
                else {"subject": draft.subject, "body": draft.body},
            }
        )
    return cases


def export_feedback(path: Path = FEEDBACK) -> int:
    """Append new feedback cases (by id) to the dataset file; returns how many were added."""
    from core.db import open_database
    from core.settings import get_settings

    existing = set()
    if path.exists():
        existing = {json.loads(line)["id"] for line in path.read_text().splitlines() if line}
    with open_database(get_settings()) as db, db.session() as session:
        new = [case for case in feedback_cases(session) if case["id"] not in existing]
    with path.open("a", encoding="utf-8") as handle:
        for case in new:
            handle.write(json.dumps(case, ensure_ascii=False, sort_keys=True) + "\n")
    return len(new)
