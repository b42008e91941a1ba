"""Moving through a sequence: schedule the next step, finish or skip one, follow a branch.

Positions and versions: see tools/sequences.py. Entering and leaving: tools/enrollment.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.models import Enrollment
from tools.enrollment import enroll, exit_enrollment, timeline_event
from tools.segment_filter import compile_filter
from tools.sequences import Branch, Sequence, Step, UnknownSequence, get_sequence


def schedule_next(session: Session, enrollment: Enrollment, seq: Sequence, now: datetime) -> None:
    """After the current step is done (sent or skipped): schedule what follows, or complete."""
    enrollment.waiting_thread_id = None
    enrollment.step_attempts = 0
    enrollment.sequence_version = seq.version
    item = seq.next_item(enrollment.track, enrollment.current_step)
    if item is None:
        exit_enrollment(session, enrollment, "completed", f"finished {seq.name}", now)
        return
    wait = item.after_days if isinstance(item, Branch) else item.delay_days
    enrollment.next_due_at = now + timedelta(days=wait)


def finish_step(
    session: Session,
    enrollment: Enrollment,
    step: int,
    now: datetime,
    *,
    skipped: str | None = None,
) -> None:
    """Step `step` is done (sent, or skipped for the reason given): schedule what follows."""
    enrollment.current_step = step
    enrollment.claimed_by = None
    if skipped is not None:
        timeline_event(
            session,
            enrollment.lead_id,
            f"skip:{enrollment.id}:{enrollment.track}:{step}",
            "sequence_step_skipped",
            now,
            sequence=enrollment.sequence,
            step=step,
            reason=f"step {step} skipped: {skipped}",
        )
    try:
        seq = get_sequence(enrollment.sequence)
    except UnknownSequence:
        exit_enrollment(session, enrollment, "sequence_removed", "sequence no longer exists", now)
        return
    schedule_next(session, enrollment, seq, now)


def matches(session: Session, lead_id: int, condition: str, as_of: datetime) -> bool:
    """Does the lead meet a segment-filter condition at `as_of`?"""
    where, params = compile_filter(condition, per_lead=True)
    sql = f"SELECT 1 FROM leads WHERE leads.id = :lead_id AND {where}"
    return (
        session.execute(text(sql), {**params, "lead_id": lead_id, "as_of": as_of}).first()
        is not None
    )


def take_branch(
    session: Session, enrollment: Enrollment, seq: Sequence, branch: Branch, now: datetime
) -> str:
    """Follow the first matching route: switch track, or move the lead to another sequence."""
    route = next(
        r
        for r in branch.routes
        if r.when is None or matches(session, enrollment.lead_id, r.when, now)
    )
    why = f"because {route.when}" if route.when else "default route"
    if route.track is not None:
        enrollment.track, enrollment.current_step = route.track, 0
        first = seq.tracks[route.track][0]
        assert isinstance(first, Step)
        enrollment.next_due_at = now + timedelta(days=first.delay_days)
        outcome = f"track {route.track}"
    else:
        exit_enrollment(session, enrollment, "branched", f"moved to {route.enroll} ({why})", now)
        result = enroll(
            session, enrollment.lead_id, route.enroll, trigger=f"branch:{seq.name}", now=now
        )
        outcome = f"sequence {route.enroll}" + ("" if result.enrolled else f" ({result.reason})")
    timeline_event(
        session,
        enrollment.lead_id,
        f"branch:{enrollment.id}:{branch.branch}",
        "sequence_branched",
        now,
        sequence=seq.name,
        branch=branch.branch,
        reason=f"{branch.branch}: {outcome}, {why}",
    )
    return outcome
