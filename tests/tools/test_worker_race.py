"""Many workers, one database: no step drafted twice, no email sent twice, crashes recovered."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agent.entry import draft_for_step
from core.db import Database, make_engine
from core.models import Draft, Enrollment, Event, Outbox
from tests.tools.sequence_kit import WED, Agent, Recorder, lead, reviewer, settings_for
from tests.tools.smtp_kit import smtp_inbox
from tools.delivery import FileOutbox, SmtpTransport
from tools.enrollment import enroll
from tools.sender import send_due
from tools.worker import process_due

WORKERS = 4
ROOT = Path(__file__).resolve().parents[2]


def seed(url: str, n: int, *, approve: bool) -> None:
    """n leads enrolled in welcome, due at WED; with `approve`, drafted and approved too."""
    engine = make_engine(url, poolclass=None)
    with Session(engine, expire_on_commit=False) as session:
        reviewer(session)
        for i in range(n):
            enroll(session, lead(session, f"lead{i}").id, "welcome", trigger="test", now=WED)
        session.commit()
        if approve:
            agent = Agent(session)
            process_due(session, agent.draft, now=WED, limit=n)
            assert len(agent.approve_pending()) == n
            session.commit()
    engine.dispose()


def race(url: str, job) -> list[int]:
    """Run `job(session)` in WORKERS threads, each on its own connection, until all are idle."""
    engine = make_engine(url)
    start, done, errors = threading.Barrier(WORKERS), [], []

    def loop() -> None:
        try:
            with Session(engine, expire_on_commit=False) as session:
                start.wait()
                while (n := job(session)) > 0:
                    done.append(n)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=loop) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    engine.dispose()
    assert not errors, errors
    return done


def count(url: str, stmt) -> int:
    engine = make_engine(url, poolclass=None)
    with engine.connect() as conn:
        value = conn.execute(stmt).scalar()
    engine.dispose()
    return value


def test_four_workers_draft_each_due_step_once(fresh_db_url, tmp_path):
    n = 12
    seed(fresh_db_url, n, approve=False)
    db = Database(settings_for(tmp_path, fresh_db_url)).start(run_migrations=False)
    try:
        drafter = lambda eid, **kw: draft_for_step(db, eid, **kw)  # noqa: E731 - the real agent
        claims = race(fresh_db_url, lambda s: process_due(s, drafter, now=WED, limit=3).claimed)
    finally:
        db.stop()
    assert sum(claims) == n
    assert count(fresh_db_url, select(func.count()).select_from(Draft)) == n
    assert count(fresh_db_url, select(func.count(func.distinct(Draft.lead_id)))) == n
    waiting = select(func.count()).where(Enrollment.waiting_thread_id.is_not(None))
    assert count(fresh_db_url, waiting) == n


def test_four_senders_send_each_email_exactly_once(fresh_db_url, tmp_path):
    n = 12
    seed(fresh_db_url, n, approve=True)
    transport, settings = Recorder(), settings_for(tmp_path, fresh_db_url)
    claims = race(fresh_db_url, lambda s: send_due(s, transport, settings, now=WED, limit=2).sent)
    assert sum(claims) == n
    assert len(transport.messages) == n
    assert len({m["Message-ID"] for m in transport.messages}) == n
    assert count(fresh_db_url, select(func.count()).where(Outbox.status == "sent")) == n
    assert count(fresh_db_url, select(func.count()).where(Event.type == "email_sent")) == n


def crash(url: str, mode: str, target: str) -> None:
    """Run a worker in a subprocess that kills itself at the hook point of `mode`."""
    proc = subprocess.run(
        [sys.executable, "-m", "tests.tools.crash_worker", url, mode, target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -9, proc.stderr[-2000:]


def _status(url: str) -> str:
    return count(url, select(Outbox.status))


@pytest.mark.parametrize("mode", ["sender-after-claim", "sender-after-send"])
def test_a_sender_killed_mid_send_neither_loses_nor_duplicates(fresh_db_url, tmp_path, mode):
    seed(fresh_db_url, 1, approve=True)
    outbox = tmp_path / "outbox"
    crash(fresh_db_url, mode, str(outbox))
    assert _status(fresh_db_url) == "sending"  # the claim was committed before the crash
    written = len(list(outbox.glob("*.eml"))) if outbox.exists() else 0
    assert written == (1 if mode == "sender-after-send" else 0)
    settings, transport = settings_for(tmp_path, fresh_db_url), FileOutbox(outbox)
    engine = make_engine(fresh_db_url, poolclass=None)
    with Session(engine, expire_on_commit=False) as session:
        early = send_due(session, transport, settings, now=WED + timedelta(minutes=1))
        assert early.claimed == 0  # the dead sender's lease still holds
        late = send_due(session, transport, settings, now=WED + timedelta(minutes=6))
        assert late.sent == 1
    engine.dispose()
    assert len(list(outbox.glob("*.eml"))) == 1
    assert _status(fresh_db_url) == "sent"


def test_a_sender_killed_after_claim_sends_once_over_real_smtp(fresh_db_url, tmp_path):
    seed(fresh_db_url, 1, approve=True)
    with smtp_inbox() as (inbox, port):
        crash(fresh_db_url, "sender-after-claim", str(port))
        assert inbox.raw == []
        engine = make_engine(fresh_db_url, poolclass=None)
        with Session(engine, expire_on_commit=False) as session:
            transport = SmtpTransport("127.0.0.1", port, "none")
            settings = settings_for(tmp_path, fresh_db_url)
            assert send_due(session, transport, settings, now=WED + timedelta(minutes=6)).sent == 1
            assert send_due(session, transport, settings, now=WED + timedelta(hours=1)).claimed == 0
        engine.dispose()
        assert len(inbox.raw) == 1


def test_a_worker_killed_after_claim_leaves_the_step_to_another(fresh_db_url, tmp_path):
    seed(fresh_db_url, 1, approve=False)
    crash(fresh_db_url, "worker-after-claim", "-")
    leased = count(fresh_db_url, select(Enrollment.next_due_at))
    assert leased == WED + timedelta(minutes=5)
    from tests.tools.crash_worker import WED as CRASH_WED

    assert CRASH_WED == WED
    engine = make_engine(fresh_db_url, poolclass=None)
    with Session(engine, expire_on_commit=False) as session:
        agent = Agent(session)
        assert process_due(session, agent.draft, now=WED + timedelta(minutes=1)).claimed == 0
        report = process_due(session, agent.draft, now=WED + timedelta(minutes=6))
        session.commit()
        assert (report.claimed, report.drafted) == (1, 1)
    engine.dispose()
    assert count(fresh_db_url, select(func.count()).select_from(Draft)) == 1
