"""Draft review over HTTP: list, show, approve (once), edit, reject, regenerate, who may act."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from agent.entry import run_event
from api.routers.drafts import agent_runtime
from core.models import Outbox
from tests.agent.conftest import hot_lead, make_rep, session_runtime


@pytest.fixture
def pending(client, session):
    """A pending draft for a hot lead, and a client whose reviews resume that draft's graph."""
    runtime = session_runtime(session)
    client.app.dependency_overrides[agent_runtime] = lambda: runtime
    owner = make_rep(session, "olivia@nurture.example", slack="U0OWNER")
    _, events = hot_lead(session, owner)
    return run_event(runtime, events[-1].id)


def test_pending_drafts_are_listed_and_shown_with_their_brief(client, pending):
    listed = client.get("/v1/drafts", params={"status": "pending"}).json()["items"]
    shown = client.get(f"/v1/drafts/{pending.draft_id}").json()

    assert [d["id"] for d in listed] == [pending.draft_id]
    assert shown["status"] == "pending" and shown["brief"]["citations"]
    assert shown["citations"] == [c["fact_id"] for c in shown["brief"]["citations"]]
    assert client.get("/v1/drafts/999999999").status_code == 404


def test_approve_queues_once_and_a_second_click_is_a_conflict(client, session, pending):
    url = f"/v1/drafts/{pending.draft_id}/approve"

    first = client.post(url, json={"actor": "olivia@nurture.example"})
    second = client.post(url, json={"actor": "U0OWNER"})

    assert first.status_code == 200 and first.json()["status"] == "queued"
    assert second.status_code == 409
    assert second.json()["detail"]["outbox_id"] == first.json()["outbox_id"]
    assert session.scalar(select(func.count()).select_from(Outbox)) == 1


def test_an_actor_who_may_not_act_gets_403(client, session, pending):
    make_rep(session, "mallory@nurture.example")

    denied = client.post(
        f"/v1/drafts/{pending.draft_id}/approve", json={"actor": "mallory@nurture.example"}
    )

    assert denied.status_code == 403
    assert client.get(f"/v1/drafts/{pending.draft_id}").json()["status"] == "pending"


def test_edit_reject_and_regenerate(client, pending):
    base = f"/v1/drafts/{pending.draft_id}"

    regenerated = client.post(
        f"{base}/regenerate", json={"actor": "U0OWNER", "instruction": "shorter, please"}
    )
    new_id = regenerated.json()["new_draft_id"]
    rejected = client.post(
        f"/v1/drafts/{new_id}/reject", json={"actor": "U0OWNER", "reason": "wrong timing"}
    )

    assert regenerated.status_code == 200 and new_id != pending.draft_id
    assert client.get(f"/v1/drafts/{new_id}").json()["instruction"] == "shorter, please"
    assert rejected.json()["status"] == "rejected"
    assert client.get(f"/v1/drafts/{new_id}").json()["reject_reason"] == "wrong timing"
    assert client.post(f"{base}/edit", json={"actor": "U0OWNER", "body": "x"}).status_code == 409
    assert client.post(f"{base}/regenerate", json={"actor": "U0OWNER"}).status_code == 400
