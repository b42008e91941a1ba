"""The "why now" brief stored on every draft: trigger, playbook step, score, cited facts."""

from __future__ import annotations

from typing import Any


def build_brief(state: dict[str, Any]) -> dict[str, Any]:
    """The brief a rep reads next to the draft (JSON-friendly)."""
    trigger, score = state["trigger"], state.get("score") or {}
    draft = state.get("draft") or {}
    cited = list(dict.fromkeys(fid for s in draft.get("sentences", []) for fid in s["fact_ids"]))
    facts = {f["fact_id"]: f for f in state.get("facts", [])}
    return {
        "why_now": trigger["description"],
        "trigger": {"name": trigger["name"], "event_id": trigger.get("event_id")},
        "playbook": {
            "name": trigger["playbook"],
            "step": trigger.get("step"),
            "purpose": trigger["purpose"],
        },
        "score": {
            "score": score.get("score"),
            "tier": score.get("tier"),
            "stage": score.get("stage"),
            "top_reasons": score.get("top_reasons", []),
        },
        "segments": state.get("segments", []),
        "action": state.get("action", {}),
        "citations": [
            {
                "fact_id": fid,
                "text": facts[fid]["text"] if fid in facts else None,
                "source": facts[fid]["source"] if fid in facts else None,
                "occurred_at": facts[fid].get("occurred_at") if fid in facts else None,
            }
            for fid in cited
        ],
        "backend": state.get("backend"),
        "fallback_reason": state.get("fallback_reason"),
        "verification_errors": state.get("errors", []),
        "instruction": state.get("instruction"),
        "prompt_tokens": state.get("prompt_tokens", 0),
    }


def render_brief(brief: dict[str, Any]) -> list[str]:
    """The brief as short lines for the CLI and chat surfaces."""
    score = brief.get("score", {})
    play = brief.get("playbook", {})
    step = f", step {play['step']}" if play.get("step") is not None else ""
    lines = [
        f"Why now: {brief.get('why_now')}",
        f"Playbook: {play.get('name')}{step} ({play.get('purpose')})",
        f"Score: {score.get('score')} ({score.get('tier')}, {score.get('stage')}): "
        + "; ".join(score.get("top_reasons", [])),
        f"Action: {brief.get('action', {}).get('name')} — {brief.get('action', {}).get('reason')}",
    ]
    if brief.get("fallback_reason"):
        lines.append(f"Offline fallback: {brief['fallback_reason']}")
    for error in brief.get("verification_errors", []):
        lines.append(f"Check: {error}")
    if brief.get("held"):
        lines.append(f"Held: {brief['held']}")
    lines += [f"[{c['fact_id']}] {c['text']} ({c['source']})" for c in brief.get("citations", [])]
    return lines
