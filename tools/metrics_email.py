"""Email metrics per campaign or sequence step, and leads who went quiet after an email.

Sends are `email_sent` events in the period; each is followed by its own delivered / opened /
clicked / bounced events, matched on properties.email_id (or, without one, on the lead and the
campaign, or sequence and step). Groups are "<sequence> step <n>" when the send carries
properties.sequence, else properties.campaign. A click counts as an open (it proves one). A reply
counts for the latest email sent to that lead before it (or the one its email_id names); a positive
reply carries properties.label meeting_request, question or interested. Rates: open, click, reply
and positive-reply rates are over delivered emails (over sent when a group has no delivery events);
click-to-open is clicks over opens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from core.vocab import ENGAGEMENT_TYPES
from tools.metrics import (
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

POSITIVE_LABELS = ("meeting_request", "question", "interested")
RATES = ("open_rate", "click_rate", "click_to_open", "reply_rate", "positive_reply_rate")
COUNTS = ("sent", "delivered", "opened", "clicked", "bounced", "replied", "positive", "recipients")
GroupBy = Literal["auto", "none"]
_KEY = (
    "coalesce({e}.properties->>'email_id', 'lead:' || {e}.lead_id || ':' || "
    "coalesce({e}.properties->>'sequence', {e}.properties->>'campaign', '') || ':' || "
    "coalesce({e}.properties->>'step', ''))"
)
_NAMED = (
    "({e}.properties->>'campaign' ILIKE :pattern OR {e}.properties->>'sequence' ILIKE :pattern)"
)


def name_pattern(words: str) -> str:
    """An ILIKE pattern for names containing the words in order ("case study" ~ case-study)."""
    parts = [p for p in words.replace("-", " ").replace("_", " ").split() if p]
    escaped = [p.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for p in parts]
    return "%" + "%".join(escaped) + "%"


def email_performance(
    session: Session,
    period: Period,
    *,
    campaign: str | None = None,
    group_by: GroupBy = "auto",
    lead_filter: LeadFilter | None = None,
    as_of: datetime | None = None,
) -> MetricResult:
    """Sent, delivered, opens, clicks, replies and their rates, per campaign / sequence step."""
    where, params = lead_condition(session, lead_filter, as_of, period)
    named = ""
    if campaign:
        named, params["pattern"] = f"AND {_NAMED.format(e='e')}", name_pattern(campaign)
    grp = (
        "CASE WHEN e.properties ? 'sequence' THEN (e.properties->>'sequence') || ' step ' || "
        "coalesce(e.properties->>'step', '?') ELSE coalesce(e.properties->>'campaign', "
        "'(no campaign)') END"
        if group_by == "auto"
        else "'all'"
    )
    positive = sql_list(POSITIVE_LABELS)
    sql = f"""
WITH sends AS (
  SELECT e.lead_id, e.occurred_at AS sent_at, {_KEY.format(e="e")} AS email_key,
         {grp} AS grp, e.properties->>'sequence' AS seq
  FROM events e JOIN leads ON leads.id = e.lead_id
  WHERE e.type = 'email_sent' AND e.occurred_at >= :start AND e.occurred_at < :end
    AND {where} {named}
),
signals AS (
  SELECT e.lead_id, {_KEY.format(e="e")} AS email_key,
         bool_or(e.type = 'email_delivered') AS delivered,
         bool_or(e.type IN ('email_opened', 'email_clicked')) AS opened,
         bool_or(e.type = 'email_clicked') AS clicked,
         bool_or(e.type = 'email_bounced') AS bounced
  FROM events e
  WHERE e.type IN ('email_delivered', 'email_opened', 'email_clicked', 'email_bounced')
    AND e.occurred_at <= :as_of AND e.lead_id IN (SELECT lead_id FROM sends)
  GROUP BY 1, 2
),
replies AS (
  SELECT DISTINCT ON (r.id) r.id, s.lead_id, s.email_key, r.properties->>'label' AS label
  FROM events r JOIN sends s ON s.lead_id = r.lead_id AND s.sent_at <= r.occurred_at
   AND (r.properties->>'email_id' IS NULL OR r.properties->>'email_id' = s.email_key)
  WHERE r.type = 'reply_received' AND r.occurred_at <= :as_of
  ORDER BY r.id, s.sent_at DESC
),
answered AS (
  SELECT lead_id, email_key, bool_or(label IN ({positive})) AS positive
  FROM replies GROUP BY 1, 2
),
per_send AS (
  SELECT s.grp, s.seq, s.lead_id, coalesce(g.delivered, FALSE) AS delivered,
         coalesce(g.opened, FALSE) AS opened, coalesce(g.clicked, FALSE) AS clicked,
         coalesce(g.bounced, FALSE) AS bounced, a.lead_id IS NOT NULL AS replied,
         coalesce(a.positive, FALSE) AS positive
  FROM sends s
  LEFT JOIN signals g ON g.lead_id = s.lead_id AND g.email_key = s.email_key
  LEFT JOIN answered a ON a.lead_id = s.lead_id AND a.email_key = s.email_key
),
agg AS (
  SELECT grp, seq, GROUPING(grp) AS is_total, count(*) AS sent,
         count(*) FILTER (WHERE delivered) AS delivered, count(*) FILTER (WHERE opened) AS opened,
         count(*) FILTER (WHERE clicked) AS clicked, count(*) FILTER (WHERE bounced) AS bounced,
         count(*) FILTER (WHERE replied) AS replied, count(*) FILTER (WHERE positive) AS positive,
         count(DISTINCT lead_id) AS recipients,
         (array_agg(DISTINCT lead_id))[1:{RECORD_CAP}] AS ids
  FROM per_send GROUP BY GROUPING SETS ((grp, seq), ())
),
enrolled AS (
  SELECT e.properties->>'sequence' AS seq, count(DISTINCT e.lead_id) AS n FROM events e
  WHERE e.type = 'sequence_enrolled' AND e.occurred_at >= :start AND e.occurred_at < :end
  GROUP BY 1
)
SELECT agg.*, en.n AS enrolled FROM agg LEFT JOIN enrolled en ON en.seq = agg.seq
ORDER BY agg.is_total DESC, agg.sent DESC, agg.grp"""
    rows = fetch(session, sql, params)
    total = next(r for r in rows if r["is_total"])
    groups = [_with_rates(r) for r in rows if not r["is_total"]]
    numbers = _with_rates(total)
    numbers.pop("group")
    return build(
        "email_performance",
        numbers["open_rate"],
        sql,
        params,
        numbers={k: v for k, v in numbers.items() if k != "enrolled"},
        rows=groups,
        record_ids=capped(total["ids"]),
        record_count=total["recipients"],
        period=period,
        note=None if total["sent"] else "no emails were sent in this period",
    )


def _with_rates(row: dict) -> dict:
    """Counts and the five rates of one group (delivered as the base, sent when none delivered)."""
    base = row["delivered"] or row["sent"]
    out = {"group": row["grp"] or "all", **{k: row[k] for k in COUNTS}}
    out["enrolled"] = row["enrolled"] if row["seq"] else row["recipients"]
    out.update(
        open_rate=ratio(row["opened"], base),
        click_rate=ratio(row["clicked"], base),
        click_to_open=ratio(row["clicked"], row["opened"]),
        reply_rate=ratio(row["replied"], base),
        positive_reply_rate=ratio(row["positive"], base),
    )
    return out


def went_quiet_after(
    session: Session,
    campaign: str,
    *,
    period: Period | None = None,
    lead_filter: LeadFilter | None = None,
    as_of: datetime | None = None,
) -> MetricResult:
    """Leads who received an email of a campaign named like `campaign` and never engaged since.

    The reference email is each lead's latest non-bounced matching send; "since" excludes opening
    that same email (a click on it, or any other engagement, means the lead did not go quiet).
    """
    where, params = lead_condition(session, lead_filter, as_of, period)
    params["pattern"] = name_pattern(campaign)
    in_period = "AND e.occurred_at >= :start AND e.occurred_at < :end" if period else ""
    engagement = sql_list(sorted(ENGAGEMENT_TYPES))
    sql = f"""
WITH received AS (
  SELECT DISTINCT ON (e.lead_id) e.lead_id, e.occurred_at AS sent_at,
         e.properties->>'email_id' AS email_id,
         coalesce(e.properties->>'campaign', e.properties->>'sequence') AS campaign
  FROM events e JOIN leads ON leads.id = e.lead_id
  WHERE e.type = 'email_sent' AND {_NAMED.format(e="e")} AND e.occurred_at <= :as_of
    {in_period} AND {where}
    AND NOT EXISTS (SELECT 1 FROM events b WHERE b.lead_id = e.lead_id
                    AND b.type = 'email_bounced'
                    AND b.properties->>'email_id' = e.properties->>'email_id')
  ORDER BY e.lead_id, e.occurred_at DESC
),
judged AS (
  SELECT r.*, NOT EXISTS (
    SELECT 1 FROM events x WHERE x.lead_id = r.lead_id AND x.occurred_at > r.sent_at
      AND x.occurred_at <= :as_of AND x.type IN ({engagement})
      AND NOT (x.type = 'email_opened'
               AND x.properties->>'email_id' IS NOT DISTINCT FROM r.email_id)
  ) AS quiet FROM received r
)
SELECT count(*) AS received, count(*) FILTER (WHERE quiet) AS quiet,
       (array_agg(lead_id ORDER BY lead_id) FILTER (WHERE quiet))[1:{RECORD_CAP}] AS ids,
       array_agg(DISTINCT campaign) AS campaigns
FROM judged"""
    row = fetch(session, sql, params)[0]
    campaigns = sorted(c for c in (row["campaigns"] or []) if c)
    return build(
        "went_quiet_after",
        row["quiet"],
        sql,
        params,
        numbers={"quiet": row["quiet"], "received": row["received"]},
        rows=[{"campaign": c} for c in campaigns],
        record_ids=capped(row["ids"]),
        record_count=row["quiet"],
        period=period,
        note=None if row["received"] else f"no lead received an email named like {campaign!r}",
    )


def campaign_names(session: Session, words: str | None = None, limit: int = 20) -> list[str]:
    """Distinct campaign and sequence names on sent emails (optionally containing `words`)."""
    params: dict = {"limit": limit}
    named = ""
    if words:
        named, params["pattern"] = f"AND {_NAMED.format(e='e')}", name_pattern(words)
    sql = (
        "SELECT DISTINCT coalesce(e.properties->>'sequence', e.properties->>'campaign') AS name "
        f"FROM events e WHERE e.type = 'email_sent' {named} ORDER BY 1 LIMIT :limit"
    )
    return [r["name"] for r in fetch(session, sql, params) if r["name"]]
