"""Read a lead: profile, score breakdown (why, line by line), timeline; list leads with filters."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from core.models import Event, Lead, LeadRank, Rep, ScoreHistory
from tools.hygiene import InvalidEmail, normalize_email
from tools.scoring import ScoreBreakdown, compute_score
from tools.segments import compiled, from_with_leads, get_segment, score_column

PROFILE_FIELDS = (
    "id",
    "external_id",
    "email",
    "first_name",
    "last_name",
    "title",
    "seniority",
    "persona",
    "company",
    "industry",
    "company_size",
    "country",
    "timezone",
    "source",
    "product_interest",
    "lifecycle_stage",
    "consent",
    "do_not_contact",
    "missing_key_fields",
    "score",
    "fit_score",
    "engagement_score",
    "tier",
    "stage",
    "last_engaged_at",
    "scored_at",
    "snoozed_until",
    "created_at",
)


class LeadNotFound(LookupError):
    """No lead matches that id or email."""


def find_lead(session: Session, id_or_email: str | int) -> Lead:
    """A lead by numeric id, external id or (normalized) email."""
    key = str(id_or_email).strip()
    conditions = [Lead.external_id == key]
    if key.isdigit():
        conditions.append(Lead.id == int(key))
    if "@" in key:
        with contextlib.suppress(InvalidEmail):
            conditions.append(Lead.email == normalize_email(key))
    lead = session.scalars(select(Lead).where(or_(*conditions)).limit(1)).first()
    if lead is None:
        raise LeadNotFound(key)
    return lead


def lead_events(session: Session, lead_id: int) -> list[Event]:
    """Every event on a lead's trail, oldest first."""
    stmt = select(Event).where(Event.lead_id == lead_id).order_by(Event.occurred_at, Event.id)
    return list(session.scalars(stmt))


def score_input(event: Event) -> dict[str, Any]:
    """The fields scoring needs from an event."""
    return {
        "id": event.id,
        "type": event.type,
        "category": event.category,
        "asset_type": event.asset_type,
        "label": (event.properties or {}).get("label"),
        "occurred_at": event.occurred_at,
    }


def explain(session: Session, lead: Lead, as_of: datetime | None = None) -> ScoreBreakdown:
    """The lead's score recomputed from its trail, with every line."""
    events = [score_input(e) for e in lead_events(session, lead.id)]
    attrs = {
        "seniority": lead.seniority,
        "industry": lead.industry,
        "company_size": lead.company_size,
    }
    return compute_score(attrs, events, as_of or datetime.now(UTC))


def timeline_entry(event: Event) -> dict[str, Any]:
    """One row of a lead's timeline."""
    props = event.properties or {}
    detail = props.get("url") or props.get("asset") or props.get("campaign") or props.get("reason")
    return {
        "id": event.id,
        "at": event.occurred_at.isoformat(),
        "type": event.type,
        "source": event.source,
        "detail": detail,
        "properties": props,
    }


def lead_profile(session: Session, lead: Lead, timeline_limit: int = 200) -> dict[str, Any]:
    """Profile, owner, score breakdown, recent score history and the timeline (newest first)."""
    breakdown = explain(session, lead)
    owner = session.get(Rep, lead.owner_rep_id) if lead.owner_rep_id else None
    events = lead_events(session, lead.id)
    history = session.scalars(
        select(ScoreHistory)
        .where(ScoreHistory.lead_id == lead.id)
        .order_by(ScoreHistory.scored_at.desc(), ScoreHistory.id.desc())
        .limit(20)
    )
    return {
        "profile": {f: getattr(lead, f) for f in PROFILE_FIELDS},
        "owner": {"name": owner.name, "email": owner.email} if owner else None,
        "score": {
            "score": breakdown.score,
            "fit": breakdown.fit,
            "engagement": breakdown.engagement,
            "tier": breakdown.tier,
            "stage": breakdown.stage,
            "top_reasons": breakdown.top_reasons(),
            "lines": [line.as_dict() for line in breakdown.lines],
        },
        "score_history": [
            {
                "at": h.scored_at.isoformat(),
                "score": h.score,
                "tier": h.tier,
                "cause": h.cause,
                "reasons": h.reasons,
            }
            for h in history
        ],
        "timeline": [timeline_entry(e) for e in reversed(events[-timeline_limit:])],
    }


def list_leads(
    session: Session,
    *,
    segment: str | None = None,
    tier: str | None = None,
    stage: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """A page of leads (highest score first) and the total matching."""
    clauses, params = ["TRUE"], {"as_of": datetime.now(UTC), "limit": limit, "offset": offset}
    from_ = "leads"
    if segment:  # behaviour counts from the summaries when they are current, as segments do
        found = compiled(session, get_segment(session, segment).filter, None)
        from_ = from_with_leads(found)
        clauses.append(found.where)
        params.update(found.params)
    if tier:  # the tier index is on lead_ranks (migration 0011)
        if "lead_ranks r" not in from_:
            from_ += " JOIN lead_ranks r ON r.lead_id = leads.id"
        clauses.append("r.tier = :tier")
        params["tier"] = tier
    if stage:
        clauses.append("leads.stage = :stage")
        params["stage"] = stage
    where = " AND ".join(clauses)
    total = session.execute(text(f"SELECT count(*) FROM {from_} WHERE {where}"), params).scalar()
    rows = session.execute(
        text(
            "SELECT leads.id, leads.email, leads.first_name, leads.last_name, leads.company, "
            "leads.title, leads.score, leads.tier, leads.stage, leads.source, "
            f"leads.last_engaged_at FROM {from_} WHERE {where} "
            f"ORDER BY {score_column(from_)} DESC, leads.id LIMIT :limit OFFSET :offset"
        ),
        params,
    )
    return [dict(r._mapping) for r in rows], int(total or 0)


def tier_counts(session: Session) -> dict[str, int]:
    """How many leads are in each tier (counted on lead_ranks, which has the tier index)."""
    rows = session.execute(select(LeadRank.tier, func.count()).group_by(LeadRank.tier))
    return {tier: count for tier, count in rows}
