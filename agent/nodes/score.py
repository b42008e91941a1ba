"""Node: score the lead from its trail (tools.agent_tools.score_lead)."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig

from agent.runtime import runtime_of
from tools.agent_tools import score_lead


def score(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """The lead's score, tier, buying stage and top reasons."""
    with runtime_of(config).sessions() as session:
        return {"score": score_lead(session, state["lead_id"]).as_dict()}
