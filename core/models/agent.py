"""Agent tables: embedded facts and content, drafts with their status machine, outbox, LLM calls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import BigInteger, ForeignKey, Index, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, created_at, pk

EMBEDDING_DIM = 384

# Draft status machine (transitions are compare-and-set updates in tools/drafts.py):
#   pending -> approved | edited | rejected | regenerated
#   approved | edited -> queued -> sent | failed
DRAFT_STATUSES = (
    "pending",
    "approved",
    "edited",
    "rejected",
    "regenerated",
    "queued",
    "sent",
    "failed",
    "held",
)


class Fact(Base):
    """One sentence of a lead's history (or profile), embedded; fact_id is stable (event based)."""

    __tablename__ = "facts"
    __table_args__ = (Index("ix_facts_lead", "lead_id", "occurred_at"),)

    id: Mapped[int] = pk()
    fact_id: Mapped[str] = mapped_column(Text, unique=True)
    lead_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("leads.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(Text, server_default="event")
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime | None]
    embedding: Mapped[Any] = mapped_column(Vector(EMBEDDING_DIM))


class ContentChunk(Base):
    """A chunk of the content library (case studies, guides, product facts), embedded."""

    __tablename__ = "content_chunks"
    __table_args__ = (
        UniqueConstraint("doc_path", "chunk_index", name="uq_content_chunks_doc_chunk"),
        Index(
            "ix_content_chunks_embedding_hnsw",
            "embedding",
            postgresql_using="hnsw",
            postgresql_with={"m": 16, "ef_construction": 64},
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
    )

    id: Mapped[int] = pk()
    doc_path: Mapped[str] = mapped_column(Text)
    chunk_index: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    stage: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(Text)
    embedding: Mapped[Any] = mapped_column(Vector(EMBEDDING_DIM))


class Draft(Base):
    """An email drafted for a lead, waiting for (or past) a human decision."""

    __tablename__ = "drafts"
    __table_args__ = (
        UniqueConstraint("thread_id", "revision", name="uq_drafts_thread_revision"),
        Index("ix_drafts_status", "status", "created_at"),
        Index("ix_drafts_lead", "lead_id"),
    )

    id: Mapped[int] = pk()
    lead_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("leads.id", ondelete="CASCADE"))
    thread_id: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(server_default="1")
    trigger: Mapped[str] = mapped_column(Text)
    trigger_event_id: Mapped[int | None] = mapped_column(BigInteger)
    sequence: Mapped[str | None] = mapped_column(Text)
    step: Mapped[int | None]
    purpose: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="pending")
    version: Mapped[int] = mapped_column(server_default="1")
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    sentences: Mapped[list[Any]] = mapped_column(server_default="[]")
    citations: Mapped[list[Any]] = mapped_column(server_default="[]")
    brief: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    verification: Mapped[list[Any]] = mapped_column(server_default="[]")
    backend: Mapped[str] = mapped_column(Text, server_default="offline")
    model: Mapped[str | None] = mapped_column(Text)
    prompt_version: Mapped[str | None] = mapped_column(Text)
    fallback_reason: Mapped[str | None] = mapped_column(Text)
    original_subject: Mapped[str | None] = mapped_column(Text)
    original_body: Mapped[str | None] = mapped_column(Text)
    edit_distance: Mapped[int | None]
    reject_reason: Mapped[str | None] = mapped_column(Text)
    instruction: Mapped[str | None] = mapped_column(Text)
    reviewer: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None]
    slack_channel: Mapped[str | None] = mapped_column(Text)
    slack_ts: Mapped[str | None] = mapped_column(Text)
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Outbox(Base):
    """An approved email waiting to be (or already) delivered exactly once."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_lead", "lead_id"),
    )

    id: Mapped[int] = pk()
    draft_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("drafts.id"), unique=True)
    lead_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("leads.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(Text, unique=True)
    to_email: Mapped[str] = mapped_column(Text)
    from_email: Mapped[str] = mapped_column(Text)
    from_name: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    text_body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(Text, unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(Text)
    references: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="queued")
    attempts: Mapped[int] = mapped_column(server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    # A sender's claim: while status = 'sending' nobody else touches the row until lease_until.
    lease_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at()


class LlmCall(Base):
    """Token usage and latency of one model call (for cost and the prompt-size bench)."""

    __tablename__ = "llm_calls"

    id: Mapped[int] = pk()
    purpose: Mapped[str] = mapped_column(Text)
    backend: Mapped[str] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(Text)
    prompt_tokens: Mapped[int] = mapped_column(server_default="0")
    completion_tokens: Mapped[int] = mapped_column(server_default="0")
    cached_tokens: Mapped[int] = mapped_column(server_default="0")
    latency_ms: Mapped[int] = mapped_column(server_default="0")
    ok: Mapped[bool]
    error: Mapped[str | None] = mapped_column(Text)
    draft_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = created_at()
