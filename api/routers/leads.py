"""Lead endpoints: one lead with its why and timeline; lists filtered by segment, tier, stage."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Query

from api.deps import SessionDep
from tools.leads import LeadNotFound, find_lead, lead_profile, list_leads
from tools.segments import UnknownSegment

router = APIRouter(prefix="/v1/leads", tags=["leads"])


@router.get("")
def leads(
    session: SessionDep,
    segment: str | None = None,
    tier: Literal["cold", "warm", "mql"] | None = None,
    stage: Literal["awareness", "consideration", "decision"] | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict:
    """Leads, highest score first, filtered by segment, tier and stage."""
    try:
        items, total = list_leads(
            session, segment=segment, tier=tier, stage=stage, limit=limit, offset=offset
        )
    except UnknownSegment as exc:
        raise HTTPException(404, detail=f"unknown segment {exc.args[0]!r}") from exc
    next_offset = offset + limit if offset + limit < total else None
    return {
        "items": items,
        "total": total,
        "limit": limit,
        "offset": offset,
        "next_offset": next_offset,
    }


@router.get("/{id_or_email}")
def lead(id_or_email: str, session: SessionDep) -> dict:
    """Profile, score, tier, stage, the score breakdown line by line, and the timeline."""
    try:
        found = find_lead(session, id_or_email)
    except LeadNotFound as exc:
        raise HTTPException(404, detail=f"no lead {id_or_email!r}") from exc
    return lead_profile(session, found)
