"""The Bolt AsyncApp: a Web API client from settings and every listener registered on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from core.db import Database
from core.settings import Settings


@dataclass(frozen=True)
class Deps:
    """What listeners need: settings and the process's database (resolved at call time)."""

    settings: Settings
    get_db: Callable[[], Database]

    @property
    def db(self) -> Database:
        """The running database."""
        return self.get_db()


def web_client(settings: Settings) -> AsyncWebClient:
    """A Web API client for the bot token, pointed at NURTURE_SLACK_API_URL (a mock in tests)."""
    base_url = settings.slack_api_url.rstrip("/") + "/"
    return AsyncWebClient(token=settings.slack_bot_token, base_url=base_url)


def build_app(settings: Settings, get_db: Callable[[], Database]) -> AsyncApp:
    """The Bolt app; request signature verification stays on (Bolt's default, never disabled)."""
    from slack_app import handlers_commands, handlers_drafts, handlers_escalations, home

    if not settings.slack_bot_token:
        raise ValueError("SLACK_BOT_TOKEN is not set")
    app = AsyncApp(
        client=web_client(settings),
        signing_secret=settings.slack_signing_secret or "",
        name="nurture",
    )
    deps = Deps(settings, get_db)
    for module in (handlers_drafts, handlers_escalations, handlers_commands, home):
        module.register(app, deps)
    return app
