"""Sequence enrollments, the do-not-contact list, inbound mail, replies and escalations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, created_at, pk


class Enrollment(Base):
    """A lead's place in a sequence; the worker claims due rows with FOR UPDATE SKIP LOCKED."""

    __tablename__ = "enrollments"
    __table_args__ = (
        Index("ix_enrollments_due", "next_due_at", postgresql_where=text("status = 'active'")),
        Index(
            "ix_enrollments_waiting",
            "waiting_thread_id",
            postgresql_where=text("waiting_thread_id IS NOT NULL"),
        ),
        Index(
            "uq_enrollments_active_sequence",
            "lead_id",
            "sequence",
            unique=True,
            postgresql_where=text("status IN ('active', 'paused')"),
        ),
    )

    id: Mapped[int] = pk()
    lead_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("leads.id", ondelete="CASCADE"))
    sequence: Mapped[str] = mapped_column(Text)
    sequence_version: Mapped[int] = mapped_column(server_default="1")
    track: Mapped[str] = mapped_column(Text, server_default="main")
    status: Mapped[str] = mapped_column(Text, server_default="active")
    # Number of the last step finished in `track` (0: none yet); see tools/sequences.py.
    current_step: Mapped[int] = mapped_column(server_default="0")
    next_due_at: Mapped[datetime | None]
    paused_until: Mapped[datetime | None]
    trigger: Mapped[str | None] = mapped_column(Text)
    trigger_event_id: Mapped[int | None] = mapped_column(BigInteger)
    exit_reason: Mapped[str | None] = mapped_column(Text)
    last_message_id: Mapped[str | None] = mapped_column(Text)
    # The draft thread this enrollment waits on (a step drafted, not yet sent/rejected/held).
    waiting_thread_id: Mapped[str | None] = mapped_column(Text)
    step_attempts: Mapped[int] = mapped_column(server_default="0")
    # The worker claim holding this row (its lease is next_due_at); compare-and-set on record.
    claimed_by: Mapped[str | None] = mapped_column(Text)
    enrolled_at: Mapped[datetime] = created_at()
    exited_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class DoNotContact(Base):
    """An address or whole domain nobody may email."""

    __tablename__ = "do_not_contact"

    id: Mapped[int] = pk()
    value: Mapped[str] = mapped_column(Text, unique=True)
    reason: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = created_at()


class InboundMessage(Base):
    """A raw inbound email exactly as received (kept even when it cannot be parsed)."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = pk()
    channel: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(Text, server_default="received")
    error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(Text, unique=True)
    received_at: Mapped[datetime] = created_at()


class Reply(Base):
    """A reply from a lead (or an unknown sender), its classification and the action taken."""

    __tablename__ = "replies"
    __table_args__ = (Index("ix_replies_lead", "lead_id", "received_at"),)

    id: Mapped[int] = pk()
    inbound_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("inbound_messages.id"))
    lead_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("leads.id"))
    outbox_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("outbox.id"))
    event_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[str | None] = mapped_column(Text)
    from_email: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text, server_default="")
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    label: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float | None]
    labels: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    extraction: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    classifier: Mapped[str | None] = mapped_column(Text)
    needs_review: Mapped[bool] = mapped_column(server_default=text("false"))
    action: Mapped[str | None] = mapped_column(Text)
    action_result: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    created_at: Mapped[datetime] = created_at()


class Escalation(Base):
    """Something a rep must see: MQL, high intent, meeting request, referral, low confidence…"""

    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_status", "status", "created_at"),)

    id: Mapped[int] = pk()
    dedupe_key: Mapped[str] = mapped_column(Text, unique=True)
    lead_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("leads.id"))
    kind: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    owner_rep_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("reps.id"))
    status: Mapped[str] = mapped_column(Text, server_default="open")
    slack_channel: Mapped[str | None] = mapped_column(Text)
    slack_ts: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(Text)
    snoozed_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at()


class WorkerJob(Base):
    """When a periodic job (sweep) last ran; workers claim a job by advancing this row."""

    __tablename__ = "worker_jobs"

    job: Mapped[str] = mapped_column(Text, primary_key=True)
    last_run_at: Mapped[datetime]
