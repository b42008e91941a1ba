"""A guardrail decision (allowed, held until a time, or blocked) and its timeline record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tools.timeline import add_events, system_event


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
    add_events(session, [decision_event(lead_id, decision, key, at)])


def decision_event(
    lead_id: int, decision: Decision, key: str, at: datetime | None
) -> dict[str, Any]:
    """The timeline row `record_decision` writes, for callers that write events in bulk."""
    return system_event(
        lead_id,
        f"guardrail:{key}:{decision.code}",
        "guardrail_held",
        at,
        code=decision.code,
        reason=decision.reason,
        retry_at=decision.retry_at.isoformat() if decision.retry_at else None,
        key=key,
    )
