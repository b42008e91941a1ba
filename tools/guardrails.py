"""Sending guardrails, in one module, enforced in code on every path that can send an email.

`check_send(session, lead, now)` answers: may this lead receive an email now? It checks, in
order: suppression (consent, lifecycle, do-not-contact list, missing fields, no address), a
pause/snooze, the frequency cap (one email per lead per 48 hours across all sequences, counting
emails already queued) and the send window (Tue–Thu 09:00–11:00 in the lead's timezone, then the
account's, then the default). Each decision carries a code, a human reason and, when the lead is
only held, the earliest time to try again. No prompt is involved anywhere here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.models import Account, DoNotContact, Event, Lead, Outbox
from core.settings import get_settings

CONFIG = Path(__file__).parent / "config" / "guardrails.yaml"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Window(BaseModel):
    """Allowed weekdays and local hours."""

    days: list[str]
    start: time
    end: time


class GuardrailConfig(BaseModel):
    """Guardrail settings (tools/config/guardrails.yaml)."""

    min_hours_between_emails: int
    send_window: Window
    suppress_consent: list[str]
    suppress_lifecycle: list[str]
    max_missing_key_fields: int


@lru_cache(maxsize=4)
def load_guardrails(path: Path | None = None) -> GuardrailConfig:
    """Load and validate the guardrail config."""
    return GuardrailConfig.model_validate(yaml.safe_load(Path(path or CONFIG).read_text()))


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


def suppression_reason(
    session: Session, lead: Lead, cfg: GuardrailConfig | None = None
) -> str | None:
    """Why this lead must never be emailed, or None."""
    cfg = cfg or load_guardrails()
    if not lead.email:
        return "no email address"
    if lead.consent in cfg.suppress_consent:
        return f"consent is {lead.consent}"
    if lead.lifecycle_stage in cfg.suppress_lifecycle:
        return f"lifecycle stage is {lead.lifecycle_stage.replace('_', '-')}"
    if lead.do_not_contact:
        return "marked do-not-contact"
    domain = lead.email.split("@", 1)[1]
    listed = session.scalar(
        select(DoNotContact.reason).where(DoNotContact.value.in_([lead.email, domain]))
    )
    if listed is not None:
        return f"on the do-not-contact list{f' ({listed})' if listed else ''}"
    if lead.missing_key_fields > cfg.max_missing_key_fields:
        return f"record incomplete: {lead.missing_key_fields} key fields missing"
    return None


def lead_timezone(session: Session, lead: Lead) -> ZoneInfo:
    """The lead's timezone, else its account's, else the configured default."""
    name = lead.timezone
    if not name and lead.account_id:
        name = session.scalar(select(Account.timezone).where(Account.id == lead.account_id))
    try:
        return ZoneInfo(name or get_settings().default_timezone)
    except (KeyError, ValueError):
        return ZoneInfo(get_settings().default_timezone)


def next_window_start(now: datetime, tz: ZoneInfo, window: Window) -> datetime | None:
    """None if `now` is inside the window, else the next window opening (aware, in UTC terms)."""
    local = now.astimezone(tz)
    allowed = {DAYS.index(d) for d in window.days}
    if local.weekday() in allowed and window.start <= local.time() < window.end:
        return None
    for offset in range(0, 8):
        day = (local + timedelta(days=offset)).date()
        if day.weekday() not in allowed:
            continue
        opening = datetime.combine(day, window.start, tzinfo=tz)
        if opening > local:
            return opening
    raise ValueError("send window has no allowed day")


def last_email_at(session: Session, lead_id: int) -> datetime | None:
    """The latest email sent to the lead or queued for it (queued counts against the cap)."""
    sent = session.scalar(
        select(func.max(Event.occurred_at)).where(
            Event.lead_id == lead_id, Event.type == "email_sent"
        )
    )
    queued = session.scalar(
        select(func.max(func.coalesce(Outbox.sent_at, Outbox.created_at))).where(
            Outbox.lead_id == lead_id,
            or_(Outbox.status.in_(("queued", "sending", "sent"))),
        )
    )
    times = [t for t in (sent, queued) if t is not None]
    return max(times) if times else None


def check_send(
    session: Session,
    lead: Lead,
    now: datetime,
    *,
    ignore_window: bool = False,
    cfg: GuardrailConfig | None = None,
) -> Decision:
    """May `lead` be emailed at `now`? Suppression first, then pause, cap and window."""
    cfg = cfg or load_guardrails()
    reason = suppression_reason(session, lead, cfg)
    if reason:
        return Decision(False, "suppressed", reason)
    if lead.snoozed_until and lead.snoozed_until > now:
        return Decision(
            False, "paused", f"paused until {lead.snoozed_until:%Y-%m-%d}", lead.snoozed_until
        )
    last = last_email_at(session, lead.id)
    gap = timedelta(hours=cfg.min_hours_between_emails)
    if last is not None and now - last < gap:
        return Decision(
            False,
            "frequency_cap",
            f"emailed {last:%Y-%m-%d %H:%M} UTC; at most one email per "
            f"{cfg.min_hours_between_emails} hours",
            last + gap,
        )
    if not ignore_window:
        tz = lead_timezone(session, lead)
        opening = next_window_start(now, tz, cfg.send_window)
        if opening is not None:
            days = "/".join(d.title() for d in cfg.send_window.days)
            return Decision(
                False,
                "send_window",
                f"outside the send window ({days} {cfg.send_window.start:%H:%M}–"
                f"{cfg.send_window.end:%H:%M} {tz.key})",
                opening,
            )
    return ALLOWED


def record_decision(session: Session, lead_id: int, decision: Decision, key: str) -> None:
    """Put a held or blocked decision on the lead's timeline (once per key and code)."""
    if decision.allowed:
        return
    from sqlalchemy.dialects.postgresql import insert

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
            occurred_at=func.now(),
        )
        .on_conflict_do_nothing(constraint="uq_events_source_message_id")
    )
