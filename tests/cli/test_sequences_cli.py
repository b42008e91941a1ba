"""`nurture simulate` and `nurture worker` against a real database."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cli.main import app
from core.db import make_engine
from core.settings import get_settings
from tests.tools.sequence_kit import WED, lead, reviewer
from tools.enrollment import enroll


@pytest.fixture
def cli_env(fresh_db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", fresh_db_url)
    monkeypatch.setenv("NURTURE_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    engine = make_engine(fresh_db_url, poolclass=None)
    with Session(engine, expire_on_commit=False) as session:
        reviewer(session)
        ann = lead(session, timezone="Asia/Tokyo", country="JP")
        enroll(session, ann.id, "welcome", trigger="test", now=WED)
        session.commit()
    engine.dispose()
    yield CliRunner()
    get_settings.cache_clear()


def flat(result) -> str:
    return " ".join(result.output.split())


def test_simulate_prints_the_plan_and_the_worker_drafts(cli_env):
    runner = cli_env
    result = runner.invoke(
        app,
        [
            "simulate",
            "welcome",
            "--lead",
            "ann@acme.example",
            "--start",
            "2026-09-18T12:00:00+00:00",
        ],
    )
    assert result.exit_code == 0, result.output
    out = flat(result)
    assert "welcome for ann@acme.example" in out and "Asia/Tokyo" in out
    assert "held" in out and "window: opens" in out and "branch" in out
    missing = runner.invoke(app, ["simulate", "nope", "--lead", "ann@acme.example"])
    assert missing.exit_code == 2 and "welcome" in missing.output
    worker = runner.invoke(app, ["worker", "--once"])
    assert worker.exit_code == 0, worker.output
    assert "1 drafted" in flat(worker) and "stopped after 1 iterations" in flat(worker)
    waiting = runner.invoke(app, ["simulate", "welcome", "--lead", "ann@acme.example"])
    assert "waiting" in flat(waiting) and "a draft awaits" in flat(waiting)
