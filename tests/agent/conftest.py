"""Agent test fixtures: a Runtime on the rolled-back test session, reps and a hot lead."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy.orm import Session

from agent.embeddings import LexicalEmbedder
from agent.runtime import Runtime
from core.agent_settings import AgentSettings
from core.models import Lead, Rep
from tests.cassettes import scenarios as sc
from tests.factories import identify, track

NOW = datetime.now(UTC).replace(microsecond=0)


def agent_settings() -> AgentSettings:
    """Defaults pinned, whatever the developer's environment says."""
    return AgentSettings(
        default_sender_email="team@nurture.example",
        default_sender_name="The Nurture team",
        mail_domain="mail.nurture.example",
        product_name="Nurture",
        max_body_chars=900,
        history_facts=6,
        content_facts=2,
        _env_file=None,
    )


def session_runtime(session: Session, client=None, checkpointer=None) -> Runtime:
    """A Runtime whose sessions are the test's own (flushed, never committed)."""

    @contextmanager
    def sessions() -> Iterator[Session]:
        yield session
        session.flush()

    calls: list = []
    if client is not None and hasattr(client, "recorder"):
        client.recorder.subscribe(calls.append)
    return Runtime(
        sessions=sessions,
        checkpointer=checkpointer or InMemorySaver(),
        embedder=LexicalEmbedder(),
        client=client,
        settings=agent_settings(),
        calls=calls,
    )


@pytest.fixture
def model_settings(request: pytest.FixtureRequest):
    """Fake key on replay; the real key only when re-recording (see tests/cassettes/README.md)."""
    recording = (request.config.getoption("--record-mode") or "none") != "none"
    return sc.llm_settings(
        api_key=os.environ.get("OPENAI_API_KEY", "") if recording else sc.FAKE_KEY
    )


@pytest.fixture
def runtime(session: Session) -> Runtime:
    """An offline Runtime with an in-memory checkpointer."""
    return session_runtime(session)


def make_rep(session: Session, email: str, *, approver: bool = False, slack: str | None = None):
    """A rep (owner or approver)."""
    rep = Rep(
        name=email.split("@")[0].title(), email=email, slack_user_id=slack, is_approver=approver
    )
    session.add(rep)
    session.flush()
    return rep


def hot_lead(session: Session, owner: Rep | None = None, **traits) -> tuple[Lead, list]:
    """A decision-stage lead: a whitepaper download, then two pricing views this week."""
    values = {
        "email": f"{traits.pop('user', 'dana')}@brightline.example",
        "first_name": "Dana",
        "last_name": "Whitfield",
        "title": "Director of Revenue Operations",
        "company": "Brightline Logistics",
        "industry": "logistics",
        "company_size": 350,
        "country": "US",
    } | traits
    lead = identify(session, **values)
    if owner is not None:
        lead.owner_rep_id = owner.id
    events = [
        track(
            session,
            lead,
            "Content Downloaded",
            NOW - timedelta(days=6),
            asset="speed-to-lead",
            asset_type="whitepaper",
            title="Speed-to-lead benchmarks for B2B teams",
        ),
        track(
            session,
            lead,
            "Page Viewed",
            NOW - timedelta(days=2),
            url="https://nurture.example/pricing",
            category="pricing",
        ),
        track(
            session,
            lead,
            "Page Viewed",
            NOW - timedelta(hours=3),
            url="https://nurture.example/pricing",
            category="pricing",
        ),
    ]
    session.flush()
    return lead, events
