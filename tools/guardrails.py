"""Sending guardrails, one entry module, enforced in code on every path that can send an email.

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

This module is the one entry every caller imports; the rules live beside it by behaviour:
guardrails_config (settings), guardrails_decision (Decision, timeline records),
guardrails_suppression, guardrails_cap (last email times), guardrails_window (timezones, the
window) and guardrails_exits; guardrails_batch runs `check_step` over a batch.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.models import Enrollment, Lead
from tools.guardrails_cap import last_email_at, last_emails_at
from tools.guardrails_config import GuardrailConfig, Window, load_guardrails
from tools.guardrails_decision import ALLOWED, Decision, decision_event, record_decision
from tools.guardrails_exits import EXIT_EVENTS, REAL_REPLY, exit_decision
from tools.guardrails_suppression import do_not_contact, suppression_reason
from tools.guardrails_window import lead_timezone, next_window_start

__all__ = [
    "ALLOWED",
    "EXIT_EVENTS",
    "REAL_REPLY",
    "Decision",
    "GuardrailConfig",
    "Window",
    "check_delivery",
    "check_send",
    "check_step",
    "decision_event",
    "do_not_contact",
    "exit_decision",
    "last_email_at",
    "last_emails_at",
    "lead_timezone",
    "load_guardrails",
    "next_window_start",
    "record_decision",
    "suppression_reason",
]


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
