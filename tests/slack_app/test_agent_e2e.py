"""End to end with the real agent: a Slack click resumes the LangGraph thread to the outbox."""

from __future__ import annotations

import importlib.util
import json

import pytest
from sqlalchemy import select

from core.models import Draft, Outbox
from tests.slack_app.conftest import block_action, post_signed, view_submission, wait_until

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("agent.entry") is None, reason="agent/entry.py not in this build"
)


def pending_draft(db, monkeypatch, user="dana") -> Draft:
    """A hot lead's trigger run through the agent (offline) to a pending draft, card posted."""
    from agent.entry import handle_event
    from tests.agent.conftest import hot_lead, make_rep

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with db.session() as session:
        owner = make_rep(session, "olivia@nurture.example", slack="U0OWNER")
        _, events = hot_lead(session, owner, user=user)
        trigger_id = events[-1].id
    outcome = handle_event(db, trigger_id)
    assert outcome.status == "pending", outcome
    wait_until(lambda: (d := draft(db, outcome.draft_id)).slack_ts not in (None, "posting") and d)
    return draft(db, outcome.draft_id)


def draft(db, draft_id: int) -> Draft:
    with db.session() as session:
        return session.get(Draft, draft_id)


def outbox_of(db, draft_id: int) -> Outbox | None:
    with db.session() as session:
        return session.scalar(select(Outbox).where(Outbox.draft_id == draft_id))


def test_approve_click_resumes_the_graph_to_the_outbox(slack, db, mock_slack, monkeypatch):
    row = pending_draft(db, monkeypatch)
    [card] = mock_slack.of("chat.postMessage", where=lambda p: "draft_approve" in str(p["blocks"]))
    assert "Why now" in json.dumps(card["blocks"]) and row.slack_channel == "D0OWNER"
    alerts = mock_slack.of("chat.postMessage", where=lambda p: "esc_claim" in str(p["blocks"]))
    assert all(a["channel"] == "U0OWNER" for a in alerts)  # the high-intent alert, if raised
    stranger = block_action("U0STRANGER", "draft_approve", str(row.id), ts=row.slack_ts)
    post_signed(slack, stranger)
    mock_slack.wait_for("chat.postEphemeral")
    assert outbox_of(db, row.id) is None and draft(db, row.id).status == "pending"

    click = block_action("U0OWNER", "draft_approve", str(row.id), ts=row.slack_ts)
    assert post_signed(slack, click).status_code == 200
    queued = wait_until(lambda: outbox_of(db, row.id), timeout=20)
    assert queued.text_body and draft(db, row.id).status in ("queued", "held")
    [update] = mock_slack.wait_for("chat.update", timeout=10)
    assert "by <@U0OWNER>" in json.dumps(update["blocks"])
    post_signed(slack, click)  # a second click changes nothing
    mock_slack.wait_for("chat.postEphemeral", 2)
    with db.session() as session:
        assert len(session.scalars(select(Outbox)).all()) == 1


def test_edited_body_is_what_goes_out(slack, db, mock_slack, monkeypatch):
    row = pending_draft(db, monkeypatch)
    post_signed(slack, block_action("U0OWNER", "draft_edit", str(row.id), ts=row.slack_ts))
    [opened] = mock_slack.wait_for("views.open")
    edited = "Dana, a 15-minute walkthrough of pricing tiers for Brightline this Thursday?"
    submit = view_submission(
        "U0OWNER",
        "draft_edit_modal",
        {"subject": "Pricing walkthrough", "body": edited},
        opened["view"]["private_metadata"],
    )
    post_signed(slack, submit)
    sent = wait_until(lambda: outbox_of(db, row.id), timeout=20)
    assert edited in sent.text_body and row.body not in sent.text_body
    assert sent.subject == "Pricing walkthrough"
    stored = draft(db, row.id)
    assert stored.original_body == row.body and stored.edit_distance > 0
