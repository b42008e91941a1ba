"""/nurture: ack at once, answer later through response_url; lead cards for reps only."""

from __future__ import annotations

import importlib.util
import json
import threading
from types import SimpleNamespace

import pytest

from tests.factories import track
from tests.slack_app.conftest import block_action, make_lead, make_rep, post_signed, slash


def test_ask_acks_before_the_slow_answer(slack, db, mock_slack, monkeypatch):
    answering = threading.Event()
    release = threading.Event()

    def slow_ask(db_, question):
        answering.set()
        release.wait(10)  # the answer cannot be ready until the test has seen the ack
        return SimpleNamespace(answer=f"MQL rate last 30 days: 4.2% ({question})")

    monkeypatch.setattr("slack_app.handlers_commands.run_ask", slow_ask)
    post_signed(slack, slash("U0ANY", "help", mock_slack.response_url()))  # one-time auth.test
    url = mock_slack.response_url("ask")
    response = post_signed(slack, slash("U0ANY", "ask what is the MQL rate?", url))
    assert response.status_code == 200 and not release.is_set()
    assert "Looking into: what is the MQL rate?" in response.text
    assert answering.wait(5)  # the slow work started after the ack, on its own
    assert mock_slack.of("response_url") == []
    release.set()
    [late] = mock_slack.wait_for("response_url")
    assert "4.2%" in late["text"] and late["response_type"] == "ephemeral"


@pytest.mark.skipif(
    importlib.util.find_spec("agent.analytics") is not None, reason="analytics agent present"
)
def test_ask_without_the_analytics_agent_says_so(slack, db, mock_slack):
    post_signed(slack, slash("U0ANY", "ask how many MQLs?", mock_slack.response_url()))
    [late] = mock_slack.wait_for("response_url")
    assert "not available" in late["text"]


def test_lead_card_for_a_rep(slack, db, mock_slack):
    from datetime import UTC, datetime

    make_rep(db, "Owner", "U0OWNER")
    lead_id = make_lead(db, None, email="ada@acme.example")
    with db.session() as session:
        from core.models import Lead

        track(session, session.get(Lead, lead_id), "Demo Requested", datetime.now(UTC))
    response = post_signed(
        slack, slash("U0OWNER", "lead ADA@acme.example", mock_slack.response_url())
    )
    assert response.status_code == 200
    [late] = mock_slack.wait_for("response_url")
    blob = json.dumps(late["blocks"])
    assert "Ada Lovelace" in blob and "Score breakdown" in blob and "Latest activity" in blob


def test_lead_lookup_is_for_reps_only_and_reports_misses(slack, db, mock_slack):
    make_rep(db, "Owner", "U0OWNER")
    post_signed(slack, slash("U0STRANGER", "lead ada@acme.example", mock_slack.response_url("a")))
    post_signed(
        slack, slash("U0OWNER", "lead nobody@nowhere.example", mock_slack.response_url("b"))
    )
    answers = mock_slack.wait_for("response_url", 2)
    texts = sorted(a["text"] for a in answers)
    assert texts[0].startswith("No lead matches") and texts[1].startswith("Only nurture reps")


def test_help_is_the_ack_itself(slack, db, mock_slack):
    response = post_signed(slack, slash("U0ANY", "frobnicate", mock_slack.response_url()))
    assert "I don't know `frobnicate`" in response.json()["text"]
    assert "/nurture ask" in response.json()["text"]


@pytest.mark.skipif(
    importlib.util.find_spec("agent.analytics") is None, reason="analytics agent not in this build"
)
def test_ask_answers_from_the_real_analytics_agent(slack, db, mock_slack, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    owner = make_rep(db, "Owner", "U0OWNER")
    for name in ("Ada", "Grace"):
        make_lead(db, owner, first_name=name)
    post_signed(slack, slash("U0OWNER", "ask Top 10 leads by score", mock_slack.response_url()))
    [late] = mock_slack.wait_for("response_url", timeout=20)
    blob = json.dumps(late["blocks"])
    assert "Top 10 leads by score" in blob and "can't answer" not in late["text"], late["text"]


@pytest.mark.skipif(
    importlib.util.find_spec("agent.analytics") is None, reason="analytics agent not in this build"
)
def test_confirming_a_proposal_is_for_reps(slack, db, mock_slack, slack_settings):
    from datetime import UTC, datetime

    from agent.analytics.proposals import make_proposal

    make_rep(db, "Owner", "U0OWNER")
    proposal = make_proposal(
        "save_segment",
        {"name": "quiet_pricing", "filter": "pricing_views_7d >= 2", "description": "test"},
        [],
        "Save these leads as segment quiet_pricing",
        secret=slack_settings.unsubscribe_secret,
        now=datetime.now(UTC),
    )
    for user, hook in (("U0STRANGER", "a"), ("U0OWNER", "b")):
        body = block_action(
            user, "analytics_confirm", proposal.token, response_url=mock_slack.response_url(hook)
        )
        post_signed(slack, body)
    answers = mock_slack.wait_for("response_url", 2)
    texts = sorted(a["text"] for a in answers)
    assert texts[0].startswith("Only nurture reps") and "Saved segment quiet_pricing" in texts[1]


def test_ask_attaches_the_answer_chart_to_the_conversation(slack, db, mock_slack, monkeypatch):
    from agent.analytics.answer import Answer

    def charted(db_, question):
        return Answer(
            question=question,
            text="Leads by tier: 3 MQL, 5 warm, 9 cold.",
            numbers={"mql": 3, "warm": 5, "cold": 9},
            chart="bars",
        )

    monkeypatch.setattr("slack_app.handlers_commands.run_ask", charted)
    post_signed(slack, slash("U0ANY", "ask leads by tier", mock_slack.response_url()))
    [late] = mock_slack.wait_for("response_url")
    assert "3 MQL" in json.dumps(late)
    [upload] = mock_slack.wait_for("file_upload")
    assert upload["bytes"].startswith(b"\x89PNG\r\n\x1a\n")
    [done] = mock_slack.wait_for("files.completeUploadExternal")
    assert done["channel_id"] == "C0WHERE"
    assert [f["id"] for f in done["files"]] == [upload["file_id"]]
