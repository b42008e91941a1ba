"""Segment endpoints: list with sizes, create, members."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.deps import SessionDep
from core.models import Segment
from tools.segment_filter import FilterError
from tools.segments import UnknownSegment, count_members, get_segment, list_members, save_segment

router = APIRouter(prefix="/v1/segments", tags=["segments"])


class SegmentIn(BaseModel):
    """A segment to create or replace."""

    name: str = Field(pattern=r"^[a-z0-9_]{2,64}$")
    filter: str = Field(min_length=1, max_length=2000)
    description: str = ""


def _view(segment: Segment, size: int | None = None) -> dict:
    data = {
        "name": segment.name,
        "description": segment.description,
        "filter": segment.filter,
        "builtin": segment.builtin,
    }
    if size is not None:
        data["size"] = size
    return data


@router.get("")
def segments(session: SessionDep, sizes: bool = True) -> dict:
    """Every segment, with its current size."""
    rows = session.scalars(select(Segment).order_by(Segment.name)).all()
    return {"items": [_view(s, count_members(session, s.filter) if sizes else None) for s in rows]}


@router.post("", status_code=201)
def create_segment(body: SegmentIn, session: SessionDep) -> dict:
    """Create or replace a custom segment (400 with the position when the filter is wrong)."""
    try:
        segment = save_segment(session, body.name, body.filter, body.description)
    except FilterError as exc:
        raise HTTPException(
            400, detail={"errors": [{"field": "filter", "error": str(exc)}]}
        ) from exc
    return _view(segment, count_members(session, segment.filter))


@router.get("/{name}/leads")
def segment_leads(
    name: str,
    session: SessionDep,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict:
    """A page of the segment's members, highest score first."""
    try:
        segment = get_segment(session, name)
    except UnknownSegment as exc:
        raise HTTPException(404, detail=f"unknown segment {name!r}") from exc
    total = count_members(session, segment.filter)
    items = list_members(session, segment.filter, limit=limit, offset=offset)
    return {
        "segment": _view(segment, total),
        "items": items,
        "total": total,
        "next_offset": offset + limit if offset + limit < total else None,
    }
