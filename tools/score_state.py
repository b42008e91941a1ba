"""Inline scoring as a fold: each batch's new events folded into the lead's stored state.

A lead's score at `as_of` is a function of a small state and `as_of`: per-rule counts of the
events after the last reset, capped rules' counts per calendar month, the reset time, the last
engagement (decay), the highest stage reached, plus fit from the lead row. That state is a fold
over the trail, so ingest does not reread trails: it folds the batch's events into the state kept
in `lead_behaviour` (migration 0007), together with the behaviour summaries segment filters read
(all-time counts and the 3 newest timestamps per metric). Folding event e at `as_of`:
- the summaries count it whatever its time (`last_event_at`: the newest event they count);
- if it lies after `as_of` it is not scored yet: `future_at` remembers the first such time
  (of an event type that can move a score);
- otherwise it may raise the stage and the last engagement, and if it lies after the reset it
  counts for the first engagement rule it matches (capped rules: in its UTC month).

A lead is refolded from its whole trail (an empty state folded with every event) instead when a
fold would not be exact: no state yet (rows from before 0007, bulk loads), a state made under
another scoring config, an unsummarised row, an `as_of` behind the state's, a future-dated event
now due, a reset in the batch newer than the state's (it changes which earlier events count), or
when the caller says so (anonymous events just attached to the lead, crash recovery).

Concurrency. A fold locks its leads' state rows in lead order (the lock statement), folds the
batch into them and materializes the new numbers (`fold_scores`), and only then locks the leads
rows in lead order (`lock_lead_rows`) to write scores, history and MQL events, so requests
storing consent or stage changes (which lock leads rows only) wait for the short apply, not for
the whole fold. Two folds sharing leads queue on the state rows. A refold reads the trail
under the state-row locks, leaving out the events of batches not scored yet
(`ingest_batches` rows without `scored_at`) that name the lead: whoever scores them (which
needs the same locks) folds them in later. (A pending batch that does not name the lead, e.g.
its anonymous events just attached to it, will not fold them for this lead, so the refold
counts them.) So every event is counted exactly once, whatever the interleaving, and a refold
reads only the pending batches of its own leads. Fit is read from the leads row without its
lock: an identify that changes it concurrently has a pending batch of its own, whose fold
scores the new attributes.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.db import bigint_array
from core.models.behaviour import RECENT_KEPT
from core.vocab import ENGAGEMENT_TYPES
from tools.score_sql import (
    apply_sql,
    capped,
    finish_sql,
    first_match,
    fit_sum,
    in_list,
    periods_sql,
    stage_case,
    uncapped,
)
from tools.scoring_rules import ScoringConfig, sql_literal
from tools.segment_fields import BEHAVIOUR
from tools.summary_filter import SUMMARISED

NEW_LEAD_STATE = "new"  # the empty state the new-lead trigger writes: exact under any config
STATE_COLUMNS = (
    "rule_counts",
    "capped_counts",
    "reset_at",
    "engaged_at",
    "stage_rank",
    "future_at",
    "last_event_at",
)


def state_key(cfg: ScoringConfig) -> str:
    """Names the scoring config a state was folded under (its rules and their order)."""
    return hashlib.sha256(cfg.model_dump_json().encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Locked:
    """A state row as the lock statement returns it."""

    lead_id: int
    state_key: str | None
    summarised: bool
    reset_at: datetime | None
    folded_through: datetime | None
    future_at: datetime | None
    batch_resets: list[datetime] | None  # when the batch's new reset events occurred


def refold_reason(row: Locked, key: str, as_of: datetime) -> str | None:
    """Why folding the batch into this state would not be exact (None: it would be)."""
    if row.state_key is None:
        return "no state"
    if row.state_key not in (key, NEW_LEAD_STATE):
        return "scoring config changed"
    if not row.summarised:
        return "summary not filled"
    if row.folded_through is not None and row.folded_through > as_of:
        return "as_of behind the state"
    if row.future_at is not None and row.future_at <= as_of:
        return "a future-dated event is now due"
    for reset in row.batch_resets or ():
        if reset <= as_of and (row.reset_at is None or reset > row.reset_at):
            return "a newer reset"
    return None


_LOCK_LEADS = text(
    "SELECT count(*) FROM (SELECT 1 FROM leads WHERE id = ANY(CAST(:ids AS bigint[])) "
    "ORDER BY id FOR NO KEY UPDATE) x"
)


def lock_lead_rows(session: Session, lead_ids: Iterable[int]) -> None:
    """Lock leads rows in id order, as every writer of several leads rows does first.

    One order everywhere (a fold's state rows, then leads rows, each ascending) is what keeps
    the scorer and concurrent requests from deadlocking. NO KEY UPDATE, like an UPDATE of non-key
    columns: inserting events (whose foreign key takes KEY SHARE) is not blocked.
    """
    _lock_in_order(session, _LOCK_LEADS, lead_ids)


_LOCK_STATES = text(
    "SELECT count(*) FROM (SELECT 1 FROM lead_behaviour "
    "WHERE lead_id = ANY(CAST(:ids AS bigint[])) ORDER BY lead_id FOR UPDATE) x"
)


def lock_state_rows(session: Session, lead_ids: Iterable[int]) -> None:
    """Lock state rows in lead order: what a transaction that writes a leads row and later
    folds (reply actions) takes first, so it keeps the fold's order (state rows, then leads
    rows) instead of waiting for a scorer that waits for it."""
    _lock_in_order(session, _LOCK_STATES, lead_ids)


def _lock_in_order(session: Session, lock, lead_ids: Iterable[int]) -> None:
    ids = sorted(set(lead_ids))
    if ids:
        session.execute(lock, {"ids": bigint_array(ids)})


def lock_sql(cfg: ScoringConfig) -> str:
    """Lock the target state rows in lead order; each with the times of the batch's resets."""
    return f"""
WITH batch_resets AS (
  SELECT lead_id, array_agg(occurred_at) AS at FROM events
  WHERE id = ANY(CAST(:events AS bigint[])) AND type IN ({in_list(cfg.reset_on)})
  GROUP BY lead_id
)
SELECT b.lead_id, b.state_key, b.summarised_at IS NOT NULL AS summarised, b.reset_at,
       b.folded_through, b.future_at, r.at AS batch_resets
FROM lead_behaviour b LEFT JOIN batch_resets r ON r.lead_id = b.lead_id
WHERE b.lead_id = ANY(CAST(:ids AS bigint[]))
ORDER BY b.lead_id
FOR UPDATE OF b
"""


def _scored_types(cfg: ScoringConfig) -> list[str]:
    """Event types that can move a score: rules, stages, resets and engagement."""
    types = set(ENGAGEMENT_TYPES) | set(cfg.reset_on)
    for match in [r.when for r in cfg.engagement] + [m for ms in cfg.stages.values() for m in ms]:
        types |= set(match.type)
    return sorted(types)


def _month_key(rule) -> str:
    return f"{sql_literal(rule.id + ':')} || to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM')"


def _merge_recent(metric: str) -> str:
    """The newest `RECENT_KEPT` times of the old state's and the batch's (each newest first).

    Folding forward, the batch's events are nearly always newer than the state's, and then
    the two arrays concatenated are already in order; only otherwise does it sort.
    """
    old, new = f"o.{metric}_recent", f"a.{metric}_recent"
    return (
        f"CASE WHEN coalesce(a.{metric}_n, 0) = 0 THEN {old} "
        f"WHEN {old} IS NULL OR {new}[cardinality({new})] >= {old}[1] "
        f"THEN ({new} || {old})[1:{RECENT_KEPT}] "
        f"ELSE ARRAY(SELECT t FROM unnest({old} || {new}) t ORDER BY t DESC "
        f"LIMIT {RECENT_KEPT}) END"
    )


def _fold_ctes(cfg: ScoringConfig) -> str:
    """Top-level CTEs ending in `ns`: the target states folded forward (or refolded), written."""
    rules = uncapped(cfg)
    summarised = " OR ".join(f"({BEHAVIOUR[m]})" for m in SUMMARISED)
    summary_aggs = ",\n         ".join(
        f"count(*) FILTER (WHERE {BEHAVIOUR[m]}) AS {m}_n, "
        f"(array_agg(e.occurred_at ORDER BY e.occurred_at DESC) FILTER (WHERE {BEHAVIOUR[m]}))"
        f"[1:{RECENT_KEPT}] AS {m}_recent"
        for m in SUMMARISED
    )
    rule_aggs = "".join(
        f"count(*) FILTER (WHERE counts AND {first_match(cfg, r)}) AS d_{r.id},\n         "
        for r in rules
    )
    capped_rows = (
        " UNION ALL ".join(
            f"SELECT e.lead_id, {_month_key(r)} AS k, count(*) AS n FROM tagged e "
            f"WHERE counts AND {first_match(cfg, r)} GROUP BY 1, 2"
            for r in capped(cfg)
        )
        or "SELECT NULL::bigint AS lead_id, NULL::text AS k, 0::bigint AS n WHERE FALSE"
    )
    carried = (*STATE_COLUMNS, *SUMMARISED, *(f"{m}_recent" for m in SUMMARISED))
    old_columns = ", ".join(f"b.{c}" for c in carried)
    no_columns = ", ".join("NULL" for _ in carried)  # typed by the branch above
    rule_counts = ", ".join(
        f"coalesce(o.rule_counts[{i}], 0) + coalesce(a.d_{r.id}, 0)"
        for i, r in enumerate(rules, start=1)
    )
    summaries = ",\n      ".join(
        f"{m} = coalesce(o.{m}, 0) + coalesce(a.{m}_n, 0), {m}_recent = {_merge_recent(m)}"
        for m in SUMMARISED
    )
    return f"""
pending AS MATERIALIZED (
  SELECT unnest(event_ids) AS id FROM ingest_batches
  WHERE scored_at IS NULL AND lead_ids && CAST(:refold AS bigint[])
),
src AS (
  SELECT e.lead_id, e.type, e.category, e.asset_type, e.properties, e.occurred_at
  FROM events e
  WHERE e.id = ANY(CAST(:events AS bigint[])) AND e.lead_id = ANY(CAST(:fold AS bigint[]))
  UNION ALL
  SELECT e.lead_id, e.type, e.category, e.asset_type, e.properties, e.occurred_at
  FROM events e
  WHERE e.lead_id = ANY(CAST(:refold AS bigint[]))
    AND NOT EXISTS (SELECT 1 FROM pending p WHERE p.id = e.id)
),
o AS MATERIALIZED (  -- the states folded forward; refolded leads start from an empty one
  SELECT b.lead_id, FALSE AS refold, {old_columns} FROM lead_behaviour b
  WHERE b.lead_id = ANY(CAST(:fold AS bigint[]))
  UNION ALL
  SELECT r.lead_id, TRUE, {no_columns} FROM unnest(CAST(:refold AS bigint[])) r(lead_id)
),
rs AS (
  SELECT lead_id, max(occurred_at) AS reset_at FROM src
  WHERE type IN ({in_list(cfg.reset_on)}) AND occurred_at <= :as_of GROUP BY lead_id
),
tagged AS (
  SELECT e.*, e.type IN ({in_list(ENGAGEMENT_TYPES)}) AS engaged,
         {stage_case(cfg)} AS stage_rank,
         e.occurred_at <= :as_of AS due,
         e.occurred_at <= :as_of
           AND e.occurred_at > coalesce(greatest(o.reset_at, r.reset_at), '-infinity')
           AS counts
  FROM src e JOIN o USING (lead_id) LEFT JOIN rs r USING (lead_id)
),
a AS (
  SELECT e.lead_id,
         {rule_aggs}max(e.occurred_at) FILTER (WHERE due AND engaged) AS engaged_at,
         max(e.stage_rank) FILTER (WHERE due) AS stage_rank,
         min(e.occurred_at) FILTER (WHERE NOT due AND e.type IN ({in_list(_scored_types(cfg))}))
           AS future_at,
         max(e.occurred_at) FILTER (WHERE {summarised}) AS last_event_at,
         {summary_aggs}
  FROM tagged e GROUP BY e.lead_id
),
c AS (SELECT lead_id, jsonb_object_agg(k, n) AS counts FROM ({capped_rows}) x GROUP BY lead_id),
ns AS (
  UPDATE lead_behaviour b
  SET state_key = :key, folded_through = :as_of,
      summarised_at = coalesce(b.summarised_at, now()),  -- unchanged once set: HOT (0012)
      rule_counts = ARRAY[{rule_counts}]::int[],
      capped_counts = CASE WHEN c.counts IS NULL THEN o.capped_counts ELSE (
        SELECT jsonb_object_agg(k, coalesce((o.capped_counts->>k)::int, 0)
                                   + coalesce((c.counts->>k)::int, 0))
        FROM jsonb_object_keys(coalesce(o.capped_counts, '{{}}') || c.counts) AS k) END,
      reset_at = greatest(o.reset_at, r.reset_at),
      engaged_at = greatest(o.engaged_at, a.engaged_at),
      stage_rank = greatest(o.stage_rank, a.stage_rank),
      future_at = least(o.future_at, a.future_at),
      last_event_at = greatest(o.last_event_at, a.last_event_at),
      {summaries}
  FROM o LEFT JOIN a USING (lead_id) LEFT JOIN c USING (lead_id) LEFT JOIN rs r USING (lead_id)
  WHERE b.lead_id = o.lead_id
  RETURNING b.lead_id, b.rule_counts, b.capped_counts, b.engaged_at, b.stage_rank
),
"""


def _scores_from_state(cfg: ScoringConfig) -> str:
    """A SELECT of the columns `apply_sql` reads, from the written states `ns`."""
    rules = uncapped(cfg)
    counts = "".join(
        f"coalesce(n.rule_counts[{i}], 0) AS c_{r.id},\n         "
        for i, r in enumerate(rules, start=1)
    )
    uncapped_sum = (
        " + ".join(
            f"coalesce(n.rule_counts[{i}], 0) * {r.points}" for i, r in enumerate(rules, start=1)
        )
        or "0"
    )
    # capped rules' points, each a plain aggregate over the lead's month counts (a scalar
    # subquery a rule: no hash aggregate to build for every lead)
    cap_rules = capped(cfg)
    per_rule = ", ".join(
        f"(SELECT sum(least(j.value::int * {r.points}, {r.cap_per_month}))::int "
        f"FROM jsonb_each_text(n.capped_counts) j "
        f"WHERE starts_with(j.key, {sql_literal(r.id + ':')})) AS p{i}"
        for i, r in enumerate(cap_rules)
    )
    cap_sum = "".join(f" + coalesce(cp.p{i}, 0)" for i in range(len(cap_rules)))
    by_rule, lateral = "NULL::jsonb", ""
    if cap_rules:
        pairs = ", ".join(f"{sql_literal(r.id)}, cp.p{i}" for i, r in enumerate(cap_rules))
        by_rule = f"nullif(jsonb_strip_nulls(jsonb_build_object({pairs})), '{{}}')"
        # OFFSET 0 keeps the planner from inlining the subqueries into every later reference
        lateral = f"CROSS JOIN LATERAL (SELECT {per_rule} OFFSET 0) cp"
    return f"""
WITH raw AS (
  SELECT n.lead_id, ({fit_sum(cfg, "l")}) AS fit,
         ({uncapped_sum}){cap_sum} AS raw_engagement,
         {counts}n.engaged_at AS last_engaged_at, coalesce(n.stage_rank, 1) AS stage_rank,
         {by_rule} AS capped_by_rule,
         {periods_sql(cfg, "n.engaged_at")} AS periods
  FROM ns n JOIN leads l ON l.id = n.lead_id {lateral}
),
{finish_sql(cfg)}"""


_STATEMENTS: dict[str, tuple[str, str, str]] = {}
_APPLY = "SELECT * FROM fold_scores"


def _statements(cfg: ScoringConfig) -> tuple[str, str, str, str]:
    """The config's state key and its lock, fold and apply SQL, built once.

    The fold writes the state rows and materializes the new numbers into `fold_scores`; the
    apply (`apply_sql`) writes leads, history and MQL events from there, after the leads rows
    are locked, so a fold holds leads rows only for the short apply.
    """
    key = state_key(cfg)
    if key not in _STATEMENTS:
        fold_sql = (
            f"CREATE TEMP TABLE fold_scores ON COMMIT DROP AS WITH {_fold_ctes(cfg)}\n"
            f"final AS ({_scores_from_state(cfg)})\nSELECT * FROM final"
        )
        _STATEMENTS[key] = (lock_sql(cfg), fold_sql, apply_sql(cfg, _APPLY))
    return key, *_STATEMENTS[key]


def fold(
    session: Session,
    cfg: ScoringConfig,
    lead_ids: Sequence[int],
    new_events: Sequence[int],
    *,
    refold: Iterable[int] = (),
    as_of: datetime | None = None,
    cause: str = "ingest",
) -> dict:
    """Score `lead_ids` by folding `new_events` into their states (or refolding); no commit.

    `as_of` defaults to now, or to the newest `as_of` a concurrent batch already folded these
    leads to, so a batch that waited for another's locks folds instead of refolding. Returns
    the apply counts, the leads that crossed into MQL and why leads were refolded.
    """
    ids = sorted(set(lead_ids))
    if not ids:
        return {"changed": 0, "history": 0, "mql_leads": [], "folded": 0, "refolded": {}}
    key, lock, fold_sql, apply = _statements(cfg)
    events = bigint_array(sorted(set(new_events)))
    rows = session.execute(text(lock), {"ids": bigint_array(ids), "events": events}).all()
    locked = [Locked(*row) for row in rows]  # (.all(): one fetch, not a fetch a row)
    missing = set(ids) - {r.lead_id for r in locked}
    if missing:  # every lead gets its row from a trigger; should one be gone, refold into a new one
        session.execute(
            text(
                "INSERT INTO lead_behaviour (lead_id) SELECT unnest(CAST(:ids AS bigint[])) "
                "ON CONFLICT DO NOTHING"
            ),
            {"ids": bigint_array(sorted(missing))},
        )
        locked += [Locked(i, None, False, None, None, None, None) for i in sorted(missing)]
    if as_of is None:
        as_of = max([datetime.now(UTC), *(r.folded_through for r in locked if r.folded_through)])
    asked = set(refold)
    reasons = {
        r.lead_id: "asked" if r.lead_id in asked else refold_reason(r, key, as_of) for r in locked
    }
    again = [lead for lead, why in reasons.items() if why is not None]
    folded = [lead for lead, why in reasons.items() if why is None]
    params = {
        "fold": bigint_array(folded),
        "refold": bigint_array(again),
        "events": events,
        "key": key,
    }
    session.execute(text("DROP TABLE IF EXISTS fold_scores"))
    session.execute(text(fold_sql), {**params, "as_of": as_of})
    lock_lead_rows(session, ids)
    row = session.execute(text(apply), {"as_of": as_of, "cause": cause}).one()
    session.expire_all()  # leads changed under the ORM's feet
    return {
        "changed": row.changed,
        "history": row.history,
        "mql_leads": row.mql_leads or [],
        "folded": len(folded),
        "refolded": dict(Counter(why for why in reasons.values() if why is not None)),
    }
