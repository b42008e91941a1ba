"""Helpers for sequence tests: emailable leads, the real agent on the test session, transports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent.entry import run_review, run_step
from core.models import Draft, Enrollment, Event, Outbox, Rep
from core.settings import Settings
from tests.agent.conftest import session_runtime
from tests.factories import identify
from tools.delivery import DeliveryResult

# Wednesday 2026-09-16 13:30 UTC = 09:30 EDT in New York: inside the Tue–Thu 09–11 window, and
# far enough in the past that a month of simulated activity is never "in the future" for ingestion.
WED = datetime(2026, 9, 16, 13, 30, tzinfo=UTC)
FULL = {
    "first_name": "Ann",
    "last_name": "Lee",
    "title": "VP Marketing",
    "company": "Acme",
    "industry": "saas",
    "company_size": 120,
    "country": "US",
    "timezone": "America/New_York",
}
REVIEWER = "reviewer@nurture.example"


def lead(session: Session, name: str = "ann", **traits):
    """A complete, subscribed lead in New York."""
    return identify(session, **{"email": f"{name}@acme.example", **FULL, **traits})


def reviewer(session: Session) -> Rep:
    """An approver rep who may review every draft."""
    rep = session.scalars(select(Rep).where(Rep.email == REVIEWER)).first()
    if rep is None:
        rep = Rep(name="Rita Reviewer", email=REVIEWER, is_approver=True, territory=["US"],
                  product_lines=["core"])  # fmt: skip
        session.add(rep)
        session.flush()
    return rep


class Agent:
    """The real agent (offline backend) running on the test's session."""

    def __init__(self, session: Session):
        self.session = session
        self.runtime = session_runtime(session)

    def draft(self, enrollment_id: int, **kw):
        """The worker's drafter: agent.entry.run_step."""
        return run_step(self.runtime, enrollment_id, **kw)

    def approve(self, draft_id: int) -> Outbox | None:
        """Approve as the reviewer; the agent hands the draft to the outbox."""
        run_review(self.runtime, draft_id, "approve", REVIEWER)
        return self.session.scalars(select(Outbox).where(Outbox.draft_id == draft_id)).first()

    def reject(self, draft_id: int, reason: str = "off tone") -> None:
        """Reject as the reviewer."""
        run_review(self.runtime, draft_id, "reject", REVIEWER, reason=reason)

    def approve_pending(self) -> list[Outbox]:
        """Approve every pending draft."""
        drafts = self.session.scalars(select(Draft).where(Draft.status == "pending")).all()
        return [row for d in drafts if (row := self.approve(d.id)) is not None]


@dataclass
class Recorder:
    """A transport that keeps what it was given (and can be told to fail)."""

    messages: list[EmailMessage] = field(default_factory=list)
    result: DeliveryResult = field(default_factory=lambda: DeliveryResult(True, detail="ok"))

    def send(self, message: EmailMessage, before_data=None) -> DeliveryResult:
        """Record the message and answer with `result` (idempotent like the file outbox)."""
        if self.result.ok:
            self.messages.append(message)
        return self.result

    def to(self, email: str) -> list[EmailMessage]:
        """Messages addressed to `email`."""
        return [m for m in self.messages if email in str(m["To"])]


def settings_for(tmp_path, db_url: str, **extra) -> Settings:
    """Settings with an https public URL and a private home."""
    return Settings(
        DATABASE_URL=db_url,
        NURTURE_HOME=tmp_path / "home",
        NURTURE_API_KEY="test-key",
        NURTURE_PUBLIC_URL="https://nurture.example",
        _env_file=None,
        **extra,
    )


def enrollment_of(session: Session, lead_id: int, sequence: str | None = None) -> Enrollment:
    """The lead's latest enrollment (in `sequence`)."""
    stmt = select(Enrollment).where(Enrollment.lead_id == lead_id)
    if sequence:
        stmt = stmt.where(Enrollment.sequence == sequence)
    return session.scalars(stmt.order_by(Enrollment.id.desc())).first()


def timeline(session: Session, lead_id: int, kind: str) -> list[Event]:
    """The lead's events of one type, oldest first."""
    return list(
        session.scalars(
            select(Event).where(Event.lead_id == lead_id, Event.type == kind).order_by(Event.id)
        )
    )


def next_window(at: datetime, days: int) -> datetime:
    """`days` later at the same (in-window) time of day."""
    return at + timedelta(days=days)


def sent_email(session: Session, who, message_id: str, sequence: str | None = None) -> Outbox:
    """An email already sent to `who` (a draft and its outbox row), for matching replies."""
    draft = Draft(
        lead_id=who.id,
        thread_id=f"t-{message_id}",
        trigger="test",
        subject="Hello",
        body="Hi",
        status="sent",
        sequence=sequence,
        step=1 if sequence else None,
    )
    session.add(draft)
    session.flush()
    row = Outbox(
        draft_id=draft.id,
        lead_id=who.id,
        idempotency_key=f"k-{message_id}",
        to_email=who.email,
        from_email="zoe@acme.example",
        from_name="Zoe Rep",
        subject="Hello",
        text_body="Hi",
        message_id=message_id,
        status="sent",
        sent_at=WED,
    )
    session.add(row)
    session.flush()
    return row
