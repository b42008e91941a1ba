"""The graph with the Postgres checkpointer: interrupt here, resume in a new process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from agent.entry import handle_event, resume_review
from agent.graph import build_graph
from agent.runtime import postgres_checkpointer
from core.db import Database
from core.models import Draft, Outbox
from core.settings import Settings
from tests.agent.conftest import hot_lead, make_rep

ROOT = Path(__file__).resolve().parents[2]
RESUME = """
import json, sys
from agent.entry import resume_review
from core.db import Database
from core.settings import Settings
db = Database(Settings(_env_file=None)).start(run_migrations=False)
try:
    out = resume_review(db, int(sys.argv[1]), "approve", sys.argv[2])
    print(json.dumps(out.__dict__))
finally:
    db.stop()
"""


@pytest.fixture
def db(fresh_db_url: str, tmp_path: Path):
    """A started Database on a brand-new migrated database (real commits)."""
    settings = Settings(DATABASE_URL=fresh_db_url, NURTURE_HOME=tmp_path, _env_file=None)
    database = Database(settings).start(run_migrations=False)
    yield database
    database.stop()


def test_interrupt_here_and_resume_in_another_process(db, fresh_db_url, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with db.session() as session:
        owner = make_rep(session, "olivia@nurture.example")
        _, events = hot_lead(session, owner)
        trigger_id = events[-1].id

    outcome = handle_event(db, trigger_id)
    assert outcome.status == "pending" and outcome.backend == "offline"

    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env |= {"DATABASE_URL": fresh_db_url, "NURTURE_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", RESUME, str(outcome.draft_id), "olivia@nurture.example"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    resumed = json.loads(done.stdout.strip().splitlines()[-1])
    assert (resumed["status"], resumed["applied"]) == ("queued", True)

    again = resume_review(db, outcome.draft_id, "approve", "olivia@nurture.example")
    assert (again.applied, again.outbox_id) == (False, resumed["outbox_id"])
    with db.session() as session:
        assert session.get(Draft, outcome.draft_id).status == "queued"
        assert session.scalar(select(func.count()).select_from(Outbox)) == 1
    with postgres_checkpointer(db.url) as saver:
        snapshot = build_graph(saver).get_state({"configurable": {"thread_id": outcome.thread_id}})
    assert snapshot.next == () and snapshot.values["outbox_id"] == resumed["outbox_id"]
    assert handle_event(db, trigger_id) == outcome.__class__(
        **{**outcome.__dict__, "status": "queued"}
    )


def test_checkpointer_setup_fails_fast_while_a_transaction_is_open(fresh_db_url, monkeypatch):
    from sqlalchemy import create_engine, text

    from agent import runtime

    monkeypatch.setattr(runtime, "SETUP_LOCK_TIMEOUT", "1s")
    engine = create_engine(fresh_db_url, isolation_level="REPEATABLE READ")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))  # an open transaction holding a snapshot
        with pytest.raises(runtime.CheckpointerSetupBlocked), postgres_checkpointer(fresh_db_url):
            pass
    engine.dispose()
    with postgres_checkpointer(fresh_db_url) as saver:  # with nothing open it succeeds
        assert saver.get_tuple({"configurable": {"thread_id": "none"}}) is None
