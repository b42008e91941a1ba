"""Node: save the verified draft as a pending row with its brief, and announce it."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig

from agent.brief import build_brief
from agent.call_log import link_calls
from agent.draft_schema import Draft
from agent.runtime import runtime_of
from tools.drafts import create_draft


def draft_values(state: dict[str, Any]) -> dict[str, Any]:
    """The draft row's columns from the state (the batch path inserts these in bulk)."""
    trigger = state["trigger"]
    written = Draft(**state["draft"])
    return {
        "lead_id": state["lead_id"],
        "thread_id": state["thread_id"],
        "revision": state.get("revision", 1),
        "trigger": trigger["name"],
        "trigger_event_id": trigger.get("event_id"),
        "sequence": trigger.get("sequence"),
        "step": trigger.get("step"),
        "purpose": trigger["purpose"],
        "subject": written.subject,
        "body": written.body,
        "sentences": [s.model_dump() for s in written.sentences],
        "citations": written.cited_fact_ids,
        "brief": build_brief(state),
        "verification": state.get("errors", []),
        "backend": state.get("backend", "offline"),
        "model": state.get("model"),
        "prompt_version": state.get("prompt_version"),
        "fallback_reason": state.get("fallback_reason"),
        "instruction": state.get("instruction"),
    }


def store_draft(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """One row per thread revision (a re-run finds the same row); calls linked to it."""
    with runtime_of(config).sessions() as session:
        row = create_draft(session, **draft_values(state))
        link_calls(session, state.get("llm_call_ids", []), row.id)
        draft_id = row.id
    return {"draft_id": draft_id, "status": "pending", "llm_call_ids": []}
