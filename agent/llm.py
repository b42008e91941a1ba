"""The one model seam: the ModelClient protocol, result types, call recording and the factory."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

if TYPE_CHECKING:
    from core.llm_settings import LLMSettings

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

EMBEDDING_DIM = 384  # one vector column serves every embedder (lexical, OpenAI, MiniLM)


class ModelUnavailable(Exception):
    """The model could not produce an answer; the caller falls back offline for this item."""

    def __init__(self, reason: str, *, purpose: str = "", attempts: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.purpose = purpose
        self.attempts = attempts


@dataclass(frozen=True)
class Usage:
    """Token usage of one call; cached_tokens is the part of the prompt served from cache."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int = 0


@dataclass(frozen=True)
class ToolCall:
    """One function call the model asked for, with its JSON arguments decoded."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class StructuredResult(Generic[T]):
    """A typed answer: the parsed schema object, or the tool calls the model chose instead."""

    parsed: T | None
    tool_calls: list[ToolCall]
    usage: Usage
    model: str
    backend: str
    attempts: int
    latency_ms: float = 0.0


@dataclass(frozen=True)
class CallRecord:
    """What one model call cost and how it ended (persisted by whoever subscribes)."""

    purpose: str
    model: str
    backend: str
    kind: Literal["chat", "embed"]
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    latency_ms: float
    attempts: int
    ok: bool
    error: str | None = None
    at: float = field(default_factory=time.time)


CallHook = Callable[[CallRecord], None]


class CallRecorder:
    """Fans each CallRecord out to in-process hooks; a failing hook never fails the model call."""

    def __init__(self, hooks: list[CallHook] | None = None) -> None:
        self.hooks: list[CallHook] = list(hooks or [])

    def subscribe(self, hook: CallHook) -> None:
        """Add a hook that receives every later CallRecord."""
        self.hooks.append(hook)

    def record(self, record: CallRecord) -> None:
        """Deliver one record to every hook."""
        for hook in self.hooks:
            try:
                hook(record)
            except Exception:  # accounting must not turn a good answer into a failure
                log.exception("call recorder hook %r failed", hook)


@runtime_checkable
class ModelClient(Protocol):
    """What the agent needs from a language model: typed answers and 384-d embeddings."""

    backend: str

    def structured(
        self,
        purpose: str,
        messages: list[dict],
        schema: type[T],
        *,
        tools: list[dict] | None = None,
    ) -> StructuredResult[T]:
        """Answer `messages` as an instance of `schema`, or with tool calls when tools are given."""
        ...

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Embed each text as an EMBEDDING_DIM (384) vector."""
        ...


def tool_spec(name: str, description: str, parameters: type[BaseModel]) -> dict:
    """A strict function-tool definition whose arguments follow a pydantic model's JSON schema."""
    from openai import pydantic_function_tool  # the SDK's own strict-schema rules, loaded lazily

    function = pydantic_function_tool(parameters, name=name, description=description)["function"]
    return {"type": "function", "function": dict(function)}


def decode_arguments(raw: str | None) -> dict[str, Any]:
    """Decode a tool call's JSON arguments; anything that is not a JSON object becomes {}."""
    try:
        value = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def get_client(
    settings: LLMSettings | None = None,
    *,
    recorder: CallRecorder | None = None,
    **client_options: Any,
) -> ModelClient | None:
    """The configured ModelClient, or None when no API key is set (the offline backend)."""
    if settings is None:
        from core.llm_settings import LLMSettings

        settings = LLMSettings()
    if settings.backend != "openai":
        return None
    from agent.llm_openai import OpenAIClient  # imported here so importing the seam stays cheap

    return OpenAIClient(settings, recorder=recorder, **client_options)
