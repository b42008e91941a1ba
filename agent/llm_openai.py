"""OpenAIClient: the ModelClient over any OpenAI-compatible server, with its own counted retries."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

import openai
import pydantic
from pydantic import BaseModel

from agent.llm import (
    EMBEDDING_DIM,
    CallRecord,
    CallRecorder,
    ModelUnavailable,
    StructuredResult,
    ToolCall,
    Usage,
    decode_arguments,
)
from core.llm_settings import LLMSettings

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")

DEFAULT_BASE_URL = "https://api.openai.com/v1"
EMBED_BATCH = 256  # well under the API's 2,048 inputs per request
RETRYABLE_STATUS = frozenset({408, 409, 429})  # plus every 5xx
MAX_RETRY_AFTER = 30.0  # seconds; a longer Retry-After means "fall back now", not "wait"


class OpenAIClient:
    """ModelClient over the openai SDK: typed JSON-schema output, tools, embeddings, backoff."""

    backend = "openai"

    def __init__(
        self,
        settings: LLMSettings,
        *,
        recorder: CallRecorder | None = None,
        http_client: Any = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        base_delay: float = 0.5,
        max_delay: float = 8.0,
    ) -> None:
        self.settings = settings
        self.recorder = recorder or CallRecorder()
        self.max_retries = settings.llm_max_retries
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._base_delay = base_delay
        self._max_delay = max_delay
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
        # max_retries=0: the SDK's hidden retries would make attempts uncountable and untestable.
        self._sdk = openai.OpenAI(
            api_key=key,
            base_url=settings.openai_base_url or DEFAULT_BASE_URL,
            timeout=settings.llm_timeout,
            max_retries=0,
            http_client=http_client,
        )

    def structured(
        self,
        purpose: str,
        messages: list[dict],
        schema: type[T],
        *,
        tools: list[dict] | None = None,
    ) -> StructuredResult[T]:
        """Ask for a `schema` object (strict json_schema) or, when tools are given, tool calls."""
        model = self.settings.model_for(purpose)
        request: dict[str, Any] = {"model": model, "messages": messages, "response_format": schema}
        if tools:
            request["tools"] = tools
            # Strict schemas are not guaranteed for parallel calls, so ask for one at a time.
            request["parallel_tool_calls"] = False
        started = time.perf_counter()
        completion, attempts = self._send(
            purpose, model, "chat", started, lambda: self._sdk.chat.completions.parse(**request)
        )
        usage = _chat_usage(completion)
        message = completion.choices[0].message
        tool_calls = [
            ToolCall(
                id=call.id,
                name=call.function.name,
                arguments=decode_arguments(call.function.arguments),
            )
            for call in message.tool_calls or []
            if getattr(call, "type", "function") == "function"
        ]
        error = None
        if message.refusal:
            error = f"refusal: {message.refusal}"
        elif message.parsed is None and not tool_calls:
            error = "empty_output: neither a parsed object nor a tool call"
        self._record(purpose, completion.model, "chat", usage, started, attempts, error)
        if error:
            raise ModelUnavailable(error, purpose=purpose, attempts=attempts)
        return StructuredResult(
            parsed=message.parsed,
            tool_calls=tool_calls,
            usage=usage,
            model=completion.model,
            backend=self.backend,
            attempts=attempts,
            latency_ms=_elapsed_ms(started),
        )

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Embed texts with the configured embedding model at 384 dimensions, in batches."""
        model = self.settings.embedding_model
        vectors: list[list[float]] = []
        for start in range(0, len(texts), EMBED_BATCH):
            # The API rejects empty strings; a single space embeds as "nothing" instead.
            batch = [text if text.strip() else " " for text in texts[start : start + EMBED_BATCH]]
            started = time.perf_counter()
            response, attempts = self._send(
                "embed",
                model,
                "embed",
                started,
                lambda batch=batch: self._sdk.embeddings.create(
                    model=model, input=batch, dimensions=EMBEDDING_DIM, encoding_format="float"
                ),
            )
            usage = Usage(
                prompt_tokens=response.usage.prompt_tokens,
                total_tokens=response.usage.total_tokens,
            )
            rows = [item.embedding for item in sorted(response.data, key=lambda item: item.index)]
            error = _embedding_shape_error(rows, len(batch))
            self._record("embed", response.model, "embed", usage, started, attempts, error)
            if error:
                raise ModelUnavailable(error, purpose="embed", attempts=attempts)
            vectors.extend(rows)
        return vectors

    def _send(
        self, purpose: str, model: str, kind: str, started: float, call: Callable[[], R]
    ) -> tuple[R, int]:
        """Run `call`, retrying transient failures with backoff; finally raise ModelUnavailable."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return call(), attempt
            except (openai.OpenAIError, pydantic.ValidationError) as exc:
                transient = is_transient(exc)
                if transient and attempt <= self.max_retries:
                    delay = self.retry_delay(attempt, exc)
                    log.warning(
                        "model call %s failed (%s), retry %d/%d in %.2fs",
                        purpose,
                        describe_failure(exc),
                        attempt,
                        self.max_retries,
                        delay,
                    )
                    self._sleep(delay)
                    continue
                reason = describe_failure(exc)
                if transient:
                    reason = f"{reason} after {attempt} attempts"
                self._record(purpose, model, kind, _failed_usage(exc), started, attempt, reason)
                raise ModelUnavailable(reason, purpose=purpose, attempts=attempt) from exc

    def retry_delay(self, attempt: int, exc: BaseException | None = None) -> float:
        """Exponential backoff with equal jitter, raised to honour a short Retry-After header."""
        ceiling = min(self._max_delay, self._base_delay * 2 ** (attempt - 1))
        delay = ceiling / 2 + self._rng.random() * ceiling / 2
        retry_after = _retry_after_seconds(exc)
        if retry_after is not None:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
        return delay

    def _record(
        self,
        purpose: str,
        model: str,
        kind: str,
        usage: Usage,
        started: float,
        attempts: int,
        error: str | None,
    ) -> None:
        """Send one CallRecord to the recorder's hooks."""
        self.recorder.record(
            CallRecord(
                purpose=purpose,
                model=model,
                backend=self.backend,
                kind="embed" if kind == "embed" else "chat",
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                cached_tokens=usage.cached_tokens,
                latency_ms=_elapsed_ms(started),
                attempts=attempts,
                ok=error is None,
                error=error,
            )
        )


def is_transient(exc: BaseException) -> bool:
    """Retry 408, 409, 429 (not an exhausted quota), 5xx, timeouts and connection errors."""
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        if exc.code == "insufficient_quota":
            return False
        return exc.status_code in RETRYABLE_STATUS or exc.status_code >= 500
    return False


def describe_failure(exc: BaseException) -> str:
    """A short, log-safe reason for a failed call (never the request body or the key)."""
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connection_error"
    if isinstance(exc, openai.APIStatusError):
        label = "quota_exhausted" if exc.code == "insufficient_quota" else f"http_{exc.status_code}"
        return f"{label}: {exc.message[:200]}"
    if isinstance(exc, openai.LengthFinishReasonError):
        return "length: the answer hit the token limit before the JSON was complete"
    if isinstance(exc, openai.ContentFilterFinishReasonError):
        return "content_filter: the provider's filter stopped the answer"
    if isinstance(exc, pydantic.ValidationError):
        return f"invalid_output: {exc.error_count()} schema error(s)"
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def _retry_after_seconds(exc: BaseException | None) -> float | None:
    """Seconds from a Retry-After-Ms or numeric Retry-After response header, if any."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    for header, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = response.headers.get(header)
        try:
            return float(value) / scale if value is not None else None
        except ValueError:
            continue
    return None


def _chat_usage(completion: Any) -> Usage:
    """Usage from a chat completion; servers that omit usage count as zero."""
    usage = getattr(completion, "usage", None)
    if usage is None:
        return Usage()
    details = usage.prompt_tokens_details
    return Usage(
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens,
        cached_tokens=(details.cached_tokens or 0) if details else 0,
    )


def _failed_usage(exc: BaseException) -> Usage:
    """Tokens still billed for a failed call (a truncated or filtered answer), else zero."""
    completion = getattr(exc, "completion", None)
    return _chat_usage(completion) if completion is not None else Usage()


def _embedding_shape_error(rows: list[list[float]], expected: int) -> str | None:
    """Why an embeddings answer is unusable (wrong count or dimension), or None."""
    if len(rows) != expected:
        return f"embedding_count: asked for {expected}, got {len(rows)}"
    wrong = next((len(row) for row in rows if len(row) != EMBEDDING_DIM), None)
    if wrong is not None:
        return f"embedding_dim: got {wrong}, need {EMBEDDING_DIM} (is `dimensions` supported?)"
    return None


def _elapsed_ms(started: float) -> float:
    """Milliseconds since a perf_counter() reading."""
    return round((time.perf_counter() - started) * 1000, 1)
