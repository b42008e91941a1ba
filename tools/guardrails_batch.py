"""The worker's guardrails for a batch of due steps: `check_step` for each, in four queries.

The decisions are exactly tools.guardrails.check_step's (it runs on the prefetched facts); only
the lookups are shared: do-not-contact entries, the last email per lead, and each enrollment's
first reply / meeting since it started.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.models import Enrollment, Lead
from tools.guardrails import (
    EXIT_EVENTS,
    REAL_REPLY,
    Decision,
    check_step,
    do_not_contact,
    last_emails_at,
)

_EXITS = text(
    f"""
    SELECT x.enrollment_id, e.type, min(e.occurred_at) AS at
    FROM unnest(CAST(:enrollments AS bigint[]), CAST(:leads AS bigint[]),
                CAST(:sinces AS timestamptz[])) AS x(enrollment_id, lead_id, since)
    JOIN events e ON e.lead_id = x.lead_id AND e.occurred_at >= x.since
                 AND e.occurred_at <= :now AND e.type = ANY(:types)
    WHERE {REAL_REPLY}
    GROUP BY x.enrollment_id, e.type
    """
)


def exit_events(
    session: Session, enrollments: list[Enrollment], now: datetime
) -> dict[int, dict[str, datetime]]:
    """Per enrollment: the first reply / meeting since it started (event type -> time)."""
    if not enrollments:
        return {}
    rows = session.execute(
        _EXITS,
        {
            "enrollments": [e.id for e in enrollments],
            "leads": [e.lead_id for e in enrollments],
            "sinces": [e.enrolled_at for e in enrollments],
            "now": now,
            "types": list(EXIT_EVENTS),
        },
    )
    found: dict[int, dict[str, datetime]] = {e.id: {} for e in enrollments}
    for enrollment_id, kind, at in rows:
        found[enrollment_id][kind] = at
    return found


def check_steps(
    session: Session, items: list[tuple[Lead, Enrollment, list[str]]], now: datetime
) -> list[Decision]:
    """`check_step` for every (lead, enrollment, exits) item, with shared lookups."""
    if not items:
        return []
    values = sorted(
        {v for lead, _, _ in items if lead.email for v in (lead.email, lead.email.split("@", 1)[1])}
    )
    listed = do_not_contact(session, values) if values else {}
    lasts = last_emails_at(session, sorted({lead.id for lead, _, _ in items}), as_of=now)
    seen = exit_events(session, [enrollment for _, enrollment, _ in items], now)
    return [
        check_step(
            session,
            lead,
            enrollment,
            now,
            exits,
            prefetched=(listed, lasts.get(lead.id), seen[enrollment.id]),
        )
        for lead, enrollment, exits in items
    ]
