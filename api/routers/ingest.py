"""Tracking endpoints in the shape of the Segment HTTP API: batch, track, identify, page.

The body is read on the event loop; parsing, validation and the database work run in the
threadpool, so one slow batch does not stall the loop (and the Slack listener sharing it).
As with Segment, 200 means stored: the events and their pending batch are committed before
the answer, and scoring and triggers run right after it (a background task of the same
request, `tools.ingest.drain`), so a busy API scores many requests' events in one pass.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTask

from api.deps import SessionDep, SessionOpenerDep
from core.models import RejectedPayload
from tools.ingest import accept, drain
from tools.ingest_schema import FieldError, InvalidInput, parse_batch, parse_one

router = APIRouter(prefix="/v1", tags=["ingestion"])
log = logging.getLogger(__name__)


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


def _finish(open_session) -> None:
    """Score and fire triggers for what was accepted (this request's batch and any other
    waiting); a failure leaves the batches to the sweep (`process_pending`)."""
    try:
        with open_session() as session:
            drain(session)
    except Exception:
        log.exception("finishing accepted batches failed; the sweep retries them")


def _accept(session, open_session, channel: str, raw: bytes, messages) -> JSONResponse:
    try:
        result = accept(session, messages)
    except InvalidInput as exc:
        return _reject(session, channel, raw, exc.errors)
    return JSONResponse(
        {
            "success": True,
            "received": result.received,
            "stored": result.stored,
            "duplicates": result.duplicates,
            "warnings": [w.model_dump() for w in result.warnings],
        },
        background=None if result.batch_id is None else BackgroundTask(_finish, open_session),
    )


def _handle(session, open_session, raw: bytes, kind: str) -> JSONResponse:
    """Parse, validate and ingest one request body (`kind` batch, track, identify or page)."""
    channel = f"api.{kind}"
    data, errors = _json(raw)
    if errors:
        return _reject(session, channel, raw, errors)
    try:
        messages = parse_batch(data) if kind == "batch" else [parse_one(data, kind)]
    except InvalidInput as exc:
        return _reject(session, channel, raw, exc.errors)
    return _accept(session, open_session, channel, raw, messages)


@router.post("/batch")
async def batch(request: Request, session: SessionDep, opener: SessionOpenerDep) -> JSONResponse:
    """Store a batch of track / identify / page messages (idempotent by messageId)."""
    return await _from_body(request, session, opener, "batch")


async def _from_body(request: Request, session, opener, kind: str) -> JSONResponse:
    return await run_in_threadpool(_handle, session, opener, await request.body(), kind)


@router.post("/track")
async def track(request: Request, session: SessionDep, opener: SessionOpenerDep) -> JSONResponse:
    """Store one behaviour event."""
    return await _from_body(request, session, opener, "track")


@router.post("/identify")
async def identify(request: Request, session: SessionDep, opener: SessionOpenerDep) -> JSONResponse:
    """Create or update a lead from traits."""
    return await _from_body(request, session, opener, "identify")


@router.post("/page")
async def page(request: Request, session: SessionDep, opener: SessionOpenerDep) -> JSONResponse:
    """Store one page view."""
    return await _from_body(request, session, opener, "page")
