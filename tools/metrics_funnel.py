"""Funnel metrics: MQL count and rate, MQL→SQL and lead→opportunity, lead velocity, the funnel.

Definitions (all in UTC, periods half-open):
- MQL count: distinct leads with an `mql_reached` event in the period.
- MQL rate: of the leads created in the period, the share with an `mql_reached` event by `as_of`.
- MQL→SQL: of the leads that reached MQL in the period (an `mql_reached` event, or a CRM change to
  stage `mql`), the share with a `crm_stage_changed` event to sql, opportunity or customer.
- lead→opportunity: of the leads created in the period, the share with a `crm_stage_changed`
  event to opportunity or customer.
- Lead velocity rate: (MQLs this month − MQLs last month) / MQLs last month.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from core.vocab import ENGAGEMENT_TYPES
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
    ratio,
    sql_list,
)

# CRM stages that mean "got at least this far" (closed_lost says nothing about how far).
AT_LEAST = {
    "sql": ("sql", "opportunity", "customer"),
    "opportunity": ("opportunity", "customer"),
    "customer": ("customer",),
}
Conversion = Literal["mql_to_sql", "lead_to_opportunity"]
_IDS = f"(array_agg(id ORDER BY id) FILTER (WHERE hit))[1:{RECORD_CAP}]"


def _stage_reached(stage: str) -> str:
    # IN (subquery) is planned as one hashed set, not one probe per lead like EXISTS.
    return (
        "leads.id IN (SELECT c.lead_id FROM events c WHERE c.type = 'crm_stage_changed' "
        f"AND c.properties->>'stage' IN ({sql_list(AT_LEAST[stage])}) AND c.occurred_at <= :as_of)"
    )


_MQL_EVER = (
    "leads.id IN (SELECT m.lead_id FROM events m WHERE m.type = 'mql_reached' "
    "AND m.occurred_at <= :as_of)"
)
_MQL_IN_PERIOD = (
    "leads.id IN (SELECT m.lead_id FROM events m WHERE m.occurred_at >= :start "
    "AND m.occurred_at < :end AND (m.type = 'mql_reached' OR (m.type = 'crm_stage_changed' "
    "AND m.properties->>'stage' = 'mql')))"
)


def mql_count(
    session: Session,
    period: Period,
    *,
    lead_filter: LeadFilter | None = None,
    as_of: datetime | None = None,
) -> MetricResult:
    """Distinct leads with an `mql_reached` event in the period."""
    where, params = lead_condition(session, lead_filter, as_of, period)
    sql = (
        f"SELECT count(*) AS n, (array_agg(leads.id ORDER BY leads.id))[1:{RECORD_CAP}] AS ids "
        f"FROM leads WHERE {where} AND EXISTS (SELECT 1 FROM events e WHERE e.lead_id = leads.id "
        "AND e.type = 'mql_reached' AND e.occurred_at >= :start AND e.occurred_at < :end)"
    )
    row = fetch(session, sql, params)[0]
    return build(
        "mql_count",
        row["n"],
        sql,
        params,
        numbers={"mql": row["n"]},
        record_ids=capped(row["ids"]),
        record_count=row["n"],
        period=period,
    )


def _cohort_rate(metric, session, period, lead_filter, as_of, base, hit, names) -> MetricResult:
    """Share of a base set of leads that also meet `hit`; numbers named by `names`."""
    where, params = lead_condition(session, lead_filter, as_of, period)
    sql = f"""
WITH cohort AS MATERIALIZED (
  SELECT leads.id, {hit} AS hit FROM leads WHERE {where} AND {base}
)
SELECT count(*) AS base, count(*) FILTER (WHERE hit) AS hits, {_IDS} AS ids FROM cohort"""
    row = fetch(session, sql, params)[0]
    rate = ratio(row["hits"], row["base"])
    base_name, hit_name, rate_name = names
    return build(
        metric,
        rate,
        sql,
        params,
        numbers={rate_name: rate, base_name: row["base"], hit_name: row["hits"]},
        record_ids=capped(row["ids"]),
        record_count=row["hits"],
        period=period,
        note=None if row["base"] else "no leads in the base set for this period",
    )


def mql_rate(
    session: Session,
    period: Period,
    *,
    lead_filter: LeadFilter | None = None,
    as_of: datetime | None = None,
) -> MetricResult:
    """Of the leads created in the period, the share that reached MQL (by `as_of`)."""
    names = ("new_leads", "reached_mql", "mql_rate")
    return _cohort_rate(
        "mql_rate", session, period, lead_filter, as_of, CREATED_IN_PERIOD, _MQL_EVER, names
    )


def stage_conversion(
    session: Session,
    kind: Conversion,
    period: Period,
    *,
    lead_filter: LeadFilter | None = None,
    as_of: datetime | None = None,
) -> MetricResult:
    """MQL→SQL (MQLs of the period reaching SQL) or lead→opportunity (new leads of the period)."""
    if kind == "mql_to_sql":
        base, hit = _MQL_IN_PERIOD, _stage_reached("sql")
        names = ("mqls", "reached_sql", "rate")
    else:
        base, hit = CREATED_IN_PERIOD, _stage_reached("opportunity")
        names = ("new_leads", "reached_opportunity", "rate")
    return _cohort_rate(kind, session, period, lead_filter, as_of, base, hit, names)


def lead_velocity(
    session: Session,
    month: Period,
    *,
    lead_filter: LeadFilter | None = None,
    as_of: datetime | None = None,
) -> MetricResult:
    """Lead velocity rate: month-over-month growth of leads reaching MQL."""
    previous = month.previous()
    where, params = lead_condition(session, lead_filter, as_of)
    params.update(start=month.start, end=month.end, prev_start=previous.start)
    sql = f"""
SELECT count(DISTINCT e.lead_id) FILTER (WHERE e.occurred_at >= :start) AS current,
       count(DISTINCT e.lead_id) FILTER (WHERE e.occurred_at < :start) AS previous,
       (array_agg(DISTINCT e.lead_id) FILTER (WHERE e.occurred_at >= :start))[1:{RECORD_CAP}]
         AS ids
FROM events e JOIN leads ON leads.id = e.lead_id
WHERE e.type = 'mql_reached' AND e.occurred_at >= :prev_start AND e.occurred_at < :end
  AND {where}"""
    row = fetch(session, sql, params)[0]
    current, before = row["current"], row["previous"]
    lvr = ratio(current - before, before)
    return build(
        "lead_velocity",
        lvr,
        sql,
        params,
        numbers={"lvr": lvr, "mql": current, "mql_previous": before},
        rows=[
            {"month": previous.start.date().isoformat(), "mqls": before},
            {"month": month.start.date().isoformat(), "mqls": current},
        ],
        record_ids=capped(row["ids"]),
        record_count=current,
        period=month,
        note=None if before else "no MQLs in the previous month, so growth is undefined",
    )


def funnel_counts(
    session: Session, *, lead_filter: LeadFilter | None = None, as_of: datetime | None = None
) -> MetricResult:
    """All-time funnel: leads, engaged, reached MQL, SQL, opportunity, customer."""
    where, params = lead_condition(session, lead_filter, as_of)
    engaged = sql_list(sorted(ENGAGEMENT_TYPES))
    stage = "c.type = 'crm_stage_changed' AND c.properties->>'stage' IN"
    sql = f"""
SELECT count(*) AS leads, count(*) FILTER (WHERE f.engaged) AS engaged,
       count(*) FILTER (WHERE f.mql) AS mql, count(*) FILTER (WHERE f.sql) AS sql,
       count(*) FILTER (WHERE f.opportunity) AS opportunity,
       count(*) FILTER (WHERE f.customer) AS customer
FROM leads LEFT JOIN LATERAL (
  SELECT bool_or(c.type IN ({engaged})) AS engaged, bool_or(c.type = 'mql_reached') AS mql,
         bool_or({stage} ({sql_list(AT_LEAST["sql"])})) AS sql,
         bool_or({stage} ({sql_list(AT_LEAST["opportunity"])})) AS opportunity,
         bool_or({stage} ({sql_list(AT_LEAST["customer"])})) AS customer
  FROM events c WHERE c.lead_id = leads.id AND c.occurred_at <= :as_of
) f ON TRUE
WHERE {where}"""
    row = fetch(session, sql, params)[0]
    return build(
        "funnel",
        row["leads"],
        sql,
        params,
        numbers=dict(row),
        rows=[{"stage": k, "leads": v} for k, v in row.items()],
        record_count=row["leads"],
    )
