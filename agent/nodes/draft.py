"""Node: write the draft with the model (one corrective retry), else with the offline drafter."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from langchain_core.runnables import RunnableConfig

from agent.call_log import persist_calls
from agent.draft_schema import Draft, Fact
from agent.drafting import (
    MAX_MODEL_ATTEMPTS,
    draft_messages,
    estimate_tokens,
    fix_messages,
    prompt_version,
    revise_messages,
)
from agent.llm import ModelUnavailable
from agent.offline_draft import offline_draft, template_version
from agent.runtime import runtime_of
from core.agent_settings import AgentSettings

FACT_FIELDS = ("fact_id", "text", "source", "occurred_at", "kind")


def facts_of(state: dict[str, Any]) -> list[Fact]:
    """The retrieved facts as the typed objects the prompt and the verifier use."""
    return [Fact(**{k: f[k] for k in FACT_FIELDS}) for f in state.get("facts", [])]


def _model_messages(state: dict[str, Any], facts: list[Fact]) -> list[dict]:
    """First try, corrective retry (with the errors) or revision (with the rep's instruction)."""
    messages = draft_messages(state["request"], facts)
    previous = Draft(**state["draft"]) if state.get("draft") else None
    if previous and state.get("errors") and state.get("attempts", 0) >= 1:
        return fix_messages(messages, previous, state["errors"])
    if previous and state.get("instruction"):
        return revise_messages(messages, previous, state["instruction"])
    return messages


def draft(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """A Draft dump plus how it was made (backend, model, prompt version, fallback reason)."""
    rt = runtime_of(config)
    facts = facts_of(state)
    attempts = state.get("attempts", 0)
    fallback = state.get("fallback_reason")
    tokens = state.get("prompt_tokens", 0)
    if rt.client is not None and not fallback:
        if state.get("errors") and attempts >= MAX_MODEL_ATTEMPTS:
            codes = sorted({e.rsplit("[", 1)[-1].rstrip("]") for e in state["errors"]})
            fallback = f"model draft failed verification {attempts} times ({', '.join(codes)})"
        else:
            messages = _model_messages(state, facts)
            try:
                result = rt.client.structured("draft", messages, Draft)
                update = {
                    "draft": result.parsed.model_dump(),
                    "backend": "openai",
                    "fallback_reason": None,
                    "model": result.model,
                    "attempts": attempts + 1,
                    "prompt_version": prompt_version("draft_email"),
                    "prompt_tokens": tokens + result.usage.prompt_tokens,
                }
            except ModelUnavailable as exc:
                fallback = f"model unavailable: {exc.reason}"
                update = {}
            with rt.sessions() as session:
                ids = persist_calls(session, rt.take_calls())
            if update:
                return update | {"llm_call_ids": [*state.get("llm_call_ids", []), *ids]}
            state = {**state, "llm_call_ids": [*state.get("llm_call_ids", []), *ids]}
    return offline_update(state, rt.settings, fallback, tokens, estimate=rt.client is None)


@lru_cache(maxsize=1)
def _draft_schema() -> dict[str, Any]:
    """The Draft JSON schema sent with draft prompts (built once)."""
    return Draft.model_json_schema()


def offline_update(
    state: dict[str, Any],
    settings: AgentSettings,
    fallback: str | None,
    tokens: int,
    *,
    estimate: bool,
) -> dict[str, Any]:
    """The offline drafter's state update (the batch path calls this too)."""
    trigger, ctx = state["trigger"], state["context"]
    facts = facts_of(state)
    written = offline_draft(
        facts,
        purpose=trigger["purpose"],
        stage=state["score"]["stage"],
        first_name=ctx.get("first_name"),
        trigger_fact_id=f"ev-{trigger['event_id']}" if trigger.get("event_id") else None,
        revision=state.get("revision", 1),
        docs=state.get("docs"),
        max_body_chars=settings.max_body_chars,
    )
    if estimate:  # no model: the prompt an LLM would have been sent, estimated
        tokens += estimate_tokens(draft_messages(state["request"], facts), _draft_schema())
    return {
        "draft": written.model_dump(),
        "backend": "offline",
        "model": None,
        "prompt_version": template_version(),
        "fallback_reason": fallback,
        "prompt_tokens": tokens,
        "llm_call_ids": state.get("llm_call_ids", []),
    }
