"""The scoring configuration (YAML) as typed rules that match events in Python and in SQL."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

DEFAULT_CONFIG = Path(__file__).parent / "config" / "scoring.yaml"
EVENT_FIELDS = ("type", "category", "asset_type", "label")


class Match(BaseModel):
    """Conditions on one event: each listed field must take one of the listed values."""

    model_config = ConfigDict(extra="forbid")
    type: list[str] = Field(min_length=1)
    category: list[str] | None = None
    asset_type: list[str] | None = None
    label: list[str] | None = None

    def matches(self, event: dict[str, Any]) -> bool:
        """True when the event (type, category, asset_type, label) satisfies every condition."""
        for field in EVENT_FIELDS:
            allowed = getattr(self, field)
            if allowed is not None and event.get(field) not in allowed:
                return False
        return True

    def sql(self, alias: str = "e") -> str:
        """The same condition as a SQL boolean over an events row (values are config, quoted)."""
        column = {"label": f"({alias}.properties->>'label')"}
        parts = []
        for field in EVENT_FIELDS:
            allowed = getattr(self, field)
            if allowed is not None:
                values = ", ".join(sql_literal(v) for v in allowed)
                parts.append(f"{column.get(field, f'{alias}.{field}')} IN ({values})")
        return "(" + " AND ".join(parts) + ")"


class FitMatch(BaseModel):
    """Conditions on lead attributes."""

    model_config = ConfigDict(extra="forbid")
    seniority: list[str] | None = None
    industry: list[str] | None = None
    company_size_between: tuple[int, int] | None = None

    def matches(self, lead: dict[str, Any]) -> bool:
        """True when the lead's attributes satisfy every condition."""
        if self.seniority is not None and lead.get("seniority") not in self.seniority:
            return False
        if self.industry is not None and lead.get("industry") not in self.industry:
            return False
        if self.company_size_between is not None:
            size = lead.get("company_size")
            low, high = self.company_size_between
            if size is None or not low <= size <= high:
                return False
        return True

    def sql(self, alias: str = "l") -> str:
        """The same condition in SQL over a leads row."""
        parts = []
        if self.seniority is not None:
            parts.append(f"{alias}.seniority IN ({', '.join(map(sql_literal, self.seniority))})")
        if self.industry is not None:
            parts.append(f"{alias}.industry IN ({', '.join(map(sql_literal, self.industry))})")
        if self.company_size_between is not None:
            low, high = self.company_size_between
            parts.append(f"{alias}.company_size BETWEEN {int(low)} AND {int(high)}")
        return "(" + (" AND ".join(parts) or "TRUE") + ")"


class FitRule(BaseModel):
    """Points for who the lead is."""

    model_config = ConfigDict(extra="forbid")
    id: str
    label: str
    points: int
    when: FitMatch


class EngagementRule(BaseModel):
    """Points per matching event, optionally capped per calendar month."""

    model_config = ConfigDict(extra="forbid")
    id: str
    label: str
    points: int
    when: Match
    cap_per_month: int | None = None


class Decay(BaseModel):
    """Engagement lost per full period without engagement."""

    model_config = ConfigDict(extra="forbid")
    points_per_period: int = 5
    period_days: int = 30


class ScoringConfig(BaseModel):
    """The whole scoring model."""

    model_config = ConfigDict(extra="forbid")
    version: int
    fit: list[FitRule]
    engagement: list[EngagementRule]
    decay: Decay
    reset_on: list[str]
    tiers: dict[str, int]
    stages: dict[str, list[Match]]

    def tier_for(self, score: int) -> str:
        """The tier whose lower bound is the highest one not above `score`."""
        ordered = sorted(self.tiers.items(), key=lambda kv: kv[1])
        tier = ordered[0][0]
        for name, low in ordered:
            if score >= low:
                tier = name
        return tier

    def stage_for(self, events: list[dict[str, Any]]) -> str:
        """Highest buying stage any event reaches (decision > consideration > awareness)."""
        for stage in ("decision", "consideration"):
            if any(m.matches(e) for m in self.stages.get(stage, []) for e in events):
                return stage
        return "awareness"


def sql_literal(value: str) -> str:
    """A SQL string literal for a config value (values come from YAML, never from requests)."""
    return "'" + str(value).replace("'", "''") + "'"


def load_config(path: Path | None = None) -> ScoringConfig:
    """The scoring model: `path`, else NURTURE_SCORING_CONFIG, else tools/config/scoring.yaml."""
    if path is None:
        from core.settings import get_settings

        path = get_settings().scoring_config
    return _load(Path(path or DEFAULT_CONFIG).resolve())


@lru_cache(maxsize=8)
def _load(path: Path) -> ScoringConfig:
    return ScoringConfig.model_validate(yaml.safe_load(path.read_text()))
