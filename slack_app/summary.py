"""Weekly summary (a seed practice): the week's top-scoring leads and why, once per ISO week.

Idempotency uses one `worker_jobs` row per week (job 'slack_weekly_summary:<week>'): inserting it
claims the week before posting, across processes; a failed post deletes it so a later sweep
retries. (A crash between claim and post skips that week's summary: at most once, by design.)
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.db import Database
from core.models import Draft, Escalation, Lead, LeadRank, WorkerJob
from slack_app.blocks_alerts import weekly_summary_message
from slack_app.cards import WeeklySummary
from slack_app.loaders import lead_line
from slack_app.threads import run_db

log = logging.getLogger(__name__)
JOB = "slack_weekly_summary"
TOP = 8


def iso_week(now: datetime, tz: ZoneInfo) -> str:
    """The ISO week of `now` in the workspace timezone, e.g. '2026-W47'."""
    year, week, _ = now.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


def summary_due(now: datetime, tz: ZoneInfo) -> bool:
    """True from Monday 09:00 local onwards (a missed Monday is caught up later in the week)."""
    local = now.astimezone(tz)
    return local.weekday() > 0 or local.hour >= 9


def weekly_summary(session: Session, now: datetime, tz: ZoneInfo, top: int = TOP) -> WeeklySummary:
    """The leads engaged in the last 7 days with the highest scores, with their top reasons."""
    since = now - timedelta(days=7)
    leads = session.scalars(  # filtered on lead_ranks, where the indexes are (migration 0011)
        select(Lead)
        .join(LeadRank, LeadRank.lead_id == Lead.id)
        .where(LeadRank.last_engaged_at >= since, LeadRank.tier.in_(("mql", "warm")))
        .order_by(LeadRank.score.desc(), Lead.id)
        .limit(top)
    )
    new_mqls = session.scalar(
        select(func.count()).where(Escalation.kind == "mql", Escalation.created_at >= since)
    )
    pending = session.scalar(select(func.count()).where(Draft.status == "pending"))
    return WeeklySummary(
        week=iso_week(now, tz),
        leads=[lead_line(session, lead) for lead in leads],
        new_mqls=int(new_mqls or 0),
        pending_approvals=int(pending or 0),
    )


def claim_week(session: Session, week: str, now: datetime) -> bool:
    """Claim this week's summary; False when it was posted (or is being posted) already."""
    claimed = session.scalar(
        insert(WorkerJob)
        .values(job=f"{JOB}:{week}", last_run_at=now)
        .on_conflict_do_nothing(index_elements=["job"])
        .returning(WorkerJob.job)
    )
    return claimed is not None


def release_week(session: Session, week: str) -> None:
    """Give the week back after a failed post."""
    session.execute(delete(WorkerJob).where(WorkerJob.job == f"{JOB}:{week}"))


async def post_weekly_summary(
    db: Database, client: AsyncWebClient, now: datetime | None = None
) -> bool:
    """Post the week's summary to NURTURE_SLACK_CHANNEL once per ISO week; True if posted now."""
    channel = db.settings.slack_channel
    if not channel:
        return False
    now = now or datetime.now(UTC)
    tz = ZoneInfo(db.settings.default_timezone)
    week = iso_week(now, tz)
    if not await run_db(db, claim_week, week, now):
        return False
    try:
        summary = await run_db(db, weekly_summary, now, tz)
        await client.chat_postMessage(channel=channel, **weekly_summary_message(summary))
    except Exception:
        log.exception("weekly summary failed; will retry")
        await run_db(db, release_week, week)
        return False
    return True
