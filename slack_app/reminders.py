"""Approval SLA: re-ping a draft waiting longer than N working hours, then escalate to the team.

Also brings snoozed escalations back when their snooze ends.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.db import Database
from core.models import Draft, Escalation, Lead
from core.settings import Settings
from slack_app.kit import esc
from slack_app.poster import POSTING
from slack_app.threads import run_db
from slack_app.updates import refresh_escalation
from tools.escalations import escalate

log = logging.getLogger(__name__)
WORKDAY = (time(9), time(17))  # Monday to Friday, in the workspace timezone


def working_hours_between(start: datetime, end: datetime, tz: ZoneInfo) -> float:
    """Working hours (Mon–Fri 09:00–17:00 local) between two aware datetimes."""
    if end <= start:
        return 0.0
    total = 0.0
    day = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    while day <= last:
        if day.weekday() < 5:
            opens = datetime.combine(day, WORKDAY[0], tzinfo=tz)
            closes = datetime.combine(day, WORKDAY[1], tzinfo=tz)
            overlap = min(closes, end) - max(opens, start)
            total += max(overlap.total_seconds(), 0) / 3600
        day += timedelta(days=1)
    return total


def due_reminders(session: Session, settings: Settings, now: datetime) -> tuple[list, list]:
    """(drafts to re-ping, drafts to escalate): pending, posted, past the SLA in working hours."""
    tz = ZoneInfo(settings.default_timezone)
    sla = settings.approval_sla_hours
    rows = session.execute(
        select(Draft.id, Draft.created_at, Draft.reminded_at, Draft.escalated_at)
        .where(Draft.status == "pending", Draft.slack_ts.is_not(None), Draft.slack_ts != POSTING)
        .where(Draft.escalated_at.is_(None), Draft.created_at < now - timedelta(hours=sla))
        .order_by(Draft.id)
        .limit(200)
    )
    remind, escalate_ids = [], []
    for draft_id, created, reminded, _ in rows:
        if reminded is None and working_hours_between(created, now, tz) >= sla:
            remind.append(draft_id)
        elif reminded is not None and working_hours_between(reminded, now, tz) >= sla:
            escalate_ids.append(draft_id)
    return remind, escalate_ids


def mark(session: Session, draft_id: int, column: str, now: datetime):
    """Compare-and-set reminded_at / escalated_at; the draft's card location when we won."""
    col = getattr(Draft, column)
    row = session.execute(
        update(Draft)
        .where(Draft.id == draft_id, Draft.status == "pending", col.is_(None))
        .values({column: now})
        .returning(Draft.slack_channel, Draft.slack_ts, Draft.lead_id, Draft.subject)
    ).first()
    return tuple(row) if row else None


def escalate_overdue(session: Session, draft_id: int, lead_id: int, subject: str, hours: float):
    """An approval_overdue escalation (posted to the team channel) pointing at the draft."""
    name = session.get(Lead, lead_id).full_name
    escalate(
        session,
        kind="approval_overdue",
        summary=f"Draft “{subject}” for {name} has waited over {hours:g} working hours.",
        dedupe_key=f"approval_overdue:{draft_id}",
        lead_id=lead_id,
        payload={"draft_id": draft_id},
    )


async def remind_overdue(
    db: Database, client: AsyncWebClient, settings: Settings, now: datetime | None = None
) -> dict[str, int]:
    """Re-ping overdue approvals in their card's thread, then escalate the still-ignored ones."""
    now = now or datetime.now(UTC)
    remind, overdue = await run_db(db, due_reminders, settings, now)
    sla = settings.approval_sla_hours
    for draft_id in remind:
        found = await run_db(db, mark, draft_id, "reminded_at", now)
        if found is None:
            continue
        channel, ts, _, subject = found
        text = f"⏰ Reminder: “{esc(subject)}” has waited over {sla:g} working hours for approval."
        try:
            await client.chat_postMessage(
                channel=channel, thread_ts=ts, text=text, reply_broadcast=True
            )
        except Exception:
            log.exception("reminder for draft %s failed; will retry", draft_id)
            await run_db(db, _unmark, draft_id)
    for draft_id in overdue:
        found = await run_db(db, mark, draft_id, "escalated_at", now)
        if found is not None:
            await run_db(db, escalate_overdue, draft_id, found[2], found[3], sla * 2)
    return {"reminded": len(remind), "escalated": len(overdue)}


def _unmark(session: Session, draft_id: int) -> None:
    session.execute(update(Draft).where(Draft.id == draft_id).values(reminded_at=None))


def wake(session: Session, now: datetime) -> list[int]:
    """Reopen escalations whose snooze ended; their ids."""
    rows = session.scalars(
        update(Escalation)
        .where(Escalation.status == "snoozed", Escalation.snoozed_until <= now)
        .values(status="open", snoozed_until=None)
        .returning(Escalation.id)
    )
    return list(rows)


async def wake_snoozed(db: Database, client: AsyncWebClient, now: datetime | None = None) -> int:
    """Bring back snoozed escalations: redraw with buttons and ping in the thread."""
    woken = await run_db(db, wake, now or datetime.now(UTC))
    for escalation_id in woken:
        await refresh_escalation(db, client, escalation_id)
        where = await run_db(db, _location, escalation_id)
        if where is not None:
            await client.chat_postMessage(
                channel=where[0],
                thread_ts=where[1],
                text="⏰ Snooze over: this needs a look.",
                reply_broadcast=True,
            )
    return len(woken)


def _location(session: Session, escalation_id: int):
    row = session.get(Escalation, escalation_id)
    if row is None or not row.slack_ts or row.slack_ts == POSTING:
        return None
    return row.slack_channel, row.slack_ts
