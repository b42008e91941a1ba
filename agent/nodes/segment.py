"""Node: the segments the lead belongs to (tools.agent_tools.lookup_segment)."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig

from agent.runtime import runtime_of
from tools.agent_tools import lookup_segment


def segment(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """Segment names, for the brief and the action choice."""
    with runtime_of(config).sessions() as session:
        return {"segments": lookup_segment(session, state["lead_id"])}
