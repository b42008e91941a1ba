"""Slack test fixtures: a mock Web API, a committed database, the app, signed requests, rows."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text

from core.db import Database
from core.models import Draft, Lead, Rep
from core.settings import Settings
from tests.conftest import clone_database, drop_database
from tests.factories import identify
from tests.slack_app.mock_slack import MockSlack
from tools.notify import DRAFTS, publish

SECRET = "test-signing-secret"
TEAM = "C0TEAM"


@pytest.fixture(scope="session")
def mock_slack() -> Iterator[MockSlack]:
    """One mock Slack Web API for the session; calls are cleared before each test."""
    mock = MockSlack().start()
    yield mock
    mock.stop()


@pytest.fixture(scope="session")
def slack_db_url(pg_root: str) -> Iterator[str]:
    """A database of its own (the app commits and LISTENs, so no rolled-back transaction)."""
    name = f"slack_{uuid.uuid4().hex[:8]}"
    yield clone_database(pg_root, name)
    drop_database(pg_root, name)


@pytest.fixture(scope="session")
def slack_settings(tmp_path_factory, slack_db_url: str, mock_slack: MockSlack) -> Settings:
    """Settings with Slack configured against the mock."""
    return Settings(
        DATABASE_URL=slack_db_url,
        NURTURE_HOME=tmp_path_factory.mktemp("home"),
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        NURTURE_SLACK_CHANNEL=TEAM,
        NURTURE_SLACK_API_URL=mock_slack.base_url,
        _env_file=None,
    )


@pytest.fixture(scope="session")
def slack_database(slack_settings: Settings) -> Iterator[Database]:
    """The started database handle shared by the Slack tests."""
    db = Database(slack_settings).start()
    yield db
    db.stop()


KEEP = ("alembic_version", "segments", "checkpoint_migrations")


@pytest.fixture
def db(slack_database: Database, mock_slack: MockSlack) -> Iterator[Database]:
    """The database emptied (rows and LangGraph checkpoints) and the mock cleared, per test."""
    with slack_database.session() as session:
        tables = session.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ).all()
        wipe = ", ".join(f'"{t}"' for t in tables if t not in KEEP)
        session.execute(text(f"TRUNCATE {wipe} RESTART IDENTITY CASCADE"))
    mock_slack.reset()
    yield slack_database
    assert mock_slack.errors == [], mock_slack.errors  # the mock itself must not have failed


@pytest.fixture
def slack(db: Database, slack_settings: Settings) -> Iterator[Any]:
    """A TestClient on the real app (Bolt mounted, Slack worker listening)."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    app = create_app(slack_settings, db=db)
    with TestClient(app) as client:
        assert app.state.slack_worker.listening is not None
        wait_until(lambda: app.state.slack_worker.listening.is_set())
        yield client


def wait_until(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def signed_headers(body: str, *, secret: str = SECRET, timestamp: int | None = None) -> dict:
    """Headers Slack would send: timestamp and v0 signature from the real SignatureVerifier."""
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


def post_signed(client, body: str, **kwargs):
    """POST a form body to /slack/events, signed."""
    return client.post("/slack/events", content=body, headers=signed_headers(body, **kwargs))


def interaction(payload: dict[str, Any]) -> str:
    """The form body Slack sends for block actions and view submissions."""
    return urlencode({"payload": json.dumps(payload)})


def block_action(
    user: str,
    action_id: str,
    value: str,
    *,
    channel: str = "D0OWNER",
    ts: str = "1700000000.000001",
    selected: str | None = None,
    response_url: str | None = None,
) -> str:
    """A block_actions payload for a button (or a select when `selected` is given)."""
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": "b",
        "type": "button",
        "value": value,
        "action_ts": "1",
    }
    if selected is not None:
        action = {
            "action_id": action_id,
            "block_id": "b",
            "type": "static_select",
            "selected_option": {"value": selected, "text": {"type": "plain_text", "text": "x"}},
            "action_ts": "1",
        }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T0TEAM"},
        "user": {"id": user},
        "api_app_id": "A0APP",
        "token": "legacy",
        "trigger_id": "trigger-1",
        "container": {"type": "message", "channel_id": channel, "message_ts": ts},
        "channel": {"id": channel},
        "message": {"ts": ts, "text": "card"},
        "actions": [action],
    }
    if response_url:
        payload["response_url"] = response_url
    return interaction(payload)


def view_submission(user: str, callback_id: str, values: dict[str, str], meta: str) -> str:
    """A view_submission payload with plain_text_input values keyed by block id."""
    state = {
        block: {"value": {"type": "plain_text_input", "value": v}} for block, v in values.items()
    }
    return interaction(
        {
            "type": "view_submission",
            "team": {"id": "T0TEAM"},
            "user": {"id": user},
            "api_app_id": "A0APP",
            "token": "legacy",
            "trigger_id": "trigger-2",
            "view": {
                "id": "V0MODAL",
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": meta,
                "state": {"values": state},
            },
        }
    )


def slash(user: str, text_: str, response_url: str) -> str:
    """The form body of a /nurture invocation."""
    return urlencode(
        {
            "command": "/nurture",
            "text": text_,
            "user_id": user,
            "team_id": "T0TEAM",
            "channel_id": "C0WHERE",
            "response_url": response_url,
            "trigger_id": "trigger-3",
            "token": "legacy",
            "api_app_id": "A0APP",
        }
    )


def make_rep(db: Database, name: str, slack_user_id: str | None, *, approver=False) -> int:
    """Insert a rep; return its id."""
    with db.session() as session:
        rep = Rep(
            name=name,
            email=f"{name.lower()}@team.example",
            slack_user_id=slack_user_id,
            is_approver=approver,
        )
        session.add(rep)
        session.flush()
        return rep.id


def make_lead(db: Database, owner_rep_id: int | None, **traits) -> int:
    """A lead created through ingestion, owned by `owner_rep_id`."""
    traits = {
        "email": f"lead{uuid.uuid4().hex[:6]}@acme.example",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "title": "VP Operations",
        "company": "Acme",
        **traits,
    }
    with db.session() as session:
        lead = identify(session, **traits)
        session.execute(
            Lead.__table__.update().where(Lead.id == lead.id).values(owner_rep_id=owner_rep_id)
        )
        return lead.id


def make_draft(db: Database, lead_id: int, *, notify: bool = True, **values) -> int:
    """A pending draft row (as the agent writes it), optionally announced on nurture_drafts."""
    fields = {
        "thread_id": f"lead:{lead_id}:{uuid.uuid4().hex[:6]}",
        "trigger": "pricing_page",
        "sequence": "high_intent",
        "step": 1,
        "subject": "Pricing for Acme",
        "body": "Hi Ada,\n\nYou looked at our pricing twice this week.\n\nWorth a call?",
        "brief": {
            "why_now": "viewed pricing twice in 7 days",
            "playbook": {"name": "high_intent", "step": 1, "purpose": "decision"},
            "citations": [
                {
                    "fact_id": "evt_1",
                    "text": "Viewed the pricing page",
                    "source": "page_viewed",
                    "occurred_at": datetime.now(UTC).isoformat(),
                }
            ],
        },
        "citations": ["evt_1"],
        **values,
    }
    with db.session() as session:
        draft = Draft(lead_id=lead_id, **fields)
        session.add(draft)
        session.flush()
        if notify:
            publish(session, DRAFTS, draft.id)
        return draft.id


class FakeNotAllowed(Exception):
    """Stands in for agent.entry.NotAllowed."""


@pytest.fixture
def fake_agent(monkeypatch, db: Database) -> list[tuple]:
    """Replace agent.entry with a stand-in that honours its contract: compare-and-set on the
    draft row, `edit` stores the edited text, `regenerate` makes a new pending draft.
    Returns the list of calls. (The real agent is exercised in test_agent_e2e.py.)"""
    from types import SimpleNamespace

    from sqlalchemy import update

    calls: list[tuple] = []
    statuses = {
        "approve": "queued",
        "edit": "queued",
        "reject": "rejected",
        "regenerate": "regenerated",
    }

    def resume_review(
        db_, draft_id, action, actor, *, subject=None, body=None, reason=None, instruction=None
    ):
        calls.append((draft_id, action, actor, subject, body, reason, instruction))
        values = {"status": statuses[action], "reviewer": actor, "reviewed_at": datetime.now(UTC)}
        if action == "edit":
            values.update(
                subject=subject, body=body, original_subject=Draft.subject, original_body=Draft.body
            )
        values.update(reject_reason=reason, instruction=instruction)
        new_id = None
        with db_.session() as session:
            changed = session.execute(
                update(Draft)
                .where(Draft.id == draft_id, Draft.status == "pending")
                .values(**values)
                .returning(Draft.lead_id)
            ).first()
        if changed and action == "regenerate":
            new_id = make_draft(db_, changed[0], notify=False, subject="Second try")
        status = values["status"] if changed else "noop"
        return SimpleNamespace(
            draft_id=draft_id, status=status, outbox_id=None, new_draft_id=new_id, message=""
        )

    monkeypatch.setattr("slack_app.review.agent_entry", lambda: (resume_review, FakeNotAllowed))
    return calls
