"""Socket Mode: the same Bolt app over a websocket, for teams without a public URL."""

from __future__ import annotations

from core.db import Database
from core.settings import Settings


async def run_socket_mode(settings: Settings, db: Database) -> None:
    """Connect to Slack with the app-level token and run the Slack worker until cancelled."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from slack_app.app import build_app
    from slack_app.worker import SlackWorker

    if not settings.slack_app_token:
        raise ValueError("SLACK_APP_TOKEN (xapp-…) is needed for Socket Mode")
    app = build_app(settings, lambda: db)
    worker = SlackWorker(db, app.client, settings)
    handler = AsyncSocketModeHandler(app, settings.slack_app_token)
    await worker.start()
    try:
        await handler.start_async()
    finally:
        await worker.stop()
        await handler.close_async()
