"""The sequence worker: take due steps from PostgreSQL and turn them into drafts awaiting approval.

Any number of workers on any number of machines share one database. The order that makes a crash
harmless (nothing lost, nothing drafted twice for a step, nothing ever sent twice):

1. Claim (one short transaction): `SELECT … FOR UPDATE SKIP LOCKED` picks due active enrollments
   nobody else holds; each gets a lease (`next_due_at = now + LEASE`) and a claim token
   (`claimed_by`). Commit. Other workers skip locked rows and, after the commit, see the rows as
   not due until the lease ends. A worker that dies from here on simply lets its lease run out:
   the step becomes due again and another worker takes it.
2. Plan (one transaction for the batch): the guardrails (`check_step` for each, with lookups
   shared across the batch by tools/guardrails_batch: exits, suppression, pause, frequency cap)
   decide; exits and holds are written (with the reason on the timeline), a branch is followed.
   Commit.
3. Draft: the agent commits pending drafts in its own transaction: the whole batch at once
   (a batch drafter, agent.entry.draft_for_steps: set-based IO, one commit) or one step at a
   time (`draft_for_step`). Thread ids are derived from the enrollment and step, so a second
   attempt after a crash finds the same thread and draft row instead of drafting again.
4. Record (compare-and-set on the claim token): the enrollment now waits on the draft's thread
   (`waiting_thread_id`, no due time). A worker whose lease was taken over records nothing.

Nothing is sent here: approved drafts reach the outbox (tools/outbox.py) and tools/sender.py
delivers them. `resolve_reviews` (tools/step_reviews.py) moves enrollments on when their draft is
rejected (skip the step), held (retry later), failed or sent.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.models import Enrollment, Lead
from tools import clock
from tools.enrollment import exit_enrollment
from tools.guardrails import record_decision
from tools.guardrails_batch import check_steps
from tools.progress import finish_step, take_branch
from tools.sequences import Branch, load_sequences
from tools.step_reviews import HELD_RETRY, MAX_DRAFT_ATTEMPTS, resolve_reviews

__all__ = ["BatchDrafter", "Drafter", "PlannedStep", "StepReport", "process_due", "resolve_reviews"]

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
WAITING = {"pending", "approved", "edited", "queued", "sending", "sent", "regenerated"}


class DraftResult(Protocol):
    """What the agent's draft_for_step returns (agent.entry.DraftOutcome)."""

    draft_id: int | None
    status: str
    thread_id: str | None


@dataclass(frozen=True)
class PlannedStep:
    """A due step the guardrails allowed, to be drafted."""

    enrollment_id: int
    purpose: str
    sequence: str
    step: int


Drafter = Callable[..., DraftResult]  # (enrollment_id, *, purpose, sequence, step)
BatchDrafter = Callable[[list[PlannedStep]], list[DraftResult]]  # one result per step, in order


@dataclass
class StepReport:
    """What one pass over due steps did."""

    claimed: int = 0
    drafted: int = 0
    held: int = 0
    exited: int = 0
    branched: int = 0
    completed: int = 0
    skipped: int = 0
    failed: int = 0
    details: list[dict[str, Any]] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        """True when the pass found any work."""
        return self.claimed > 0


_CLAIM = text(
    """
    WITH due AS (
        SELECT id FROM enrollments
        WHERE status = 'active' AND next_due_at <= :now
        ORDER BY next_due_at, id LIMIT :limit FOR UPDATE SKIP LOCKED
    )
    UPDATE enrollments e SET next_due_at = :lease_until, claimed_by = :token
    FROM due WHERE e.id = due.id RETURNING e.id
    """
)


def claim_steps(session: Session, now: datetime, limit: int, token: str) -> list[int]:
    """Lease up to `limit` due enrollments to this worker and commit the claim."""
    params = {"now": now, "limit": limit, "lease_until": now + LEASE, "token": token}
    ids = sorted(session.execute(_CLAIM, params).scalars())
    session.commit()
    return ids


def process_due(
    session: Session,
    drafter: Drafter,
    *,
    now: datetime | None = None,
    limit: int = 100,
    worker_id: str = "worker",
    after_claim: Callable[[list[int]], None] | None = None,
    batch_drafter: BatchDrafter | None = None,
) -> StepReport:
    """One pass: claim due steps, apply guardrails, draft the steps, record the wait.

    With `batch_drafter` the planned steps are drafted in one call; if that call fails, each
    step is drafted alone with `drafter`, so one bad step cannot hold the others back.
    """
    now = now or clock.now()
    token = f"{worker_id}:{uuid.uuid4().hex[:12]}"
    report = StepReport()
    ids = claim_steps(session, now, limit, token)
    report.claimed = len(ids)
    if after_claim is not None:
        after_claim(ids)
    if not ids:
        return report
    to_draft = _plan(session, ids, token, now, report)
    session.commit()
    results = _draft_batch(batch_drafter, to_draft) if batch_drafter and to_draft else None
    if results is None:
        results = [_draft_one(drafter, planned) for planned in to_draft]
    _record(session, token, results, now, report)
    session.commit()
    return report


def _draft_batch(batch_drafter: BatchDrafter, to_draft: list[PlannedStep]) -> list | None:
    """(enrollment id, step, outcome, None) for each step, or None when the batch call failed."""
    try:
        outcomes = batch_drafter(to_draft)
    except Exception:
        log.exception("batch drafting failed; drafting %s steps one by one", len(to_draft))
        return None
    return [(p.enrollment_id, p.step, o, None) for p, o in zip(to_draft, outcomes, strict=True)]


def _draft_one(drafter: Drafter, planned: PlannedStep) -> tuple:
    """(enrollment id, step, outcome or None, error or None) for one step."""
    try:
        outcome = drafter(
            planned.enrollment_id,
            purpose=planned.purpose,
            sequence=planned.sequence,
            step=planned.step,
        )
        return planned.enrollment_id, planned.step, outcome, None
    except Exception as exc:  # the agent failed: retry this step later, never lose it
        log.exception("drafting failed for enrollment %s", planned.enrollment_id)
        return planned.enrollment_id, planned.step, None, exc


def _plan(session: Session, ids: list[int], token: str, now: datetime, report: StepReport):
    """Guardrails (batched) and branching for the claimed enrollments; what to draft."""
    enrollments = session.scalars(
        select(Enrollment)
        .where(Enrollment.id.in_(ids), Enrollment.claimed_by == token)
        .order_by(Enrollment.id)
        .execution_options(populate_existing=True)
    ).all()
    lead_ids = {e.lead_id for e in enrollments}
    leads = {lead.id: lead for lead in session.scalars(select(Lead).where(Lead.id.in_(lead_ids)))}
    known = load_sequences()
    candidates = []
    for enrollment in enrollments:
        seq = known.get(enrollment.sequence)
        item = seq.next_item(enrollment.track, enrollment.current_step) if seq else None
        if item is None:
            code, why = (
                ("completed", f"finished {seq.name}")
                if seq
                else ("sequence_removed", "sequence no longer exists")
            )
            exit_enrollment(session, enrollment, code, why, now)
            report.completed += code == "completed"
            report.exited += code != "completed"
            continue
        candidates.append((leads[enrollment.lead_id], enrollment, seq, item))
    decisions = check_steps(
        session, [(lead, e, list(seq.exit_on)) for lead, e, seq, _ in candidates], now
    )
    to_draft = []
    for (lead, enrollment, seq, item), decision in zip(candidates, decisions, strict=True):
        key = f"enrollment:{enrollment.id}:{enrollment.track}:{enrollment.current_step}"
        detail = {"enrollment_id": enrollment.id, "lead_id": lead.id, "sequence": seq.name}
        if not decision.allowed:
            record_decision(session, lead.id, decision, key, now)
            report.details.append({**detail, "code": decision.code, "reason": decision.reason})
            if decision.retry_at is not None:
                enrollment.next_due_at, enrollment.claimed_by = decision.retry_at, None
                report.held += 1
            else:
                code = decision.code.removeprefix("exit_")
                exit_enrollment(session, enrollment, code, decision.reason, now)
                report.exited += 1
        elif isinstance(item, Branch):
            outcome = take_branch(session, enrollment, seq, item, now)
            enrollment.claimed_by = None
            report.branched += 1
            report.details.append({**detail, "code": "branched", "reason": outcome})
        else:
            enrollment.sequence_version = seq.version
            to_draft.append(PlannedStep(enrollment.id, item.purpose, seq.name, item.step))
    return to_draft


_WAIT = text(
    """
    UPDATE enrollments e SET waiting_thread_id = v.thread, next_due_at = NULL,
           claimed_by = NULL, step_attempts = 0
    FROM unnest(CAST(:ids AS bigint[]), CAST(:threads AS text[])) AS v(id, thread)
    WHERE e.id = v.id AND e.claimed_by = :token
    """
)


def _record(session: Session, token: str, results: list, now: datetime, report) -> None:
    """Compare-and-set each outcome onto the enrollment this worker still holds (by token)."""
    waiting = [
        (i, o.thread_id)
        for i, _, o, err in results
        if err is None and getattr(o, "status", None) in WAITING and o.thread_id
    ]
    if waiting:
        ids, threads = zip(*waiting, strict=True)
        updated = session.execute(
            _WAIT, {"ids": list(ids), "threads": list(threads), "token": token}
        ).rowcount
        report.drafted += updated
        for obj in list(session.identity_map.values()):  # the UPDATE bypassed the ORM
            if isinstance(obj, Enrollment) and obj.id in ids:
                session.expire(obj)
    done = {i for i, _ in waiting}
    for enrollment_id, step_no, outcome, error in results:
        if enrollment_id in done:
            continue
        enrollment = session.scalars(
            select(Enrollment)
            .where(Enrollment.id == enrollment_id, Enrollment.claimed_by == token)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if enrollment is not None:  # else the lease went to another worker: it owns the step
            _settle(session, enrollment, step_no, outcome, error, now, report)


def _settle(session, enrollment, step_no, outcome, error, now, report) -> None:
    """A step whose draft did not come back pending: retry later, exit, or skip it."""
    status = getattr(outcome, "status", None)
    if status == "suppressed":  # the lead became suppressed while the step was planned
        exit_enrollment(session, enrollment, "suppressed", "suppressed while drafting", now)
        report.exited += 1
        return
    if error is None and status not in ("held", "wait") and outcome is not None:
        finish_step(session, enrollment, step_no, now, skipped=f"draft {status}")
        report.skipped += 1
        return
    enrollment.step_attempts += 1
    why = f"drafting failed: {error}" if error is not None else f"draft {status or 'missing'}"
    if enrollment.step_attempts >= MAX_DRAFT_ATTEMPTS:
        finish_step(session, enrollment, step_no, now, skipped=f"{why} ({MAX_DRAFT_ATTEMPTS}x)")
        report.skipped += 1
        return
    retry = HELD_RETRY if error is None else timedelta(minutes=5 * 2**enrollment.step_attempts)
    enrollment.next_due_at, enrollment.claimed_by = now + retry, None
    report.failed += 1
