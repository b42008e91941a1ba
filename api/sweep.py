"""An API process finishes accepted batches its requests could not: the pending sweep.

Each request drains after answering (`tools.ingest.drain`); a batch whose scoring or triggers
failed there (a lost connection, a deadlock victim, a bug) stays in `ingest_batches`.
`nurture worker` sweeps such batches every minute, and so does every API process that owns its
database (every `NURTURE_API_SWEEP_SECONDS`; 0 turns it off), so a deployment that runs the API
alone does not leave them unscored. `process_pending` takes only batches older than 30 s (younger
ones belong to the request still on them) and locks them with SKIP LOCKED, so API processes and
workers sweeping at the same time finish each batch once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi.concurrency import run_in_threadpool

from core.db import Database
from tools.ingest import process_pending

log = logging.getLogger(__name__)


def sweep_once(db: Database) -> int:
    """Finish every pending batch old enough to be abandoned; the number of events."""
    total = 0
    with db.session() as session:
        while done := process_pending(session):
            total += done
    return total


async def _every(db: Database, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            events = await run_in_threadpool(sweep_once, db)
        except Exception:  # the next sweep tries again; the batches stay until one succeeds
            log.exception("pending sweep failed")
        else:
            if events:
                log.info("pending sweep finished %d events of abandoned batches", events)


@asynccontextmanager
async def pending_sweep(db: Database, seconds: float) -> AsyncIterator[None]:
    """Sweep pending batches every `seconds` while the app runs (not at all for 0)."""
    if seconds <= 0:
        yield
        return
    task = asyncio.create_task(_every(db, seconds))
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
