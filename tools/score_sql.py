"""SQL shared by the full rescore (tools/rescore.py) and the inline fold (tools/score_state.py).

Both end the same way: a `raw` relation with each lead's fit, undecayed engagement, per-rule
counts, capped points by rule, last engagement and stage rank goes through `finish_sql` (decay,
floor, stage, tier), and `apply_sql` writes the leads whose numbers changed (score, parts, tier,
stage, last engagement), a score-history row with rule-level reasons for each whose score, parts,
tier or stage moved, and an `mql_reached` event for each MQL crossing.
"""

from __future__ import annotations

from tools.scoring_rules import ScoringConfig, sql_literal


def in_list(values) -> str:
    """A SQL list of config values (quoted, sorted)."""
    return ", ".join(sql_literal(v) for v in sorted(values))


def _overlap(a, b) -> bool:
    """Could one event match both conditions? (None means any value.)"""
    for field in ("type", "category", "asset_type", "label"):
        left, right = getattr(a, field), getattr(b, field)
        if left is not None and right is not None and not set(left) & set(right):
            return False
    return True


def first_match(cfg: ScoringConfig, rule) -> str:
    """The rule's condition over `e`, excluding events an earlier overlapping rule claims."""
    earlier = cfg.engagement[: cfg.engagement.index(rule)]
    blockers = [r.when.sql("e") for r in earlier if _overlap(r.when, rule.when)]
    return rule.when.sql("e") + "".join(f" AND NOT {b}" for b in blockers)


def uncapped(cfg: ScoringConfig) -> list:
    """Engagement rules counted per event (their counts are `c_<rule id>` columns)."""
    return [r for r in cfg.engagement if r.cap_per_month is None]


def capped(cfg: ScoringConfig) -> list:
    """Engagement rules whose points are capped per calendar month (UTC)."""
    return [r for r in cfg.engagement if r.cap_per_month is not None]


def stage_case(cfg: ScoringConfig) -> str:
    """The buying-stage rank (3 decision, 2 consideration, 1 awareness) of the events row `e`."""
    decision = " OR ".join(m.sql("e") for m in cfg.stages.get("decision", [])) or "FALSE"
    consider = " OR ".join(m.sql("e") for m in cfg.stages.get("consideration", [])) or "FALSE"
    return f"CASE WHEN {decision} THEN 3 WHEN {consider} THEN 2 ELSE 1 END"


def fit_sum(cfg: ScoringConfig, alias: str) -> str:
    """The fit points of the leads row `alias`."""
    cases = [f"CASE WHEN {r.when.sql(alias)} THEN {r.points} ELSE 0 END" for r in cfg.fit]
    return " + ".join(cases) or "0"


def periods_sql(cfg: ScoringConfig, last_engaged: str) -> str:
    """Whole decay periods between `last_engaged` and `:as_of` (0 without engagement)."""
    period = cfg.decay.period_days * 86400
    return (
        f"CASE WHEN {last_engaged} IS NULL THEN 0 "
        f"ELSE floor(extract(epoch FROM (:as_of - {last_engaged})) / {period})::int END"
    )


def finish_sql(cfg: ScoringConfig) -> str:
    """CTEs after a `raw` CTE, and the SELECT of every column `apply_sql` reads."""
    tiers = sorted(cfg.tiers.items(), key=lambda kv: -kv[1])
    tier_case = " ".join(f"WHEN e.score >= {low} THEN {sql_literal(name)}" for name, low in tiers)
    return f"""
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


def apply_sql(cfg: ScoringConfig, scores: str, before: str = "") -> str:
    """Write the numbers from `scores` (a SELECT): changed leads, history rows, MQL events.

    `before` is top-level CTEs (ending in a comma) that `scores` reads; a CTE that writes must
    sit there, as PostgreSQL allows data-modifying WITH only at the top level.
    """
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
WITH {before}
final AS ({scores}),
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
  -- a new row only when the score or its parts moved (not for a later last engagement alone);
  -- `l` is the statement's snapshot, so it holds the values before `upd`
  WHERE (f.score, f.fit, f.engagement, f.tier, f.stage)
        IS DISTINCT FROM (l.score, l.fit_score, l.engagement_score, l.tier, l.stage)
  RETURNING lead_id
),
mql AS (
  INSERT INTO events (lead_id, source, message_id, type, properties, occurred_at)
  SELECT u.id, 'nurture', 'mql:' || u.id || ':' || floor(extract(epoch FROM :as_of))::bigint,
         'mql_reached', jsonb_build_object('score', u.score, 'from_tier', o.tier), :as_of
  FROM upd u JOIN old o ON o.id = u.id
  WHERE u.tier = 'mql' AND o.tier <> 'mql'
  ORDER BY u.id  -- ids in lead order, whatever join the plan picks: the same data, the same ids
  ON CONFLICT DO NOTHING
  RETURNING lead_id
)
SELECT (SELECT count(*) FROM upd) AS changed,
       (SELECT count(*) FROM hist) AS history,
       (SELECT array_agg(lead_id) FROM mql) AS mql_leads
"""
