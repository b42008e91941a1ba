"""Per-lead behaviour summaries: the counts and recent timestamps that segment filters read.

One row per lead (a trigger on `leads` inserts it; rescore fills it from the trail). For every
behaviour metric the row holds the all-time count (`<metric>`) and the occurred_at of its
`RECENT_KEPT` most recent events, newest first (`<metric>_recent`): a lead has at least k such
events in the last N days iff `<metric>_recent[k]` falls inside the window, so windowed filters
stay exact as "now" moves on. `last_event_at` (no earlier than the newest summarised event: the
fill takes the newest event of any kind, the fold the newest it counted) tells a reader whether
a query time is late enough for the summary to cover the trail; `summarised_at` is NULL until
rescore has summarised the lead (rows added by the migration's backfill start that way).
The same row holds the lead's scoring fold state (tools/score_state.py), which inline scoring
folds each batch's new events into.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from core.models.base import Base

# Names of the behaviour metrics segment filters can count (conditions: tools/segment_filter.py).
BEHAVIOUR_METRICS = (
    "events",
    "page_views",
    "pricing_views",
    "case_study_views",
    "comparison_views",
    "blog_views",
    "careers_views",
    "downloads",
    "whitepaper_downloads",
    "case_study_downloads",
    "email_opens",
    "email_clicks",
    "emails_sent",
    "replies",
    "webinars_attended",
    "webinar_registrations",
    "demo_requests",
    "trials",
    "meetings",
)
RECENT_KEPT = 3


def _metric_columns() -> list[Column]:
    columns: list[Column] = []
    for metric in BEHAVIOUR_METRICS:
        columns.append(Column(metric, Integer, nullable=False, server_default="0"))
        columns.append(Column(f"{metric}_recent", ARRAY(DateTime(timezone=True))))
    return columns


lead_behaviour = Table(
    "lead_behaviour",
    Base.metadata,
    Column(
        "lead_id",
        BigInteger,
        ForeignKey("leads.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("last_event_at", DateTime(timezone=True)),
    Column("summarised_at", DateTime(timezone=True)),
    *_metric_columns(),
    # the scoring fold state (migration 0007, tools/score_state.py)
    Column("state_key", Text),
    Column("rule_counts", ARRAY(Integer)),
    Column("capped_counts", JSONB),
    Column("reset_at", DateTime(timezone=True)),
    Column("engaged_at", DateTime(timezone=True)),
    Column("stage_rank", SmallInteger),
    Column("folded_through", DateTime(timezone=True)),
    Column("future_at", DateTime(timezone=True)),
    # BRIN, so updates moving it can be HOT (migration 0012)
    Index(
        "ix_lead_behaviour_last_event_at",
        "last_event_at",
        postgresql_using="brin",
        postgresql_with={"autosummarize": "on"},
    ),
    Index(
        "ix_lead_behaviour_unsummarised",
        "lead_id",
        postgresql_where=text("summarised_at IS NULL"),
    ),
    # the built-in segments' behaviour conditions (tools/config/segments.yaml)
    Index(
        "ix_lead_behaviour_whitepapers",
        "whitepaper_downloads",
        postgresql_where=text("whitepaper_downloads > 0"),
    ),
    Index("ix_lead_behaviour_pricing_2nd", text("(pricing_views_recent[2])")),
    Index("ix_lead_behaviour_demo_last", text("(demo_requests_recent[1])")),
    postgresql_with={"fillfactor": 70},
)


class LeadBehaviour(Base):
    """A lead's behaviour summary row (columns listed on `lead_behaviour`)."""

    __table__ = lead_behaviour
