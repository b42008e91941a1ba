"""Timing and cohort metrics: speed-to-lead, time-to-handoff, nurtured vs not-nurtured MQL rates.

Definitions:
- Speed-to-lead: for leads created in the period, hours from creation to the first touch (the
  first `email_sent` or `note_added` at or after creation); leads not touched yet are counted apart.
- Time-to-handoff: for leads whose first `mql_reached` falls in the period, hours from it to the
  first `crm_stage_changed` to sql, opportunity or customer after it.
- Nurtured vs not: leads created in the period with any `email_sent` (nurtured) or none, and the
  share of each that reached MQL.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

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
    two_places,
)

_TIMING = f"""
SELECT count(*) AS base, count(hours) AS timed,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) AS median,
       avg(hours) AS mean,
       (array_agg(id ORDER BY hours NULLS LAST, id))[1:{RECORD_CAP}] AS ids
FROM per_lead"""


def _timing(metric, session, period, lead_filter, as_of, per_lead, names) -> MetricResult:
    """Median and mean hours over a per-lead CTE (id, hours); leads without hours are counted."""
    where, params = lead_condition(session, lead_filter, as_of, period)
    sql = f"WITH per_lead AS ({per_lead.format(where=where)}){_TIMING}"
    row = fetch(session, sql, params)[0]
    timed_name, open_name = names
    return build(
        metric,
        two_places(row["median"]),
        sql,
        params,
        numbers={
            "median_hours": two_places(row["median"]),
            "mean_hours": two_places(row["mean"]),
            timed_name: row["timed"],
            open_name: row["base"] - row["timed"],
        },
        record_ids=capped(row["ids"]),
        record_count=row["base"],
        period=period,
        note=None if row["timed"] else "no lead in this period has a measured time yet",
    )


def speed_to_lead(
    session: Session,
    period: Period,
    *,
    lead_filter: LeadFilter | None = None,
    as_of: datetime | None = None,
) -> MetricResult:
    """Hours from lead creation to the first touch (email sent or rep note), median and mean."""
    per_lead = f"""
SELECT leads.id, extract(epoch FROM (t.first_touch - leads.created_at)) / 3600.0 AS hours
FROM leads LEFT JOIN LATERAL (
  SELECT min(e.occurred_at) AS first_touch FROM events e
  WHERE e.lead_id = leads.id AND e.type IN ('email_sent', 'note_added')
    AND e.occurred_at >= leads.created_at AND e.occurred_at <= :as_of
) t ON TRUE
WHERE {{where}} AND {CREATED_IN_PERIOD}"""
    names = ("touched", "untouched")
    return _timing("speed_to_lead", session, period, lead_filter, as_of, per_lead, names)


def time_to_handoff(
    session: Session,
    period: Period,
    *,
    lead_filter: LeadFilter | None = None,
    as_of: datetime | None = None,
) -> MetricResult:
    """Hours from a lead's first MQL to its first CRM stage of sql or later, median and mean."""
    per_lead = """
SELECT leads.id, extract(epoch FROM (h.handoff_at - q.mql_at)) / 3600.0 AS hours
FROM leads
JOIN (SELECT lead_id, min(occurred_at) AS mql_at FROM events
      WHERE type = 'mql_reached' AND occurred_at <= :as_of GROUP BY lead_id) q
  ON q.lead_id = leads.id
LEFT JOIN LATERAL (
  SELECT min(c.occurred_at) AS handoff_at FROM events c
  WHERE c.lead_id = leads.id AND c.type = 'crm_stage_changed'
    AND c.properties->>'stage' IN ('sql', 'opportunity', 'customer')
    AND c.occurred_at >= q.mql_at AND c.occurred_at <= :as_of
) h ON TRUE
WHERE {where} AND q.mql_at >= :start AND q.mql_at < :end"""
    names = ("handed_off", "not_handed_off")
    return _timing("time_to_handoff", session, period, lead_filter, as_of, per_lead, names)


def nurtured_vs_not(
    session: Session,
    period: Period,
    *,
    lead_filter: LeadFilter | None = None,
    as_of: datetime | None = None,
) -> MetricResult:
    """MQL rate of new leads that got any email (nurtured) against those that got none."""
    where, params = lead_condition(session, lead_filter, as_of, period)
    sql = f"""
WITH cohort AS MATERIALIZED (
  SELECT leads.id,
         leads.id IN (SELECT s.lead_id FROM events s WHERE s.type = 'email_sent'
                      AND s.occurred_at <= :as_of) AS nurtured,
         leads.id IN (SELECT m.lead_id FROM events m WHERE m.type = 'mql_reached'
                      AND m.occurred_at <= :as_of) AS mql
  FROM leads WHERE {where} AND {CREATED_IN_PERIOD}
)
SELECT nurtured, count(*) AS leads, count(*) FILTER (WHERE mql) AS mqls,
       (array_agg(id ORDER BY id))[1:{RECORD_CAP}] AS ids
FROM cohort GROUP BY nurtured"""
    rows = {r["nurtured"]: r for r in fetch(session, sql, params)}
    numbers: dict[str, float | None] = {}
    for flag, name in ((True, "nurtured"), (False, "not_nurtured")):
        row = rows.get(flag, {"leads": 0, "mqls": 0})
        numbers[f"{name}_leads"] = row["leads"]
        numbers[f"{name}_mqls"] = row["mqls"]
        numbers[f"{name}_mql_rate"] = ratio(row["mqls"], row["leads"])
    ids = [i for r in rows.values() for i in r["ids"]]
    table = [
        {"cohort": name, "leads": numbers[f"{name}_leads"], "mql_rate": numbers[f"{name}_mql_rate"]}
        for name in ("nurtured", "not_nurtured")
    ]
    return build(
        "nurtured_vs_not",
        numbers["nurtured_mql_rate"],
        sql,
        params,
        numbers=numbers,
        rows=table,
        record_ids=capped(ids),
        record_count=sum(r["leads"] for r in rows.values()),
        period=period,
    )
