"""Which ingested events start the agent, under which playbook, and on which thread."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Event

PRICING_STREAK = 2  # pricing views within PRICING_WINDOW that make a lead high intent
PRICING_WINDOW = timedelta(days=7)

# event type -> (trigger name, playbook, step purpose, high intent)
_BY_TYPE: dict[str, tuple[str, str, str, bool]] = {
    "demo_requested": ("demo_request", "high_intent", "decision", True),
    "mql_reached": ("mql", "high_intent", "proof", False),
    "content_downloaded": ("content_download", "welcome", "deliver_asset", False),
    "form_submitted": ("content_download", "welcome", "deliver_asset", False),
    "webinar_attended": ("webinar", "welcome", "problem_context", False),
    "trial_started": ("trial", "trial", "adoption_help", False),
}


def pricing_views(session: Session, event: Event) -> int:
    """Pricing page views by the event's lead in the week up to the event."""
    return session.scalar(
        select(func.count()).where(
            Event.lead_id == event.lead_id,
            Event.type == "page_viewed",
            Event.category == "pricing",
            Event.occurred_at > event.occurred_at - PRICING_WINDOW,
            Event.occurred_at <= event.occurred_at,
        )
    )


def describe(event: Event, name: str, views: int = 0) -> str:
    """A one-line why-now for the brief and the prompt."""
    props = event.properties or {}
    when = f"{event.occurred_at:%Y-%m-%d}"
    if name == "pricing_streak":
        return f"viewed the pricing page {views} times in 7 days (latest {when}, ev-{event.id})"
    title = props.get("title") or props.get("asset") or props.get("webinar")
    detail = f" '{str(title)[:80]}'" if title else ""
    return f"{event.type.replace('_', ' ')}{detail} on {when} (ev-{event.id})"


def detect_trigger(session: Session, event: Event) -> dict[str, Any] | None:
    """The trigger an event fires (name, playbook, purpose, thread key...), or None."""
    if event.lead_id is None:
        return None
    if event.type == "page_viewed" and event.category == "pricing":
        views = pricing_views(session, event)
        if views < PRICING_STREAK:
            return None
        year, week, _ = event.occurred_at.isocalendar()
        name, playbook, purpose, high = "pricing_streak", "high_intent", "decision", True
        key = f"{year}-w{week:02d}"  # one high-intent thread per lead and week
        description = describe(event, name, views)
    elif event.type in _BY_TYPE:
        name, playbook, purpose, high = _BY_TYPE[event.type]
        key = f"ev-{event.id}"
        description = describe(event, name)
    else:
        return None
    return {
        "name": name,
        "playbook": playbook,
        "purpose": purpose,
        "high_intent": high,
        "event_id": event.id,
        "step": None,
        "sequence": None,
        "description": description,
        "thread_id": f"lead-{event.lead_id}:{name}:{key}",
    }


def step_trigger(
    lead_id: int, enrollment_id: int, *, purpose: str, sequence: str, step: int
) -> dict[str, Any]:
    """The trigger of a due sequence step (the sequences worker asks for a draft)."""
    return {
        "name": "sequence_step",
        "playbook": sequence,
        "purpose": purpose,
        "high_intent": False,
        "event_id": None,
        "step": step,
        "sequence": sequence,
        "description": f"step {step} of the {sequence.replace('_', ' ')} sequence ({purpose})",
        "thread_id": f"lead-{lead_id}:seq-{sequence}:enr-{enrollment_id}:step-{step}",
    }
