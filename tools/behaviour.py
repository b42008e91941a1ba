"""Per-lead behaviour summaries (table `lead_behaviour`): filled by rescore, kept by the fold.

Inline scoring keeps each lead's row current: the fold (tools/score_state.py) adds a batch's
events to the counts and recent timestamps in the same statement that scores it. A full rescore
calls `summarise` to fill the rows not summarised yet (after the migration's backfill, or after a
bulk load). The row holds, per metric, the all-time count and the three most recent
timestamps. The fill keeps those timestamps only from the last `HORIZON_DAYS` (one sort over the
recent part of the trail instead of all of it), which is why segment filters read windowed
counts from summaries only for windows of at most `MAX_WINDOW_DAYS` (tools/segment_filter.py).
A row is unsummarised because its trail changed outside the fold (a bulk load), so the fill
also drops the row's scoring fold state: the lead's next batch refolds it from the trail.

The fill of many rows (`fill_sql`) reads each metric's events on their own, through the covering
indexes on (type, category | asset_type, occurred_at, lead_id), so no row of the trail has every
metric's condition evaluated against it: per metric a hash count per lead, and a sort of its
recent events by (lead, time) for the three newest; the newest event of any kind per lead comes
from one index probe per lead. Parallel workers fold the parts into one row per lead in a
temporary table first (a statement that writes cannot use parallel workers), then one UPDATE
writes each target row once. A handful of unsummarised rows goes through the per-lead statement
instead.

`events` and `emails_sent` are not summarised (tools/summary_filter.py says why).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.models.behaviour import RECENT_KEPT
from tools.segment_fields import BEHAVIOUR
from tools.summary_filter import MAX_WINDOW_DAYS, SUMMARISED

HORIZON_DAYS = MAX_WINDOW_DAYS + 1  # a day of slack for query times a little before a rescore
# the only event fields metric conditions read; a page's category matters for page views only
_KIND = "e.type, CASE WHEN e.type = 'page_viewed' THEN e.category END AS category, e.asset_type"


def summary_sql() -> str:
    """An UPDATE of the unsummarised rows from their leads' trails, lead by lead."""
    target = "SELECT lead_id FROM lead_behaviour WHERE summarised_at IS NULL"
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
SET last_event_at = a.last_event_at, summarised_at = now(), state_key = NULL, {assignments}
FROM target t LEFT JOIN agg a ON a.lead_id = t.lead_id LEFT JOIN rec r ON r.lead_id = t.lead_id
WHERE b.lead_id = t.lead_id
"""


# below this many unsummarised rows, the per-lead statement (index lookups) beats reading
# every metric's events
FILL_BY_LEAD_BELOW = 20_000


def fill_parts_sql() -> str:
    """A SELECT of (metric, lead_id, n, recent) rows over every lead's trail.

    Per summarised metric `i`: one row per lead with its all-time count `n`, and one with the
    `RECENT_KEPT` newest timestamps after `:horizon_from` (`recent`).
    """
    branches = []
    for i, metric in enumerate(SUMMARISED):
        cond = BEHAVIOUR[metric]
        branches.append(
            f"SELECT {i} AS metric, e.lead_id, count(*) AS n, NULL::timestamptz[] AS recent "
            f"FROM events e "
            f"WHERE {cond} AND e.lead_id IS NOT NULL GROUP BY e.lead_id"
        )
        branches.append(
            f"SELECT {i}, e.lead_id, NULL, "
            f"(array_agg(e.occurred_at ORDER BY e.occurred_at DESC))[1:{RECENT_KEPT}] "
            f"FROM events e WHERE {cond} AND e.lead_id IS NOT NULL "
            f"AND e.occurred_at > :horizon_from GROUP BY e.lead_id"
        )
    return "\nUNION ALL\n".join(branches)


def fill_rows_sql() -> str:
    """A SELECT of every lead's summary columns (one row per lead with events), from the parts.

    The parts come out of parallel workers already aggregated per lead; each worker folds its
    own into rows (a partial aggregate) before the leader combines them.
    """
    columns = ",\n         ".join(
        f"coalesce(max(p.n) FILTER (WHERE p.metric = {i}), 0) AS {m}, "
        f"max(p.recent) FILTER (WHERE p.metric = {i}) AS {m}_recent"
        for i, m in enumerate(SUMMARISED)
    )
    return f"""
SELECT p.lead_id,
       {columns}
FROM ({fill_parts_sql()}) p
GROUP BY p.lead_id
"""


# each lead's newest event of any kind: one backward probe of ix_events_lead_time per lead (6 s
# at 1M leads, where a hash aggregate over the 20M events took 24 s); its own statement, as
# the planner gives up parallel workers for the other parts when this is one of them
LAST_EVENT_SQL = """
SELECT l.id AS lead_id,
       (SELECT max(e.occurred_at) FROM events e WHERE e.lead_id = l.id) AS last_event_at
FROM leads l
"""


def fill_sql(rows: str, last: str) -> str:
    """An UPDATE of every unsummarised row from `rows` (`fill_rows_sql`) and `last`."""
    assignments = ", ".join(
        f"{m} = coalesce(a.{m}, 0), {m}_recent = a.{m}_recent" for m in SUMMARISED
    )
    return f"""
WITH target AS (SELECT lead_id FROM lead_behaviour WHERE summarised_at IS NULL)
UPDATE lead_behaviour b
SET last_event_at = z.last_event_at, summarised_at = now(), state_key = NULL, {assignments}
FROM target t LEFT JOIN {rows} a ON a.lead_id = t.lead_id
     LEFT JOIN {last} z ON z.lead_id = t.lead_id
WHERE b.lead_id = t.lead_id
"""


def summarise(session: Session, as_of: datetime | None) -> int:
    """Fill every unsummarised row from its lead's trail; the number of rows filled."""
    anchor = min(as_of or datetime.now(UTC), datetime.now(UTC))
    params = {"horizon_from": anchor - timedelta(days=HORIZON_DAYS)}
    pending = session.execute(
        text(
            f"SELECT count(*) FROM (SELECT 1 FROM lead_behaviour WHERE summarised_at IS NULL "
            f"LIMIT {FILL_BY_LEAD_BELOW + 1}) x"
        )
    ).scalar()
    if pending == 0:
        return 0
    if pending <= FILL_BY_LEAD_BELOW:
        return session.execute(text(summary_sql()), params).rowcount
    session.execute(text("DROP TABLE IF EXISTS behaviour_rows, behaviour_last"))
    session.execute(
        text(f"CREATE TEMP TABLE behaviour_rows ON COMMIT DROP AS {fill_rows_sql()}"), params
    )
    session.execute(text(f"CREATE TEMP TABLE behaviour_last ON COMMIT DROP AS {LAST_EVENT_SQL}"))
    session.execute(text("ANALYZE behaviour_rows, behaviour_last"))
    return session.execute(text(fill_sql("behaviour_rows", "behaviour_last"))).rowcount
