"""Node: wait for a human decision on the draft (interrupt); nothing here has side effects."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.types import interrupt


def request_approval(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """Pause until resume_review; on regenerate, set up the next revision."""
    # This node re-runs from the top on resume: only interrupt() and pure state updates here.
    decision = interrupt(
        {
            "draft_id": state["draft_id"],
            "lead_id": state["lead_id"],
            "thread_id": state["thread_id"],
        }
    )
    update: dict[str, Any] = {"review": decision}
    if decision.get("action") == "regenerate":
        update |= {
            "revision": state.get("revision", 1) + 1,
            "instruction": decision.get("instruction"),
            "attempts": 0,
            "errors": [],
            "fallback_reason": None,
            "prompt_tokens": 0,
        }
    return update
