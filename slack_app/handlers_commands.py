"""/nurture slash command: ack at once, then answer through response_url (ask, lead, help)."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from sqlalchemy.orm import Session

from core.db import Database
from slack_app.access import rep_for
from slack_app.app import Deps
from slack_app.blocks_commands import (
    CONFIRM_PROPOSAL,
    answer_message,
    lead_card,
    usage_message,
)
from slack_app.kit import clip, esc, message, section
from slack_app.threads import run_db
from tools.leads import LeadNotFound, find_lead, lead_profile

log = logging.getLogger(__name__)
COMMAND = "/nurture"


class AnalyticsUnavailable(RuntimeError):
    """agent/analytics/ask.py is not available in this build."""


def run_ask(db: Database, question: str) -> Any:
    """Ask the analytics agent in its own session (imported lazily: it is heavy)."""
    if importlib.util.find_spec("agent.analytics") is None:
        raise AnalyticsUnavailable("agent.analytics is not available")
    ask = importlib.import_module("agent.analytics.ask").ask
    with db.session() as session:
        return ask(session, question, secret=db.settings.unsubscribe_secret)


def run_confirm(session: Session, user: str, token: str, secret: str) -> str:
    """Execute a proposal the analytics agent made, for a rep only; what happened."""
    if rep_for(session, user) is None:
        return "Only nurture reps can confirm these actions; nothing was changed."
    confirm = importlib.import_module("agent.analytics.ask").confirm
    result = confirm(session, token, secret=secret)
    return ("✅ " if result.ok else "⚠️ ") + result.message


def lead_reply(session: Session, user: str, key: str) -> dict[str, Any]:
    """The lead card for reps; a polite refusal for anyone else."""
    if rep_for(session, user) is None:
        return message(
            "Only nurture reps can look up leads.",
            [section("Only nurture reps can look up leads.")],
        )
    try:
        lead = find_lead(session, key)
    except LeadNotFound:
        text = f"No lead matches `{esc(clip(key, 200))}`."
        return message(text, [section(text)])
    return lead_card(lead_profile(session, lead, timeline_limit=10))


async def answer(deps: Deps, question: str) -> tuple[dict[str, Any], Any]:
    """The analytics answer for Slack (and the raw result), or an honest note."""
    try:
        result = await asyncio.to_thread(run_ask, deps.db, question)
    except AnalyticsUnavailable:
        text = "The analytics agent is not available in this build yet."
        return message(text, [section(text)]), None
    except Exception:
        log.exception("/nurture ask failed")
        text = "Sorry, something went wrong while answering; the error is in the server log."
        return message(text, [section(text)]), None
    return answer_message(question, result), result


def answer_chart(result: Any) -> bytes | None:
    """The PNG chart an analytics answer suggests (funnel, trend, scores, bars), if any."""
    if getattr(result, "chart", None) is None or not getattr(result, "numbers", None):
        return None
    from tools.charts import chart_for

    return chart_for(result.chart, result.numbers, result.question[:80])


async def attach_chart(client, command: dict[str, Any], png: bytes) -> None:
    """Upload the chart into the conversation the question came from."""
    channel = command.get("channel_id")
    if not channel:
        return
    try:
        await client.files_upload_v2(
            channel=channel, file=png, filename="nurture-chart.png", title="nurture chart"
        )
    except Exception:  # a chart is a bonus: the numbers were already delivered
        log.exception("chart upload failed")


async def deliver(respond, client, command: dict[str, Any], payload: dict[str, Any]) -> None:
    """Send the late answer through response_url, else as a DM from the app."""
    if command.get("response_url"):
        await respond(response_type="ephemeral", replace_original=False, **payload)
    else:
        await client.chat_postMessage(channel=command["user_id"], **payload)


def register(app: AsyncApp, deps: Deps) -> None:
    """Attach /nurture to the Bolt app."""

    @app.command(COMMAND)
    async def nurture(ack, command, respond, client) -> None:
        """/nurture ask|lead|help: ack within Slack's 3 seconds, answer later."""
        verb, _, rest = (command.get("text") or "").strip().partition(" ")
        verb, rest = verb.lower(), rest.strip()
        if verb == "ask" and rest:
            await ack(text=f"🔎 Looking into: {clip(rest, 300)}")
            payload, result = await answer(deps, rest)
            await deliver(respond, client, command, payload)
            png = await asyncio.to_thread(answer_chart, result) if result is not None else None
            if png:
                await attach_chart(client, command, png)
        elif verb == "lead" and rest:
            await ack(text=f"Looking up {clip(rest, 200)}…")
            card = await run_db(deps.db, lead_reply, command["user_id"], rest)
            await deliver(respond, client, command, card)
        else:
            problem = f"I don't know `{esc(clip(verb, 50))}`." if verb not in ("", "help") else None
            await ack(**usage_message(problem))

    @app.action(CONFIRM_PROPOSAL)
    async def confirm_proposal(ack, body, action, respond) -> None:
        """Confirm an action the analytics agent proposed (reps only)."""
        await ack()
        secret = deps.settings.unsubscribe_secret
        note = await run_db(deps.db, run_confirm, body["user"]["id"], action["value"], secret)
        await respond(text=note, response_type="ephemeral", replace_original=False)
