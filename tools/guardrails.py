"""Sending guardrails, in one module, enforced in code on every path that can send an email.

`check_send(session, lead, now)` answers: may this lead receive an email now? It checks, in
order: suppression (consent, lifecycle, do-not-contact list, missing fields, no address), a
pause/snooze, the frequency cap (one email per lead per 48 hours across all sequences, counting
emails already queued) and the send window (Tue–Thu 09:00–11:00 in the lead's timezone, then the
account's, then the default). Each decision carries a code, a human reason and, when the lead is
only held, the earliest time to try again. No prompt is involved anywhere here.

Sequence emails also pass the exit checks (`exit_decision`) right before drafting and again right
before sending: replied (not out-of-office), meeting booked, unsubscribed, bounced, became an
opportunity or customer, stopped by hand. `check_step` (the worker, before drafting) and
`check_delivery` (the sender, inside its claim) are the two doors every send goes through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel
from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from core.models import Account, DoNotContact, Enrollment, Event, Lead, Outbox
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
    session: Session,
    lead: Lead,
    cfg: GuardrailConfig | None = None,
    *,
    listed: dict[str, str] | None = None,
) -> str | None:
    """Why this lead must never be emailed, or None (`listed`: a prefetched do-not-contact map)."""
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
    if listed is None:
        listed = do_not_contact(session, [lead.email, domain])
    hit = listed.get(lead.email, listed.get(domain))
    if hit is not None:
        return f"on the do-not-contact list{f' ({hit})' if hit else ''}"
    if lead.missing_key_fields > cfg.max_missing_key_fields:
        return f"record incomplete: {lead.missing_key_fields} key fields missing"
    return None


def do_not_contact(session: Session, values: list[str]) -> dict[str, str]:
    """The do-not-contact entries among these addresses and domains (value -> reason)."""
    rows = session.execute(
        select(DoNotContact.value, DoNotContact.reason).where(DoNotContact.value.in_(values))
    )
    return {value: reason for value, reason in rows}


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


def last_email_at(
    session: Session,
    lead_id: int,
    *,
    as_of: datetime | None = None,
    include_queued: bool = True,
    exclude_outbox_id: int | None = None,
) -> datetime | None:
    """The latest email sent to the lead or queued for it (queued counts against the cap).

    With `as_of`, later rows are ignored (a simulated clock). `include_queued=False` is the
    sender's view: only emails sent or being sent right now count, never the row it is deciding.
    """
    found = last_emails_at(
        session,
        [lead_id],
        as_of=as_of,
        include_queued=include_queued,
        exclude_outbox_id=exclude_outbox_id,
    )
    return found.get(lead_id)


def last_emails_at(
    session: Session,
    lead_ids: list[int],
    *,
    as_of: datetime | None = None,
    include_queued: bool = True,
    exclude_outbox_id: int | None = None,
) -> dict[int, datetime]:
    """`last_email_at` for many leads in two queries (lead id -> time; absent when never)."""
    sent_q = select(Event.lead_id, func.max(Event.occurred_at)).where(
        Event.lead_id.in_(lead_ids), Event.type == "email_sent"
    )
    if as_of is not None:
        sent_q = sent_q.where(Event.occurred_at <= as_of)
    sending_at = as_of if as_of is not None else func.now()
    when = case((Outbox.status == "sending", sending_at), else_=Outbox.sent_at)
    if include_queued:
        when = func.coalesce(when, Outbox.created_at)
    # an unconfirmed email (handed to the relay, outcome unknown) counts as sent at hand-over
    statuses = ("sending", "unconfirmed", "sent") + (("queued",) if include_queued else ())
    out_q = select(Outbox.lead_id, func.max(when)).where(
        Outbox.lead_id.in_(lead_ids), Outbox.status.in_(statuses)
    )
    if exclude_outbox_id is not None:
        out_q = out_q.where(Outbox.id != exclude_outbox_id)
    if as_of is not None:
        out_q = out_q.where(when <= as_of)
    found: dict[int, datetime] = {}
    for query in (sent_q.group_by(Event.lead_id), out_q.group_by(Outbox.lead_id)):
        for lead_id, at in session.execute(query):
            if at is not None and (lead_id not in found or at > found[lead_id]):
                found[lead_id] = at
    return found


def check_send(
    session: Session,
    lead: Lead,
    now: datetime,
    *,
    ignore_window: bool = False,
    cfg: GuardrailConfig | None = None,
    include_queued: bool = True,
    exclude_outbox_id: int | None = None,
    prefetched: tuple[dict[str, str], datetime | None] | None = None,
) -> Decision:
    """May `lead` be emailed at `now`? Suppression first, then pause, cap and window.

    `prefetched` = (do-not-contact map, last email time) when a batch looked them up already.
    """
    cfg = cfg or load_guardrails()
    listed, last = prefetched if prefetched is not None else (None, None)
    reason = suppression_reason(session, lead, cfg, listed=listed)
    if reason:
        return Decision(False, "suppressed", reason)
    if lead.snoozed_until and lead.snoozed_until > now:
        return Decision(
            False, "paused", f"paused until {lead.snoozed_until:%Y-%m-%d}", lead.snoozed_until
        )
    if prefetched is None:
        last = last_email_at(
            session,
            lead.id,
            as_of=now,
            include_queued=include_queued,
            exclude_outbox_id=exclude_outbox_id,
        )
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


def record_decision(
    session: Session, lead_id: int, decision: Decision, key: str, at: datetime | None = None
) -> None:
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
            occurred_at=at if at is not None else func.now(),
        )
        .on_conflict_do_nothing(constraint="uq_events_source_message_id")
    )


EXIT_EVENTS = {"reply_received": "replied", "meeting_booked": "meeting_booked"}
# A reply counts unless it is automatic or classified out-of-office / bounce.
REAL_REPLY = """
    (e.type <> 'reply_received' OR (
     coalesce(e.properties->>'auto_reply', 'false') <> 'true'
     AND coalesce((SELECT r.label FROM replies r
                   WHERE e.properties->>'reply_id' ~ '^[0-9]{1,18}$'
                     AND r.id = (e.properties->>'reply_id')::bigint),
                  e.properties->>'label', '') NOT IN ('out_of_office', 'bounce')))
"""
_REPLY_OR_MEETING = text(
    f"""
    SELECT e.type, min(e.occurred_at) FROM events e
    WHERE e.lead_id = :lead AND e.occurred_at >= :since AND e.occurred_at <= :now
      AND e.type = ANY(:types) AND {REAL_REPLY}
    GROUP BY e.type
    """
)
_EXIT_BY_CONSENT = {
    "unsubscribed": "unsubscribed",
    "complained": "unsubscribed",
    "bounced": "bounced",
}


def exit_decision(
    session: Session,
    lead: Lead,
    enrollment: Enrollment,
    now: datetime,
    exits: list[str],
    *,
    seen: dict[str, datetime] | None = None,
) -> Decision | None:
    """The first exit condition the enrollment meets (code `exit_<name>`), or None.

    `seen`: prefetched first reply / meeting times since enrollment (event type -> time).
    """
    found: tuple[str, str] | None = None
    consent_exit = _EXIT_BY_CONSENT.get(lead.consent)
    if enrollment.status == "stopped":  # a manual stop always wins, whatever the sequence says
        found = ("manual_stop", f"stopped by hand ({enrollment.exit_reason or 'no reason given'})")
    elif consent_exit in exits:
        found = (consent_exit, f"consent is {lead.consent}")
    elif lead.lifecycle_stage in ("opportunity", "customer") and lead.lifecycle_stage in exits:
        found = (lead.lifecycle_stage, f"became {lead.lifecycle_stage}")
    else:
        types = [t for t, name in EXIT_EVENTS.items() if name in exits]
        if seen is None:
            params = {"lead": lead.id, "since": enrollment.enrolled_at, "now": now, "types": types}
            seen = dict(session.execute(_REPLY_OR_MEETING, params).all()) if types else {}
        hits = sorted((at, kind) for kind, at in seen.items() if kind in types)
        if hits:
            at, kind = hits[0]
            name = EXIT_EVENTS[kind]
            found = (name, f"{name.replace('_', ' ')} on {at:%Y-%m-%d %H:%M} UTC")
    return Decision(False, f"exit_{found[0]}", f"exit: {found[1]}") if found else None


def check_step(
    session: Session,
    lead: Lead,
    enrollment: Enrollment,
    now: datetime,
    exits: list[str],
    *,
    prefetched: tuple[dict[str, str], datetime | None, dict[str, datetime]] | None = None,
) -> Decision:
    """Before drafting a sequence step: exits, then suppression, pause and cap (window later).

    `prefetched` = (do-not-contact map, last email time, exit events) from tools.guardrails_batch.
    """
    seen = prefetched[2] if prefetched is not None else None
    return exit_decision(session, lead, enrollment, now, exits, seen=seen) or check_send(
        session, lead, now, ignore_window=True, prefetched=prefetched and prefetched[:2]
    )


def check_delivery(
    session: Session,
    lead: Lead,
    now: datetime,
    *,
    outbox_id: int,
    enrollment: Enrollment | None = None,
    exits: list[str] | None = None,
) -> Decision:
    """Right before sending outbox row `outbox_id`: exits (sequence emails), then every guardrail.

    The cap counts only emails sent or being sent, so two approved emails for one lead go out
    48 hours apart instead of blocking each other.
    """
    if enrollment is not None:
        exit_ = exit_decision(session, lead, enrollment, now, exits or [])
        if exit_ is not None:
            return exit_
    return check_send(session, lead, now, include_queued=False, exclude_outbox_id=outbox_id)
