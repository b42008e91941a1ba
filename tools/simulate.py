"""Dry run: which steps of a sequence would go out to a lead, when, and which would be held and why.

Pure computation over what the database says now (no writes): the same guardrails as the worker
and the sender (suppression, exits, the 48-hour cap, the send window in the lead's timezone) and
the same branch conditions, evaluated as of now. Assumes every draft is approved at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Enrollment, Lead
from tools import clock
from tools.enrollment import OPEN, admission
from tools.guardrails import (
    exit_decision,
    last_email_at,
    lead_timezone,
    load_guardrails,
    next_window_start,
    suppression_reason,
)
from tools.progress import matches
from tools.sequences import Branch, get_sequence

MAX_ITEMS = 40


@dataclass(frozen=True)
class PlannedStep:
    """One line of the plan: a step (or a branch, or the end) with its timing and the reason."""

    step: int | None
    what: str
    due_at: datetime | None
    send_at: datetime | None
    status: str  # send | held | blocked | waiting | branch | note | end
    reason: str


def _start(session: Session, lead: Lead, sequence: str, now: datetime):
    """Where the lead is in the sequence: (enrollment or None, track, last step, next due)."""
    enrollment = session.scalars(
        select(Enrollment).where(
            Enrollment.lead_id == lead.id,
            Enrollment.sequence == sequence,
            Enrollment.status.in_(OPEN),
        )
    ).first()
    if enrollment is None:
        return None, "main", 0, now
    return enrollment, enrollment.track, enrollment.current_step, enrollment.next_due_at or now


def _send_time(due: datetime, last: datetime | None, lead_tz, cfg) -> tuple[datetime, list[str]]:
    """When the cap and the send window let an email due at `due` go, and why it waits."""
    send_at, reasons = due, []
    gap = timedelta(hours=cfg.min_hours_between_emails)
    for _ in range(4):  # the cap can push into a closed window and back; settles in two rounds
        if last is not None and send_at < last + gap:
            send_at = last + gap
            reasons.append(
                f"cap: last email {last:%a %d %b %H:%M} UTC, one per "
                f"{cfg.min_hours_between_emails} h"
            )
        opening = next_window_start(send_at, lead_tz, cfg.send_window)
        if opening is None:
            break
        local = opening.astimezone(lead_tz)
        reasons.append(f"window: opens {local:%a %d %b %H:%M} {lead_tz.key}")
        send_at = opening
    return send_at, reasons


def simulate(
    session: Session, lead: Lead, sequence: str, *, now: datetime | None = None
) -> list[PlannedStep]:
    """The plan for `lead` in `sequence` from now (continuing an open enrollment if any)."""
    seq = get_sequence(sequence)
    now = now or clock.now()
    cfg = load_guardrails()
    enrollment, track, after, due = _start(session, lead, sequence, now)
    probe = Enrollment(status="active", enrolled_at=enrollment.enrolled_at if enrollment else now)
    blocked = suppression_reason(session, lead)
    exit_ = exit_decision(session, lead, probe, now, list(seq.exit_on))
    if blocked or exit_:
        why = f"suppressed: {blocked}" if blocked else exit_.reason
        return [
            PlannedStep(None, seq.name, None, None, "blocked", f"nothing would be sent ({why})")
        ]
    plan: list[PlannedStep] = []
    if enrollment is None:  # would the lead even get in? (the rules `enroll` applies)
        verdict = admission(session, lead, seq, now)
        if verdict.refused:
            return [
                PlannedStep(
                    None,
                    seq.name,
                    None,
                    None,
                    "blocked",
                    f"would not be enrolled: {verdict.refused}",
                )
            ]
        for other in verdict.replaces:
            plan.append(
                PlannedStep(
                    None,
                    "enroll",
                    now,
                    None,
                    "note",
                    f"would replace {other.sequence} (higher priority)",
                )
            )
    if enrollment is not None and enrollment.waiting_thread_id:
        item = seq.next_item(track, after)
        step = item.step if item is not None and not isinstance(item, Branch) else None
        plan.append(
            PlannedStep(
                step,
                "waiting",
                None,
                None,
                "waiting",
                f"a draft awaits approval (thread {enrollment.waiting_thread_id})",
            )
        )
        return plan
    tz, last = lead_timezone(session, lead), last_email_at(session, lead.id, as_of=now)
    first = True
    for _ in range(MAX_ITEMS):
        item = seq.next_item(track, after)
        if item is None:
            plan.append(PlannedStep(None, "end", due, None, "end", f"{seq.name} complete"))
            break
        if isinstance(item, Branch):
            when = due if not first else max(due, now)
            route = next(
                r for r in item.routes if r.when is None or matches(session, lead.id, r.when, now)
            )
            why = f"because {route.when} (as of now)" if route.when else "default route"
            target = f"track {route.track}" if route.track else f"sequence {route.enroll}"
            plan.append(
                PlannedStep(
                    None, f"branch {item.branch}", when, None, "branch", f"→ {target}, {why}"
                )
            )
            if route.track is None:
                break
            track, after = route.track, 0
            nxt = seq.tracks[track][0]
            due = when + timedelta(days=nxt.delay_days)
            first = False
            continue
        if first and enrollment is None:
            due = now + timedelta(days=item.delay_days)
        send_at, reasons = _send_time(max(due, now), last, tz, cfg)
        status = "held" if reasons else "send"
        plan.append(
            PlannedStep(
                item.step,
                item.purpose,
                due,
                send_at,
                status,
                "; ".join(reasons) or "all guardrails pass",
            )
        )
        last, after, first = send_at, item.step, False
        following = seq.next_item(track, after)
        wait = (
            0
            if following is None
            else (following.after_days if isinstance(following, Branch) else following.delay_days)
        )
        due = send_at + timedelta(days=wait)
    return plan
