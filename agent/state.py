"""The graph's state: plain JSON-like values only, so any process can resume a checkpoint."""

from __future__ import annotations

from typing import Any, TypedDict


class NurtureState(TypedDict, total=False):
    """Everything one nurture run knows; nodes return the keys they change."""

    lead_id: int
    thread_id: str
    trigger: dict[str, Any]  # name, playbook, purpose, event_id, description, high_intent, step
    context: dict[str, Any]  # profile, owner, last_email_at, pending_draft_id, history summary
    suppressed: str | None
    score: dict[str, Any]  # score, fit, engagement, tier, stage, top_reasons
    segments: list[str]
    action: dict[str, Any]  # name, reason, chosen_by, allowed
    request: dict[str, Any]  # the draft_email prompt variables except facts
    facts: list[dict[str, Any]]  # retrieved, citable facts (agent.draft_schema.Fact dumps)
    docs: dict[str, dict[str, str]]  # content fact id -> its document's title and kind
    draft: dict[str, Any] | None  # agent.draft_schema.Draft dump
    errors: list[str]  # verification errors of the current draft
    attempts: int  # model drafting attempts for the current revision
    backend: str
    model: str | None
    prompt_version: str | None
    prompt_tokens: int  # sent (usage) or estimated (chars / 4) for this revision
    fallback_reason: str | None
    llm_call_ids: list[int]
    revision: int
    instruction: str | None
    draft_id: int | None
    review: dict[str, Any] | None  # the rep's decision, from resume_review
    outbox_id: int | None
    status: str
