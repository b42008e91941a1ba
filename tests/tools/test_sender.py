"""The sender and a real SMTP server: MIME, threading, one-click unsubscribe, holds, failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from agent.entry import run_for_lead
from core.models import Outbox, Rep
from tests.tools.sequence_kit import WED, Agent, enrollment_of, lead, reviewer, timeline
from tests.tools.smtp_kit import smtp_inbox
from tools.delivery import SmtpTransport
from tools.enrollment import enroll, stop_enrollment
from tools.sender import send_due
from tools.worker import process_due


@pytest.fixture
def smtp():
    with smtp_inbox() as (inbox, port):
        yield inbox, SmtpTransport("127.0.0.1", port, "none")


@pytest.fixture
def owner(session):
    rep = Rep(
        name="Maya Thompson", email="maya@nurture.example", territory=["US"], product_lines=["core"]
    )
    session.add(rep)
    session.flush()
    return rep


def queued(session, agent, who, sequence="welcome", at=WED) -> Outbox:
    """Enroll, draft and approve the first step; the outbox row."""
    enroll(session, who.id, sequence, trigger="test", now=at)
    process_due(session, agent.draft, now=at)
    rows = agent.approve_pending()
    assert len(rows) == 1
    return rows[0]


def test_real_smtp_gets_proper_mime_from_the_owner_with_threading(session, settings, smtp, owner):
    inbox, transport = smtp
    agent = Agent(session)
    reviewer(session)
    ann = lead(session)
    first = queued(session, agent, ann)
    assert send_due(session, transport, settings, now=WED).sent == 1
    second_due = enrollment_of(session, ann.id).next_due_at  # Saturday: held for the window
    process_due(session, agent.draft, now=second_due)
    agent.approve_pending()
    held = send_due(session, transport, settings, now=second_due)
    assert held.held == 1 and "outside the send window" in held.details[0]["reason"]
    tuesday = datetime(2026, 9, 22, 13, 0, tzinfo=UTC)  # 09:00 EDT
    assert send_due(session, transport, settings, now=tuesday).sent == 1

    one, two = inbox.messages
    assert one["From"].addresses[0].addr_spec == "maya@nurture.example"  # the owner rep
    assert one["From"].addresses[0].display_name == "Maya Thompson"
    assert one["To"].addresses[0].addr_spec == "ann@acme.example"
    assert one["Message-ID"] == first.message_id
    assert one.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in one.iter_parts()] == ["text/plain", "text/html"]
    assert one["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert one["List-Unsubscribe"].startswith("<https://localhost:8000/v1/unsubscribe/")
    assert two["In-Reply-To"] == first.message_id  # follow-ups thread under the first email
    assert first.message_id in two["References"]
    assert two["Date"].datetime == tuesday


def test_one_click_unsubscribe_end_to_end(session, settings, smtp, client, owner):
    inbox, transport = smtp
    agent = Agent(session)
    reviewer(session)
    ann = lead(session)
    queued(session, agent, ann)
    send_due(session, transport, settings, now=WED)
    url = inbox.messages[0]["List-Unsubscribe"].strip("<>")
    resp = client.post(
        urlsplit(url).path,
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert resp.status_code == 200 and resp.json() == {"unsubscribed": True}
    session.refresh(ann)
    assert ann.consent == "unsubscribed"
    unsub = timeline(session, ann.id, "email_unsubscribed")
    assert unsub[0].properties["method"] == "one-click"
    due = enrollment_of(session, ann.id).next_due_at
    report = process_due(session, agent.draft, now=due)
    assert report.exited == 1 and enrollment_of(session, ann.id).exit_reason == "unsubscribed"
    assert len(inbox.raw) == 1  # nothing more, ever


def test_two_approved_emails_for_one_lead_go_out_48_hours_apart(session, settings, smtp, owner):
    inbox, transport = smtp
    agent = Agent(session)
    reviewer(session)
    ann = lead(session)
    manual = run_for_lead(agent.runtime, ann.id)  # a rep asks for an email by hand…
    assert manual.status == "pending"
    enroll(session, ann.id, "welcome", trigger="test", now=WED)  # …and a sequence step is due
    process_due(session, agent.draft, now=WED)
    assert len(agent.approve_pending()) == 2
    report = send_due(session, transport, settings, now=WED)
    assert (report.sent, report.held) == (1, 1)
    assert report.details[0]["code"] == "frequency_cap"
    assert send_due(session, transport, settings, now=WED + timedelta(hours=47)).sent == 0
    friday = WED + timedelta(hours=48)  # the cap has passed, but Friday is outside the window
    friday_hold = send_due(session, transport, settings, now=friday)
    assert friday_hold.held == 1 and friday_hold.details[0]["code"] == "send_window"
    assert len(inbox.raw) == 1


def test_a_temporary_failure_retries_with_backoff(session, settings, smtp, owner):
    inbox, transport = smtp
    agent = Agent(session)
    reviewer(session)
    row = queued(session, agent, lead(session))
    inbox.rcpt_reply = "451 4.2.0 mailbox busy, try later"
    report = send_due(session, transport, settings, now=WED)
    assert report.retried == 1
    session.refresh(row)
    assert (row.status, row.attempts) == ("queued", 1) and "451" in row.last_error
    assert row.next_attempt_at == WED + timedelta(seconds=60)
    inbox.rcpt_reply = "250 OK"
    assert send_due(session, transport, settings, now=WED + timedelta(seconds=30)).sent == 0
    assert send_due(session, transport, settings, now=WED + timedelta(seconds=61)).sent == 1
    assert len(inbox.raw) == 1


def test_a_permanent_failure_becomes_a_bounce_and_stops_the_sequence(
    session, settings, smtp, owner
):
    inbox, transport = smtp
    agent = Agent(session)
    reviewer(session)
    ann = lead(session)
    row = queued(session, agent, ann)
    inbox.rcpt_reply = "550 5.1.1 no such user"
    assert send_due(session, transport, settings, now=WED).failed == 1
    session.refresh(row)
    session.refresh(ann)
    assert row.status == "failed" and ann.consent == "bounced"
    bounce = timeline(session, ann.id, "email_bounced")[0]
    assert bounce.properties["bounce_type"] == "hard" and bounce.properties["smtp_code"] == 550
    due = enrollment_of(session, ann.id).next_due_at  # the step was skipped; the next one exits
    assert process_due(session, agent.draft, now=due).exited == 1
    assert enrollment_of(session, ann.id).exit_reason == "bounced"


def test_suppression_or_a_manual_stop_after_approval_cancels_the_email(session, settings, smtp):
    inbox, transport = smtp
    agent = Agent(session)
    reviewer(session)
    customer, stopped = lead(session, "cust"), lead(session, "stop")
    row_c = queued(session, agent, customer)
    row_s = queued(session, agent, stopped)
    customer.lifecycle_stage = "customer"
    stop_enrollment(session, enrollment_of(session, stopped.id).id, "asked on the phone", "maya")
    report = send_due(session, transport, settings, now=WED)
    assert (report.sent, report.cancelled) == (0, 2)
    session.refresh(row_c)
    session.refresh(row_s)
    assert (row_c.status, row_s.status) == ("cancelled", "cancelled")
    assert "customer" in row_c.last_error and "stopped by" in row_s.last_error
    assert enrollment_of(session, customer.id).exit_reason == "customer"
    assert inbox.raw == []


def test_tracking_rewrites_html_links_only(session, settings, smtp, owner):
    from tools.compose import html_body

    html = html_body(settings, 7, "See https://nurture.example/demo today.")
    assert "/t/c/" in html and "u=https%3A%2F%2Fnurture.example%2Fdemo" in html
    assert ">https://nurture.example/demo</a>" in html  # the visible text stays the real URL
    off = settings.model_copy(update={"tracking": "off"})
    assert "/t/c/" not in html_body(off, 7, "See https://nurture.example/demo")
    everything = settings.model_copy(update={"tracking": "all"})
    assert "/t/o/" in html_body(everything, 7, "Hi")
    assert session.scalars(select(Outbox)).first() is None
