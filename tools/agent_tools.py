"""The agent's tools: typed functions whose docstrings are their contracts; each guards itself.

Sequences (tools.enrollment) and reply classification (tools.classify) are separate modules,
imported lazily: when one is missing the tool raises NotAvailable, never a made-up result.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from core.models import Lead
from tools.content_index import nearest_chunks
from tools.facts import TextEmbedder, nearest_facts
from tools.guardrails import suppression_reason
from tools.leads import explain
from tools.segments import segments_for_lead

if TYPE_CHECKING:
    from tools.reply_schema import ReplyClassification, ReplyInput

MAX_K = 20
MAX_REPLY_CHARS = 20_000
STAGES = ("awareness", "consideration", "decision")


class NotAvailable(RuntimeError):
    """A capability another module provides is not installed in this build."""


class ToolRefused(RuntimeError):
    """A tool's own guardrail refused the call; the message says why."""


@dataclass(frozen=True)
class LeadScore:
    """A lead's score now, with its tier, buying stage and the reasons that moved it most."""

    score: int
    fit: int
    engagement: int
    tier: str
    stage: str
    top_reasons: list[str]

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return dict(self.__dict__)


def _lead(session: Session, lead_id: int) -> Lead:
    """The lead, or ToolRefused when it does not exist."""
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise ToolRefused(f"no lead {lead_id}")
    return lead


def _import(module: str, what: str) -> Any:
    """A module another engineer provides, or NotAvailable when it is not there yet."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        raise NotAvailable(f"{what} is not available: module {module} is missing") from exc


def score_lead(session: Session, lead_id: int, *, as_of: datetime | None = None) -> LeadScore:
    """Recompute the lead's score from its trail (read-only) with its top three reasons."""
    breakdown = explain(session, _lead(session, lead_id), as_of)
    return LeadScore(
        breakdown.score,
        breakdown.fit,
        breakdown.engagement,
        breakdown.tier,
        breakdown.stage,
        breakdown.top_reasons(3),
    )


def lookup_segment(session: Session, lead_id: int) -> list[str]:
    """Names of the segments the lead belongs to now (read-only)."""
    _lead(session, lead_id)
    return segments_for_lead(session, lead_id)


def enroll_in_sequence(
    session: Session,
    lead_id: int,
    sequence: str,
    *,
    trigger: str,
    trigger_event_id: int | None = None,
) -> Any:
    """Enroll the lead in a sequence via tools.enrollment.enroll; refuses suppressed leads.

    Returns the enrollment module's EnrollmentResult. Raises ToolRefused for a suppressed or
    unknown lead and NotAvailable when the sequences module is not installed.
    """
    reason = suppression_reason(session, _lead(session, lead_id))
    if reason:
        raise ToolRefused(f"lead {lead_id} is suppressed: {reason}")
    enrollment = _import("tools.enrollment", "sequence enrollment")
    return enrollment.enroll(
        session, lead_id, sequence, trigger=trigger, trigger_event_id=trigger_event_id
    )


def classify_reply(reply: ReplyInput) -> ReplyClassification:
    """Label a reply offline (tools.classify); the text is data, and is cut to 20,000 chars."""
    if len(reply.body) > MAX_REPLY_CHARS:
        reply = reply.model_copy(update={"body": reply.body[:MAX_REPLY_CHARS]})
    classify = _import("tools.classify", "reply classification")
    return classify.classify_reply_offline(reply)


def search_lead_history(
    session: Session, lead_id: int, query: str, embedder: TextEmbedder, *, k: int = 8
) -> list[dict[str, Any]]:
    """This lead's facts nearest to `query` (never another lead's); k is clamped to 1..20."""
    _lead(session, lead_id)
    vector = embedder.embed([query])[0]
    rows = nearest_facts(session, lead_id, vector, max(1, min(k, MAX_K)))
    return [
        {key: row[key] for key in ("fact_id", "kind", "text", "source", "occurred_at")}
        for row in rows
    ]


def stages_up_to(stage: str) -> list[str]:
    """Content stages fit for a buying stage: awareness leads never get decision content."""
    if stage not in STAGES:
        return list(STAGES[:1])
    return list(STAGES[: STAGES.index(stage) + 1])


def search_content(
    session: Session, query: str, embedder: TextEmbedder, *, stage: str, k: int = 3
) -> list[dict[str, Any]]:
    """Content passages nearest to `query` that fit the lead's buying stage; k clamped to 1..20."""
    vector = embedder.embed([query])[0]
    rows = nearest_chunks(session, vector, max(1, min(k, MAX_K)), stages=stages_up_to(stage))
    return [
        {
            "fact_id": row["fact_id"],
            "kind": "content",
            "text": row["text"],
            "source": f"content:{row['doc_path'].removesuffix('.md')}",
            "occurred_at": None,
            "title": row["title"],
            "content_kind": row["kind"],
        }
        for row in rows
    ]
