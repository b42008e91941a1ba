"""Builders for reply tests: a lead in a sequence, a stored reply, a classification, the trail."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agent.classify_llm import ClassifiedReply
from agent.llm import StructuredResult, Usage
from core.llm_settings import LLMSettings
from core.models import Draft, Enrollment, Escalation, Event, Lead, Rep, Reply
from tests.factories import identify
from tools.reply_schema import LABELS, ReplyClassification

RECEIVED = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)  # a Tuesday
_ids = itertools.count(1)


def offline_settings() -> LLMSettings:
    """Model settings with no key, whatever the developer's environment says."""
    return LLMSettings(openai_api_key=None, _env_file=None)


def nurtured_lead(session: Session, **traits) -> Lead:
    """A lead with an owner rep and an active welcome enrollment."""
    n = next(_ids)
    rep = Rep(name=f"Rep {n}", email=f"rep{n}@nurture.example")
    session.add(rep)
    session.flush()
    values = {"email": f"dana{n}@brightline.example", "first_name": "Dana",
              "last_name": "Whitfield", "company": "Brightline Logistics",
              "title": "Director of Operations", "country": "US",
              "timezone": "America/New_York", **traits}  # fmt: skip
    lead = identify(session, f"lead-{n}", **values)
    lead.owner_rep_id = rep.id
    session.add(Enrollment(lead_id=lead.id, sequence="welcome", status="active", current_step=1,
                           next_due_at=RECEIVED + timedelta(days=2)))  # fmt: skip
    session.flush()
    return lead


def stored_reply(
    session: Session, lead: Lead | None, body: str, subject: str = "Re: Speed-to-lead benchmarks"
) -> Reply:
    """A replies row as the inbound pipeline stores it (not yet classified)."""
    reply = Reply(lead_id=lead.id if lead else None, message_id=f"<r{next(_ids)}@mail.example>",
                  from_email=lead.email if lead else "stranger@else.example", subject=subject,
                  body=body, received_at=RECEIVED)  # fmt: skip
    session.add(reply)
    session.flush()
    return reply


def verdict(label: str, confidence: float = 0.95, **fields) -> ReplyClassification:
    """A classification with the given label and confidence (the rest spread over the others)."""
    rest = round((1 - confidence) / (len(LABELS) - 1), 4)
    labels = {name: (confidence if name == label else rest) for name in LABELS}
    values = {"rationale": "test", "source": "model", "needs_review": False, **fields}
    return ReplyClassification(label=label, confidence=confidence, labels=labels, **values)


def session_db(session: Session):
    """A stand-in for core.db.Database whose sessions are the test's own (flushed only)."""

    class _Db:
        @contextmanager
        def session(self) -> Iterator[Session]:
            """The test's session; flushed at the end of the block."""
            yield session
            session.flush()

    return _Db()


def enrollment_states(session: Session, lead_id: int) -> list[tuple[str, str | None]]:
    """(status, exit_reason) of every enrollment of the lead."""
    rows = session.execute(
        select(Enrollment.status, Enrollment.exit_reason)
        .where(Enrollment.lead_id == lead_id)
        .order_by(Enrollment.id)
    )
    return [tuple(row) for row in rows]


def paused_until(session: Session, lead_id: int) -> list[tuple[str, datetime | None, bool]]:
    """(status, paused_until, next step not before it) of every enrollment of the lead."""
    rows = session.scalars(
        select(Enrollment).where(Enrollment.lead_id == lead_id).order_by(Enrollment.id)
    )
    return [(e.status, e.paused_until, e.next_due_at is None or e.paused_until is None
             or e.next_due_at >= e.paused_until) for e in rows]  # fmt: skip


def escalation_kinds(session: Session, lead_id: int) -> list[str]:
    """Kinds of the lead's escalations, oldest first."""
    query = select(Escalation.kind).where(Escalation.lead_id == lead_id).order_by(Escalation.id)
    return list(session.scalars(query))


def events_of_type(session: Session, lead_id: int, kind: str) -> list[Event]:
    """The lead's events of one type."""
    query = select(Event).where(Event.lead_id == lead_id, Event.type == kind).order_by(Event.id)
    return list(session.scalars(query))


def counts(session: Session) -> dict[str, int]:
    """Rows in the tables an action could write to (to prove an action wrote nothing)."""
    return {
        "leads": session.scalar(select(func.count()).select_from(Lead)),
        "drafts": session.scalar(select(func.count()).select_from(Draft)),
        "escalations": session.scalar(select(func.count()).select_from(Escalation)),
    }


class StubClient:
    """A ModelClient that answers every classify call with one fixed answer (or raises)."""

    backend = "stub"

    def __init__(self, answer: ClassifiedReply | Exception):
        self.answer = answer
        self.calls: list[dict] = []

    def structured(self, purpose, messages, schema, *, tools=None):
        """Record the call; return the fixed answer or raise it."""
        self.calls.append({"purpose": purpose, "messages": messages, "tools": tools})
        if isinstance(self.answer, Exception):
            raise self.answer
        return StructuredResult(self.answer, [], Usage(), "stub-model", "stub", 1)

    def embed(self, texts):
        """Not used by classification."""
        raise NotImplementedError
