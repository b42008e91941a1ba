"""What drafting looks up about a batch of leads, a few queries per batch instead of per lead.

Each function answers for many leads what an agent node asks for one (owner, pending drafts,
active enrollment, score breakdown, segments, drafts already made for a thread), with the same
result for each lead; agent/batch.py assembles the drafts from them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Text, any_, cast, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from core.models import Draft, Enrollment, Event, Lead, Rep, Segment
from tools.agent_tools import LeadScore
from tools.leads import score_input
from tools.scoring import compute_score
from tools.segment_filter import compile_filter


def _any_id(ids) -> Any:
    """`= ANY(array)` of ids: one bound parameter, so the statement text stays the same."""
    return any_(cast(sorted(set(ids)), ARRAY(BigInteger)))


def leads_by_id(session: Session, lead_ids: Sequence[int]) -> dict[int, Lead]:
    """The leads, by id (missing ids are absent)."""
    rows = session.scalars(select(Lead).where(Lead.id == _any_id(lead_ids)))
    return {lead.id: lead for lead in rows}


def owners_of(session: Session, leads: Sequence[Lead]) -> dict[int, Rep]:
    """Owner reps by rep id."""
    ids = {lead.owner_rep_id for lead in leads if lead.owner_rep_id}
    return {rep.id: rep for rep in session.scalars(select(Rep).where(Rep.id == _any_id(ids)))}


def pending_drafts(session: Session, lead_ids: Sequence[int]) -> dict[int, list[tuple[int, str]]]:
    """Per lead, its pending drafts as (draft id, thread id), oldest first."""
    rows = session.execute(
        select(Draft.lead_id, Draft.id, Draft.thread_id)
        .where(Draft.lead_id == _any_id(lead_ids), Draft.status == "pending")
        .order_by(Draft.id)
    )
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for lead_id, draft_id, thread_id in rows:
        found[lead_id].append((draft_id, thread_id))
    return found


def active_enrollments(session: Session, lead_ids: Sequence[int]) -> dict[int, tuple[str, int]]:
    """Per lead, its latest active enrollment as (sequence, current step)."""
    rows = session.execute(
        select(Enrollment.lead_id, Enrollment.sequence, Enrollment.current_step)
        .where(Enrollment.lead_id == _any_id(lead_ids), Enrollment.status == "active")
        .order_by(Enrollment.lead_id, Enrollment.enrolled_at.desc())
        .distinct(Enrollment.lead_id)
    )
    return {lead_id: (sequence, step) for lead_id, sequence, step in rows}


def score_leads(
    session: Session, leads: Sequence[Lead], as_of: datetime | None = None
) -> dict[int, LeadScore]:
    """tools.agent_tools.score_lead for many leads: their trails in one query."""
    as_of = as_of or datetime.now(UTC)
    trails: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = session.scalars(
        select(Event)
        .where(Event.lead_id == _any_id([lead.id for lead in leads]))
        .order_by(Event.occurred_at, Event.id)
    )
    for event in rows:
        trails[event.lead_id].append(score_input(event))
    scores = {}
    for lead in leads:
        attrs = {
            "seniority": lead.seniority,
            "industry": lead.industry,
            "company_size": lead.company_size,
        }
        b = compute_score(attrs, trails[lead.id], as_of)
        scores[lead.id] = LeadScore(b.score, b.fit, b.engagement, b.tier, b.stage, b.top_reasons(3))
    return scores


def segments_of_leads(
    session: Session, lead_ids: Sequence[int], as_of: datetime | None = None
) -> dict[int, list[str]]:
    """tools.segments.segments_for_lead for many leads in one query."""
    found: dict[int, list[str]] = {lead_id: [] for lead_id in lead_ids}
    segments = session.scalars(select(Segment).order_by(Segment.name)).all()
    if not segments or not found:
        return found
    parts, params = [], {"as_of": as_of or datetime.now(UTC), "lead_ids": list(found)}
    for i, segment in enumerate(segments):
        where, seg_params = compile_filter(segment.filter, per_lead=True)
        params.update({f"s{i}_{key}": value for key, value in seg_params.items()})
        where = re.sub(r":(p\d+)\b", rf":s{i}_\1", where)
        parts.append(f"CASE WHEN {where} THEN {i} END")
    sql = f"SELECT leads.id, {', '.join(parts)} FROM leads WHERE leads.id = ANY(:lead_ids)"
    for lead_id, *hits in session.execute(text(sql), params):
        found[lead_id] = [segments[i].name for i in hits if i is not None]
    return found


def latest_drafts(session: Session, thread_ids: Sequence[str]) -> dict[str, Draft]:
    """The latest revision's draft row of each thread that has one."""
    rows = session.scalars(
        select(Draft)
        .where(Draft.thread_id == any_(cast(list(thread_ids), ARRAY(Text))))
        .order_by(Draft.thread_id, Draft.revision.desc(), Draft.id.desc())
        .distinct(Draft.thread_id)
    )
    return {row.thread_id: row for row in rows}
