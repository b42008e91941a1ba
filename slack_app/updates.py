"""Update posted messages in place (chat.update) and tell one user something (ephemeral)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.orm import Session

from core.db import Database
from core.models import Draft, Escalation
from slack_app.blocks import approval_card, draft_modal
from slack_app.blocks_alerts import escalation_message
from slack_app.loaders import draft_card, escalation_card
from slack_app.poster import POSTING
from slack_app.threads import run_db

log = logging.getLogger(__name__)


def _draft_update(session: Session, draft_id: int):
    draft = session.get(Draft, draft_id)
    if draft is None:
        return None
    card = draft_card(session, draft, datetime.now(UTC))
    return draft.slack_channel, draft.slack_ts, card


async def refresh_draft(
    db: Database, client: AsyncWebClient, draft_id: int, *, view_id: str | None = None
) -> None:
    """Redraw a draft's card where it was posted (and in the modal it was decided from)."""
    found = await run_db(db, _draft_update, draft_id)
    if found is None:
        return
    channel, ts, card = found
    if channel and ts and ts != POSTING:
        await client.chat_update(channel=channel, ts=ts, **approval_card(card))
    if view_id:
        await client.views_update(view_id=view_id, view=draft_modal(card))


def _escalation_update(session: Session, escalation_id: int):
    row = session.get(Escalation, escalation_id)
    if row is None or not row.slack_channel or row.slack_ts in (None, POSTING):
        return None
    return row.slack_channel, row.slack_ts, escalation_message(escalation_card(session, row))


async def refresh_escalation(db: Database, client: AsyncWebClient, escalation_id: int) -> None:
    """Redraw an escalation message (claimed by, snoozed until) where it was posted."""
    found = await run_db(db, _escalation_update, escalation_id)
    if found is not None:
        channel, ts, args = found
        await client.chat_update(channel=channel, ts=ts, **args)


def channel_of(body: dict[str, Any]) -> str | None:
    """The channel an interaction happened in (None for App Home and modals)."""
    channel = (body.get("channel") or {}).get("id")
    return channel or (body.get("container") or {}).get("channel_id")


async def tell(client: AsyncWebClient, user: str, text: str, channel: str | None = None) -> None:
    """An ephemeral note in the channel, or a DM from the app when there is no channel."""
    try:
        if channel:
            await client.chat_postEphemeral(channel=channel, user=user, text=text)
        else:
            await client.chat_postMessage(channel=user, text=text)
    except Exception:  # a note that cannot be delivered must not break the action
        log.exception("could not tell %s: %s", user, text)
