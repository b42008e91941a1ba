"""Accounts, leads and reps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, BigInteger, ForeignKey, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, created_at, pk


class Account(Base):
    """A company; several leads may share one."""

    __tablename__ = "accounts"

    id: Mapped[int] = pk()
    name: Mapped[str] = mapped_column(Text)
    domain: Mapped[str | None] = mapped_column(Text, unique=True)
    industry: Mapped[str | None] = mapped_column(Text)
    company_size: Mapped[int | None]
    country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()


class Rep(Base):
    """A sales rep: owns leads, approves drafts in Slack."""

    __tablename__ = "reps"

    id: Mapped[int] = pk()
    name: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(Text, unique=True)
    slack_user_id: Mapped[str | None] = mapped_column(Text, unique=True)
    territory: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    product_lines: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    capacity: Mapped[int] = mapped_column(server_default="200")
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    is_approver: Mapped[bool] = mapped_column(server_default=text("false"))
    created_at: Mapped[datetime] = created_at()


class Lead(Base):
    """A contact: attributes, consent, owner and the current score (derived from the trail)."""

    __tablename__ = "leads"
    __table_args__ = (
        # no index covers score, tier or last_engaged_at, so scoring's updates are HOT: those
        # indexes live on `lead_ranks` (migration 0011)
        Index("ix_leads_source", "source"),
        Index("ix_leads_owner", "owner_rep_id"),
        Index("ix_leads_created_at", "created_at"),
        Index("ix_leads_persona", "persona"),
        Index("ix_leads_product_interest", "product_interest"),
        Index("ix_leads_industry", "industry"),
        {"postgresql_with": {"fillfactor": 80}},
    )

    id: Mapped[int] = pk()
    external_id: Mapped[str | None] = mapped_column(Text, unique=True)
    email: Mapped[str | None] = mapped_column(Text, unique=True)
    first_name: Mapped[str | None] = mapped_column(Text)
    last_name: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    seniority: Mapped[str | None] = mapped_column(Text)
    persona: Mapped[str | None] = mapped_column(Text)
    company: Mapped[str | None] = mapped_column(Text)
    account_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id"))
    industry: Mapped[str | None] = mapped_column(Text)
    company_size: Mapped[int | None]
    country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    product_interest: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    owner_rep_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("reps.id"))
    lifecycle_stage: Mapped[str] = mapped_column(Text, server_default="lead")
    consent: Mapped[str] = mapped_column(Text, server_default="subscribed")
    do_not_contact: Mapped[bool] = mapped_column(server_default=text("false"))
    missing_key_fields: Mapped[int] = mapped_column(server_default="0")
    traits: Mapped[dict[str, Any]] = mapped_column(server_default="{}")
    fit_score: Mapped[int] = mapped_column(server_default="0")
    engagement_score: Mapped[int] = mapped_column(server_default="0")
    score: Mapped[int] = mapped_column(server_default="0")
    tier: Mapped[str] = mapped_column(Text, server_default="cold")
    stage: Mapped[str] = mapped_column(Text, server_default="awareness")
    last_engaged_at: Mapped[datetime | None]
    scored_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    @property
    def full_name(self) -> str:
        """First and last name, or the email when both are missing."""
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or (self.email or f"lead {self.id}")


class LeadAlias(Base):
    """Another user id for a lead: an identify merged into the lead by its email (dedupe by
    normalized email) under a userId other than the lead's own, so later events sent under
    that userId reach the same lead instead of creating an empty one."""

    __tablename__ = "lead_aliases"

    external_id: Mapped[str] = mapped_column(Text, primary_key=True)
    lead_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = created_at()


class LeadRank(Base):
    """A copy of a lead's ranking columns with the indexes that serve tier, score and
    inactivity filters and orderings (migration 0011).

    Kept by triggers on `leads` (insert, and every update that changes one of these columns),
    so `leads` itself has no index on what scoring rewrites and its updates stay HOT. Read it
    only to filter or order many leads; one lead's values are on its `leads` row.
    """

    __tablename__ = "lead_ranks"
    __table_args__ = (
        Index("ix_lead_ranks_tier_score", "tier", "score"),
        Index("ix_lead_ranks_last_engaged_at", "last_engaged_at"),
        # the included columns let "inactive for N days" counts run as index-only scans
        Index(
            "ix_lead_ranks_activity",
            text("coalesce(last_engaged_at, created_at)"),
            postgresql_include=["last_engaged_at", "created_at"],
        ),
    )

    lead_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True
    )
    tier: Mapped[str] = mapped_column(Text)
    score: Mapped[int]
    last_engaged_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
