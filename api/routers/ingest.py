"""Tracking endpoints in the shape of the Segment HTTP API: batch, track, identify, page.

The body is read on the event loop; parsing, validation and the database work run in the
threadpool, so one slow batch does not stall the loop (and the Slack listener sharing it).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
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


def _json(raw: bytes) -> tuple[Any, list[FieldError]]:
    try:
        return orjson.loads(raw), []
    except orjson.JSONDecodeError as exc:
        return None, [FieldError(field="body", error=f"invalid JSON: {exc}")]


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


def _handle(session, raw: bytes, kind: str) -> JSONResponse:
    """Parse, validate and ingest one request body (`kind` batch, track, identify or page)."""
    channel = f"api.{kind}"
    data, errors = _json(raw)
    if errors:
        return _reject(session, channel, raw, errors)
    try:
        messages = parse_batch(data) if kind == "batch" else [parse_one(data, kind)]
    except InvalidInput as exc:
        return _reject(session, channel, raw, exc.errors)
    return _accept(session, channel, raw, messages)


@router.post("/batch")
async def batch(request: Request, session: SessionDep) -> JSONResponse:
    """Store a batch of track / identify / page messages (idempotent by messageId)."""
    return await run_in_threadpool(_handle, session, await request.body(), "batch")


async def _single(request: Request, session, kind: str) -> JSONResponse:
    return await run_in_threadpool(_handle, session, await request.body(), kind)


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
