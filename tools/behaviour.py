"""Per-lead behaviour summaries (table `lead_behaviour`), kept current by rescore.

Rescore calls `summarise` in the same transaction as the scores it writes: for the leads of an
ingested batch it recomputes their rows from their whole trail; a full rescore fills the rows not
summarised yet (after the migration's backfill, or after a bulk load). The row holds, per metric,
the all-time count and the three most recent timestamps. A full pass keeps those timestamps only
from the last `HORIZON_DAYS` (one sort over the recent part of the trail instead of all of it),
which is why segment filters read windowed counts from summaries only for windows of at most
`MAX_WINDOW_DAYS` (tools/segment_filter.py).

`events` and `emails_sent` are not summarised (tools/summary_filter.py says why).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.models.behaviour import RECENT_KEPT
from tools.segment_fields import BEHAVIOUR
from tools.summary_filter import MAX_WINDOW_DAYS, SUMMARISED

HORIZON_DAYS = MAX_WINDOW_DAYS + 1  # a day of slack for query times a little before a rescore
# the only event fields metric conditions read; a page's category matters for page views only
_KIND = "e.type, CASE WHEN e.type = 'page_viewed' THEN e.category END AS category, e.asset_type"


def summary_sql(*, subset: bool) -> str:
    """An UPDATE of the target leads' summary rows from their trail (`:ids`, or unsummarised)."""
    target = (
        "SELECT lead_id FROM lead_behaviour WHERE lead_id = ANY(:ids)"
        if subset
        else "SELECT lead_id FROM lead_behaviour WHERE summarised_at IS NULL"
    )
    counts = ",\n         ".join(
        f"coalesce(sum(e.n) FILTER (WHERE {BEHAVIOUR[m]}), 0) AS {m}" for m in SUMMARISED
    )
    recents = ",\n         ".join(
        f"(array_agg(e.occurred_at ORDER BY e.occurred_at DESC) FILTER (WHERE {BEHAVIOUR[m]}))"
        f"[1:{RECENT_KEPT}] AS {m}_recent"
        for m in SUMMARISED
    )
    assignments = ", ".join(
        f"{m} = coalesce(a.{m}, 0), {m}_recent = r.{m}_recent" for m in SUMMARISED
    )
    return f"""
WITH target AS ({target}),
kinds AS (
  SELECT e.lead_id, {_KIND}, count(*) AS n, max(e.occurred_at) AS last_at
  FROM events e JOIN target t ON t.lead_id = e.lead_id
  GROUP BY 1, 2, 3, 4
),
agg AS (
  SELECT e.lead_id, max(e.last_at) AS last_event_at,
         {counts}
  FROM kinds e GROUP BY e.lead_id
),
latest AS (
  SELECT * FROM (
    SELECT k.*, row_number() OVER (PARTITION BY k.lead_id, k.type, k.category, k.asset_type
                                   ORDER BY k.occurred_at DESC) AS nth
    FROM (
      SELECT e.lead_id, {_KIND}, e.occurred_at
      FROM events e JOIN target t ON t.lead_id = e.lead_id
      WHERE e.occurred_at > :horizon_from
    ) k
  ) e WHERE e.nth <= {RECENT_KEPT}
),
rec AS (
  SELECT e.lead_id,
         {recents}
  FROM latest e GROUP BY e.lead_id
)
UPDATE lead_behaviour b
SET last_event_at = a.last_event_at, summarised_at = now(), {assignments}
FROM target t LEFT JOIN agg a ON a.lead_id = t.lead_id LEFT JOIN rec r ON r.lead_id = t.lead_id
WHERE b.lead_id = t.lead_id
"""


def summarise(session: Session, lead_ids: Sequence[int] | None, as_of: datetime | None) -> int:
    """Refresh the summaries of `lead_ids` (whole trail), or fill every unsummarised row."""
    if lead_ids is not None:
        params = {"ids": list(lead_ids), "horizon_from": datetime.min.replace(tzinfo=UTC)}
        result = session.execute(text(summary_sql(subset=True)), params)
        return result.rowcount
    anchor = min(as_of or datetime.now(UTC), datetime.now(UTC))
    params = {"horizon_from": anchor - timedelta(days=HORIZON_DAYS)}
    return session.execute(text(summary_sql(subset=False)), params).rowcount
