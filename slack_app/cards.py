"""Plain data the Block Kit builders render: a lead line, a draft, an escalation, a summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class LeadLine:
    """Who the lead is and why they matter, as one card shows it."""

    id: int
    name: str
    email: str | None = None
    title: str | None = None
    company: str | None = None
    score: int = 0
    tier: str = "cold"
    stage: str = "awareness"
    top_reasons: tuple[str, ...] = ()
    owner: str | None = None  # Slack user id of the owner rep, else the rep's name


@dataclass(frozen=True)
class SendStatus:
    """Guardrail status shown on an approval card: the send window and the frequency cap."""

    window_open: bool
    window_text: str
    cap_ok: bool
    cap_text: str


@dataclass(frozen=True)
class DraftCard:
    """An email draft with everything a reviewer needs to decide in one look."""

    id: int
    lead: LeadLine
    subject: str
    body: str
    status: str = "pending"
    brief: dict[str, Any] = field(default_factory=dict)
    citations: list[dict[str, Any]] = field(default_factory=list)
    send: SendStatus | None = None
    sequence: str | None = None
    step: int | None = None
    reviewer: str | None = None
    reviewed_at: datetime | None = None
    note: str | None = None  # reject reason or regenerate instruction
    edited: bool = False
    created_at: datetime | None = None


@dataclass(frozen=True)
class EscalationCard:
    """Something a rep must see, with its context and the state of its handling."""

    id: int
    kind: str
    summary: str
    lead: LeadLine | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    status: str = "open"
    claimed_by: str | None = None
    snoozed_until: datetime | None = None
    created_at: datetime | None = None

    @property
    def draft_id(self) -> int | None:
        """The draft this escalation points at, if any."""
        value = self.payload.get("draft_id")
        return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


@dataclass(frozen=True)
class BatchGroup:
    """Pending drafts of one sequence step a reviewer may approve together."""

    sequence: str
    step: int | None
    draft_ids: tuple[int, ...]


@dataclass(frozen=True)
class WeeklySummary:
    """The week's top-scoring leads and why, plus the week's MQL count."""

    week: str  # ISO week, e.g. "2026-W47"
    leads: list[LeadLine]
    new_mqls: int = 0
    pending_approvals: int = 0


@dataclass(frozen=True)
class HomeData:
    """What a rep sees on the App Home tab."""

    user_id: str
    rep_name: str | None
    pending: list[DraftCard] = field(default_factory=list)
    pending_total: int = 0
    batches: list[BatchGroup] = field(default_factory=list)
    hot_leads: list[LeadLine] = field(default_factory=list)
    escalations: list[EscalationCard] = field(default_factory=list)
