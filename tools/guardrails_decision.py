"""A guardrail decision (allowed, held until a time, or blocked) and its timeline record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.models import Event


@dataclass(frozen=True)
class Decision:
    """The outcome: allowed, or blocked (suppressed) / held (try again at `retry_at`)."""

    allowed: bool
    code: str
    reason: str
    retry_at: datetime | None = None

    @property
    def suppressed(self) -> bool:
        """True when no email may ever go (as opposed to 'not yet')."""
        return not self.allowed and self.retry_at is None


ALLOWED = Decision(True, "ok", "all guardrails passed")


def record_decision(
    session: Session, lead_id: int, decision: Decision, key: str, at: datetime | None = None
) -> None:
    """Put a held or blocked decision on the lead's timeline (once per key and code)."""
    if decision.allowed:
        return
    session.execute(
        insert(Event)
        .values(
            lead_id=lead_id,
            source="nurture",
            message_id=f"guardrail:{key}:{decision.code}",
            type="guardrail_held",
            properties={
                "code": decision.code,
                "reason": decision.reason,
                "retry_at": decision.retry_at.isoformat() if decision.retry_at else None,
                "key": key,
            },
            occurred_at=at if at is not None else func.now(),
        )
        .on_conflict_do_nothing(constraint="uq_events_source_message_id")
    )
