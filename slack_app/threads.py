"""Run synchronous database work from async Slack handlers without blocking the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from core.db import Database

T = TypeVar("T")


async def run_db(db: Database, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call `fn(session, *args, **kwargs)` in a worker thread inside one committed session."""

    def work() -> T:
        """The database call, in its own session."""
        with db.session() as session:
            return fn(session, *args, **kwargs)

    return await asyncio.to_thread(work)
