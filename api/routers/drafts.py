"""Draft review endpoints: list and read drafts; approve, edit, reject or regenerate one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from agent.entry import DraftNotFound, NotAllowed, run_review
from agent.runtime import Runtime, open_runtime
from api.deps import SessionDep
from core.models import Draft
from tools.drafts import get_draft, list_drafts

router = APIRouter(prefix="/v1/drafts", tags=["drafts"])
Status = Literal[
    "pending", "approved", "edited", "rejected", "regenerated", "queued", "sent", "failed", "held"
]


def agent_runtime(request: Request) -> Iterator[Runtime]:
    """An agent Runtime on the app's database, for one request."""
    with open_runtime(request.app.state.db) as runtime:
        yield runtime


RuntimeDep = Annotated[Runtime, Depends(agent_runtime)]


class ReviewIn(BaseModel):
    """Who acts: a rep's email or Slack user id (the lead's owner or an approver)."""

    actor: str = Field(min_length=1, max_length=200)


class EditIn(ReviewIn):
    """The rep's edited subject and/or body."""

    subject: str | None = Field(None, max_length=200)
    body: str | None = Field(None, max_length=10_000)


class RejectIn(ReviewIn):
    """Why the draft should not be sent."""

    reason: str | None = Field(None, max_length=2_000)


class RegenerateIn(ReviewIn):
    """What the next revision should do differently."""

    instruction: str = Field(min_length=1, max_length=2_000)


def draft_view(draft: Draft) -> dict[str, Any]:
    """A draft as JSON: text, citations, brief and review state."""
    fields = (
        "id",
        "lead_id",
        "thread_id",
        "revision",
        "status",
        "trigger",
        "sequence",
        "step",
        "purpose",
        "subject",
        "body",
        "sentences",
        "citations",
        "brief",
        "verification",
        "backend",
        "model",
        "prompt_version",
        "fallback_reason",
        "original_body",
        "edit_distance",
        "reject_reason",
        "instruction",
        "reviewer",
        "created_at",
    )
    return {name: getattr(draft, name) for name in fields}


@router.get("")
def drafts(
    session: SessionDep, status: Status | None = "pending", limit: int = Query(50, ge=1, le=500)
) -> dict:
    """Drafts in a status (pending by default), oldest pending first."""
    return {"items": [draft_view(d) for d in list_drafts(session, status, limit)]}


@router.get("/{draft_id}")
def draft(draft_id: int, session: SessionDep) -> dict:
    """One draft with its brief and citations."""
    try:
        return draft_view(get_draft(session, draft_id))
    except DraftNotFound as exc:
        raise HTTPException(404, detail=f"no draft {draft_id}") from exc


def _review(runtime: Runtime, draft_id: int, action: str, payload: dict[str, Any]) -> dict:
    """Run a review; 403 not allowed, 404 unknown, 409 no longer pending."""
    try:
        outcome = run_review(runtime, draft_id, action, **payload)
    except NotAllowed as exc:
        raise HTTPException(403, detail=str(exc)) from exc
    except DraftNotFound as exc:
        raise HTTPException(404, detail=f"no draft {draft_id}") from exc
    except ValueError as exc:
        raise HTTPException(400, detail=str(exc)) from exc
    if not outcome.applied:
        raise HTTPException(409, detail={"error": "not_pending", **asdict(outcome)})
    return asdict(outcome)


@router.post("/{draft_id}/approve")
def approve(draft_id: int, body: ReviewIn, runtime: RuntimeDep) -> dict:
    """Approve as written: the email is queued for sending."""
    return _review(runtime, draft_id, "approve", body.model_dump())


@router.post("/{draft_id}/edit")
def edit(draft_id: int, body: EditIn, runtime: RuntimeDep) -> dict:
    """Approve with edits: the original is kept and the edit distance recorded."""
    return _review(runtime, draft_id, "edit", body.model_dump())


@router.post("/{draft_id}/reject")
def reject(draft_id: int, body: RejectIn, runtime: RuntimeDep) -> dict:
    """Reject with a reason: nothing is sent."""
    return _review(runtime, draft_id, "reject", body.model_dump())


@router.post("/{draft_id}/regenerate")
def regenerate(draft_id: int, body: RegenerateIn, runtime: RuntimeDep) -> dict:
    """Ask for a new revision following an instruction."""
    return _review(runtime, draft_id, "regenerate", body.model_dump())
