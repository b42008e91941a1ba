"""Triggers: events that start sequences or alert the owner at once, and the re-engagement sweep.

`evaluate_triggers` runs inline after ingestion stores events (one call in tools.ingest
downstream), so a high-intent event reaches the owner as an escalation in the same request.
It is idempotent: enrollment refuses duplicates and alerts are deduplicated per lead and day.
Rules live in tools/config/triggers.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.models import Lead
from tools import clock
from tools.assignment import assign_owner
from tools.enrollment import EnrollmentResult, enroll, lock_leads
from tools.escalations import escalate
from tools.guardrails import load_guardrails
from tools.progress import matches
from tools.segment_filter import compile_filter
from tools.sequences import get_sequence

CONFIG = Path(__file__).parent / "config" / "triggers.yaml"


class Rule(BaseModel):
    """One trigger: which events, extra conditions, and what happens."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    events: list[str] = Field(min_length=1)
    category: str | None = None
    asset_required: bool = False
    link: str | None = None
    new_lead: bool = False
    condition: str | None = None
    sequence: str | None = None
    alert: Literal["high_intent"] | None = None

    @model_validator(mode="after")
    def _valid(self) -> Rule:
        if self.sequence is None and self.alert is None:
            raise ValueError(f"rule {self.name!r} neither enrolls nor alerts")
        if self.sequence is not None:
            get_sequence(self.sequence)
        if self.condition is not None:
            compile_filter(self.condition)
        return self

    def fits(self, row) -> bool:
        """Does this stored event (type, category, asset, properties) fit the rule?"""
        props = row.properties or {}
        return (
            row.type in self.events
            and (self.category is None or row.category == self.category)
            and (not self.asset_required or bool(row.asset_type or props.get("asset")))
            and (self.link is None or props.get("link") == self.link)
        )


class Reengagement(BaseModel):
    """The periodic sweep that enrolls silent leads."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sequence: str
    filters: list[str] = Field(min_length=1)
    batch: int = Field(500, ge=1)


class TriggerConfig(BaseModel):
    """tools/config/triggers.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_event_age_days: float = Field(gt=0)
    rules: list[Rule]
    demo_offer_url: str
    reengagement: Reengagement


@lru_cache(maxsize=2)
def load_triggers(path: Path | None = None) -> TriggerConfig:
    """Load and validate the trigger rules."""
    return TriggerConfig.model_validate(yaml.safe_load(Path(path or CONFIG).read_text()))


@dataclass(frozen=True)
class Fired:
    """A rule that fired for one event: the enrollment outcome and whether the owner was alerted."""

    rule: str
    lead_id: int
    event_id: int
    enrollment: EnrollmentResult | None
    alerted: bool


_EVENTS = text(
    """
    SELECT id, lead_id, type, category, asset_type, properties, occurred_at FROM events
    WHERE id = ANY(:ids) AND lead_id IS NOT NULL AND type = ANY(:types)
      AND occurred_at >= :oldest ORDER BY occurred_at, id
    """
)


def evaluate_triggers(
    session: Session, event_ids: list[int], *, now: datetime | None = None
) -> list[Fired]:
    """Fire the rules matching these stored events (recent ones only); does not commit."""
    cfg = load_triggers()
    if not event_ids or not cfg.rules:
        return []
    now = now or clock.now()
    oldest = now - timedelta(days=cfg.max_event_age_days)
    types = sorted({t for rule in cfg.rules for t in rule.events})
    rows = session.execute(_EVENTS, {"ids": event_ids, "types": types, "oldest": oldest}).all()
    lock_leads(session, [r.lead_id for r in rows if any(rule.fits(r) for rule in cfg.rules)])
    fired, done = [], set()
    for row in rows:
        if row.occurred_at > now + timedelta(days=1):
            continue
        for rule in cfg.rules:
            if (rule.name, row.lead_id) in done or not rule.fits(row):
                continue
            if rule.condition and not matches(
                session, row.lead_id, rule.condition, row.occurred_at
            ):
                continue
            if rule.new_lead:
                created = session.get(Lead, row.lead_id).created_at
                if created < oldest:
                    continue
            done.add((rule.name, row.lead_id))
            fired.append(_fire(session, rule, row))
    return fired


def _fire(session: Session, rule: Rule, row) -> Fired:
    result = None
    if rule.sequence is not None:
        result = enroll(
            session,
            row.lead_id,
            rule.sequence,
            trigger=rule.name,
            trigger_event_id=row.id,
            now=row.occurred_at,
        )
    alerted = False
    if rule.alert is not None:
        lead = session.get(Lead, row.lead_id)
        assign_owner(session, lead, row.occurred_at)
        what = (row.properties or {}).get("url") or row.type.replace("_", " ")
        alerted = (
            escalate(
                session,
                kind=rule.alert,
                lead_id=row.lead_id,
                dedupe_key=f"{rule.alert}:{row.lead_id}:{row.occurred_at:%Y-%m-%d}",
                summary=f"high intent: {rule.name.replace('_', ' ')} ({what})",
                payload={
                    "rule": rule.name,
                    "event_id": row.id,
                    "sequence": rule.sequence,
                    "enrolled": bool(result and result.enrolled),
                    "enrollment": result.reason if result else None,
                },
            )
            is not None
        )
    return Fired(rule.name, row.lead_id, row.id, result, alerted)


def sweep_reengagement(
    session: Session, now: datetime | None = None, *, lead_ids: list[int] | None = None
) -> list[EnrollmentResult]:
    """Enroll silent leads (30 days; 90 for enterprise) in no open sequence (among `lead_ids`)."""
    cfg = load_triggers().reengagement
    guard = load_guardrails()
    seq = get_sequence(cfg.sequence)
    now = now or clock.now()
    clauses, params = [], {"as_of": now, "limit": cfg.batch}
    for i, source in enumerate(cfg.filters):
        where, filter_params = compile_filter(source)
        params.update({f"f{i}_{key}": value for key, value in filter_params.items()})
        clauses.append("(" + re.sub(r":(p\d+)\b", rf":f{i}_\1", where) + ")")
    params.update(
        consent=["subscribed"],
        stages=guard.suppress_lifecycle,
        max_missing=guard.max_missing_key_fields,
        sequence=seq.name,
        cooldown=timedelta(days=seq.reenroll_after_days or 36500),
    )
    sql = f"""
        SELECT leads.id FROM leads
        WHERE ({" OR ".join(clauses)})
          AND leads.email IS NOT NULL AND leads.consent = ANY(:consent)
          AND NOT leads.lifecycle_stage = ANY(:stages) AND NOT leads.do_not_contact
          AND leads.missing_key_fields <= :max_missing
          AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.lead_id = leads.id
                          AND (e.status IN ('active', 'paused')
                               OR (e.sequence = :sequence AND e.enrolled_at > :as_of - :cooldown)))
          AND (CAST(:only AS bigint[]) IS NULL OR leads.id = ANY(CAST(:only AS bigint[])))
        ORDER BY leads.id LIMIT :limit
    """
    params["only"] = lead_ids
    ids = session.execute(text(sql), params).scalars().all()
    return [enroll(session, i, seq.name, trigger="inactivity_sweep", now=now) for i in ids]
