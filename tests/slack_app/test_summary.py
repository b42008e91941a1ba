"""Weekly summary: top leads of the week and why, posted once per ISO week."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from core.models import Lead
from slack_app.app import web_client
from slack_app.summary import post_weekly_summary, summary_due
from tests.slack_app.conftest import TEAM, make_lead, make_rep

MONDAY = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 10:00 in New York


def test_posted_once_per_iso_week(db, mock_slack, slack_settings):
    owner = make_rep(db, "Maya", "U0OWNER")
    lead = make_lead(db, owner, first_name="Top", last_name="Scorer")
    with db.session() as session:
        session.execute(
            update(Lead)
            .where(Lead.id == lead)
            .values(tier="mql", score=91, last_engaged_at=MONDAY - timedelta(days=1))
        )
    client = web_client(slack_settings)

    async def run():
        return [
            await post_weekly_summary(db, client, MONDAY),
            await post_weekly_summary(db, client, MONDAY + timedelta(days=3)),
            await post_weekly_summary(db, client, MONDAY + timedelta(days=7)),
        ]

    assert asyncio.run(run()) == [True, False, True]
    posts = mock_slack.of("chat.postMessage")
    assert [p["channel"] for p in posts] == [TEAM, TEAM]
    assert "2026-W48" in posts[0]["text"] and "Top Scorer" in str(posts[0]["blocks"])
    assert "<@U0OWNER>" in str(posts[0]["blocks"])


def test_failed_post_is_retried(db, mock_slack, slack_settings):
    mock_slack.failures["chat.postMessage"] = 1
    client = web_client(slack_settings)
    assert asyncio.run(post_weekly_summary(db, client, MONDAY)) is False
    assert asyncio.run(post_weekly_summary(db, client, MONDAY)) is True


def test_due_from_monday_nine_local():
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("America/New_York")
    assert not summary_due(datetime(2026, 11, 23, 13, 0, tzinfo=UTC), tz)  # Mon 08:00 local
    assert summary_due(MONDAY, tz) and summary_due(MONDAY + timedelta(days=2), tz)
