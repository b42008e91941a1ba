"""App Home: app_home_opened publishes my pending approvals, hot leads and recent escalations."""

from __future__ import annotations

import json

from sqlalchemy import update

from core.models import Lead
from tests.slack_app.conftest import make_draft, make_lead, make_rep, signed_headers
from tools.escalations import escalate


def home_opened(user: str) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "T0TEAM",
            "api_app_id": "A0APP",
            "type": "event_callback",
            "event_id": "Ev0001",
            "event_time": 1700000000,
            "event": {
                "type": "app_home_opened",
                "user": user,
                "channel": "D0X",
                "tab": "home",
                "event_ts": "1700000000.1",
            },
        }
    )


def open_home(slack, user: str):
    body = home_opened(user)
    headers = {**signed_headers(body), "Content-Type": "application/json"}
    return slack.post("/slack/events", content=body, headers=headers)


def test_home_shows_my_work(slack, db, mock_slack):
    owner = make_rep(db, "Maya", "U0OWNER")
    hot = make_lead(db, owner, first_name="Hot", last_name="Lead")
    with db.session() as session:
        session.execute(update(Lead).where(Lead.id == hot).values(tier="mql", score=88))
        escalate(session, kind="mql", summary="crossed into MQL", lead_id=hot, dedupe_key="m1")
    for _ in range(2):
        make_draft(db, make_lead(db, owner), step=3, notify=False)
    assert open_home(slack, "U0OWNER").status_code == 200
    [published] = mock_slack.wait_for("views.publish")
    assert published["user_id"] == "U0OWNER" and published["view"]["type"] == "home"
    blob = json.dumps(published["view"]["blocks"], ensure_ascii=False)
    assert "Hi Maya" in blob and "Pending approvals* (2)" in blob
    assert "Approve all 2" in blob and "Hot Lead" in blob and "New MQL" in blob


def test_home_for_someone_unknown_explains_setup(slack, db, mock_slack):
    open_home(slack, "U0NEW")
    [published] = mock_slack.wait_for("views.publish")
    assert "not set up as a nurture rep" in json.dumps(published["view"]["blocks"])
