"""An API process finishes accepted batches whose scoring failed after the answer."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select, text

from api.sweep import pending_sweep, sweep_once
from core.db import Database
from core.models import IngestBatch, Lead
from core.settings import Settings
from tests.tools.test_ingest_backlog import _count, _messages
from tools.ingest import accept


def _abandoned(db: Database, user: str, *, age: str = "1 minute") -> int:
    """Accept a batch (stored, not scored: as when the request's drain failed), aged `age`."""
    with db.session() as session:
        now = session.scalar(text("SELECT now()"))
        batch_id = accept(session, _messages(now, user)).batch_id
        session.execute(
            text("UPDATE ingest_batches SET created_at = now() - CAST(:age AS interval)"),
            {"age": age},
        )
    return batch_id


def _state(db: Database, user: str) -> tuple[int, bool, int]:
    """The lead's score, whether it was scored, and the pending batches left."""
    with db.session() as session:
        score, scored_at = session.execute(
            select(Lead.score, Lead.scored_at).where(Lead.external_id == f"{user}-1")
        ).one()
        return score, scored_at is not None, _count(session, IngestBatch)


def _settings(url: str, tmp_path, **extra) -> Settings:
    return Settings(DATABASE_URL=url, NURTURE_HOME=tmp_path, _env_file=None, **extra)


def _database(url: str, tmp_path) -> Database:
    return Database(_settings(url, tmp_path)).start()


def test_sweep_once_finishes_an_abandoned_batch_and_leaves_a_young_one(fresh_db_url, tmp_path):
    db = _database(fresh_db_url, tmp_path)
    try:
        _abandoned(db, "old")
        assert _state(db, "old") == (0, False, 1)
        assert sweep_once(db) == 2  # the identify and the demo request
        score, scored, pending = _state(db, "old")
        assert scored and score > 0 and pending == 0
        # a batch younger than 30 s belongs to the request still draining it
        _abandoned(db, "young", age="1 second")
        assert sweep_once(db) == 0
        assert _state(db, "young") == (0, False, 1)
    finally:
        db.stop()


def test_pending_sweep_runs_periodically_and_not_at_all_when_off(fresh_db_url, tmp_path):
    db = _database(fresh_db_url, tmp_path)

    async def run(seconds: float, wait: float) -> None:
        async with pending_sweep(db, seconds):
            await asyncio.sleep(wait)

    try:
        _abandoned(db, "off")
        asyncio.run(run(0, 0.3))
        assert _state(db, "off")[1:] == (False, 1)
        asyncio.run(run(0.05, 1.5))
        assert _state(db, "off")[1:] == (True, 0)
    finally:
        db.stop()


def test_a_server_process_sweeps_batches_it_finds_on_start(fresh_db_url, tmp_path):
    import gc

    from fastapi.testclient import TestClient

    from api.app import create_app

    setup = _database(fresh_db_url, tmp_path)
    try:
        _abandoned(setup, "restart")  # left by a process that died before finishing it
    finally:
        setup.stop()
    settings = _settings(fresh_db_url, tmp_path, NURTURE_API_SWEEP_SECONDS=0.05)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        deadline = time.monotonic() + 10
        while _state(client.app.state.db, "restart")[2] and time.monotonic() < deadline:
            time.sleep(0.05)
        score, scored, pending = _state(client.app.state.db, "restart")
    gc.unfreeze()  # the app froze this test process's heap, as a server process does
    assert scored and score > 0 and pending == 0
