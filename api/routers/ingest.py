"""Tracking endpoints in the shape of the Segment HTTP API: batch, track, identify, page."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import SessionDep
from core.models import RejectedPayload
from tools.ingest import ingest
from tools.ingest_schema import FieldError, InvalidInput, parse_batch, parse_one

router = APIRouter(prefix="/v1", tags=["ingestion"])


def _reject(session, channel: str, raw: bytes, errors: list[FieldError]) -> JSONResponse:
    """Keep what was received for inspection and answer 400 with field-level errors."""
    session.add(
        RejectedPayload(
            channel=channel,
            payload=raw.decode("utf-8", errors="replace"),
            errors=[e.model_dump() for e in errors],
        )
    )
    session.commit()
    return JSONResponse(
        status_code=400,
        content={"error": "invalid_input", "errors": [e.model_dump() for e in errors]},
    )


async def _json(request: Request) -> tuple[bytes, Any, list[FieldError]]:
    raw = await request.body()
    try:
        return raw, json.loads(raw), []
    except (ValueError, UnicodeDecodeError) as exc:
        return raw, None, [FieldError(field="body", error=f"invalid JSON: {exc}")]


def _accept(session, channel: str, raw: bytes, messages) -> JSONResponse:
    try:
        result = ingest(session, messages)
    except InvalidInput as exc:
        return _reject(session, channel, raw, exc.errors)
    return JSONResponse(
        {
            "success": True,
            "received": result.received,
            "stored": result.stored,
            "duplicates": result.duplicates,
            "warnings": [w.model_dump() for w in result.warnings],
        }
    )


@router.post("/batch")
async def batch(request: Request, session: SessionDep) -> JSONResponse:
    """Store a batch of track / identify / page messages (idempotent by messageId)."""
    raw, data, errors = await _json(request)
    if errors:
        return _reject(session, "api.batch", raw, errors)
    try:
        messages = parse_batch(data)
    except InvalidInput as exc:
        return _reject(session, "api.batch", raw, exc.errors)
    return _accept(session, "api.batch", raw, messages)


async def _single(request: Request, session, kind: str) -> JSONResponse:
    raw, data, errors = await _json(request)
    if errors:
        return _reject(session, f"api.{kind}", raw, errors)
    try:
        message = parse_one(data, kind)
    except InvalidInput as exc:
        return _reject(session, f"api.{kind}", raw, exc.errors)
    return _accept(session, f"api.{kind}", raw, [message])


@router.post("/track")
async def track(request: Request, session: SessionDep) -> JSONResponse:
    """Store one behaviour event."""
    return await _single(request, session, "track")


@router.post("/identify")
async def identify(request: Request, session: SessionDep) -> JSONResponse:
    """Create or update a lead from traits."""
    return await _single(request, session, "identify")


@router.post("/page")
async def page(request: Request, session: SessionDep) -> JSONResponse:
    """Store one page view."""
    return await _single(request, session, "page")
