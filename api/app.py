"""The FastAPI application: routers, auth, the database lifecycle, field-level 400s."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.deps import require_api_key
from api.routers import ask as ask_router
from api.routers import classify, ingest, leads, mail, segments
from api.routers import drafts as drafts_router
from api.sweep import pending_sweep
from core.db import Database
from core.heap import freeze_startup_heap
from core.settings import Settings, get_settings


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    """Build the app; without `db` it starts (and on shutdown stops) its own database."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        owned = db is None
        app.state.db = db or Database(settings).start()
        if owned:
            from tools.segments import ensure_builtins

            with app.state.db.session() as session:
                ensure_builtins(session)
        try:
            from slack_app.mount import slack_lifespan

            # only a server process sweeps and freezes its heap (tests and embedders bring
            # their database)
            sweep = settings.api_sweep_seconds if owned else 0
            async with slack_lifespan(app), pending_sweep(app.state.db, sweep):
                if owned:
                    # through the threadpool: its first use imports anyio's thread backend,
                    # which would otherwise happen (and be compiled) inside a request
                    await run_in_threadpool(freeze_startup_heap)
                yield
        finally:
            if owned:
                app.state.db.stop()

    app = FastAPI(
        title="nurture",
        version="0.1.0",
        description="Lead-nurture agent: activity trail, scoring, segments, drafts, replies.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    if db is not None:
        app.state.db = db

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(e["loc"]), "error": e["msg"]} for e in exc.errors()]
        return JSONResponse(status_code=400, content={"error": "invalid_input", "errors": errors})

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict:
        """Liveness check."""
        return {"ok": True}

    auth = [Depends(require_api_key)]
    for router in (ingest.router, leads.router, segments.router, mail.router, classify.router):
        app.include_router(router, dependencies=auth)
    app.include_router(drafts_router.router, dependencies=auth)
    app.include_router(ask_router.router)  # /v1/ask (API key) + /dashboard (key or cookie)
    app.include_router(mail.public)  # unsubscribe, tracking, ESP webhook: self-authenticated
    if settings.slack_configured:  # Slack signs its requests; the API key does not apply
        from slack_app.mount import mount_slack

        mount_slack(app, settings)
    return app
