"""Node: hand an approved or edited draft to the outbox (tools.outbox.enqueue)."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig

from agent.runtime import runtime_of
from core.models import Draft
from tools.outbox import enqueue


def hand_off(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """Queue the email once; a lead suppressed since drafting gets the draft held instead."""
    rt = runtime_of(config)
    with rt.sessions() as session:
        row = session.get(Draft, state["draft_id"])
        queued = enqueue(session, row, rt.settings)
        return {"outbox_id": queued.id if queued else None, "status": row.status}
