"""Post escalations and approval cards to Slack once: claim the row, post, record where it went.

A row is claimed by setting `slack_ts` to a placeholder inside a locked transaction, so the LISTEN
handler, the sweep and a second process never post it twice; a failed post releases the claim,
and a claim left behind by a crash is taken over after a few minutes.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from core.db import Database
from core.models import Draft, Escalation, Lead, Rep
from core.settings import Settings
from slack_app.blocks import approval_card
from slack_app.blocks_alerts import escalation_message
from slack_app.loaders import draft_card, escalation_card
from slack_app.threads import run_db

log = logging.getLogger(__name__)
POSTING = "posting"
STALE_CLAIM = timedelta(minutes=3)
TEAM_KINDS = ("approval_overdue",)  # go to the team channel even when the owner has Slack


def destination(
    session: Session, settings: Settings, rep_id: int | None, *, team: bool = False
) -> str | None:
    """The owner's DM (their Slack user id) or the team channel; None when neither exists."""
    rep = session.get(Rep, rep_id) if rep_id else None
    direct = rep.slack_user_id if rep is not None and rep.active else None
    if team:
        return settings.slack_channel or direct
    return direct or settings.slack_channel


def _unclaimed(model, now: datetime):
    claimed_at = model.posted_at if model is Escalation else model.updated_at
    stale = and_(model.slack_ts == POSTING, claimed_at < now - STALE_CLAIM)
    return or_(model.slack_ts.is_(None), stale)


def unposted(session: Session, now: datetime, limit: int = 50) -> tuple[list[int], list[int]]:
    """Ids of open escalations and pending drafts that still have no Slack message."""
    escalations = session.scalars(
        select(Escalation.id)
        .where(_unclaimed(Escalation, now), Escalation.status == "open")
        .order_by(Escalation.id)
        .limit(limit)
    )
    drafts = session.scalars(
        select(Draft.id)
        .where(_unclaimed(Draft, now), Draft.status == "pending")
        .order_by(Draft.id)
        .limit(limit)
    )
    return list(escalations), list(drafts)


def claim_escalation(session: Session, settings: Settings, escalation_id: int, now: datetime):
    """Claim an unposted open escalation: (channel, message arguments), or None."""
    row = session.scalar(
        select(Escalation)
        .where(Escalation.id == escalation_id, Escalation.status == "open")
        .where(_unclaimed(Escalation, now))
        .with_for_update(skip_locked=True)
    )
    if row is None:
        return None
    channel = destination(session, settings, row.owner_rep_id, team=row.kind in TEAM_KINDS)
    if channel is None:
        return None
    row.slack_ts, row.posted_at = POSTING, now
    return channel, escalation_message(escalation_card(session, row))


def claim_draft(session: Session, settings: Settings, draft_id: int, now: datetime):
    """Claim an unposted pending draft: (channel, message arguments), or None."""
    row = session.scalar(
        select(Draft)
        .where(Draft.id == draft_id, Draft.status == "pending", _unclaimed(Draft, now))
        .with_for_update(skip_locked=True)
    )
    if row is None:
        return None
    owner = session.scalar(select(Lead.owner_rep_id).where(Lead.id == row.lead_id))
    channel = destination(session, settings, owner)
    if channel is None:
        return None
    row.slack_ts = POSTING
    return channel, approval_card(draft_card(session, row, now))


def record(session: Session, model, row_id: int, channel: str | None, ts: str | None) -> None:
    """Store where the message went (or release the claim when `ts` is None)."""
    values: dict[str, Any] = {"slack_channel": channel, "slack_ts": ts}
    if model is Escalation:
        values["posted_at"] = datetime.now(UTC) if ts else None
    session.execute(
        update(model).where(model.id == row_id, model.slack_ts == POSTING).values(**values)
    )


async def _post(db: Database, client: AsyncWebClient, model, row_id: int, claim) -> bool:
    if claim is None:
        return False
    channel, args = claim
    try:
        response = await client.chat_postMessage(channel=channel, **args)
    except Exception:
        log.exception("posting %s %s to Slack failed; will retry", model.__tablename__, row_id)
        await run_db(db, record, model, row_id, None, None)
        return False
    await run_db(db, record, model, row_id, response["channel"], response["ts"])
    return True


async def post_escalation(
    db: Database, client: AsyncWebClient, settings: Settings, escalation_id: int
) -> bool:
    """Post one escalation to its owner or the team channel, unless it was posted already."""
    now = datetime.now(UTC)
    claim = await run_db(db, claim_escalation, settings, escalation_id, now)
    return await _post(db, client, Escalation, escalation_id, claim)


async def post_draft(
    db: Database, client: AsyncWebClient, settings: Settings, draft_id: int
) -> bool:
    """Post one pending draft's approval card, unless it was posted already."""
    now = datetime.now(UTC)
    claim = await run_db(db, claim_draft, settings, draft_id, now)
    return await _post(db, client, Draft, draft_id, claim)


async def post_missed(db: Database, client: AsyncWebClient, settings: Settings) -> int:
    """The sweep: post every open escalation and pending draft that has no message yet."""
    escalation_ids, draft_ids = await run_db(db, unposted, datetime.now(UTC))
    posted = 0
    for escalation_id in escalation_ids:
        posted += await post_escalation(db, client, settings, escalation_id)
    for draft_id in draft_ids:
        posted += await post_draft(db, client, settings, draft_id)
    return posted
