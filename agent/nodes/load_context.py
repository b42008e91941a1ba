"""Node: load the lead, stop at once if a guardrail suppresses it, else gather its context."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from langchain_core.runnables import RunnableConfig
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agent.runtime import runtime_of
from core.models import Draft, Enrollment, Event, Lead, Rep
from tools.guardrails import Decision, last_email_at, record_decision, suppression_reason

HISTORY_DAYS = 30
_LABELS = {
    "page_viewed": "{category} page views",
    "email_opened": "emails opened",
    "email_clicked": "email clicks",
    "content_downloaded": "downloads",
    "form_submitted": "forms submitted",
    "webinar_attended": "webinars attended",
    "webinar_registered": "webinar registrations",
    "demo_requested": "demo requests",
    "trial_started": "trials started",
    "reply_received": "replies",
}


def lead_profile_text(lead: Lead) -> str:
    """The lead as the prompt's <lead_profile> block (untrusted data)."""
    company = lead.company or "unknown company"
    details = ", ".join(
        str(v)
        for v in (lead.industry, f"{lead.company_size} employees" if lead.company_size else None)
        if v
    )
    return "\n".join(
        [
            f"First name: {lead.first_name or 'unknown'}",
            f"Title: {lead.title or 'unknown'}",
            f"Company: {company}{f' ({details})' if details else ''}",
            f"Country: {lead.country or 'unknown'}",
        ]
    )


def history_summary(session: Session, lead_id: int, now: datetime) -> str:
    """A one-line count of the lead's recent activity (the facts carry the details)."""
    return history_summaries(session, [lead_id], now)[lead_id]


def history_summaries(session: Session, lead_ids: list[int], now: datetime) -> dict[int, str]:
    """`history_summary` for many leads in one grouped query."""
    rows = session.execute(
        select(Event.lead_id, Event.type, Event.category, func.count())
        .where(
            Event.lead_id.in_(lead_ids),
            Event.occurred_at > now - timedelta(days=HISTORY_DAYS),
            Event.type.in_(_LABELS),
        )
        .group_by(Event.lead_id, Event.type, Event.category)
        .order_by(Event.lead_id, func.count().desc(), Event.type, Event.category)
    ).all()
    parts: dict[int, list[str]] = {lead_id: [] for lead_id in lead_ids}
    for lead_id, kind, category, count in rows:
        label = _LABELS[kind].format(category=(category or "other").replace("_", " "))
        parts[lead_id].append(f"{count} {label}")
    return {
        lead_id: f"Last {HISTORY_DAYS} days: {', '.join(p) if p else 'no activity'}."
        for lead_id, p in parts.items()
    }


def build_context(
    lead: Lead,
    owner: Rep | None,
    *,
    pending: int | None,
    enrollment: tuple[str, int] | None,
    last: datetime | None,
    history: str,
    now: datetime,
) -> dict[str, Any]:
    """The thread's context from what was looked up (shared with the batch path)."""
    return {
        "now": now.isoformat(),
        "first_name": lead.first_name,
        "company": lead.company,
        "industry": lead.industry,
        "product_interest": lead.product_interest,
        "profile": lead_profile_text(lead),
        "history": history,
        "owner": {"name": owner.name, "email": owner.email} if owner else None,
        "pending_draft_id": pending,
        "sequence": f"{enrollment[0]}, step {enrollment[1]}" if enrollment else "none",
        "last_email_at": last.isoformat() if last else None,
    }


def load_context(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """Suppressed leads end here (reason on the timeline); others get their context loaded."""
    rt = runtime_of(config)
    now = datetime.now(UTC)
    with rt.sessions() as session:
        lead = session.get(Lead, state["lead_id"])
        reason = suppression_reason(session, lead)
        if reason:
            decision = Decision(False, "suppressed", reason)
            record_decision(session, lead.id, decision, state["thread_id"])
            return {"suppressed": reason, "status": "suppressed"}
        owner = session.get(Rep, lead.owner_rep_id) if lead.owner_rep_id else None
        pending = session.scalar(
            select(Draft.id)
            .where(
                Draft.lead_id == lead.id,
                Draft.status == "pending",
                Draft.thread_id != state["thread_id"],
            )
            .limit(1)
        )
        enrollment = session.execute(
            select(Enrollment.sequence, Enrollment.current_step)
            .where(Enrollment.lead_id == lead.id, Enrollment.status == "active")
            .order_by(Enrollment.enrolled_at.desc())
            .limit(1)
        ).first()
        context = build_context(
            lead,
            owner,
            pending=pending,
            enrollment=tuple(enrollment) if enrollment else None,
            last=last_email_at(session, lead.id),
            history=history_summary(session, lead.id, now),
            now=now,
        )
    return {"context": context, "suppressed": None, "revision": state.get("revision") or 1}
