"""The one reply-classification entry: the LLM with an offline cross-check when a key is set.

Without an API key every reply is classified offline (rules, model, precedence, extraction).
With one, the offline result is computed first (it carries the rules' verdict), the LLM is asked,
and `agent.classify_llm.reconcile` merges both. When the model is unavailable the offline result
is used and the fallback is noted in the rationale and in `ClassifyRun.fallback_reason`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from agent.classify_llm import ask_llm, reconcile
from agent.llm import ModelClient, ModelUnavailable, get_client
from core.llm_settings import LLMSettings
from tools.classify import classify_batch
from tools.reply_schema import ReplyClassification, ReplyInput

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClassifyRun:
    """One reply's final classification and how it was reached."""

    classification: ReplyClassification
    backend: str  # "offline" or "llm"
    model: str | None = None
    offline_label: str | None = None
    fallback_reason: str | None = None

    @property
    def classifier(self) -> str:
        """A short name for the replies.classifier column: 'offline', 'llm:<model>', ..."""
        if self.backend == "llm":
            return f"llm:{self.model}"
        return "offline (llm unavailable)" if self.fallback_reason else "offline"


def _client(settings: LLMSettings | None, client: ModelClient | None) -> ModelClient | None:
    """The given client, else the configured one (None when no key is set: offline)."""
    if client is not None:
        return client
    return get_client(settings or LLMSettings())


def classify_runs(
    replies: Sequence[ReplyInput],
    *,
    settings: LLMSettings | None = None,
    client: ModelClient | None = None,
    lead_timezone: str = "unknown",
) -> list[ClassifyRun]:
    """Classify replies in order: offline in one batch, then the LLM per reply when configured."""
    if not replies:
        return []
    offline = classify_batch(list(replies))
    model_client = _client(settings, client)
    if model_client is None:
        return [ClassifyRun(result, "offline", offline_label=result.label) for result in offline]
    runs = []
    for reply, fallback in zip(replies, offline, strict=True):
        try:
            llm, model = ask_llm(model_client, reply, lead_timezone=lead_timezone)
        except ModelUnavailable as exc:
            log.warning("reply %s: model unavailable (%s), offline result used", reply.id, exc)
            noted = fallback.model_copy(
                update={"rationale": f"{fallback.rationale}; LLM unavailable ({exc.reason})"}
            )
            runs.append(ClassifyRun(noted, "offline", None, fallback.label, exc.reason))
            continue
        runs.append(ClassifyRun(reconcile(fallback, llm), "llm", model, fallback.label))
    return runs


def classify_reply(
    reply: ReplyInput,
    *,
    settings: LLMSettings | None = None,
    client: ModelClient | None = None,
) -> ReplyClassification:
    """Classify one reply: LLM with offline cross-check when a key is set, else offline."""
    return classify_runs([reply], settings=settings, client=client)[0].classification


def classify_replies(
    replies: Sequence[ReplyInput],
    *,
    settings: LLMSettings | None = None,
    client: ModelClient | None = None,
) -> list[ReplyClassification]:
    """Classify many replies, results in input order (offline ones in one vectorised batch)."""
    runs = classify_runs(replies, settings=settings, client=client)
    return [run.classification for run in runs]
