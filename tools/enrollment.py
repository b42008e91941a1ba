"""Enrollment: put a lead in a sequence (with the one-active-nurture rule), or take it out.

`enroll` is the only way in (triggers, sweeps, branches and the agent's enroll_in_sequence tool
all call it). It refuses suppressed leads, respects each sequence's re-enrollment policy, lets a
higher-priority exclusive sequence replace a lower one, gives the lead an owner rep, and writes
the decision on the lead's timeline. Moving through a sequence: tools/progress.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.models import Enrollment, Lead
from tools import clock
from tools.assignment import assign_owner
from tools.guardrails import Decision, record_decision, suppression_reason
from tools.sequences import Sequence, Step, get_sequence, load_sequences
from tools.timeline import add_event as timeline_event  # tools.progress imports it from here

OPEN = ("active", "paused")


@dataclass(frozen=True)
class EnrollmentResult:
    """What `enroll` did: enrolled (with the new id) or not, and why."""

    enrolled: bool
    sequence: str
    reason: str
    enrollment_id: int | None = None
    owner_rep_id: int | None = None
    superseded: list[int] = field(default_factory=list)


def _refuse(session: Session, lead: Lead, sequence: str, reason: str, key: str, now: datetime):
    record_decision(session, lead.id, Decision(False, "not_enrolled", reason), key, now)
    return EnrollmentResult(False, sequence, reason)


@dataclass(frozen=True)
class Admission:
    """May a lead enter a sequence now: the refusal, its open enrollment, or what it replaces."""

    refused: str | None = None
    existing_id: int | None = None
    replaces: list[Enrollment] = field(default_factory=list)


def admission(session: Session, lead: Lead, seq: Sequence, now: datetime) -> Admission:
    """The enrollment rules, read-only: suppression, already in, re-enrollment, exclusivity."""
    if reason := suppression_reason(session, lead):
        return Admission(f"suppressed: {reason}")
    mine = session.scalars(
        select(Enrollment).where(Enrollment.lead_id == lead.id).order_by(Enrollment.id.desc())
    ).all()
    return judge(mine, seq, now)


def judge(
    mine, seq: Sequence, now: datetime, known: dict[str, Sequence] | None = None
) -> Admission:
    """The rules past suppression, given the lead's enrollments newest first (no database).

    `mine` holds anything with id, sequence, status and enrolled_at (ORM rows or plain records),
    so the batch path (tools/enroll_batch.py) decides exactly as `enroll` does; `known` is
    the sequences snapshot to use (default: load them now).
    """
    open_ = [e for e in mine if e.status in OPEN]
    if same := [e for e in open_ if e.sequence == seq.name]:
        return Admission("already enrolled", same[0].id)
    if past := [e for e in mine if e.sequence == seq.name]:
        cooldown = seq.reenroll_after_days
        if cooldown is None or now - past[0].enrolled_at < timedelta(days=cooldown):
            rule = "once per lead" if cooldown is None else f"re-enrollment after {cooldown} days"
            return Admission(f"was in {seq.name} on {past[0].enrolled_at:%Y-%m-%d} ({rule})")
    replaces = []
    if not seq.exclusive:
        known = {}
    elif known is None:
        known = load_sequences()
    for other in open_:
        rival = known.get(other.sequence)
        if rival is None or not rival.exclusive:
            continue
        if rival.priority >= seq.priority:
            return Admission(f"already in {other.sequence} (one active nurture sequence per lead)")
        replaces.append(other)
    return Admission(replaces=replaces)


ENROLL_LOCK = 7412  # advisory-lock namespace: one enrollment decision per lead at a time


def lock_leads(session: Session, lead_ids: list[int]) -> None:
    """Serialise enrollment decisions per lead (transaction-scoped advisory locks, in id order).

    An advisory lock, not a row lock: ingestion updates lead rows in the same transactions, and
    taking row locks here, after scoring took others, could deadlock concurrent batches.
    """
    if not lead_ids:
        return
    # one statement; the sorted subquery fixes the order in which the locks are taken
    session.execute(
        text(
            "SELECT count(pg_advisory_xact_lock(:ns, CAST(id % 2147483647 AS integer))) "
            "FROM (SELECT DISTINCT unnest(CAST(:ids AS bigint[])) AS id ORDER BY 1) AS s"
        ),
        {"ns": ENROLL_LOCK, "ids": sorted(set(lead_ids))},
    )


def enroll(
    session: Session,
    lead_id: int,
    sequence: str,
    *,
    trigger: str,
    trigger_event_id: int | None = None,
    now: datetime | None = None,
) -> EnrollmentResult:
    """Enroll a lead in a sequence, or say why not (UnknownSequence for a bad name)."""
    seq = get_sequence(sequence)
    now = now or clock.now()
    lock_leads(session, [lead_id])
    lead = session.get(Lead, lead_id, populate_existing=True)
    if lead is None:
        return EnrollmentResult(False, sequence, f"no lead {lead_id}")
    key = f"enroll:{sequence}:{trigger_event_id or f'{trigger}:{now:%Y-%m-%d}'}"
    verdict = admission(session, lead, seq, now)
    if verdict.existing_id is not None:
        return EnrollmentResult(False, sequence, "already enrolled", verdict.existing_id)
    if verdict.refused:
        return _refuse(session, lead, sequence, verdict.refused, key, now)
    superseded = []
    for other in verdict.replaces:
        exit_enrollment(session, other, "superseded", f"replaced by {sequence}", now)
        superseded.append(other.id)
    owner = assign_owner(session, lead, now)
    first = seq.tracks["main"][0]
    assert isinstance(first, Step)
    new_id = session.execute(
        insert(Enrollment)
        .values(
            lead_id=lead_id,
            sequence=sequence,
            sequence_version=seq.version,
            track="main",
            status="active",
            current_step=0,
            next_due_at=now + timedelta(days=first.delay_days),
            trigger=trigger,
            trigger_event_id=trigger_event_id,
            enrolled_at=now,
        )
        .on_conflict_do_nothing(
            index_elements=["lead_id", "sequence"],
            index_where=text("status IN ('active', 'paused')"),
        )
        .returning(Enrollment.id)
    ).scalar()
    if new_id is None:
        return EnrollmentResult(False, sequence, "already enrolled")
    timeline_event(
        session,
        lead_id,
        f"enrollment:{new_id}",
        "sequence_enrolled",
        now,
        sequence=sequence,
        version=seq.version,
        trigger=trigger,
        trigger_event_id=trigger_event_id,
        reason=f"enrolled in {sequence} ({trigger})",
    )
    return EnrollmentResult(True, sequence, f"enrolled ({trigger})", new_id, owner, superseded)


@dataclass(frozen=True)
class BulkEnrollment:
    """What `enroll_leads` did: how many were enrolled, and why the others were not."""

    sequence: str
    enrolled: int
    enrollment_ids: list[int]
    refused: dict[str, int]


def enroll_leads(
    session: Session, lead_ids: list[int], sequence: str, *, trigger: str = "bulk"
) -> BulkEnrollment:
    """Enroll many leads (a segment, a marketer's list); each goes through `enroll`'s rules."""
    ids, refused = [], {}
    for lead_id in lead_ids:
        result = enroll(session, lead_id, sequence, trigger=trigger)
        if result.enrolled:
            ids.append(result.enrollment_id)
        else:
            reason = result.reason.split(":")[0] if ":" in result.reason else result.reason
            refused[reason] = refused.get(reason, 0) + 1
    return BulkEnrollment(sequence, len(ids), ids, refused)


def exit_enrollment(
    session: Session, enrollment: Enrollment, code: str, detail: str, now: datetime | None = None
) -> None:
    """Take the enrollment out (`completed` when code is 'completed', else `exited`)."""
    now = now or clock.now()
    enrollment.status = "completed" if code == "completed" else "exited"
    enrollment.exit_reason = code
    enrollment.exited_at = now
    enrollment.next_due_at = None
    session.flush()
    timeline_event(
        session,
        enrollment.lead_id,
        f"exit:{enrollment.id}",
        "sequence_exited",
        now,
        sequence=enrollment.sequence,
        code=code,
        reason=detail,
    )


def stop_enrollment(session: Session, enrollment_id: int, reason: str, actor: str) -> bool:
    """A manual stop: nothing more from this enrollment, including drafts already approved."""
    enrollment = session.get(Enrollment, enrollment_id, with_for_update=True)
    if enrollment is None or enrollment.status not in OPEN:
        return False
    exit_enrollment(session, enrollment, "manual_stop", f"stopped by {actor}: {reason}")
    enrollment.status = "stopped"
    return True
