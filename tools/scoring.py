"""Score one lead from its trail at a point in time, line by line (the explainable reference).

`tools/rescore.py` computes the same numbers set-based in SQL for many leads at once; a test keeps
the two in agreement on the demo data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from core.vocab import ENGAGEMENT_TYPES
from tools.scoring_rules import ScoringConfig, load_config


@dataclass(frozen=True)
class ScoreLine:
    """One reason: points, the rule that gave them and the event behind them (if any)."""

    kind: str  # fit | engagement | decay | reset | floor
    rule: str
    points: int
    text: str
    event_id: int | None = None
    occurred_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        data = asdict(self)
        data["occurred_at"] = self.occurred_at.isoformat() if self.occurred_at else None
        return data


@dataclass
class ScoreBreakdown:
    """The score, its parts, tier, stage and the lines that add up to it."""

    score: int
    fit: int
    engagement: int
    tier: str
    stage: str
    last_engaged_at: datetime | None
    as_of: datetime
    lines: list[ScoreLine] = field(default_factory=list)

    def top_reasons(self, n: int = 3) -> list[str]:
        """The n lines that moved the score most, merged by rule ("Viewed pricing ×3: +45")."""
        totals: dict[str, list] = {}
        for line in self.lines:
            if line.points == 0:
                continue
            entry = totals.setdefault(line.rule, [line.text.split(" (")[0], 0, 0])
            entry[1] += line.points
            entry[2] += 1
        ranked = sorted(totals.values(), key=lambda t: -abs(t[1]))[:n]
        return [
            f"{label}{f' ×{count}' if count > 1 else ''}: {pts:+d}" for label, pts, count in ranked
        ]


def _month(ts: datetime) -> tuple[int, int]:
    return (ts.year, ts.month)


def compute_score(
    lead: dict[str, Any],
    events: list[dict[str, Any]],
    as_of: datetime,
    config: ScoringConfig | None = None,
) -> ScoreBreakdown:
    """Score `lead` from `events` (dicts: id, type, category, asset_type, label, occurred_at)."""
    cfg = config or load_config()
    lines: list[ScoreLine] = []
    for rule in cfg.fit:
        if rule.when.matches(lead):
            lines.append(ScoreLine("fit", rule.id, rule.points, rule.label))
    fit = sum(line.points for line in lines)

    trail = sorted((e for e in events if e["occurred_at"] <= as_of), key=_event_order)
    resets = [e for e in trail if e["type"] in cfg.reset_on]
    reset_at = resets[-1]["occurred_at"] if resets else None
    if reset_at is not None:
        text = f"{resets[-1]['type'].replace('_', ' ')} on {reset_at:%Y-%m-%d}: engagement reset"
        lines.append(ScoreLine("reset", "reset", 0, text, resets[-1].get("id"), reset_at))

    used: dict[tuple[str, tuple[int, int]], int] = {}
    engagement = 0
    for event in trail:
        if reset_at is not None and event["occurred_at"] <= reset_at:
            continue
        rule = next((r for r in cfg.engagement if r.when.matches(event)), None)
        if rule is None:
            continue
        points = rule.points
        if rule.cap_per_month is not None:
            key = (rule.id, _month(event["occurred_at"]))
            points = max(0, min(points, rule.cap_per_month - used.get(key, 0)))
            used[key] = used.get(key, 0) + points
            if points == 0:
                continue
        engagement += points
        when = event["occurred_at"]
        lines.append(
            ScoreLine(
                "engagement",
                rule.id,
                points,
                f"{rule.label} ({when:%Y-%m-%d})",
                event.get("id"),
                when,
            )
        )

    engaged = [e["occurred_at"] for e in trail if e["type"] in ENGAGEMENT_TYPES]
    last_engaged = max(engaged) if engaged else None
    if engagement > 0 and last_engaged is not None:
        period = cfg.decay.period_days * 86400
        periods = int((as_of - last_engaged).total_seconds() // period)
        for step in range(1, periods + 1):
            loss = min(cfg.decay.points_per_period, engagement)
            if loss <= 0:
                break
            engagement -= loss
            text = f"Inactivity decay, {step * cfg.decay.period_days} days without engagement"
            lines.append(ScoreLine("decay", "decay", -loss, text))

    total = fit + engagement
    if total < 0:
        lines.append(ScoreLine("floor", "floor", -total, "Score cannot go below 0"))
        total = 0
    return ScoreBreakdown(
        score=total,
        fit=fit,
        engagement=engagement,
        tier=cfg.tier_for(total),
        stage=cfg.stage_for(trail),
        last_engaged_at=last_engaged,
        as_of=as_of,
        lines=lines,
    )


def _event_order(event: dict[str, Any]) -> tuple[datetime, int]:
    return (event["occurred_at"], event.get("id") or 0)
