"""The analytics agent's typed outputs: `Answer | CannotAnswer`, tool calls and proposals."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

EXAMPLES: tuple[str, ...] = (
    "How many webinar leads became MQL this month, compared with last month?",
    "Which fintech leads went quiet after the newsletter email?",
    "What is the MQL rate this quarter?",
    "Open rate by campaign in the last 30 days",
    "Top 10 leads by score",
    "Leads by source this month",
    "MQL to SQL conversion last month",
    "Speed to lead in the last 7 days",
    "Nurtured vs not nurtured MQL rate this quarter",
    "How many leads are in the high intent segment?",
    "Why is lead 42 scored the way it is?",
    "Draft approval rate this month",
    "Save these as a segment called quiet_fintech",
    "Enroll the top 10 fintech leads in sequence welcome",
)


class ToolCallRecord(BaseModel):
    """One read-only tool the agent ran: its name, arguments, and the SQL behind its numbers."""

    name: str
    args: dict[str, Any]
    sql: list[str] = Field(default_factory=list)
    params: list[dict[str, Any]] = Field(default_factory=list)


class Proposal(BaseModel):
    """An action the answer suggests; nothing happens until a human confirms its token."""

    kind: Literal["save_segment", "enroll"]
    params: dict[str, Any] = Field(description="name/filter/description, or sequence")
    lead_ids: list[int] = Field(default_factory=list)
    lead_count: int = 0
    summary: str
    token: str = Field(description="Signed; POST it to /v1/ask/confirm to execute the action")
    expires_at: datetime


class Answer(BaseModel):
    """A grounded answer: every number comes from a tool result, with its SQL and records."""

    kind: Literal["answer"] = "answer"
    question: str
    text: str = Field(description="The answer in two to five plain sentences")
    value: float | None = Field(None, description="The headline number (rates are 0–1 fractions)")
    numbers: dict[str, float | None] = Field(default_factory=dict)
    rows: list[dict[str, Any]] = Field(default_factory=list, description="A table, if any")
    period: str | None = None
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    sql: list[str] = Field(default_factory=list)
    record_kind: Literal["lead", "draft", "reply"] = "lead"
    record_ids: list[int] = Field(default_factory=list)
    record_count: int = 0
    links: list[str] = Field(default_factory=list, description="/v1/leads/{id} for each record")
    chart: str | None = Field(None, description="Suggested chart: bars, trend, funnel, scores")
    notes: list[str] = Field(default_factory=list)
    proposal: Proposal | None = None
    backend: str = "offline"


class CannotAnswer(BaseModel):
    """The question is outside what the tools can answer: why, and questions that would work."""

    kind: Literal["cannot_answer"] = "cannot_answer"
    question: str
    reason: str
    examples: list[str] = Field(default_factory=lambda: list(EXAMPLES))
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    backend: str = "offline"


class ConfirmResult(BaseModel):
    """What confirming a proposal did (or why it did nothing)."""

    ok: bool
    kind: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


AskResult = Answer | CannotAnswer


def lead_links(ids: list[int]) -> list[str]:
    """API links to lead records."""
    return [f"/v1/leads/{i}" for i in ids]
