"""The SMTP duplicate window: crashes around DATA against a real relay; the unconfirmed policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import make_engine
from core.models import Event, Lead, Outbox
from tests.tools.sequence_kit import WED, Agent, enrollment_of, lead, reviewer, settings_for
from tests.tools.smtp_kit import smtp_inbox
from tests.tools.test_worker_race import count, crash, seed
from tools.delivery import SmtpTransport
from tools.enrollment import enroll
from tools.guardrails import check_send
from tools.send_outcome import resolve_unconfirmed
from tools.sender import SendHooks, send_due
from tools.worker import process_due


def _holds(session: Session, code: str) -> list[Event]:
    found = session.scalars(select(Event).where(Event.type == "guardrail_held")).all()
    return [e for e in found if e.properties["code"] == code]


def _queued(session: Session) -> tuple[Lead, Outbox]:
    """A lead whose first welcome email is approved and queued at WED."""
    reviewer(session)
    ann = lead(session)
    enroll(session, ann.id, "welcome", trigger="test", now=WED)
    agent = Agent(session)
    process_due(session, agent.draft, now=WED)
    (row,) = agent.approve_pending()
    return ann, row


def test_a_crash_before_data_is_resent_exactly_once(fresh_db_url, tmp_path):
    seed(fresh_db_url, 1, approve=True)
    with smtp_inbox() as (inbox, port):
        crash(fresh_db_url, "sender-before-data", str(port))  # MAIL FROM and RCPT TO accepted
        assert inbox.raw == []  # the relay drops a transaction without DATA
        assert count(fresh_db_url, select(Outbox.status)) == "sending"
        engine = make_engine(fresh_db_url, poolclass=None)
        with Session(engine, expire_on_commit=False) as session:
            transport = SmtpTransport("127.0.0.1", port, "none")
            settings = settings_for(tmp_path, fresh_db_url)
            assert send_due(session, transport, settings, now=WED + timedelta(minutes=1)).sent == 0
            assert send_due(session, transport, settings, now=WED + timedelta(minutes=6)).sent == 1
            assert send_due(session, transport, settings, now=WED + timedelta(hours=1)).claimed == 0
        engine.dispose()
        assert len(inbox.raw) == 1
    assert count(fresh_db_url, select(Outbox.status)) == "sent"


@pytest.mark.parametrize("delivered", [True, False])
def test_a_crash_after_the_relay_accepted_is_never_resent_blindly(
    fresh_db_url, tmp_path, delivered
):
    seed(fresh_db_url, 1, approve=True)
    with smtp_inbox() as (inbox, port):
        crash(fresh_db_url, "sender-after-send", str(port))  # "250" received, nothing recorded
        assert len(inbox.raw) == 1
        assert count(fresh_db_url, select(Outbox.status)) == "unconfirmed"
        engine = make_engine(fresh_db_url, poolclass=None)
        with Session(engine, expire_on_commit=False) as session:
            transport = SmtpTransport("127.0.0.1", port, "none")
            settings = settings_for(tmp_path, fresh_db_url)
            early = send_due(session, transport, settings, now=WED + timedelta(minutes=1))
            assert (early.claimed, early.unconfirmed) == (0, 0)  # the dead sender's lease holds
            later = WED + timedelta(minutes=6)
            late = send_due(session, transport, settings, now=later)
            assert (late.claimed, late.sent, late.unconfirmed) == (0, 0, 1)
            assert send_due(session, transport, settings, now=WED + timedelta(days=1)).claimed == 0
            assert len(inbox.raw) == 1  # not delivered twice
            row = session.scalars(select(Outbox)).one()
            assert row.status == "unconfirmed" and "delivery unknown" in row.last_error
            assert len(_holds(session, "delivery_unconfirmed")) == 1  # visible on the timeline
            assert resolve_unconfirmed(
                session, row.id, delivered=delivered, by="maya", now=later
            ) == ("sent" if delivered else "requeued")
            again = send_due(session, transport, settings, now=WED + timedelta(days=1))
            assert again.sent == (0 if delivered else 1)
            sent = session.scalars(select(Event).where(Event.type == "email_sent")).one()
            assert sent.occurred_at == (WED if delivered else WED + timedelta(days=1))
        engine.dispose()
        assert len(inbox.raw) == (1 if delivered else 2)
        assert len({m["Message-ID"] for m in inbox.messages}) == 1  # a resend is the same message
    assert count(fresh_db_url, select(Outbox.status)) == "sent"


def test_a_connection_lost_during_data_is_unconfirmed_not_retried(session, settings):
    ann, row = _queued(session)
    with smtp_inbox() as (inbox, port):
        inbox.data_delay = 2.0  # the relay takes the message but answers after our timeout
        transport = SmtpTransport("127.0.0.1", port, "none", timeout=0.5)
        report = send_due(session, transport, settings, now=WED)
        assert (report.sent, report.retried, report.unconfirmed) == (0, 0, 1)
        session.refresh(row)
        assert row.status == "unconfirmed" and "during DATA" in row.last_error
        assert row.claimed_by is None and row.sent_at == WED
        assert send_due(session, transport, settings, now=WED + timedelta(days=1)).claimed == 0
        assert len(inbox.raw) == 1
    assert enrollment_of(session, ann.id).waiting_thread_id is not None  # waits for a person
    later = check_send(session, ann, WED + timedelta(hours=1), include_queued=False)
    assert later.code == "frequency_cap"  # it may have gone out: it counts as sent
    with pytest.raises(ValueError):  # only unconfirmed rows can be resolved
        resolve_unconfirmed(session, row.id + 1, delivered=True, by="maya", now=WED)


def test_a_sender_that_lost_its_claim_withdraws_before_data(session, settings):
    _queued(session)

    def overtaken(row_id: int) -> None:  # another sender took the row over meanwhile
        session.execute(
            Outbox.__table__.update().where(Outbox.id == row_id).values(claimed_by="other:1")
        )

    with smtp_inbox() as (inbox, port):
        transport = SmtpTransport("127.0.0.1", port, "none")
        report = send_due(
            session, transport, settings, now=WED, hooks=SendHooks(before_data=overtaken)
        )
        assert (report.claimed, report.sent) == (1, 0)
        assert inbox.raw == []
    assert session.scalar(select(func.count()).where(Outbox.status == "unconfirmed")) == 0
