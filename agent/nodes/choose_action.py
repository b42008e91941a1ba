"""Node: choose the next action among those the playbook and guardrails allow."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig

from agent.actions import ACTION_MODELS, ActionChoice, allowed_actions, offline_choice
from agent.call_log import persist_calls
from agent.drafting import estimate_tokens
from agent.llm import ModelUnavailable, tool_spec
from agent.runtime import runtime_of
from prompts.loader import load_prompt


def action_messages(state: dict[str, Any], allowed: list[str]) -> list[dict]:
    """The choose_action prompt for this lead and trigger."""
    ctx, score = state["context"], state["score"]
    return load_prompt("choose_action").messages(
        trigger=state["trigger"]["description"],
        score=score["score"],
        tier=score["tier"],
        stage=score["stage"],
        sequence=ctx["sequence"],
        last_email_at=ctx["last_email_at"] or "never",
        allowed_actions=", ".join(allowed),
        lead_profile=ctx["profile"],
        lead_history=ctx["history"],
    )


def choose_action(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """With a model and a real choice, the model picks by tool call; otherwise the policy does."""
    rt = runtime_of(config)
    trigger, ctx = state["trigger"], state["context"]
    allowed = allowed_actions(trigger, ctx)
    name, reason = offline_choice(trigger, ctx, allowed)
    chosen_by, note, tokens = "policy", None, 0
    if len(allowed) > 1:
        messages = action_messages(state, allowed)
        tools = [tool_spec(a, ACTION_MODELS[a].__doc__ or a, ACTION_MODELS[a]) for a in allowed]
        tokens = estimate_tokens(messages, tools, ActionChoice.model_json_schema())
        if rt.client is not None:
            try:
                result = rt.client.structured("choose_action", messages, ActionChoice, tools=tools)
                tokens = result.usage.prompt_tokens
                call = result.tool_calls[0] if result.tool_calls else None
                picked = call.name if call else (result.parsed.action if result.parsed else None)
                why = (call.arguments if call else result.parsed.model_dump()).get("reason", "")
                if picked in allowed:
                    name, reason, chosen_by = picked, why, "model"
                else:
                    note = f"model chose {picked!r}, not allowed; used the policy"
            except ModelUnavailable as exc:
                note = f"action choice fell back to the policy: {exc.reason}"
    with rt.sessions() as session:
        ids = persist_calls(session, rt.take_calls())
    action = {"name": name, "reason": reason, "chosen_by": chosen_by, "allowed": allowed}
    if note:
        action["note"] = note
    return {
        "action": action,
        "prompt_tokens": tokens,
        "llm_call_ids": [*state.get("llm_call_ids", []), *ids],
    }
