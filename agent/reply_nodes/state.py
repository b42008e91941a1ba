"""The reply graph's state (plain JSON values) and the handles its nodes get through config."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, TypedDict

from langchain_core.runnables import RunnableConfig
from sqlalchemy.orm import Session

from agent.llm import ModelClient
from core.llm_settings import LLMSettings


class ReplyState(TypedDict, total=False):
    """What one reply run knows; nodes return the keys they change."""

    reply_id: int
    status: str  # loaded | missing | handled_before | acted
    lead_id: int | None
    lead_timezone: str
    reply: dict[str, Any]  # a ReplyInput dump: the untrusted text and its headers
    classification: dict[str, Any]  # a ReplyClassification dump
    classifier: str
    fallback_reason: str | None
    action: str | None
    action_result: dict[str, Any]


@dataclass
class ReplyRuntime:
    """Sessions and model settings for one caller; nodes read it from the run config."""

    sessions: Callable[[], AbstractContextManager[Session]]
    settings: LLMSettings | None = None
    client: ModelClient | None = None

    def config(self, reply_id: int) -> dict[str, Any]:
        """The run config: a thread id from the reply id, and this runtime."""
        return {"configurable": {"thread_id": f"reply-{reply_id}", "reply_runtime": self}}


def reply_runtime(config: RunnableConfig) -> ReplyRuntime:
    """The ReplyRuntime a node was given."""
    return config["configurable"]["reply_runtime"]
