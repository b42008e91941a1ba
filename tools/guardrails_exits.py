"""Exit checks before drafting and sending: replied, met, unsubscribed, bounced, converted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.models import Enrollment, Lead
from tools.guardrails_decision import Decision

EXIT_EVENTS = {"reply_received": "replied", "meeting_booked": "meeting_booked"}
# A reply counts unless it is automatic or classified out-of-office / bounce.
REAL_REPLY = """
    (e.type <> 'reply_received' OR (
     coalesce(e.properties->>'auto_reply', 'false') <> 'true'
     AND coalesce((SELECT r.label FROM replies r
                   WHERE e.properties->>'reply_id' ~ '^[0-9]{1,18}$'
                     AND r.id = (e.properties->>'reply_id')::bigint),
                  e.properties->>'label', '') NOT IN ('out_of_office', 'bounce')))
"""
_REPLY_OR_MEETING = text(
    f"""
    SELECT e.type, min(e.occurred_at) FROM events e
    WHERE e.lead_id = :lead AND e.occurred_at >= :since AND e.occurred_at <= :now
      AND e.type = ANY(:types) AND {REAL_REPLY}
    GROUP BY e.type
    """
)
_EXIT_BY_CONSENT = {
    "unsubscribed": "unsubscribed",
    "complained": "unsubscribed",
    "bounced": "bounced",
}


def exit_decision(
    session: Session,
    lead: Lead,
    enrollment: Enrollment,
    now: datetime,
    exits: list[str],
    *,
    seen: dict[str, datetime] | None = None,
) -> Decision | None:
    """The first exit condition the enrollment meets (code `exit_<name>`), or None.

    `seen`: prefetched first reply / meeting times since enrollment (event type -> time).
    """
    found: tuple[str, str] | None = None
    consent_exit = _EXIT_BY_CONSENT.get(lead.consent)
    if enrollment.status == "stopped":  # a manual stop always wins, whatever the sequence says
        found = ("manual_stop", f"stopped by hand ({enrollment.exit_reason or 'no reason given'})")
    elif consent_exit in exits:
        found = (consent_exit, f"consent is {lead.consent}")
    elif lead.lifecycle_stage in ("opportunity", "customer") and lead.lifecycle_stage in exits:
        found = (lead.lifecycle_stage, f"became {lead.lifecycle_stage}")
    else:
        types = [t for t, name in EXIT_EVENTS.items() if name in exits]
        if seen is None:
            params = {"lead": lead.id, "since": enrollment.enrolled_at, "now": now, "types": types}
            seen = dict(session.execute(_REPLY_OR_MEETING, params).all()) if types else {}
        hits = sorted((at, kind) for kind, at in seen.items() if kind in types)
        if hits:
            at, kind = hits[0]
            name = EXIT_EVENTS[kind]
            found = (name, f"{name.replace('_', ' ')} on {at:%Y-%m-%d %H:%M} UTC")
    return Decision(False, f"exit_{found[0]}", f"exit: {found[1]}") if found else None
