"""Mount the Bolt app on FastAPI at /slack/events and run the Slack worker in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import Response

from core.settings import Settings

EVENTS_PATH = "/slack/events"


def mount_slack(app: FastAPI, settings: Settings) -> None:
    """Serve Slack's signed HTTP requests (events, interactivity, /nurture) at /slack/events."""
    from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

    from slack_app.app import build_app

    bolt = build_app(settings, lambda: app.state.db)
    handler = AsyncSlackRequestHandler(bolt)
    app.state.slack_app = bolt

    @app.post(EVENTS_PATH, include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        """Slack events, interactivity and slash commands; unsigned or stale requests get 401."""
        return await handler.handle(request)


@asynccontextmanager
async def slack_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the Slack worker (LISTEN + sweep) while the app runs, when Slack is mounted."""
    bolt = getattr(app.state, "slack_app", None)
    if bolt is None:
        yield
        return
    from slack_app.worker import SlackWorker

    worker = SlackWorker(app.state.db, bolt.client, app.state.settings)
    app.state.slack_worker = worker
    await worker.start()
    try:
        yield
    finally:
        await worker.stop()
