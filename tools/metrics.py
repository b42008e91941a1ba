"""Funnel metrics, shared parts: the period, the lead filter and the typed result metrics return.

Every metric function (`metrics_leads`, `metrics_funnel`, `metrics_cohorts`, `metrics_email`,
`metrics_ai`) returns a `MetricResult`: the number(s), the exact SQL it ran with its parameters,
and the ids of the records behind the number (at most RECORD_CAP of them, plus the full count).
Lead filters are written in the segment filter language (`tools/segment_filter.py`) and compiled by
it, never re-implemented here. Periods are half-open UTC ranges [start, end).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import text
from sqlalchemy.orm import Session

from tools.segment_filter import compile_filter
from tools.segments import get_segment

RECORD_CAP = 200
PeriodUnit = Literal["day", "week", "month", "quarter", "year", "rolling"]
# Behaviour a lead must have shown (all time), as clauses of the segment filter language.
BEHAVIOURS: dict[str, str] = {
    "requested_demo": "demo_requests >= 1",
    "visited_pricing": "pricing_views >= 1",
    "attended_webinar": "webinars_attended >= 1",
    "registered_webinar": "webinar_registrations >= 1",
    "downloaded_content": "downloads >= 1",
    "downloaded_whitepaper": "whitepaper_downloads >= 1",
    "started_trial": "trials >= 1",
    "booked_meeting": "meetings >= 1",
    "clicked_email": "email_clicks >= 1",
    "opened_email": "email_opens >= 1",
    "replied": "replies >= 1",
}
Behaviour = Literal[
    "requested_demo",
    "visited_pricing",
    "attended_webinar",
    "registered_webinar",
    "downloaded_content",
    "downloaded_whitepaper",
    "started_trial",
    "booked_meeting",
    "clicked_email",
    "opened_email",
    "replied",
]
_SAFE_VALUE = re.compile(r"^[\w .&/+-]{1,64}$")
# Leads created in the period (`:start`, `:end` from `period_params`).
CREATED_IN_PERIOD = "leads.created_at >= :start AND leads.created_at < :end"


class Period(BaseModel):
    """A half-open UTC time range [start, end), its calendar unit and the words it came from."""

    model_config = ConfigDict(frozen=True)

    start: datetime
    end: datetime
    unit: PeriodUnit = "rolling"
    label: str = ""

    def previous(self) -> Period:
        """The period just before this one: the previous calendar unit, or the same length."""
        steps = {
            "day": relativedelta(days=1),
            "week": relativedelta(weeks=1),
            "month": relativedelta(months=1),
            "quarter": relativedelta(months=3),
            "year": relativedelta(years=1),
        }
        step = steps.get(self.unit)
        start = self.start - step if step else self.start - (self.end - self.start)
        end = self.start
        label = f"the {self.unit} before" if step else "the previous period"
        return Period(start=start, end=end, unit=self.unit, label=label)

    def describe(self) -> str:
        """Words and dates, e.g. "this month (2026-11-01 to 2026-11-30)"."""
        last_day = (self.end - timedelta(microseconds=1)).date()
        dates = f"{self.start.date().isoformat()} to {last_day.isoformat()}"
        if self.label.startswith("from "):
            return self.label
        return f"{self.label} ({dates})" if self.label else f"from {dates}"


def month_of(moment: datetime, label: str = "") -> Period:
    """The calendar month (UTC) containing `moment`."""
    start = moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return Period(start=start, end=start + relativedelta(months=1), unit="month", label=label)


def last_days(now: datetime, days: int, label: str | None = None) -> Period:
    """The `days` days up to `now` (rolling)."""
    start = now - timedelta(days=days)
    return Period(start=start, end=now, unit="rolling", label=label or f"in the last {days} days")


class LeadFilter(BaseModel):
    """Lead attributes and behaviour that restrict a metric (all optional, combined with AND)."""

    model_config = ConfigDict(extra="forbid")

    source: str | None = Field(None, description="Lead source: webinar, ebook, ads, organic, ...")
    industry: str | None = Field(None, description="Industry code, e.g. fintech, saas, healthcare")
    persona: str | None = Field(None, description="Persona: founder, marketing_manager, ...")
    tier: Literal["cold", "warm", "mql"] | None = Field(None, description="Current score tier")
    stage: Literal["awareness", "consideration", "decision"] | None = Field(
        None, description="Current buying stage"
    )
    lifecycle_stage: str | None = Field(
        None, description="CRM stage: lead, mql, sql, opportunity, customer, closed_lost"
    )
    country: str | None = Field(None, description="ISO 3166 alpha-2 country code, e.g. US, DE")
    product_interest: str | None = Field(None, description="Product line the lead cares about")
    segment: str | None = Field(None, description="Name of a saved segment the lead belongs to")
    did: list[Behaviour] = Field(
        default_factory=list, description="Things the lead has done at least once (all time)"
    )

    @field_validator(
        "source", "industry", "persona", "lifecycle_stage", "country", "product_interest", "segment"
    )
    @classmethod
    def _plain_value(cls, value: str | None) -> str | None:
        """Values are codes: letters, digits and a little punctuation, nothing to escape."""
        if value is not None and not _SAFE_VALUE.match(value):
            raise ValueError(f"{value!r} is not a plain code")
        return value

    def is_empty(self) -> bool:
        """True when the filter selects every lead."""
        return not any(v for v in self.model_dump().values())

    def clauses(self) -> list[str]:
        """The attribute and behaviour conditions in the segment filter language (no segment)."""
        parts = []
        for name in ("source", "industry", "persona", "tier", "stage", "lifecycle_stage"):
            if (value := getattr(self, name)) is not None:
                parts.append(f"{name} = '{value}'")
        if self.country:
            parts.append(f"country = '{self.country}'")
        if self.product_interest:
            parts.append(f"product_interest = '{self.product_interest}'")
        parts.extend(BEHAVIOURS[b] for b in self.did)
        return parts

    def filter_text(self, session: Session) -> str | None:
        """The whole filter in the segment filter language (the segment's own filter inlined)."""
        parts = self.clauses()
        if self.segment:
            parts.append(f"({get_segment(session, self.segment).filter})")
        return " and ".join(parts) or None

    def describe(self) -> str:
        """Plain words: "fintech webinar leads in segment high_intent"."""
        words = [w for w in (self.tier, self.stage, self.industry, self.persona, self.source) if w]
        text_ = " ".join(w.replace("_", " ") for w in words)
        text_ = f"{text_} leads" if text_ else "leads"
        extras = []
        if self.lifecycle_stage:
            extras.append(f"at CRM stage {self.lifecycle_stage}")
        if self.country:
            extras.append(f"in {self.country}")
        if self.product_interest:
            extras.append(f"interested in {self.product_interest}")
        if self.segment:
            extras.append(f"in segment {self.segment}")
        if self.did:
            extras.append("who " + " and ".join(b.replace("_", " ") for b in self.did))
        return " ".join([text_, *extras])


def lead_condition(
    session: Session,
    lead_filter: LeadFilter | None,
    as_of: datetime | None = None,
    period: Period | None = None,
) -> tuple[str, dict[str, Any]]:
    """A SQL condition over `leads` for the filter (compiled by the segment filter language).

    Its parameters carry `:as_of` (now when not given) and, with a period, `:start` and `:end`.
    """
    source = lead_filter.filter_text(session) if lead_filter else None
    where, params = compile_filter(source) if source else ("TRUE", {})
    params["as_of"] = as_of or datetime.now(UTC)
    params.update(period_params(period))
    return where, params


class MetricResult(BaseModel):
    """One metric: its number(s), the SQL it ran with parameters, and the records behind it."""

    metric: str
    value: float | None = Field(description="The headline number (a rate is a 0–1 fraction)")
    numbers: dict[str, float | None] = Field(default_factory=dict)
    rows: list[dict[str, Any]] = Field(default_factory=list)
    sql: str
    params: dict[str, Any] = Field(default_factory=dict)
    record_kind: Literal["lead", "draft", "reply"] = "lead"
    record_ids: list[int] = Field(default_factory=list)
    record_count: int = 0
    period: Period | None = None
    note: str | None = None


def json_safe(value: Any) -> Any:
    """Parameters and row values as JSON-friendly types (datetimes as ISO strings)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def fetch(session: Session, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Run a read-only statement and return its rows as dicts."""
    return [dict(row._mapping) for row in session.execute(text(sql), params)]


def ratio(part: float | None, whole: float | None) -> float | None:
    """part / whole rounded to 6 places, or None when the whole is zero or unknown."""
    if part is None or not whole:
        return None
    return round(float(part) / float(whole), 6)


def two_places(value: Any) -> float | None:
    """A number (hours, an edit distance) rounded to 2 places (None stays None)."""
    return None if value is None else round(float(value), 2)


def capped(ids: list[int] | None) -> list[int]:
    """At most RECORD_CAP ids."""
    return list(ids or [])[:RECORD_CAP]


def sql_list(values) -> str:
    """Fixed codes (never user text) as a SQL list body: 'a', 'b'."""
    return ", ".join(f"'{v}'" for v in values)


def period_params(period: Period | None) -> dict[str, Any]:
    """`:start` and `:end` for a period (empty when there is none)."""
    return {"start": period.start, "end": period.end} if period else {}


def build(
    metric: str, value: float | None, sql: str, params: dict[str, Any], **fields
) -> MetricResult:
    """A MetricResult with JSON-safe parameters."""
    return MetricResult(
        metric=metric, value=value, sql=sql.strip(), params=json_safe(params), **fields
    )
