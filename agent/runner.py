"""Run, resume and report graph threads on a Runtime (the entry points open the Runtime)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langgraph.types import Command
from sqlalchemy import select

from agent.batch import review_state
from agent.graph import build_graph
from agent.runtime import Runtime
from core.models import Draft, Outbox

RESUMABLE = {
    "approved": "approve",
    "edited": "edit",
    "rejected": "reject",
    "regenerated": "regenerate",
}


@dataclass(frozen=True)
class DraftOutcome:
    """What a run produced: the draft awaiting approval (if any) and how it was written.

    status is the draft's status ("pending", "queued"...), or, with no draft, "suppressed",
    "wait", "alert_owner" or "none".
    """

    draft_id: int | None
    status: str
    lead_id: int
    thread_id: str
    backend: str | None
    fallback_reason: str | None


@dataclass(frozen=True)
class ReviewOutcome:
    """The result of a review: the draft's status now, its outbox row, a new revision's id."""

    draft_id: int
    status: str
    outbox_id: int | None
    new_draft_id: int | None
    message: str
    applied: bool = True  # False when the draft was no longer pending (e.g. a second click)


def graph_of(rt: Runtime):
    """The graph compiled on this runtime's checkpointer (compiling costs ~40 ms: do it once)."""
    if rt.graph is None:
        rt.graph = build_graph(rt.checkpointer)
    return rt.graph


def run_thread(rt: Runtime, initial: dict[str, Any]) -> DraftOutcome:
    """Start a thread, or finish one a crash interrupted; a waiting or done thread is reported."""
    graph = graph_of(rt)
    config = rt.config(initial["thread_id"])
    snapshot = graph.get_state(config)
    if not snapshot.values:
        graph.invoke(initial, config)
    elif snapshot.next and not snapshot.interrupts:
        graph.invoke(None, config)
    return outcome(rt, graph.get_state(config).values)


def outcome(rt: Runtime, values: dict[str, Any]) -> DraftOutcome:
    """A DraftOutcome from a thread's state (the draft row has the authoritative status)."""
    status = "suppressed" if values.get("suppressed") else values["action"]["name"]
    draft_id = values.get("draft_id")
    if draft_id:
        with rt.sessions() as session:
            status = session.get(Draft, draft_id).status
    return DraftOutcome(
        draft_id,
        status,
        values["lead_id"],
        values["thread_id"],
        values.get("backend"),
        values.get("fallback_reason"),
    )


def resume_if_waiting(rt: Runtime, draft: Draft) -> None:
    """Resume the thread when it still waits on this draft and the row holds a decision.

    Reading the decision from the row (not from the caller) makes a resume after a crash between
    the compare-and-set and the resume replay the same decision. A draft made by the batch path
    has no checkpoint yet: its thread starts here, as if it had just stored that draft.
    """
    if draft.status not in RESUMABLE:
        return
    graph = graph_of(rt)
    config = rt.config(draft.thread_id)
    snapshot = graph.get_state(config)
    if not snapshot.values:
        seeded = review_state(rt, draft)
        if seeded is None:
            return
        graph.update_state(config, seeded, as_node="store_draft")
        snapshot = graph.get_state(config)
    if snapshot.next and not snapshot.interrupts:  # a crash after the resume, or a new thread
        graph.invoke(None, config)
        snapshot = graph.get_state(config)
    if any((i.value or {}).get("draft_id") == draft.id for i in snapshot.interrupts):
        decision = {
            "action": RESUMABLE[draft.status],
            "draft_id": draft.id,
            "instruction": draft.instruction,
        }
        graph.invoke(Command(resume=decision), config)


def review_outcome(rt: Runtime, draft_id: int, applied: bool) -> ReviewOutcome:
    """The draft's state after a review, with its outbox row or its next revision."""
    with rt.sessions() as session:
        row = session.get(Draft, draft_id)
        outbox_id = session.scalar(select(Outbox.id).where(Outbox.draft_id == draft_id))
        new_id = (
            session.scalar(
                select(Draft.id).where(
                    Draft.thread_id == row.thread_id, Draft.revision == row.revision + 1
                )
            )
            if row.status == "regenerated"
            else None
        )
        status = row.status
        held = (row.brief or {}).get("held")
    prefix = "" if applied else "already reviewed: "
    message = {
        "queued": f"queued for sending (outbox {outbox_id})",
        "held": f"held: {held}",
        "rejected": "rejected",
        "regenerated": f"regenerated as draft {new_id}",
        "pending": "still pending",
    }.get(status, status)
    return ReviewOutcome(draft_id, status, outbox_id, new_id, prefix + message, applied)
