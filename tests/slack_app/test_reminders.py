"""Approval SLA in working hours: re-ping in the card's thread, then escalate to the team."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.models import Draft, Escalation
from slack_app.app import web_client
from slack_app.poster import post_missed
from slack_app.reminders import remind_overdue, working_hours_between
from tests.slack_app.conftest import TEAM, make_draft, make_lead, make_rep

NY = ZoneInfo("America/New_York")


def at(day: int, hour: int) -> datetime:
    """November 2026 in New York local time (the 20th is a Friday)."""
    return datetime(2026, 11, day, hour, tzinfo=NY)


def test_working_hours_skip_nights_and_weekends():
    assert working_hours_between(at(20, 16), at(23, 10), NY) == 2.0  # Fri 16:00 → Mon 10:00
    assert working_hours_between(at(21, 9), at(22, 18), NY) == 0.0  # the weekend
    assert working_hours_between(at(24, 8), at(24, 20), NY) == 8.0
    assert working_hours_between(at(24, 12), at(24, 11), NY) == 0.0


def test_remind_then_escalate_once_each(db, mock_slack, slack_settings):
    owner = make_rep(db, "Owner", "U0OWNER")
    draft_id = make_draft(
        db,
        make_lead(db, owner),
        notify=False,
        slack_channel="D0OWNER",
        slack_ts="1700000000.000042",
        created_at=at(24, 9),
    )
    client = web_client(slack_settings)

    async def run():
        first = await remind_overdue(db, client, slack_settings, at(25, 10))  # 9 working hours
        again = await remind_overdue(db, client, slack_settings, at(25, 11))  # 1 since reminder
        later = await remind_overdue(db, client, slack_settings, at(25, 15))  # 5 since reminder
        await post_missed(db, client, slack_settings)
        return first, again, later

    first, again, later = asyncio.run(run())
    assert first == {"reminded": 1, "escalated": 0}
    assert again == {"reminded": 0, "escalated": 0}
    assert later == {"reminded": 0, "escalated": 1}
    ping, alert = mock_slack.of("chat.postMessage")
    assert ping["thread_ts"] == "1700000000.000042" and ping["channel"] == "D0OWNER"
    assert "Reminder" in ping["text"] and ping["reply_broadcast"] in (True, "1", "true")
    assert alert["channel"] == TEAM and "Approval overdue" in alert["text"]
    assert "draft_open" in str(alert["blocks"])
    with db.session() as session:
        draft = session.get(Draft, draft_id)
        assert draft.reminded_at is not None and draft.escalated_at is not None
        kinds = session.scalars(select(Escalation.kind)).all()
    assert kinds == ["approval_overdue"]


def test_decided_drafts_are_left_alone(db, mock_slack, slack_settings):
    owner = make_rep(db, "Owner", "U0OWNER")
    make_draft(
        db,
        make_lead(db, owner),
        notify=False,
        status="queued",
        slack_channel="D0OWNER",
        slack_ts="1700000000.000043",
        created_at=at(23, 9),
    )
    result = asyncio.run(remind_overdue(db, web_client(slack_settings), slack_settings, at(25, 10)))
    assert result == {"reminded": 0, "escalated": 0} and mock_slack.of("chat.postMessage") == []
