"""Node: alert the owner rep (high-intent playbook, or when the chosen action is an alert)."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig

from agent.runtime import runtime_of
from tools.escalations import escalate


def alert_owner(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """One high-intent escalation per thread (idempotent by its dedupe key)."""
    trigger, score = state["trigger"], state["score"]
    with runtime_of(config).sessions() as session:
        escalate(
            session,
            kind="high_intent",
            lead_id=state["lead_id"],
            dedupe_key=f"high_intent:{state['thread_id']}",
            summary=f"{trigger['description']}; score {score['score']} ({score['tier']})",
            payload={"top_reasons": score["top_reasons"], "action": state["action"]},
        )
    return {}
