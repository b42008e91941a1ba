"""Set-based scoring in SQL: the same model as `tools.scoring`, for every lead at once.

`score_select` computes every lead's new numbers from the trail (one pass over the events,
parallel-friendly), materialized into a temporary table because a statement that writes cannot
use parallel workers; `apply_sql` (tools/score_sql.py) then updates the leads whose numbers
changed, with score-history rows and `mql_reached` events. The behaviour summaries segment
filters read (tools/behaviour.py) are filled for every lead not summarised yet.

A few leads (ingest, replies) are not rescored from their trails: `rescore(session, ids, ...)`
hands them to the fold (tools/score_state.py), which folds new events into each lead's stored
state, or refolds a lead from its trail when it has to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.vocab import ENGAGEMENT_TYPES
from tools.behaviour import summarise
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
from tools.score_state import fold
from tools.scoring_rules import ScoringConfig, load_config, sql_literal

FULL_RESCORE_WORK_MEM = "512MB"
# the full rescore's plan is only as good as these tables' statistics (see `refresh_stats`)
FULL_RESCORE_TABLES = ("leads", "events", "lead_behaviour")
_STALE_STATS = text(
    """
    SELECT c.relname FROM pg_class c
    WHERE c.relname = ANY(:tables) AND c.relnamespace = 'public'::regnamespace
      AND (c.reltuples <= 0
           OR pg_relation_size(c.oid) / current_setting('block_size')::int > 2 * c.relpages + 8)
    """
)


def refresh_stats(session: Session, tables: Sequence[str] = FULL_RESCORE_TABLES) -> list[str]:
    """ANALYZE the tables whose statistics say empty (or never gathered) or that have more than
    doubled since; returns them.

    Right after a bulk load, or in a transaction that filled a table autovacuum last saw empty,
    the planner believes one row per table and picks nested loops that rescan the trail once
    per event: a full rescore of 150 demo leads ran for minutes instead of 2 s. ANALYZE inside
    the transaction counts its own new rows, and on current statistics the check costs
    nothing.
    """
    stale = list(session.execute(_STALE_STATS, {"tables": list(tables)}).scalars())
    for table in stale:
        session.execute(text(f"ANALYZE {table}"))
    return stale


def score_select(cfg: ScoringConfig) -> str:
    """A SELECT of every lead's score, parts, stage, tier and per-rule counts from its trail."""
    counts = ",\n         ".join(
        f"count(*) FILTER (WHERE counts AND {first_match(cfg, r)}) AS c_{r.id}"
        for r in uncapped(cfg)
    )
    uncapped_sum = " + ".join(f"coalesce(a.c_{r.id}, 0) * {r.points}" for r in uncapped(cfg)) or "0"
    rule_counts = ", ".join(f"coalesce(a.c_{r.id}, 0) AS c_{r.id}" for r in uncapped(cfg))
    capped_sql = (
        " UNION ALL ".join(
            f"SELECT e.lead_id, {sql_literal(r.id)} AS rule, least(count(*) * {r.points}, "
            f"{r.cap_per_month}) AS pts FROM ev e LEFT JOIN resets r USING (lead_id) "
            f"WHERE {first_match(cfg, r)} "
            f"AND (r.reset_at IS NULL OR e.occurred_at > r.reset_at) "
            f"GROUP BY e.lead_id, date_trunc('month', e.occurred_at AT TIME ZONE 'UTC')"
            for r in capped(cfg)
        )
        or "SELECT NULL::bigint AS lead_id, NULL::text AS rule, 0 AS pts WHERE FALSE"
    )
    return f"""
WITH target AS (
  SELECT l.id, l.seniority, l.industry, l.company_size FROM leads l
),
ev AS NOT MATERIALIZED (
  SELECT e.lead_id, e.type, e.category, e.asset_type, e.properties, e.occurred_at
  FROM events e WHERE e.occurred_at <= :as_of AND e.lead_id IS NOT NULL
),
resets AS NOT MATERIALIZED (
  SELECT lead_id, max(occurred_at) AS reset_at FROM ev
  WHERE type IN ({in_list(cfg.reset_on)}) GROUP BY lead_id
),
tagged AS NOT MATERIALIZED (
  SELECT e.lead_id, e.occurred_at, e.type, e.category, e.asset_type, e.properties,
         e.type IN ({in_list(ENGAGEMENT_TYPES)}) AS engaged,
         {stage_case(cfg)} AS stage_rank,
         (r.reset_at IS NULL OR e.occurred_at > r.reset_at) AS counts
  FROM ev e LEFT JOIN resets r USING (lead_id)
),
agg AS (
  SELECT lead_id,
         {counts},
         max(occurred_at) FILTER (WHERE engaged) AS last_engaged_at,
         max(stage_rank) AS stage_rank
  FROM tagged e GROUP BY lead_id
),
capped_rows AS ({capped_sql}),
capped AS (
  SELECT lead_id, sum(pts)::int AS pts, jsonb_object_agg(rule, pts) AS by_rule
  FROM (SELECT lead_id, rule, sum(pts)::int AS pts FROM capped_rows GROUP BY lead_id, rule) x
  GROUP BY lead_id
),
raw AS (
  SELECT t.id AS lead_id, ({fit_sum(cfg, "t")}) AS fit,
         ({uncapped_sum}) + coalesce(c.pts, 0) AS raw_engagement,
         a.last_engaged_at, coalesce(a.stage_rank, 1) AS stage_rank, c.by_rule AS capped_by_rule,
         {rule_counts},
         {periods_sql(cfg, "a.last_engaged_at")} AS periods
  FROM target t LEFT JOIN agg a ON a.lead_id = t.id LEFT JOIN capped c ON c.lead_id = t.id
),
{finish_sql(cfg)}"""


def rescore(
    session: Session,
    lead_ids: Sequence[int] | None = None,
    *,
    as_of: datetime | None = None,
    cause: str = "rescore",
    config: ScoringConfig | None = None,
    new_events: Sequence[int] | None = None,
    refold: Iterable[int] = (),
) -> dict:
    """Recompute scores (for `lead_ids`, or everyone); return counts and the leads that hit MQL.

    For `lead_ids`, `new_events` are the ids of the events stored since their last scoring
    (ingest); the leads are folded forward by those events, or refolded from their trails if
    `new_events` is None, for the `refold` leads, and wherever a fold would not be exact.
    """
    cfg = config or load_config()
    if lead_ids is not None:
        return fold(
            session,
            cfg,
            lead_ids,
            new_events or [],
            refold=set(lead_ids if new_events is None else refold),
            as_of=as_of,
            cause=cause,
        )
    params = {"as_of": as_of or datetime.now(UTC), "cause": cause}
    refresh_stats(session)
    # one hash aggregate over every lead: give it memory instead of spilling to disk
    session.execute(text(f"SET LOCAL work_mem = '{FULL_RESCORE_WORK_MEM}'"))
    session.execute(text("DROP TABLE IF EXISTS rescore_scores"))
    session.execute(
        text(f"CREATE TEMP TABLE rescore_scores ON COMMIT DROP AS {score_select(cfg)}"),
        {"as_of": params["as_of"]},
    )
    session.execute(text("CREATE INDEX ON rescore_scores (lead_id)"))
    row = session.execute(text(apply_sql(cfg, "SELECT * FROM rescore_scores")), params).one()
    # behaviour summaries for segment filters, in the same transaction as the scores
    summarise(session, params["as_of"])
    session.expire_all()  # leads changed under the ORM's feet
    return {"changed": row.changed, "history": row.history, "mql_leads": row.mql_leads or []}
