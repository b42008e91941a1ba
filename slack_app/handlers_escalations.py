"""Escalation listeners: claim it, or snooze it for a while (open draft lives with drafts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_bolt.async_app import AsyncApp
from sqlalchemy.orm import Session

from core.models import Escalation
from slack_app.access import REFUSAL, may_handle_escalation
from slack_app.app import Deps
from slack_app.blocks_alerts import CLAIM, SNOOZE
from slack_app.kit import mention, when
from slack_app.threads import run_db
from slack_app.updates import channel_of, refresh_escalation, tell

MAX_SNOOZE_HOURS = 24 * 14


def claim(session: Session, escalation_id: int, user: str) -> str | None:
    """Mark the escalation claimed by `user`; a note for the user when nothing changed."""
    row = session.get(Escalation, escalation_id, with_for_update=True)
    if row is None:
        return "That escalation no longer exists."
    if not may_handle_escalation(session, user, row):
        return REFUSAL
    if row.status == "claimed":
        return f"Already claimed by {mention(row.claimed_by)}."
    if row.status not in ("open", "snoozed"):
        return f"Nothing to do: the escalation is {row.status}."
    row.status, row.claimed_by, row.snoozed_until = "claimed", user, None
    return None


def snooze(session: Session, escalation_id: int, user: str, hours: int) -> str | None:
    """Hide the escalation until now + `hours`; the sweep brings it back."""
    row = session.get(Escalation, escalation_id, with_for_update=True)
    if row is None:
        return "That escalation no longer exists."
    if not may_handle_escalation(session, user, row):
        return REFUSAL
    if row.status not in ("open", "snoozed"):
        return f"Nothing to do: the escalation is {row.status}."
    row.status = "snoozed"
    row.snoozed_until = datetime.now(UTC) + timedelta(hours=max(1, min(hours, MAX_SNOOZE_HOURS)))
    row.payload = {**(row.payload or {}), "snoozed_by": user}
    return f"Snoozed until {when(row.snoozed_until)}."


def register(app: AsyncApp, deps: Deps) -> None:
    """Attach the escalation listeners to the Bolt app."""

    @app.action(CLAIM)
    async def on_claim(ack, body, action, client) -> None:
        """Claim button: mark the escalation mine and redraw it."""
        await ack()
        user = body["user"]["id"]
        note = await run_db(deps.db, claim, int(action["value"]), user)
        if note is not None:
            await tell(client, user, note, channel_of(body))
        await refresh_escalation(deps.db, client, int(action["value"]))

    @app.action(SNOOZE)
    async def on_snooze(ack, body, action, client) -> None:
        """Snooze menu: hide the escalation for a while and redraw it."""
        await ack()
        user = body["user"]["id"]
        escalation_id, hours = (int(x) for x in action["selected_option"]["value"].split(":"))
        note = await run_db(deps.db, snooze, escalation_id, user, hours)
        if note == REFUSAL:
            await tell(client, user, note, channel_of(body))
        await refresh_escalation(deps.db, client, escalation_id)
