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
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.db import bigint_array
from tools import clock
from tools.enroll_batch import EnrollBatch, Ticket
from tools.enrollment import EnrollmentResult, enroll, lock_leads
from tools.escalations import Alert, escalate_many
from tools.guardrails import load_guardrails
from tools.score_state import lock_lead_rows
from tools.scoring_rules import sql_literal
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

    def sql(self) -> str:
        """The same test as `fits` over an events row `e` (values come from the config)."""
        parts = [f"e.type IN ({', '.join(sql_literal(t) for t in self.events)})"]
        if self.category is not None:
            parts.append(f"e.category = {sql_literal(self.category)}")
        if self.asset_required:
            parts.append("(e.asset_type IS NOT NULL OR coalesce(e.properties->>'asset', '') <> '')")
        if self.link is not None:
            parts.append(f"e.properties->>'link' = {sql_literal(self.link)}")
        return "(" + " AND ".join(parts) + ")"

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


def _events_sql(cfg: TriggerConfig) -> str:
    """The stored events some rule may fit (the rules' own tests, in SQL), oldest first."""
    return f"""
    SELECT e.id, e.lead_id, e.type, e.category, e.asset_type, e.properties, e.occurred_at,
           l.created_at AS lead_created_at
    FROM events e JOIN leads l ON l.id = e.lead_id
    WHERE e.id = ANY(CAST(:ids AS bigint[])) AND e.occurred_at >= :oldest
      AND ({" OR ".join(rule.sql() for rule in cfg.rules)})
    ORDER BY e.occurred_at, e.id
    """


def _condition_holds(session: Session, rule: Rule, rows) -> set[tuple[int, datetime]]:
    """(lead, event time) pairs meeting the rule's condition, for all these rows in one query."""
    where, params = compile_filter(rule.condition, per_lead=True)
    where = re.sub(r":as_of\b", "c.as_of", where)
    sql = (
        "SELECT c.lead_id, c.as_of FROM unnest(CAST(:c_leads AS bigint[]), "
        "CAST(:c_times AS timestamptz[])) AS c(lead_id, as_of) "
        f"JOIN leads ON leads.id = c.lead_id WHERE {where}"
    )
    params.update(c_leads=[r.lead_id for r in rows], c_times=[r.occurred_at for r in rows])
    return {(r.lead_id, r.as_of) for r in session.execute(text(sql), params).all()}


def evaluate_triggers(
    session: Session, event_ids: list[int], *, now: datetime | None = None
) -> list[Fired]:
    """Fire the rules matching these stored events (recent ones only); does not commit.

    Decided in memory over a few reads, written in bulk (tools/enroll_batch.py): each lead's
    rules fire in event order, one per round, so a later rule sees what an earlier one did.
    """
    cfg = load_triggers()
    if not event_ids or not cfg.rules:
        return []
    now = now or clock.now()
    oldest = now - timedelta(days=cfg.max_event_age_days)
    rows = session.execute(
        text(_events_sql(cfg)), {"ids": bigint_array(event_ids), "oldest": oldest}
    ).all()  # one fetch: iterating a result fetches row by row
    fitting = [
        (r, [rule for rule in cfg.rules if rule.fits(r)])
        for r in rows
        if r.occurred_at <= now + timedelta(days=1)
    ]
    fitting = [(r, rules) for r, rules in fitting if rules]
    # conditions read the trail up to each event's time (append-only): no locks needed yet
    held = {
        rule.name: _condition_holds(session, rule, candidates)
        for rule in cfg.rules
        if rule.condition and (candidates := [r for r, rules in fitting if rule in rules])
    }
    fires, done = [], set()
    for row, rules in fitting:
        for rule in rules:
            if (rule.name, row.lead_id) in done:
                continue
            if rule.condition and (row.lead_id, row.occurred_at) not in held[rule.name]:
                continue
            if rule.new_lead and row.lead_created_at < oldest:
                continue
            done.add((rule.name, row.lead_id))
            fires.append((rule, row))
    if not fires:
        return []
    # only the leads a rule fires for: their leads rows first, in id order, as the scorer takes
    # them (so a request firing triggers does not hold up the next scorer for leads it leaves
    # alone); then the enrollment locks, under which _fire_all decides
    lock_lead_rows(session, [row.lead_id for _, row in fires])
    lock_leads(session, [row.lead_id for _, row in fires])
    return _fire_all(session, fires)


def _fire_all(session: Session, fires: list[tuple[Rule, Any]]) -> list[Fired]:
    """Enroll and alert for every fired rule: round k handles each lead's k-th rule."""
    batch = EnrollBatch(session, [row.lead_id for _, row in fires])
    nth: dict[int, int] = {}
    rounds: list[list[int]] = []
    for i, (_, row) in enumerate(fires):
        k = nth[row.lead_id] = nth.get(row.lead_id, -1) + 1
        if k == len(rounds):
            rounds.append([])
        rounds[k].append(i)
    tickets: dict[int, Ticket] = {}
    for round_ in rounds:
        for i in round_:
            rule, row = fires[i]
            if rule.sequence is not None:
                tickets[i] = batch.enroll(
                    row.lead_id,
                    rule.sequence,
                    trigger=rule.name,
                    trigger_event_id=row.id,
                    now=row.occurred_at,
                )
            if rule.alert is not None:
                batch.assign(row.lead_id, row.occurred_at)
        batch.flush()
    alerts = [_alert(rule, row, tickets.get(i)) for i, (rule, row) in enumerate(fires)]
    created = escalate_many(session, [a for a in alerts if a is not None])
    session.expire_all()  # leads and enrollments changed under the ORM's feet
    fired, first = [], set()
    for i, (rule, row) in enumerate(fires):
        alert = alerts[i]
        alerted = (
            alert is not None and alert.dedupe_key in created and alert.dedupe_key not in first
        )
        if alerted:
            first.add(alert.dedupe_key)
        result = tickets[i].result if i in tickets else None
        fired.append(Fired(rule.name, row.lead_id, row.id, result, alerted))
    return fired


def _alert(rule: Rule, row, ticket: Ticket | None) -> Alert | None:
    if rule.alert is None:
        return None
    result = ticket.result if ticket else None
    what = (row.properties or {}).get("url") or row.type.replace("_", " ")
    return Alert(
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
