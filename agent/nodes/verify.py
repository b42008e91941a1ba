"""Node: check the draft against the facts it was given (agent.verify.verify_draft)."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig

from agent.draft_schema import Draft
from agent.nodes.draft import facts_of
from agent.runtime import runtime_of
from agent.verify import verify_draft
from core.agent_settings import AgentSettings


def verify(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """The verification errors (empty when the draft may go to review)."""
    return {"errors": check_draft(state, runtime_of(config).settings)}


def check_draft(state: dict[str, Any], settings: AgentSettings) -> list[str]:
    """verify_draft on the state's draft and facts, as text (the batch path calls this too)."""
    request = state["request"]
    errors = verify_draft(
        Draft(**state["draft"]),
        {fact.fact_id: fact for fact in facts_of(state)},
        stage=request["stage"],
        lead_first_name=state["context"].get("first_name"),
        sender_name=request["sender_name"],
        product_name=request["product_name"],
        max_body_chars=settings.max_body_chars,
    )
    return [str(error) for error in errors]
