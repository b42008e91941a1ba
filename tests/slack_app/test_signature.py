"""Every request to /slack/events is verified: forged or stale ones get 401 and change nothing."""

from __future__ import annotations

import time

from sqlalchemy import select

from core.models import Draft
from tests.slack_app.conftest import (
    block_action,
    make_draft,
    make_lead,
    make_rep,
    post_signed,
    signed_headers,
    wait_until,
)


def _posted_draft(db, mock_slack) -> int:
    owner = make_rep(db, "Owner", "U0OWNER")
    draft_id = make_draft(db, make_lead(db, owner))
    mock_slack.wait_for("chat.postMessage", where=lambda p: p["channel"] == "U0OWNER")
    return draft_id


def _status(db, draft_id: int) -> str:
    with db.session() as session:
        return session.scalar(select(Draft.status).where(Draft.id == draft_id))


def test_forged_signature_is_refused_and_nothing_happens(slack, db, mock_slack, fake_agent):
    draft_id = _posted_draft(db, mock_slack)
    before = list(mock_slack.calls)
    body = block_action("U0OWNER", "draft_approve", str(draft_id))
    response = post_signed(slack, body, secret="not-the-secret")
    assert response.status_code == 401
    time.sleep(0.3)  # give a (wrongly) started listener time to show itself
    assert mock_slack.calls == before and fake_agent == []
    assert _status(db, draft_id) == "pending"


def test_stale_timestamp_is_refused(slack, db, mock_slack, fake_agent):
    draft_id = _posted_draft(db, mock_slack)
    before = list(mock_slack.calls)
    body = block_action("U0OWNER", "draft_approve", str(draft_id))
    response = post_signed(slack, body, timestamp=int(time.time()) - 6 * 60)
    assert response.status_code == 401
    time.sleep(0.3)
    assert mock_slack.calls == before and fake_agent == []
    assert _status(db, draft_id) == "pending"


def test_unsigned_request_is_refused(slack, db, mock_slack):
    body = block_action("U0OWNER", "draft_approve", "1")
    response = slack.post("/slack/events", content=body)
    assert response.status_code == 401


def test_signed_request_is_accepted(slack, db, mock_slack, fake_agent):
    draft_id = _posted_draft(db, mock_slack)
    response = post_signed(slack, block_action("U0OWNER", "draft_approve", str(draft_id)))
    assert response.status_code == 200
    wait_until(lambda: _status(db, draft_id) == "queued")


def test_no_slack_route_without_configuration(client):
    body = block_action("U0OWNER", "draft_approve", "1")
    assert (
        client.post("/slack/events", content=body, headers=signed_headers(body)).status_code == 404
    )
