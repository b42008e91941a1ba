"""Escalations reach Slack once (LISTEN, sweep, claims) and can be claimed or snoozed."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.models import Escalation
from slack_app.app import web_client
from slack_app.poster import post_escalation, post_missed
from slack_app.reminders import wake_snoozed
from tests.slack_app.conftest import (
    TEAM,
    block_action,
    make_lead,
    make_rep,
    post_signed,
    wait_until,
)
from tools.escalations import escalate


def raise_one(db, lead_id, kind="meeting_request", payload=None) -> int:
    with db.session() as session:
        row = escalate(
            session,
            kind=kind,
            summary="Ada asked for a call",
            lead_id=lead_id,
            dedupe_key=f"{kind}:{lead_id}",
            payload=payload or {},
        )
        return row.id


def row(db, escalation_id) -> Escalation:
    with db.session() as session:
        return session.scalars(select(Escalation).where(Escalation.id == escalation_id)).one()


def is_alert(params) -> bool:
    return "Weekly summary" not in params["text"]


def test_meeting_request_reaches_the_owner_with_times(slack, db, mock_slack):
    lead = make_lead(db, make_rep(db, "Owner", "U0OWNER"))
    esc_id = raise_one(db, lead, payload={"proposed_times": ["Tue 10:00 ET", "Wed 14:00 ET"]})
    [post] = mock_slack.wait_for("chat.postMessage", where=lambda p: p["channel"] == "U0OWNER")
    blob = json.dumps(post["blocks"])
    assert "Meeting request" in blob and "Tue 10:00 ET" in blob and "Ada Lovelace" in blob
    done = wait_until(lambda: (r := row(db, esc_id)).slack_channel and r)
    assert done.slack_channel == "D0OWNER" and done.slack_ts.startswith("1700000000.")


def test_unowned_escalation_goes_to_the_team_channel(slack, db, mock_slack):
    raise_one(db, make_lead(db, None), kind="high_intent")
    [post] = mock_slack.wait_for(
        "chat.postMessage", where=lambda p: p["channel"] == TEAM and is_alert(p)
    )
    assert "High intent" in post["text"]


def test_sweep_posts_what_nobody_heard_and_never_twice(db, mock_slack, slack_settings):
    lead = make_lead(db, make_rep(db, "Owner", "U0OWNER"))
    esc_id = raise_one(db, lead)  # no app running: the NOTIFY is lost

    async def run():
        client = web_client(slack_settings)
        first = await post_missed(db, client, slack_settings)
        again = await post_missed(db, client, slack_settings)
        both = await asyncio.gather(
            *(post_escalation(db, client, slack_settings, esc_id) for _ in range(3))
        )
        return first, again, both

    first, again, both = asyncio.run(run())
    assert (first, again, both) == (1, 0, [False, False, False])
    assert len(mock_slack.of("chat.postMessage")) == 1


def test_concurrent_posts_of_a_new_row_post_once(db, mock_slack, slack_settings):
    esc_id = raise_one(db, make_lead(db, make_rep(db, "Owner", "U0OWNER")))

    async def run():
        client = web_client(slack_settings)
        return await asyncio.gather(
            *(post_escalation(db, client, slack_settings, esc_id) for _ in range(4))
        )

    assert sorted(asyncio.run(run())) == [False, False, False, True]
    assert len(mock_slack.of("chat.postMessage")) == 1


def test_a_failed_post_is_retried(db, mock_slack, slack_settings):
    esc_id = raise_one(db, make_lead(db, make_rep(db, "Owner", "U0OWNER")))
    mock_slack.failures["chat.postMessage"] = 1
    client = web_client(slack_settings)
    assert asyncio.run(post_escalation(db, client, slack_settings, esc_id)) is False
    assert row(db, esc_id).slack_ts is None  # claim released
    assert asyncio.run(post_escalation(db, client, slack_settings, esc_id)) is True
    assert row(db, esc_id).slack_ts is not None


def test_claim_then_someone_else_is_told(slack, db, mock_slack):
    owner = make_rep(db, "Owner", "U0OWNER")
    make_rep(db, "Boss", "U0BOSS", approver=True)
    esc_id = raise_one(db, make_lead(db, owner))
    wait_until(lambda: row(db, esc_id).slack_channel)
    post_signed(slack, block_action("U0OWNER", "esc_claim", str(esc_id)))
    [update] = mock_slack.wait_for("chat.update")
    assert "Claimed by <@U0OWNER>" in json.dumps(update["blocks"])
    assert row(db, esc_id).status == "claimed" and row(db, esc_id).claimed_by == "U0OWNER"
    post_signed(slack, block_action("U0BOSS", "esc_claim", str(esc_id)))
    [note] = mock_slack.wait_for("chat.postEphemeral")
    assert "Already claimed by <@U0OWNER>" in note["text"]


def test_a_stranger_cannot_claim(slack, db, mock_slack):
    make_rep(db, "Other", "U0OTHER")
    esc_id = raise_one(db, make_lead(db, make_rep(db, "Owner", "U0OWNER")))
    wait_until(lambda: row(db, esc_id).slack_channel)
    post_signed(slack, block_action("U0OTHER", "esc_claim", str(esc_id)))
    [note] = mock_slack.wait_for("chat.postEphemeral")
    assert "owner or an approver" in note["text"] and row(db, esc_id).status == "open"


def test_snooze_and_wake(slack, db, mock_slack, slack_settings):
    esc_id = raise_one(db, make_lead(db, make_rep(db, "Owner", "U0OWNER")))
    wait_until(lambda: row(db, esc_id).slack_channel)
    post_signed(slack, block_action("U0OWNER", "esc_snooze", "", selected=f"{esc_id}:4"))
    [update] = mock_slack.wait_for("chat.update")
    assert "Snoozed until" in json.dumps(update["blocks"]) and row(db, esc_id).status == "snoozed"
    later = datetime.now(UTC) + timedelta(hours=5)
    assert asyncio.run(wake_snoozed(db, web_client(slack_settings), later)) == 1
    assert row(db, esc_id).status == "open"
    ping = mock_slack.wait_for("chat.postMessage", where=lambda p: p.get("thread_ts"))
    assert "Snooze over" in ping[0]["text"]


def test_listener_reconnects_and_catches_up(slack, db, mock_slack):
    from sqlalchemy import text

    worker = slack.app.state.slack_worker
    with db.session() as session:
        killed = session.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN %'"
            )
        )
    assert killed == 1
    wait_until(lambda: not worker.listening.is_set())
    esc_id = raise_one(db, make_lead(db, make_rep(db, "Owner", "U0OWNER")))  # nobody hears it
    wait_until(lambda: worker.listening.is_set(), timeout=10)
    mock_slack.wait_for("chat.postMessage", where=lambda p: p["channel"] == "U0OWNER", timeout=10)
    wait_until(lambda: row(db, esc_id).slack_channel == "D0OWNER")
