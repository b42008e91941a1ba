"""Node: index what is new, then retrieve the lead's own facts and fitting content to cite."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from langchain_core.runnables import RunnableConfig
from sqlalchemy import select

from agent.offline_draft import purposes
from agent.runtime import runtime_of
from core.agent_settings import AgentSettings
from core.models import Fact
from tools.agent_tools import search_content, search_lead_history
from tools.content_index import index_content
from tools.facts import sync_lead_facts

MAX_CONTENT_CHARS = 420  # per content fact: enough for one result or idea, cheap in the prompt


def _trim(text: str, limit: int = MAX_CONTENT_CHARS) -> str:
    """Text cut at the last sentence end before `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    return cut[: end + 1] if end > limit // 3 else cut.rsplit(" ", 1)[0] + "…"


def _as_fact(row: dict[str, Any]) -> dict[str, Any]:
    """A JSON-friendly fact dict (occurred_at as ISO text)."""
    when = row.get("occurred_at")
    return {**row, "occurred_at": when.isoformat() if isinstance(when, datetime) else when}


def retrieval_query(trigger: dict[str, Any], ctx: dict[str, Any], stage: str) -> str:
    """The text both history and content retrieval search with."""
    spec = purposes().get(trigger["purpose"])
    query = " ".join(
        filter(
            None,
            (
                spec.topics if spec else "",
                trigger["description"],
                stage,
                ctx.get("industry"),
                ctx.get("product_interest"),
            ),
        )
    )
    return re.sub(r"\bev-\d+\b", "", query)


def pinned_fact_ids(lead_id: int, trigger: dict[str, Any]) -> list[str]:
    """Facts always given to the drafter: the trigger event, the lead's title and company."""
    pinned_ids = [f"lead-{lead_id}-title", f"lead-{lead_id}-company"]
    if trigger.get("event_id"):
        pinned_ids.insert(0, f"ev-{trigger['event_id']}")
    return pinned_ids


def assemble(
    state: dict[str, Any],
    pinned: list[dict[str, Any]],
    nearest: list[dict[str, Any]],
    content: list[dict[str, Any]],
    settings: AgentSettings,
) -> dict[str, Any]:
    """The facts, document titles and prompt request from what was retrieved (pure)."""
    trigger, ctx = state["trigger"], state["context"]
    stage = state["score"]["stage"]
    spec = purposes().get(trigger["purpose"])
    history = {row["fact_id"]: row for row in pinned}
    for row in nearest:
        if len(history) >= settings.history_facts + len(pinned):
            break
        history.setdefault(row["fact_id"], row)
    events = sorted(
        (f for f in history.values() if f["kind"] == "event"),
        key=lambda f: f["occurred_at"],
        reverse=True,
    )
    profile = [f for f in history.values() if f["kind"] == "profile"]
    docs = {c["fact_id"]: {"title": c["title"], "kind": c["content_kind"]} for c in content}
    facts = [_as_fact(f) for f in profile + events]
    facts += [
        {k: c[k] for k in ("fact_id", "kind", "source", "occurred_at")} | {"text": _trim(c["text"])}
        for c in content
    ]
    owner = ctx.get("owner") or {}
    request = {
        "stage": stage,
        "why_now": trigger["description"],
        "goal": spec.goal if spec else trigger["purpose"].replace("_", " "),
        "sender_name": owner.get("name") or settings.default_sender_name,
        "product_name": settings.product_name,
        "max_body_chars": settings.max_body_chars,
        "lead_profile": ctx["profile"],
        "lead_history": ctx["history"],
    }
    return {"facts": facts, "docs": docs, "request": request}


def retrieve(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """Facts: profile, the trigger event, the nearest history facts, then content passages."""
    rt = runtime_of(config)
    lead_id, trigger = state["lead_id"], state["trigger"]
    stage = state["score"]["stage"]
    query = retrieval_query(trigger, state["context"], stage)
    settings = rt.settings
    with rt.sessions() as session:
        if not rt.content_indexed:
            index_content(session, rt.content_dir, rt.embedder)
            rt.content_indexed = True
        sync_lead_facts(session, lead_id, rt.embedder)
        pinned = session.execute(
            select(Fact.fact_id, Fact.kind, Fact.text, Fact.source, Fact.occurred_at)
            .where(Fact.lead_id == lead_id, Fact.fact_id.in_(pinned_fact_ids(lead_id, trigger)))
            .order_by(Fact.fact_id)
        ).all()
        nearest = search_lead_history(
            session, lead_id, query, rt.embedder, k=settings.history_facts
        )
        content = search_content(session, query, rt.embedder, stage=stage, k=settings.content_facts)
    return assemble(state, [dict(row._mapping) for row in pinned], nearest, content, settings)
