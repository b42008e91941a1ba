"""The append-only activity trail, score history and the dead-letter store for bad input."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, created_at, pk


class Event(Base):
    """One signal on a lead's timeline; never edited. Unique on (source, message_id)."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("source", "message_id", name="uq_events_source_message_id"),
        Index("ix_events_lead_time", "lead_id", "occurred_at"),
        Index("ix_events_type_time", "type", "category", "occurred_at", "lead_id"),
        Index("ix_events_anonymous", "anonymous_id", postgresql_where="anonymous_id IS NOT NULL"),
        Index(
            "ix_events_downloads",
            "type",
            "asset_type",
            "occurred_at",
            "lead_id",
            postgresql_where="asset_type IS NOT NULL",
        ),
    )

    id: Mapped[int] = pk()
    lead_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("leads.id"))
    anonymous_id: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(Text)
    asset_type: Mapped[str | None] = mapped_column(Text)
    properties: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Legacy: ingestion's pending work is tracked in `ingest_batches` since migration 0006;
    # some system writers still fill this, nothing reads it.
    processed_at: Mapped[datetime | None]


class IngestBatch(Base):
    """Accepted events whose downstream work (scoring, triggers) has not committed yet.

    Written with the events, deleted by the downstream transaction; a row left behind is a
    backlog that tools.ingest.process_pending finishes.
    """

    __tablename__ = "ingest_batches"

    id: Mapped[int] = pk()
    event_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    lead_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger))
    # leads whose trails grew by more than the batch (anonymous events attached): scoring
    # refolds them; NULL (batches from before migration 0007) refolds every lead
    refold_ids: Mapped[list[int] | None] = mapped_column(ARRAY(BigInteger), nullable=True)
    # set when the batch's scoring committed; its triggers are still to fire
    scored_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = created_at()


class ScoreHistory(Base):
    """A score at a point in time with the reason lines that add up to it."""

    __tablename__ = "score_history"
    __table_args__ = (Index("ix_score_history_lead", "lead_id", "scored_at"),)

    id: Mapped[int] = pk()
    lead_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("leads.id", ondelete="CASCADE"))
    scored_at: Mapped[datetime] = mapped_column(server_default=func.now())
    score: Mapped[int]
    fit_score: Mapped[int]
    engagement_score: Mapped[int]
    tier: Mapped[str] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(Text)
    cause: Mapped[str] = mapped_column(Text)
    reasons: Mapped[list[Any]] = mapped_column(server_default="[]")


class RejectedPayload(Base):
    """Input we refused (bad JSON, bad CSV row, malformed MIME…), kept verbatim for inspection."""

    __tablename__ = "rejected_payloads"

    id: Mapped[int] = pk()
    channel: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    errors: Mapped[list[Any]] = mapped_column(server_default="[]")
    received_at: Mapped[datetime] = created_at()
