"""Lead metrics: counts, breakdowns by attribute or segment, new leads over time, top leads."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Segment
from tools.metrics import (
    CREATED_IN_PERIOD,
    RECORD_CAP,
    LeadFilter,
    MetricResult,
    Period,
    build,
    capped,
    fetch,
    lead_condition,
)
from tools.segment_filter import compile_filter

DIMENSIONS: dict[str, str] = {
    "tier": "leads.tier",
    "stage": "leads.stage",
    "source": "leads.source",
    "industry": "leads.industry",
    "persona": "leads.persona",
    "lifecycle_stage": "leads.lifecycle_stage",
    "country": "leads.country",
    "product_interest": "leads.product_interest",
    "consent": "leads.consent",
}
Interval = Literal["day", "week", "month"]
TOP_ORDER = {
    "score": "leads.score",
    "fit_score": "leads.fit_score",
    "engagement_score": "leads.engagement_score",
}
IDS = f"(array_agg(leads.id ORDER BY leads.score DESC, leads.id))[1:{RECORD_CAP}]"


def _scope(session, lead_filter, period, as_of):
    """The lead filter, narrowed to leads created in `period` when there is one."""
    where, params = lead_condition(session, lead_filter, as_of, period)
    return (f"{where} AND {CREATED_IN_PERIOD}" if period else where), params


def count_leads(
    session: Session,
    *,
    lead_filter: LeadFilter | None = None,
    period: Period | None = None,
    as_of: datetime | None = None,
) -> MetricResult:
    """How many leads match the filter (created in `period`, when given)."""
    where, params = _scope(session, lead_filter, period, as_of)
    sql = f"SELECT count(*) AS n, {IDS} AS ids FROM leads WHERE {where}"
    row = fetch(session, sql, params)[0]
    return build(
        "leads",
        row["n"],
        sql,
        params,
        numbers={"leads": row["n"]},
        record_ids=capped(row["ids"]),
        record_count=row["n"],
        period=period,
    )


def leads_by(
    session: Session,
    dimension: str,
    *,
    lead_filter: LeadFilter | None = None,
    period: Period | None = None,
    as_of: datetime | None = None,
) -> MetricResult:
    """Leads counted per value of one attribute (tier, stage, source, industry, persona, ...)."""
    if dimension == "segment":
        return leads_by_segment(session, lead_filter=lead_filter, period=period, as_of=as_of)
    column = DIMENSIONS[dimension]
    where, params = _scope(session, lead_filter, period, as_of)
    sql = (
        f"SELECT coalesce(nullif({column}, ''), '(none)') AS grp, count(*) AS n, {IDS} AS ids "
        f"FROM leads WHERE {where} GROUP BY 1 ORDER BY n DESC, grp"
    )
    rows = fetch(session, sql, params)
    total = sum(r["n"] for r in rows)
    ids = [i for r in rows for i in r["ids"]]
    return build(
        f"leads_by_{dimension}",
        total,
        sql,
        params,
        numbers={r["grp"]: r["n"] for r in rows},
        rows=[{dimension: r["grp"], "leads": r["n"]} for r in rows],
        record_ids=capped(ids),
        record_count=total,
        period=period,
    )


def leads_by_segment(
    session: Session,
    *,
    lead_filter: LeadFilter | None = None,
    period: Period | None = None,
    as_of: datetime | None = None,
) -> MetricResult:
    """Members of every saved segment among the filtered leads (one statement)."""
    where, params = _scope(session, lead_filter, period, as_of)
    segments = session.scalars(select(Segment).order_by(Segment.name)).all()
    counts = []
    for i, segment in enumerate(segments):
        seg_where, seg_params = compile_filter(segment.filter)
        params.update({f"s{i}_{key}": value for key, value in seg_params.items()})
        seg_where = re.sub(r":(p\d+)\b", rf":s{i}_\1", seg_where)
        counts.append(f"count(*) FILTER (WHERE {seg_where}) AS s{i}")
    sql = f"SELECT {', '.join(counts) or '0 AS none'} FROM leads WHERE {where}"
    row = fetch(session, sql, params)[0]
    numbers = {s.name: row[f"s{i}"] for i, s in enumerate(segments)}
    return build(
        "leads_by_segment",
        None,
        sql,
        params,
        numbers=numbers,
        rows=[
            {"segment": k, "leads": v} for k, v in sorted(numbers.items(), key=lambda kv: -kv[1])
        ],
        period=period,
        note="a lead can belong to several segments, so sizes do not add up",
    )


def leads_over_time(
    session: Session,
    period: Period,
    interval: Interval = "week",
    *,
    event: Literal["created", "mql"] = "created",
    lead_filter: LeadFilter | None = None,
    as_of: datetime | None = None,
) -> MetricResult:
    """New leads (or leads reaching MQL) per day, week or month of the period, zero-filled."""
    as_of = as_of or datetime.now(UTC)
    where, params = lead_condition(session, lead_filter, as_of, period)
    # No buckets after `as_of`: "this quarter" stops at today, not at the end of the quarter.
    params.update(interval=interval, last=min(period.end, as_of))
    if event == "created":
        items = f"SELECT leads.id, leads.created_at AS at FROM leads WHERE {where}"
    else:
        items = (
            "SELECT DISTINCT leads.id, e.occurred_at AS at FROM events e "
            f"JOIN leads ON leads.id = e.lead_id WHERE e.type = 'mql_reached' AND {where}"
        )
    sql = f"""
WITH items AS ({items}),
in_period AS (SELECT id, at FROM items WHERE at >= :start AND at < :end),
buckets AS (
  SELECT generate_series(date_trunc(:interval, CAST(:start AS timestamptz), 'UTC'),
                         CAST(:last AS timestamptz) - interval '1 microsecond',
                         CAST('1 ' || :interval AS interval)) AS bucket
)
SELECT b.bucket, count(DISTINCT p.id) AS n,
       (array_agg(DISTINCT p.id) FILTER (WHERE p.id IS NOT NULL))[1:{RECORD_CAP}] AS ids
FROM buckets b LEFT JOIN in_period p ON date_trunc(:interval, p.at, 'UTC') = b.bucket
GROUP BY b.bucket ORDER BY b.bucket"""
    rows = fetch(session, sql, params)
    series = {r["bucket"].astimezone(UTC).date().isoformat(): r["n"] for r in rows}
    total = sum(series.values())
    return build(
        f"{'new_leads' if event == 'created' else 'mqls'}_per_{interval}",
        total,
        sql,
        params,
        numbers=series,
        rows=[{interval: k, "leads": v} for k, v in series.items()],
        record_ids=capped([i for r in rows for i in (r["ids"] or [])]),
        record_count=total,
        period=period,
    )


def top_leads(
    session: Session,
    n: int = 10,
    *,
    order_by: str = "score",
    lead_filter: LeadFilter | None = None,
    as_of: datetime | None = None,
) -> MetricResult:
    """The n leads with the highest score (or fit / engagement score), best first."""
    where, params = lead_condition(session, lead_filter, as_of)
    params["n"] = max(1, min(n, RECORD_CAP))
    sql = (
        "SELECT leads.id, leads.email, leads.first_name, leads.last_name, leads.company, "
        "leads.score, leads.fit_score, leads.engagement_score, leads.tier, leads.stage "
        f"FROM leads WHERE {where} "
        f"ORDER BY {TOP_ORDER[order_by]} DESC, leads.id LIMIT :n"
    )
    rows = fetch(session, sql, params)
    return build(
        f"top_leads_by_{order_by}",
        len(rows),
        sql,
        params,
        numbers={str(r["id"]): r[order_by] for r in rows},
        rows=rows,
        record_ids=[r["id"] for r in rows],
        record_count=len(rows),
    )


def score_histogram(
    session: Session,
    *,
    bucket: int = 10,
    lead_filter: LeadFilter | None = None,
    as_of: datetime | None = None,
) -> MetricResult:
    """How many leads have a score in each band of `bucket` points (0–9, 10–19, ...)."""
    where, params = lead_condition(session, lead_filter, as_of)
    params["bucket"] = bucket
    sql = (
        "SELECT (leads.score / :bucket) * :bucket AS low, count(*) AS n FROM leads "
        f"WHERE {where} GROUP BY 1 ORDER BY 1"
    )
    rows = fetch(session, sql, params)
    bands = {f"{r['low']}-{r['low'] + bucket - 1}": r["n"] for r in rows}
    total = sum(bands.values())
    return build(
        "score_distribution",
        total,
        sql,
        params,
        numbers=bands,
        rows=[{"score": k, "leads": v} for k, v in bands.items()],
        record_count=total,
    )
