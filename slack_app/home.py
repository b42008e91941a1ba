"""App Home: on app_home_opened publish my pending approvals, hot leads and recent escalations."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.models import Draft, Escalation, Lead, Rep
from slack_app.access import rep_for
from slack_app.app import Deps
from slack_app.blocks_home import SHOWN, home_view
from slack_app.cards import BatchGroup, DraftCard, HomeData
from slack_app.loaders import escalation_card, lead_line
from slack_app.threads import run_db

HOT_LEADS = 10
RECENT_ESCALATIONS = 8


def _pending_query(rep: Rep):
    query = select(Draft).join(Lead, Lead.id == Draft.lead_id).where(Draft.status == "pending")
    return query if rep.is_approver else query.where(Lead.owner_rep_id == rep.id)


def batch_groups(session: Session, rep: Rep) -> list[BatchGroup]:
    """Pending drafts of the same sequence step (two or more) this rep may approve at once."""
    pending = _pending_query(rep).where(Draft.sequence.is_not(None)).subquery()
    rows = session.execute(
        select(pending.c.sequence, pending.c.step, func.array_agg(pending.c.id))
        .group_by(pending.c.sequence, pending.c.step)
        .having(func.count() >= 2)
        .order_by(pending.c.sequence, pending.c.step)
    )
    return [BatchGroup(seq, step, tuple(sorted(ids))) for seq, step, ids in rows]


def home_data(session: Session, user_id: str) -> HomeData:
    """Everything the App Home shows one Slack user."""
    rep = rep_for(session, user_id)
    if rep is None:
        return HomeData(user_id=user_id, rep_name=None)
    pending_q = _pending_query(rep)
    total = session.scalar(select(func.count()).select_from(pending_q.subquery())) or 0
    drafts = session.scalars(pending_q.order_by(Draft.created_at, Draft.id).limit(SHOWN))
    pending = []
    for draft in drafts:
        lead = session.get(Lead, draft.lead_id)
        line = lead_line(session, lead, reasons=0)
        pending.append(
            DraftCard(
                draft.id,
                line,
                draft.subject,
                draft.body,
                draft.status,
                sequence=draft.sequence,
                step=draft.step,
                created_at=draft.created_at,
            )
        )
    hot = session.scalars(
        select(Lead)
        .where(Lead.owner_rep_id == rep.id, Lead.tier == "mql")
        .order_by(Lead.score.desc(), Lead.id)
        .limit(HOT_LEADS)
    )
    escalations_q = select(Escalation)
    if not rep.is_approver:
        escalations_q = escalations_q.where(
            or_(Escalation.owner_rep_id == rep.id, Escalation.owner_rep_id.is_(None))
        )
    recent = session.scalars(
        escalations_q.order_by(Escalation.created_at.desc(), Escalation.id.desc()).limit(
            RECENT_ESCALATIONS
        )
    )
    return HomeData(
        user_id=user_id,
        rep_name=rep.name,
        pending=pending,
        pending_total=total,
        batches=batch_groups(session, rep),
        hot_leads=[lead_line(session, lead) for lead in hot],
        escalations=[escalation_card(session, row) for row in recent],
    )


async def publish_home(deps: Deps, client: AsyncWebClient, user_id: str) -> None:
    """Build and publish one user's App Home."""
    data = await run_db(deps.db, home_data, user_id)
    await client.views_publish(user_id=user_id, view=home_view(data, datetime.now(UTC)))


def register(app: AsyncApp, deps: Deps) -> None:
    """Publish the App Home whenever a user opens it."""

    @app.event("app_home_opened")
    async def on_home_opened(event, client) -> None:
        """Publish the App Home when its tab is opened."""
        if event.get("tab", "home") == "home":
            await publish_home(deps, client, event["user"])
