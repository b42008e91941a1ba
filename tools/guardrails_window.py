"""The send window: the lead's timezone (account, then default) and the next allowed opening."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Account, Lead
from core.settings import get_settings
from tools.guardrails_config import DAYS, Window


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
