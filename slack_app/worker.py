"""The Slack background task: LISTEN for new escalations and drafts, post them, sweep each minute.

A notification is only a nudge: the poster re-reads the row and claims it, so a notification
missed while disconnected is caught by the sweep, which also sends approval reminders, wakes
snoozed escalations and posts the weekly summary when due. Reconnects with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from time import monotonic
from zoneinfo import ZoneInfo

import psycopg
from slack_sdk.web.async_client import AsyncWebClient

from core.db import Database
from core.settings import Settings
from slack_app.poster import post_draft, post_escalation, post_missed
from slack_app.reminders import remind_overdue, wake_snoozed
from slack_app.summary import post_weekly_summary, summary_due
from tools.notify import CHANNELS, DRAFTS, ESCALATIONS

log = logging.getLogger(__name__)
MAX_BACKOFF = 30.0


def listen_conninfo(db: Database) -> str:
    """A libpq URL for psycopg from the database's SQLAlchemy engine URL."""
    assert db.engine is not None, "Database.start() first"
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class SlackWorker:
    """One per process: started by the FastAPI lifespan or the Socket Mode runner."""

    def __init__(
        self,
        db: Database,
        client: AsyncWebClient,
        settings: Settings,
        *,
        sweep_seconds: float = 60.0,
    ):
        self.db, self.client, self.settings = db, client, settings
        self.sweep_seconds = sweep_seconds
        self.listening = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        """Run in the background (returns at once)."""
        self._task = asyncio.create_task(self._run(), name="nurture-slack-worker")

    async def stop(self) -> None:
        """Cancel the background task and wait for it to finish."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def handle(self, channel: str, payload: str) -> None:
        """Post the row a notification names (the poster ignores rows posted already)."""
        if not payload.isdigit():
            return
        if channel == ESCALATIONS:
            await post_escalation(self.db, self.client, self.settings, int(payload))
        elif channel == DRAFTS:
            await post_draft(self.db, self.client, self.settings, int(payload))

    async def sweep(self, now: datetime | None = None) -> None:
        """Catch up on everything time-based or missed; one failing part does not stop the rest."""
        now = now or datetime.now(UTC)
        tz = ZoneInfo(self.settings.default_timezone)
        steps = [
            lambda: post_missed(self.db, self.client, self.settings),
            lambda: wake_snoozed(self.db, self.client, now),
            lambda: remind_overdue(self.db, self.client, self.settings, now),
        ]
        if summary_due(now, tz):
            steps.append(lambda: post_weekly_summary(self.db, self.client, now))
        for step in steps:
            try:
                await step()
            except Exception:
                log.exception("slack sweep step failed")

    async def _listen(self) -> None:
        async with await psycopg.AsyncConnection.connect(
            listen_conninfo(self.db), autocommit=True
        ) as conn:
            for channel in CHANNELS:
                await conn.execute(f"LISTEN {channel}")
            self.listening.set()
            next_sweep = monotonic()
            while True:
                if monotonic() >= next_sweep:
                    await self.sweep()
                    next_sweep = monotonic() + self.sweep_seconds
                async for note in conn.notifies(timeout=max(0.0, next_sweep - monotonic())):
                    try:
                        await self.handle(note.channel, note.payload)
                    except Exception:
                        log.exception("posting for %s %s failed", note.channel, note.payload)

    async def _run(self) -> None:
        backoff = 1.0
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away (or a bug): keep the worker alive
                was_up = self.listening.is_set()
                self.listening.clear()
                backoff = 1.0 if was_up else min(backoff * 2, MAX_BACKOFF)
                log.warning("slack listener stopped (%r); reconnecting in %.0fs", exc, backoff)
                await asyncio.sleep(backoff)
