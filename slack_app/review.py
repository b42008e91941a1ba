"""The Slack side of a review: check who clicks, then resume the agent through resume_review."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from core.db import Database
from core.models import Draft
from slack_app.access import may_act_on_lead
from slack_app.loaders import reviewer_handle
from slack_app.threads import run_db


class AgentUnavailable(RuntimeError):
    """agent/entry.py is not installed in this build, so drafts cannot be reviewed yet."""


@dataclass(frozen=True)
class Verdict:
    """What came of a click: done, refused, decided (already), missing, invalid or unavailable."""

    result: str
    status: str | None = None
    outcome: Any = None
    reviewer: str | None = None
    note: str | None = None

    @property
    def new_draft_id(self) -> int | None:
        """The replacement draft a regenerate produced, if any."""
        return getattr(self.outcome, "new_draft_id", None)


def agent_entry() -> tuple[Any, type[Exception]]:
    """(resume_review, NotAllowed) from agent.entry, imported lazily (it is heavy)."""
    if importlib.util.find_spec("agent.entry") is None:
        raise AgentUnavailable("agent/entry.py is not available")
    entry = importlib.import_module("agent.entry")
    return entry.resume_review, entry.NotAllowed


def precheck(session: Session, draft_id: int, slack_user_id: str) -> Verdict | None:
    """Refuse strangers and report drafts already decided; None means go ahead."""
    draft = session.get(Draft, draft_id)
    if draft is None:
        return Verdict("missing")
    if not may_act_on_lead(session, slack_user_id, draft.lead_id):
        return Verdict("refused", draft.status)
    if draft.status != "pending":
        return Verdict("decided", draft.status, reviewer=_reviewer(session, draft_id))
    return None


async def review(
    db: Database, draft_id: int, action: str, slack_user_id: str, **details: Any
) -> Verdict:
    """Check the clicker, then call resume_review off the event loop (a second click is a no-op)."""
    verdict = await run_db(db, precheck, draft_id, slack_user_id)
    if verdict is not None:
        return verdict
    try:
        resume_review, not_allowed = agent_entry()
    except AgentUnavailable:
        return Verdict("unavailable", "pending")
    kwargs = {k: v for k, v in details.items() if v is not None}
    try:
        outcome = await asyncio.to_thread(
            resume_review, db, draft_id, action, slack_user_id, **kwargs
        )
    except not_allowed:
        return Verdict("refused", "pending")
    except ValueError as exc:  # e.g. regenerate without an instruction
        return Verdict("invalid", "pending", note=str(exc))
    status = getattr(outcome, "status", None)
    if getattr(outcome, "applied", True) is False:  # someone else's click won the race
        return Verdict("decided", status, outcome, reviewer=await run_db(db, _reviewer, draft_id))
    return Verdict("done", status, outcome)


def _reviewer(session: Session, draft_id: int) -> str | None:
    draft = session.get(Draft, draft_id)
    return reviewer_handle(session, draft.reviewer) if draft else None
