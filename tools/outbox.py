"""Hand an approved (or edited) draft to the outbox, exactly once, unless the lead is suppressed.

The idempotency key is lead + sequence step for sequence emails and the thread id otherwise; the
Message-ID is derived from it, so a retried hand-off can never create a second email. The
frequency cap and the send window are checked later by the sender, right before delivery.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.agent_settings import AgentSettings
from core.models import Draft, Enrollment, Lead, Outbox, Rep
from tools.drafts import timeline, transition
from tools.guardrails import Decision, record_decision, suppression_reason
from tools.mime_out import make_message_id

FRAME = Path(__file__).parent / "config" / "email_frame.yaml"
READY = ("approved", "edited")


@lru_cache(maxsize=1)
def email_frame() -> dict[str, str]:
    """Greeting and sign-off templates."""
    return yaml.safe_load(FRAME.read_text(encoding="utf-8"))


def idempotency_key(draft: Draft) -> str:
    """lead + sequence (+ enrollment) + step for sequence emails, else the draft's thread id.

    The enrollment part lets a lead who re-enters a sequence months later get that step again,
    while a retry of the same enrollment's step still maps to the same key.
    """
    if draft.sequence and draft.step is not None:
        enrollment = re.search(r":enr-(\d+):", draft.thread_id or "")
        part = f":enr-{enrollment.group(1)}" if enrollment else ""
        return f"lead-{draft.lead_id}:{draft.sequence}{part}:step-{draft.step}"
    return draft.thread_id


def framed_body(body: str, first_name: str | None, sender_name: str) -> str:
    """The body between a greeting and a sign-off."""
    frame = email_frame()
    greeting = (
        frame["greeting"].format(first_name=first_name.strip())
        if first_name and first_name.strip()
        else frame["greeting_without_name"]
    )
    return f"{greeting}\n\n{body.strip()}\n\n{frame['sign_off'].format(sender_name=sender_name)}"


def _thread_parent(session: Session, draft: Draft) -> str | None:
    """The previous message of the lead's enrollment in this sequence, if any."""
    if not draft.sequence:
        return None
    return session.scalar(
        select(Enrollment.last_message_id)
        .where(Enrollment.lead_id == draft.lead_id, Enrollment.sequence == draft.sequence)
        .order_by(Enrollment.enrolled_at.desc(), Enrollment.id.desc())
        .limit(1)
    )


def enqueue(session: Session, draft: Draft, settings: AgentSettings | None = None) -> Outbox | None:
    """Queue an approved/edited draft once (the draft becomes "queued"); None when held.

    A suppressed lead is refused: the draft becomes "held", the reason goes into its brief and
    onto the lead's timeline. Calling again for a queued draft returns the existing row.
    """
    existing = session.scalars(select(Outbox).where(Outbox.draft_id == draft.id)).first()
    if existing is not None:
        return existing
    if draft.status not in READY:
        raise ValueError(f"draft {draft.id} is {draft.status}, not approved or edited")
    settings = settings or AgentSettings()
    lead = session.get(Lead, draft.lead_id)
    reason = suppression_reason(session, lead)
    if reason:
        brief = {**(draft.brief or {}), "held": reason}
        transition(session, draft, draft.status, "held", brief=brief)
        record_decision(
            session, lead.id, Decision(False, "suppressed", reason), f"draft-{draft.id}"
        )
        return None
    rep = session.get(Rep, lead.owner_rep_id) if lead.owner_rep_id else None
    from_email = rep.email if rep else settings.default_sender_email
    from_name = rep.name if rep else settings.default_sender_name
    key = idempotency_key(draft)
    parent = _thread_parent(session, draft)
    row_id = session.execute(
        insert(Outbox)
        .values(
            draft_id=draft.id,
            lead_id=lead.id,
            idempotency_key=key,
            to_email=lead.email,
            from_email=from_email,
            from_name=from_name,
            subject=draft.subject,
            text_body=framed_body(draft.body, lead.first_name, from_name),
            message_id=make_message_id(key, settings.message_domain(from_email)),
            in_reply_to=parent,
            references=parent,
        )
        .on_conflict_do_nothing()
        .returning(Outbox.id)
    ).scalar()
    if row_id is None:  # another draft of this step or thread already holds the key: refuse
        row = session.scalars(select(Outbox).where(Outbox.idempotency_key == key)).one()
        if row.draft_id == draft.id:  # a concurrent hand-off of this same draft won
            return row
        transition(
            session,
            draft,
            draft.status,
            "held",
            brief={**(draft.brief or {}), "held": f"already queued as draft {row.draft_id}"},
        )
        return None
    transition(session, draft, draft.status, "queued")
    timeline(
        session,
        lead.id,
        f"draft:{draft.id}:queued",
        "draft_reviewed",
        {"draft_id": draft.id, "action": "queued", "outbox_id": row_id},
    )
    return session.get(Outbox, row_id)
