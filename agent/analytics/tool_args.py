"""Typed arguments of the analytics tools; field descriptions are part of the model's prompt."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.metrics import LeadFilter

PERIOD_HELP = (
    "Time range in words: 'this month', 'last month', 'last 7 days', 'this quarter', "
    "'in October', 'Q3 2026', 'YYYY-MM-DD..YYYY-MM-DD', 'all time'; null for the default"
)
COMPARE_HELP = "Also compute the same number for another period: 'previous' or a time range"
FILTERS_HELP = "Which leads count; leave every field null for all leads"


class Args(BaseModel):
    """Base of every tool's arguments: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")


class Scoped(Args):
    """Leads, a time range and an optional comparison period."""

    filters: LeadFilter = Field(default_factory=LeadFilter, description=FILTERS_HELP)
    period: str | None = Field(None, description=PERIOD_HELP + " (default: last 30 days)")
    compare_with: str | None = Field(None, description=COMPARE_HELP)


class CountLeadsArgs(Args):
    """Count (and list) leads matching filters; `created` restricts to new leads."""

    filters: LeadFilter = Field(default_factory=LeadFilter, description=FILTERS_HELP)
    created: str | None = Field(None, description="Only leads created in this range; null = all")
    compare_with: str | None = Field(None, description=COMPARE_HELP + " (needs `created`)")


class BreakdownArgs(Args):
    """Leads per value of one attribute, or per saved segment."""

    dimension: Literal[
        "tier",
        "stage",
        "source",
        "industry",
        "persona",
        "lifecycle_stage",
        "country",
        "product_interest",
        "segment",
    ]
    filters: LeadFilter = Field(default_factory=LeadFilter, description=FILTERS_HELP)
    created: str | None = Field(None, description="Only leads created in this range; null = all")


class TrendArgs(Args):
    """New leads or new MQLs per day, week or month."""

    subject: Literal["new_leads", "mqls"] = "new_leads"
    interval: Literal["day", "week", "month"] = "week"
    period: str | None = Field(None, description=PERIOD_HELP + " (default: last 90 days)")
    filters: LeadFilter = Field(default_factory=LeadFilter, description=FILTERS_HELP)


class TopLeadsArgs(Args):
    """The best leads by a score."""

    n: int = Field(10, ge=1, le=200, description="How many leads")
    order_by: Literal["score", "fit_score", "engagement_score"] = "score"
    filters: LeadFilter = Field(default_factory=LeadFilter, description=FILTERS_HELP)


class FiltersOnly(Args):
    """Only a lead filter (score distribution, funnel)."""

    filters: LeadFilter = Field(default_factory=LeadFilter, description=FILTERS_HELP)


class ConversionArgs(Scoped):
    """MQL→SQL or lead→opportunity conversion."""

    kind: Literal["mql_to_sql", "lead_to_opportunity"]


class TimingArgs(Scoped):
    """Speed-to-lead or time-to-handoff."""

    metric: Literal["speed_to_lead", "time_to_handoff"]


class VelocityArgs(Args):
    """Lead velocity rate for a month (default this month) against the month before."""

    month: str | None = Field(None, description="A month: 'this month', 'last month', 'October'")
    filters: LeadFilter = Field(default_factory=LeadFilter, description=FILTERS_HELP)


EmailMetric = Literal[
    "open_rate",
    "click_rate",
    "click_to_open",
    "reply_rate",
    "positive_reply_rate",
    "sent",
    "all",
]


class EmailArgs(Scoped):
    """Email performance of campaigns or sequence steps."""

    metric: EmailMetric = "all"
    campaign: str | None = Field(None, description="Words the campaign or sequence name contains")
    by_campaign: bool = Field(False, description="One row per campaign / sequence step")


class QuietArgs(Args):
    """Leads who received an email of a campaign and have not engaged since."""

    campaign: str = Field(description="Words the campaign name contains, e.g. 'pricing'")
    period: str | None = Field(None, description=PERIOD_HELP + " (when the email was sent)")
    filters: LeadFilter = Field(default_factory=LeadFilter, description=FILTERS_HELP)


class SegmentArgs(Args):
    """A saved segment by name."""

    name: str = Field(description="Segment name, e.g. high_intent")


class SearchArgs(Args):
    """Leads whose email, name or company contains the text."""

    query: str = Field(min_length=2, max_length=100)


class ExplainArgs(Args):
    """One lead's score, line by line."""

    lead: str = Field(description="Lead id or email address")


class AiArgs(Args):
    """How the AI drafts and reply classification are doing."""

    metric: Literal["approval_rate", "edit_distance", "time_to_approve", "reply_label_mix"]
    period: str | None = Field(None, description=PERIOD_HELP + " (default: last 30 days)")


class LeadSet(Args):
    """A set of leads to act on: filters, optionally narrowed by one of the other fields."""

    filters: LeadFilter = Field(default_factory=LeadFilter, description=FILTERS_HELP)
    created: str | None = Field(None, description="Only leads created in this range")
    became_mql: str | None = Field(None, description="Only leads that reached MQL in this range")
    quiet_after: str | None = Field(None, description="Only leads quiet since this campaign")
    top: int | None = Field(None, ge=1, le=200, description="Only the best N by score")
    lead_ids: list[int] | None = Field(None, description="Exactly these lead ids")


class ProposeSegmentArgs(Args):
    """Propose saving a lead set as a segment (a human confirms before anything is saved)."""

    name: str | None = Field(None, description="Segment name (lower_snake_case); null = derived")
    leads: LeadSet


class ProposeEnrollArgs(Args):
    """Propose enrolling a lead set in a sequence (a human confirms before anything happens)."""

    sequence: str = Field(description="Sequence name, e.g. welcome, long_nurture")
    leads: LeadSet
