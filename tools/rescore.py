"""Set-based scoring in SQL: the same model as `tools.scoring`, for a few leads or for all of them.

Two steps. `score_select` computes every target lead's new numbers from the trail (one pass over
the events, parallel-friendly). `apply_sql` then updates the leads whose numbers changed, writes a
score-history row with rule-level reasons for each, and records an `mql_reached` event for each
lead that crossed into MQL (the alert path consumes those). A few leads (ingest) run both as one
statement; a full rescore materializes the scores in a temporary table first, because a statement
that writes cannot use parallel workers. Both also refresh the behaviour summaries segment
filters read (tools/behaviour.py): the given leads, or every lead not summarised yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.vocab import ENGAGEMENT_TYPES
from tools.behaviour import summarise
from tools.scoring_rules import ScoringConfig, load_config, sql_literal

FULL_RESCORE_WORK_MEM = "512MB"


def _in(values) -> str:
    return ", ".join(sql_literal(v) for v in sorted(values))


def _overlap(a, b) -> bool:
    """Could one event match both conditions? (None means any value.)"""
    for field in ("type", "category", "asset_type", "label"):
        left, right = getattr(a, field), getattr(b, field)
        if left is not None and right is not None and not set(left) & set(right):
            return False
    return True


def _first_match(cfg: ScoringConfig, rule) -> str:
    """The rule's condition, excluding events an earlier overlapping rule already claims."""
    earlier = cfg.engagement[: cfg.engagement.index(rule)]
    blockers = [r.when.sql("e") for r in earlier if _overlap(r.when, rule.when)]
    return rule.when.sql("e") + "".join(f" AND NOT {b}" for b in blockers)


def score_select(cfg: ScoringConfig, *, subset: bool) -> str:
    """A SELECT of each target lead's score, parts, stage, tier and per-rule counts."""
    uncapped = [r for r in cfg.engagement if r.cap_per_month is None]
    capped = [r for r in cfg.engagement if r.cap_per_month is not None]
    decision = " OR ".join(m.sql("e") for m in cfg.stages.get("decision", [])) or "FALSE"
    consider = " OR ".join(m.sql("e") for m in cfg.stages.get("consideration", [])) or "FALSE"
    lead_filter = "WHERE l.id = ANY(:ids)" if subset else ""
    event_filter = "AND e.lead_id = ANY(:ids)" if subset else "AND e.lead_id IS NOT NULL"
    counts = ",\n         ".join(
        f"count(*) FILTER (WHERE counts AND {_first_match(cfg, r)}) AS c_{r.id}" for r in uncapped
    )
    uncapped_sum = " + ".join(f"coalesce(a.c_{r.id}, 0) * {r.points}" for r in uncapped) or "0"
    rule_counts = ", ".join(f"coalesce(a.c_{r.id}, 0) AS c_{r.id}" for r in uncapped)
    capped_sql = (
        " UNION ALL ".join(
            f"SELECT e.lead_id, {sql_literal(r.id)} AS rule, least(count(*) * {r.points}, "
            f"{r.cap_per_month}) AS pts FROM ev e LEFT JOIN resets r USING (lead_id) "
            f"WHERE {_first_match(cfg, r)} "
            f"AND (r.reset_at IS NULL OR e.occurred_at > r.reset_at) "
            f"GROUP BY e.lead_id, date_trunc('month', e.occurred_at AT TIME ZONE 'UTC')"
            for r in capped
        )
        or "SELECT NULL::bigint AS lead_id, NULL::text AS rule, 0 AS pts WHERE FALSE"
    )
    fit_sum = (
        " + ".join(f"CASE WHEN {r.when.sql('t')} THEN {r.points} ELSE 0 END" for r in cfg.fit)
        or "0"
    )
    tiers = sorted(cfg.tiers.items(), key=lambda kv: -kv[1])
    tier_case = " ".join(f"WHEN e.score >= {low} THEN {sql_literal(name)}" for name, low in tiers)
    period = cfg.decay.period_days * 86400
    return f"""
WITH target AS (
  SELECT l.id, l.seniority, l.industry, l.company_size FROM leads l {lead_filter}
),
ev AS NOT MATERIALIZED (
  SELECT e.lead_id, e.type, e.category, e.asset_type, e.properties, e.occurred_at
  FROM events e WHERE e.occurred_at <= :as_of {event_filter}
),
resets AS NOT MATERIALIZED (
  SELECT lead_id, max(occurred_at) AS reset_at FROM ev
  WHERE type IN ({_in(cfg.reset_on)}) GROUP BY lead_id
),
tagged AS NOT MATERIALIZED (
  SELECT e.lead_id, e.occurred_at, e.type, e.category, e.asset_type, e.properties,
         e.type IN ({_in(ENGAGEMENT_TYPES)}) AS engaged,
         CASE WHEN {decision} THEN 3 WHEN {consider} THEN 2 ELSE 1 END AS stage_rank,
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
  SELECT t.id AS lead_id, ({fit_sum}) AS fit,
         ({uncapped_sum}) + coalesce(c.pts, 0) AS raw_engagement,
         a.last_engaged_at, coalesce(a.stage_rank, 1) AS stage_rank, c.by_rule AS capped_by_rule,
         {rule_counts},
         CASE WHEN a.last_engaged_at IS NULL THEN 0
              ELSE floor(extract(epoch FROM (:as_of - a.last_engaged_at)) / {period})::int
         END AS periods
  FROM target t LEFT JOIN agg a ON a.lead_id = t.id LEFT JOIN capped c ON c.lead_id = t.id
),
eng AS (
  SELECT r.*,
         CASE WHEN raw_engagement > 0
              THEN greatest(0, raw_engagement - {cfg.decay.points_per_period} * periods)
              ELSE raw_engagement END AS engagement
  FROM raw r
),
scored AS (
  SELECT e.*, greatest(0, e.fit + e.engagement) AS score,
         (ARRAY['awareness', 'consideration', 'decision'])[e.stage_rank] AS stage
  FROM eng e
)
SELECT e.*, CASE {tier_case} ELSE 'cold' END AS tier FROM scored e
"""


def apply_sql(cfg: ScoringConfig, scores: str) -> str:
    """Write the numbers from `scores` (a SELECT): changed leads, history rows, MQL events."""
    fit_lines = [
        f"CASE WHEN {r.when.sql('l')} THEN jsonb_build_object('kind', 'fit', 'rule', "
        f"{sql_literal(r.id)}, 'points', {r.points}, 'text', {sql_literal(r.label)}) END"
        for r in cfg.fit
    ]
    eng_lines = [
        f"CASE WHEN f.c_{r.id} > 0 THEN jsonb_build_object('kind', 'engagement', 'rule', "
        f"{sql_literal(r.id)}, 'count', f.c_{r.id}, 'points', f.c_{r.id} * {r.points}, "
        f"'text', {sql_literal(r.label)}) END"
        for r in cfg.engagement
        if r.cap_per_month is None
    ]
    capped_lines = [
        f"CASE WHEN coalesce(f.capped_by_rule->>{sql_literal(r.id)}, '0')::int <> 0 THEN "
        f"jsonb_build_object('kind', 'engagement', 'rule', {sql_literal(r.id)}, 'points', "
        f"(f.capped_by_rule->>{sql_literal(r.id)})::int, 'text', "
        f"{sql_literal(r.label + ' (capped per month)')}) END"
        for r in cfg.engagement
        if r.cap_per_month is not None
    ]
    decay_line = (
        "CASE WHEN f.raw_engagement > 0 AND f.engagement < f.raw_engagement THEN "
        "jsonb_build_object('kind', 'decay', 'rule', 'decay', 'points', "
        "f.engagement - f.raw_engagement, 'text', 'Inactivity decay, ' || f.periods || "
        "' period(s) without engagement') END"
    )
    lines = ",\n           ".join([*fit_lines, *eng_lines, *capped_lines, decay_line])
    return f"""
WITH final AS ({scores}),
old AS (
  SELECT l.id, l.tier FROM leads l JOIN final f ON f.lead_id = l.id
),
upd AS (
  UPDATE leads l SET fit_score = f.fit, engagement_score = f.engagement, score = f.score,
         tier = f.tier, stage = f.stage, last_engaged_at = f.last_engaged_at, scored_at = :as_of
  FROM final f
  WHERE l.id = f.lead_id
    AND (l.fit_score, l.engagement_score, l.score, l.tier, l.stage, l.last_engaged_at)
        IS DISTINCT FROM (f.fit, f.engagement, f.score, f.tier, f.stage, f.last_engaged_at)
  RETURNING l.id, l.tier, l.score
),
hist AS (
  INSERT INTO score_history
    (lead_id, scored_at, score, fit_score, engagement_score, tier, stage, cause, reasons)
  SELECT f.lead_id, :as_of, f.score, f.fit, f.engagement, f.tier, f.stage, :cause,
         to_jsonb(array_remove(ARRAY[
           {lines}], NULL))
  FROM final f JOIN upd u ON u.id = f.lead_id JOIN leads l ON l.id = f.lead_id
  RETURNING lead_id
),
mql AS (
  INSERT INTO events (lead_id, source, message_id, type, properties, occurred_at)
  SELECT u.id, 'nurture', 'mql:' || u.id || ':' || floor(extract(epoch FROM :as_of))::bigint,
         'mql_reached', jsonb_build_object('score', u.score, 'from_tier', o.tier), :as_of
  FROM upd u JOIN old o ON o.id = u.id
  WHERE u.tier = 'mql' AND o.tier <> 'mql'
  ON CONFLICT DO NOTHING
  RETURNING lead_id
)
SELECT (SELECT count(*) FROM upd) AS changed,
       (SELECT count(*) FROM hist) AS history,
       (SELECT array_agg(lead_id) FROM mql) AS mql_leads
"""


def rescore(
    session: Session,
    lead_ids: Sequence[int] | None = None,
    *,
    as_of: datetime | None = None,
    cause: str = "rescore",
    config: ScoringConfig | None = None,
) -> dict:
    """Recompute scores (for `lead_ids`, or everyone); return counts and the leads that hit MQL."""
    cfg = config or load_config()
    params = {"as_of": as_of or datetime.now(UTC), "cause": cause}
    if lead_ids is not None:
        if not lead_ids:
            return {"changed": 0, "history": 0, "mql_leads": []}
        params["ids"] = list(lead_ids)
        statement = apply_sql(cfg, score_select(cfg, subset=True))
    else:
        # one hash aggregate over every lead: give it memory instead of spilling to disk
        session.execute(text(f"SET LOCAL work_mem = '{FULL_RESCORE_WORK_MEM}'"))
        session.execute(text("DROP TABLE IF EXISTS rescore_scores"))
        session.execute(
            text(
                f"CREATE TEMP TABLE rescore_scores ON COMMIT DROP AS "
                f"{score_select(cfg, subset=False)}"
            ),
            {"as_of": params["as_of"]},
        )
        session.execute(text("CREATE INDEX ON rescore_scores (lead_id)"))
        statement = apply_sql(cfg, "SELECT * FROM rescore_scores")
    row = session.execute(text(statement), params).one()
    # behaviour summaries for segment filters, in the same transaction as the scores
    summarise(session, params.get("ids"), params["as_of"])
    session.expire_all()  # leads changed under the ORM's feet
    return {"changed": row.changed, "history": row.history, "mql_leads": row.mql_leads or []}
