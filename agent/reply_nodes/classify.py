"""Node: classify the reply with the configured backend (agent.classify, the shared entry)."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig

from agent.classify import classify_runs
from agent.reply_nodes.state import reply_runtime
from tools.reply_schema import ReplyInput


def classify(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """Label the reply (LLM with offline cross-check when a key is set, else offline)."""
    rt = reply_runtime(config)
    reply = ReplyInput.model_validate(state["reply"])
    [run] = classify_runs([reply], settings=rt.settings, client=rt.client,
                          lead_timezone=state.get("lead_timezone", "unknown"))  # fmt: skip
    return {
        "classification": run.classification.model_dump(mode="json"),
        "classifier": run.classifier,
        "fallback_reason": run.fallback_reason,
    }
