"""The agent's entry points: callers (API, CLI, worker, Slack) import these and nothing else.

Each `db` function opens a Runtime (Postgres checkpointer, configured model) on a started
Database and delegates to the `run_*` function of the same name, which tests call directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select

from agent.batch import draft_batch
from agent.runner import (
    DraftOutcome,
    ReviewOutcome,
    resume_if_waiting,
    review_outcome,
    run_thread,
)
from agent.runtime import Runtime, open_runtime
from agent.triggers import detect_trigger, step_trigger
from core.models import Enrollment, Event, Lead
from tools.drafts import DraftNotFound, NotAllowed, authorize, get_draft, review
from tools.worker import PlannedStep

if TYPE_CHECKING:
    from core.db import Database

__all__ = [
    "DraftNotFound",
    "DraftOutcome",
    "NotAllowed",
    "ReviewOutcome",
    "draft_for_lead",
    "draft_for_step",
    "draft_for_steps",
    "drafts_in_batches",
    "handle_event",
    "resume_review",
]

ReviewAction = Literal["approve", "edit", "reject", "regenerate"]
MANUAL_LOOKBACK = timedelta(days=30)
_STAGE_PURPOSE = {"awareness": "problem_context", "consideration": "proof", "decision": "decision"}


def handle_event(db: Database, event_id: int) -> DraftOutcome | None:
    """For an ingested trigger event, decide and maybe draft; None when it triggers nothing."""
    with open_runtime(db) as rt:
        return run_event(rt, event_id)


def draft_for_step(
    db: Database, enrollment_id: int, *, purpose: str, sequence: str, step: int
) -> DraftOutcome:
    """Draft the email of a due sequence step (the sequences worker calls this)."""
    with open_runtime(db) as rt:
        return run_step(rt, enrollment_id, purpose=purpose, sequence=sequence, step=step)


def draft_for_steps(db: Database, steps: Sequence[PlannedStep]) -> list[DraftOutcome]:
    """Draft a batch of due sequence steps (the worker's batch path; one Runtime, set-based IO)."""
    with open_runtime(db) as rt:
        return run_steps(rt, steps)


def drafts_in_batches() -> bool:
    """True when drafting is offline (milliseconds a step): the worker may claim whole batches."""
    from core.llm_settings import LLMSettings

    return LLMSettings().backend != "openai"


def resume_review(
    db: Database,
    draft_id: int,
    action: ReviewAction,
    actor: str,
    *,
    subject: str | None = None,
    body: str | None = None,
    reason: str | None = None,
    instruction: str | None = None,
) -> ReviewOutcome:
    """Apply a rep's decision (owner or approver only, else NotAllowed) and resume the graph."""
    with open_runtime(db) as rt:
        return run_review(
            rt,
            draft_id,
            action,
            actor,
            subject=subject,
            body=body,
            reason=reason,
            instruction=instruction,
        )


def draft_for_lead(db: Database, lead_id: int) -> DraftOutcome:
    """Draft for a lead now (CLI, demo): its latest trigger event, else its buying stage."""
    with open_runtime(db) as rt:
        return run_for_lead(rt, lead_id)


def _initial(lead_id: int, trigger: dict) -> dict:
    """The first state of a thread."""
    return {"lead_id": lead_id, "thread_id": trigger["thread_id"], "trigger": trigger}


def run_event(rt: Runtime, event_id: int) -> DraftOutcome | None:
    """handle_event on an open Runtime."""
    with rt.sessions() as session:
        event = session.get(Event, event_id)
        trigger = detect_trigger(session, event) if event is not None else None
        lead_id = event.lead_id if event is not None else None
    if trigger is None:
        return None
    return run_thread(rt, _initial(lead_id, trigger))


def run_step(
    rt: Runtime, enrollment_id: int, *, purpose: str, sequence: str, step: int
) -> DraftOutcome:
    """draft_for_step on an open Runtime."""
    with rt.sessions() as session:
        enrollment = session.get(Enrollment, enrollment_id)
        if enrollment is None:
            raise LookupError(f"no enrollment {enrollment_id}")
        lead_id = enrollment.lead_id
    trigger = step_trigger(lead_id, enrollment_id, purpose=purpose, sequence=sequence, step=step)
    return run_thread(rt, _initial(lead_id, trigger))


def run_steps(rt: Runtime, steps: Sequence[PlannedStep]) -> list[DraftOutcome]:
    """draft_for_steps on an open Runtime: batched offline; one thread at a time with a model."""
    if rt.client is not None:  # model drafting is per thread (its calls are the cost anyway)
        return [
            run_step(rt, s.enrollment_id, purpose=s.purpose, sequence=s.sequence, step=s.step)
            for s in steps
        ]
    with rt.sessions() as session:
        lead_of = dict(
            session.execute(
                select(Enrollment.id, Enrollment.lead_id).where(
                    Enrollment.id.in_([s.enrollment_id for s in steps])
                )
            ).all()
        )
    if missing := [s.enrollment_id for s in steps if s.enrollment_id not in lead_of]:
        raise LookupError(f"no enrollments {missing}")
    triggers = [
        (
            lead_of[s.enrollment_id],
            step_trigger(
                lead_of[s.enrollment_id],
                s.enrollment_id,
                purpose=s.purpose,
                sequence=s.sequence,
                step=s.step,
            ),
        )
        for s in steps
    ]
    return [
        DraftOutcome(
            state.get("draft_id"),
            state["status"],
            state["lead_id"],
            state["thread_id"],
            state.get("backend"),
            state.get("fallback_reason"),
        )
        for state in draft_batch(rt, triggers)
    ]


def run_for_lead(rt: Runtime, lead_id: int) -> DraftOutcome:
    """draft_for_lead on an open Runtime."""
    since = datetime.now(UTC) - MANUAL_LOOKBACK
    with rt.sessions() as session:
        lead = session.get(Lead, lead_id)
        if lead is None:
            raise LookupError(f"no lead {lead_id}")
        recent = session.scalars(
            select(Event)
            .where(Event.lead_id == lead_id, Event.occurred_at > since)
            .order_by(Event.occurred_at.desc(), Event.id.desc())
            .limit(200)
        ).all()
        triggers = [t for e in recent if (t := detect_trigger(session, e))]
        # The strongest recent signal wins: high intent first, else the latest trigger.
        trigger = next((t for t in triggers if t["high_intent"]), triggers[0] if triggers else None)
        if trigger is None:
            purpose = _STAGE_PURPOSE.get(lead.stage, "problem_context")
            trigger = {
                "name": "manual",
                "playbook": "manual",
                "purpose": purpose,
                "high_intent": False,
                "event_id": None,
                "step": None,
                "sequence": None,
                "description": f"requested by a rep for a {lead.stage}-stage lead",
                "thread_id": f"lead-{lead_id}:manual:{datetime.now(UTC):%Y-%m-%d}",
            }
    return run_thread(rt, _initial(lead_id, trigger))


def run_review(
    rt: Runtime,
    draft_id: int,
    action: ReviewAction,
    actor: str,
    *,
    subject: str | None = None,
    body: str | None = None,
    reason: str | None = None,
    instruction: str | None = None,
) -> ReviewOutcome:
    """resume_review on an open Runtime: authorize, compare-and-set, then resume the thread."""
    if action not in ("approve", "edit", "reject", "regenerate"):
        raise ValueError(f"unknown review action {action!r}")
    if action == "edit" and not ((subject or "").strip() or (body or "").strip()):
        raise ValueError("edit needs a new subject or body")
    if action == "regenerate" and not (instruction or "").strip():
        raise ValueError("regenerate needs an instruction for the new revision")
    with rt.sessions() as session:
        draft = get_draft(session, draft_id)
        rep = authorize(session, session.get(Lead, draft.lead_id), actor)
        applied = review(
            session,
            draft,
            action,
            rep.email,
            subject=subject,
            body=body,
            reason=reason,
            instruction=instruction,
        )
    resume_if_waiting(rt, draft)
    return review_outcome(rt, draft_id, applied)
