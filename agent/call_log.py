"""Persist the model calls a run made (CallRecorder records) into `llm_calls`."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from agent.llm import CallRecord
from core.models import LlmCall


def persist_calls(
    session: Session, records: Sequence[CallRecord], draft_id: int | None = None
) -> list[int]:
    """Insert one llm_calls row per record; returns the new row ids."""
    if not records:
        return []
    rows = [
        {
            "purpose": r.purpose,
            "backend": r.backend,
            "model": r.model,
            "prompt_tokens": r.prompt_tokens,
            "completion_tokens": r.completion_tokens,
            "cached_tokens": r.cached_tokens,
            "latency_ms": round(r.latency_ms),
            "ok": r.ok,
            "error": r.error,
            "draft_id": draft_id,
        }
        for r in records
    ]
    return list(session.scalars(insert(LlmCall).returning(LlmCall.id), rows))


def link_calls(session: Session, call_ids: Sequence[int], draft_id: int) -> None:
    """Attach earlier calls of this run (action choice, drafting) to the draft they led to."""
    if call_ids:
        session.execute(
            update(LlmCall).where(LlmCall.id.in_(list(call_ids))).values(draft_id=draft_id)
        )
