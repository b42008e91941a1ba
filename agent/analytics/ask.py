"""Entry points of the analytics agent: `ask` a question, `confirm` a proposal it made."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from agent.analytics.answer import Answer, AskResult, CannotAnswer, ConfirmResult
from agent.analytics.graph import build_graph
from agent.analytics.nodes import AskContext
from agent.analytics.proposals import confirm as confirm_token

__all__ = ["Answer", "CannotAnswer", "ask", "confirm"]
MAX_QUESTION = 500


def _client(backend: Any) -> Any:
    """None (offline) for "offline"; the configured client (None without a key) for None."""
    if backend == "offline":
        return None
    if backend is None:
        from agent.llm import get_client

        return get_client()
    return backend


def _secret(secret: str | None) -> str:
    if secret is not None:
        return secret
    from core.settings import get_settings

    return get_settings().unsubscribe_secret


def ask(
    session: Session,
    question: str,
    *,
    backend: Any = None,
    previous: str | None = None,
    now: datetime | None = None,
    secret: str | None = None,
) -> AskResult:
    """Answer a marketer's question with read-only tools: `Answer` (numbers, SQL, records) or
    `CannotAnswer`. `backend`: None = OpenAI when a key is set, else offline; "offline"; or a
    ModelClient. `previous` is the prior question, so "save these as a segment" knows "these".
    Nothing the run does persists: it runs inside a savepoint that is always rolled back.
    """
    question = " ".join((question or "").split())
    if not question:
        return CannotAnswer(question="", reason="the question is empty")
    if len(question) > MAX_QUESTION:
        return CannotAnswer(
            question=question[:MAX_QUESTION],
            reason=f"questions are limited to {MAX_QUESTION} characters",
        )
    context = AskContext(
        session=session,
        client=_client(backend),
        secret=_secret(secret),
        now=(now or datetime.now(UTC)).astimezone(UTC),
    )
    savepoint = session.begin_nested()
    try:
        state = build_graph().invoke(
            {"question": question, "previous": previous, "outputs": []}, context=context
        )
    finally:
        savepoint.rollback()
    return state["result"]


def confirm(
    session: Session, token: str, *, secret: str | None = None, now: datetime | None = None
) -> ConfirmResult:
    """Execute a proposal after a human confirmed it (the API and Slack both call this)."""
    return confirm_token(session, token, secret=_secret(secret), now=now)
