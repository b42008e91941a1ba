"""Replies in through the API: raw MIME and ESP forms, matching, raw kept, malformed -> 400."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.routers.mail import get_reply_handler
from core.models import Enrollment, Escalation, InboundMessage, Reply
from tests.tools.sequence_kit import WED, enrollment_of, lead, sent_email, timeline
from tools.enrollment import enroll
from tools.mime_in import MAX_TEXT_CHARS, parse_inbound

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mime"
RAW = {"content-type": "message/rfc822"}


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.eml").read_bytes()


@pytest.fixture
def fallback(client):
    """Use the built-in fallback (no reply classification)."""
    client.app.dependency_overrides[get_reply_handler] = lambda: None
    return client


def post(client, raw: bytes):
    return client.post("/v1/inbound/email", content=raw, headers=RAW)


def test_a_reply_matches_the_sent_email_by_in_reply_to_and_exits_the_sequence(session, fallback):
    jane = lead(session, "jane", email="jane.doe@lead.example")
    enroll(session, jane.id, "welcome", trigger="test", now=WED)
    row = sent_email(session, jane, "<nurture.2222@acme.example>", "welcome")
    body = post(fallback, fixture("gmail_reply")).json()
    assert (body["status"], body["lead_id"], body["outbox_id"]) == ("processed", jane.id, row.id)
    reply = session.get(Reply, body["reply_id"])
    assert reply.from_email == "jane.doe@lead.example" and reply.event_id is not None
    assert "On " not in reply.body  # quoted history is split off
    event = timeline(session, jane.id, "reply_received")[0]
    assert event.properties["reply_id"] == reply.id and event.properties["auto_reply"] is False
    assert body["exited_enrollments"] == [enrollment_of(session, jane.id).id]
    assert enrollment_of(session, jane.id).exit_reason == "replied"
    kept = session.get(InboundMessage, body["inbound_id"])
    assert kept.raw == fixture("gmail_reply") and kept.status == "processed"


def test_an_automatic_reply_does_not_exit(session, fallback):
    lisa = lead(session, "lisa", email="lisa@enterprise.example")
    enroll(session, lisa.id, "welcome", trigger="test", now=WED)
    body = post(fallback, fixture("out_of_office")).json()
    assert body["status"] == "processed" and body["auto_reply"] is True
    assert body["exited_enrollments"] == [] and enrollment_of(session, lisa.id).status == "active"


@pytest.mark.parametrize(
    ("name", "sender", "words"),
    [
        ("multipart_alternative", "priya@startup.example", None),
        ("html_only", "marc@agence.example", "would like a demo"),
        ("quoted_printable", "renee@firma.example", "nächste Woche"),
        ("base64_latin1", "helene@societe.example", "Recontactez-moi en septembre"),
        ("koi8r", "ivan@kompania.example", "Спасибо"),
        ("windows1252", "klaus@gmbh.example", "4.000 €"),
        ("iso2022jp", "tanaka@kaisha.example", "来週お打ち合わせ"),
        ("forwarded", "tom@lead.example", "not the right person"),
        ("outlook_reply", "rsmith@corp.example", None),
    ],
)
def test_every_shape_of_mail_is_matched_by_sender_and_decoded(
    session, fallback, name, sender, words
):
    who = lead(session, sender.split("@")[0], email=sender)
    body = post(fallback, fixture(name)).json()
    assert (body["status"], body["lead_id"]) == ("processed", who.id)
    reply = session.get(Reply, body["reply_id"])
    assert reply.body == parse_inbound(fixture(name)).new_text and "\ufffd" not in reply.body
    if words:
        assert words in reply.body


def test_an_unknown_sender_is_kept_and_escalated(session, fallback):
    body = post(fallback, fixture("multipart_alternative")).json()
    assert body["status"] == "unknown_sender" and body["lead_id"] is None
    reply = session.get(Reply, body["reply_id"])
    assert reply.lead_id is None and reply.from_email == "priya@startup.example"
    escalation = session.scalars(
        select(Escalation).where(Escalation.kind == "unknown_sender")
    ).one()
    assert "priya@startup.example" in escalation.summary


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("malformed_no_from", "missing From header"),
        ("malformed_truncated_boundary", "boundary"),
        ("malformed_garbage", ""),
    ],
)
def test_malformed_mail_is_refused_with_the_reason_and_kept(session, fallback, name, reason):
    raw = fixture(name)
    resp = post(fallback, raw)
    assert resp.status_code == 400
    data = resp.json()
    assert data["error"] == "malformed_email" and reason in data["reason"] and data["reason"]
    kept = session.get(InboundMessage, data["inbound_id"])
    assert (kept.status, kept.raw, kept.error) == ("malformed", raw, data["reason"])


def test_a_very_large_message_is_stored_whole_and_its_text_capped(session, fallback):
    who = lead(session, "big", email="big@lead.example")
    text = ("All good on our side, a long line of text. " * 40 + "\n") * 2000  # ~3.5 MB
    raw = (
        "From: Big Sender <big@lead.example>\r\nTo: zoe@acme.example\r\nSubject: long\r\n"
        "Message-ID: <big-1@lead.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text
    ).encode()
    body = post(fallback, raw).json()
    assert (body["status"], body["lead_id"]) == ("processed", who.id)
    assert len(session.get(Reply, body["reply_id"]).body) <= MAX_TEXT_CHARS
    assert session.get(InboundMessage, body["inbound_id"]).raw == raw


def test_a_redelivered_message_is_stored_once_as_a_reply(session, fallback):
    lead(session, "marc", email="marc@agence.example")
    first = post(fallback, fixture("html_only")).json()
    second = post(fallback, fixture("html_only")).json()
    assert second["status"] == "duplicate" and second["reply_id"] == first["reply_id"]
    assert session.scalar(select(func.count()).select_from(Reply)) == 1
    assert session.scalar(select(func.count()).select_from(InboundMessage)) == 2  # both kept


def test_a_bounce_notice_marks_the_address_bounced(session, fallback):
    raw = fixture("dsn_bounce")
    recipient = parse_inbound(raw).dsn_recipient
    who = lead(session, "gone", email=recipient)
    body = post(fallback, raw).json()
    assert body["status"] == "bounce" and body["lead_id"] == who.id
    session.refresh(who)
    assert who.consent == "bounced"
    assert session.scalar(select(func.count()).select_from(Reply)) == 0


def test_esp_inbound_parse_forms(session, fallback):
    who = lead(session, "form", email="form@lead.example")
    fields = {
        "from": "Form Person <form@lead.example>",
        "to": "zoe@acme.example",
        "subject": "Re: hello",
        "text": "Yes, let's talk on Thursday.\n\n"
        "On Tue, 15 Sep 2026 at 10:04, Zoe Rep <zoe@acme.example> wrote:\n> hello",
        "headers": "Message-ID: <form-1@lead.example>\nIn-Reply-To: <nurture.x@acme.example>",
    }
    body = fallback.post("/v1/inbound/email", data=fields).json()
    assert (body["status"], body["lead_id"]) == ("processed", who.id)
    assert session.get(Reply, body["reply_id"]).body == "Yes, let's talk on Thursday."
    raw_mode = fallback.post("/v1/inbound/email", data={"email": fixture("html_only").decode()})
    assert raw_mode.json()["status"] == "unknown_sender"
    assert session.get(InboundMessage, body["inbound_id"]).channel == "api.form"


def test_inbound_needs_the_api_key(client):
    resp = client.post("/v1/inbound/email", content=b"x", headers={**RAW, "Authorization": ""})
    assert resp.status_code == 401


def test_the_reply_classifier_handles_the_reply_when_installed(session, client):
    from agent.reply_graph import run_reply
    from agent.reply_nodes.state import ReplyRuntime

    @contextmanager
    def sessions():
        yield session
        session.flush()

    client.app.dependency_overrides[get_reply_handler] = lambda: (
        lambda reply_id: run_reply(ReplyRuntime(sessions), reply_id)
    )
    marc = lead(session, "marc", email="marc@agence.example")
    enroll(session, marc.id, "welcome", trigger="test", now=WED)
    body = client.post("/v1/inbound/email", content=fixture("html_only"), headers=RAW).json()
    reply = session.get(Reply, body["reply_id"])
    assert reply.label is not None and reply.action is not None  # classified and acted on
    assert body["exited_enrollments"] == []  # the fallback did not run
    assert session.scalar(select(func.count()).select_from(Enrollment)) == 1
