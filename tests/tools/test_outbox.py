"""The outbox hand-off: once per key, deterministic Message-ID, threading, framing, suppression."""

from __future__ import annotations

from sqlalchemy import func, select

from core.models import Enrollment, Event, Outbox
from tests.agent.conftest import agent_settings, hot_lead, make_rep
from tools.drafts import create_draft, review
from tools.mime_out import make_message_id
from tools.outbox import enqueue


def _approved(session, lead, **extra):
    values = {
        "thread_id": f"lead-{lead.id}:t:1",
        "revision": 1,
        "trigger": "t",
        "purpose": "proof",
        "subject": "A result",
        "body": "Body.\n\nWould that help?",
    }
    draft = create_draft(session, lead_id=lead.id, **(values | extra))
    review(session, draft, "approve", "rep@x")
    return draft


def test_a_sequence_email_is_keyed_by_step_threaded_and_framed(session):
    owner = make_rep(session, "olivia@nurture.example")
    lead, _ = hot_lead(session, owner)
    session.add(Enrollment(lead_id=lead.id, sequence="welcome", last_message_id="<p.1@mail.x>"))
    draft = _approved(session, lead, sequence="welcome", step=2)

    row = enqueue(session, draft, agent_settings())

    key = f"lead-{lead.id}:welcome:step-2"
    assert (row.idempotency_key, row.to_email, row.from_email) == (
        key,
        lead.email,
        "olivia@nurture.example",
    )
    assert row.message_id == make_message_id(key, "mail.nurture.example")
    assert (row.in_reply_to, row.references) == ("<p.1@mail.x>", "<p.1@mail.x>")
    assert row.text_body == "Hi Dana,\n\nBody.\n\nWould that help?\n\nBest,\nOlivia"
    assert draft.status == "queued"
    assert enqueue(session, draft, agent_settings()).id == row.id  # a retry finds the same row
    assert (
        session.scalar(select(func.count()).select_from(Outbox).where(Outbox.lead_id == lead.id))
        == 1
    )


def test_without_an_owner_the_default_sender_signs(session):
    lead, _ = hot_lead(session, first_name="")

    row = enqueue(session, _approved(session, lead), agent_settings())

    assert (row.from_email, row.from_name) == ("team@nurture.example", "The Nurture team")
    assert (
        row.text_body.startswith("Hi there,\n\n") and row.idempotency_key == f"lead-{lead.id}:t:1"
    )


def test_a_lead_suppressed_since_drafting_is_held_not_queued(session):
    lead, _ = hot_lead(session)
    draft = _approved(session, lead)
    lead.lifecycle_stage = "customer"

    assert enqueue(session, draft, agent_settings()) is None
    assert draft.status == "held" and draft.brief["held"] == "lifecycle stage is customer"
    assert (
        session.scalar(select(func.count()).select_from(Outbox).where(Outbox.lead_id == lead.id))
        == 0
    )
    held = session.scalars(
        select(Event).where(Event.lead_id == lead.id, Event.type == "guardrail_held")
    ).one()
    assert held.properties["code"] == "suppressed"
