"""Node: close a rejected draft's thread (the reason is on the draft row and the timeline)."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig


def record_rejection(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """Mark the run rejected; resume_review already stored the reason with the decision."""
    return {"status": "rejected", "outbox_id": None}
