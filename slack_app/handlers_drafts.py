"""Approval card listeners: approve, edit (modal), reject (reason), regenerate (instruction)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from core.models import Draft
from slack_app.access import REFUSAL, may_act_on_lead
from slack_app.app import Deps
from slack_app.blocks import (
    APPROVE,
    EDIT,
    EDIT_MODAL,
    REGENERATE,
    REGENERATE_MODAL,
    REJECT,
    REJECT_MODAL,
    draft_modal,
    edit_modal,
    metadata,
    reason_modal,
)
from slack_app.blocks_alerts import OPEN_DRAFT
from slack_app.blocks_home import BATCH_APPROVE
from slack_app.home import publish_home
from slack_app.kit import mention
from slack_app.loaders import draft_card
from slack_app.poster import post_draft
from slack_app.review import Verdict, review
from slack_app.threads import run_db
from slack_app.updates import channel_of, refresh_draft, tell

MODAL_ACTIONS = {EDIT: "edit", REJECT: "reject", REGENERATE: "regenerate"}
SUBMISSIONS = {EDIT_MODAL: "edit", REJECT_MODAL: "reject", REGENERATE_MODAL: "regenerate"}


def verdict_note(verdict: Verdict) -> str | None:
    """What to tell the clicker when nothing (new) happened."""
    if verdict.result == "refused":
        return REFUSAL
    if verdict.result == "decided":
        return f"This draft was already {verdict.status} by {mention(verdict.reviewer)}."
    if verdict.result == "missing":
        return "That draft no longer exists."
    if verdict.result == "invalid":
        return f"Nothing was changed: {verdict.note}."
    if verdict.result == "unavailable":
        return "The agent is not running in this build yet, so nothing was changed."
    return None


async def decide(
    deps: Deps,
    client: AsyncWebClient,
    user: str,
    draft_id: int,
    action: str,
    *,
    channel: str | None = None,
    view_id: str | None = None,
    quiet: bool = False,
    **details: Any,
) -> Verdict:
    """Review one draft, redraw its card, post a regenerated replacement, tell the user."""
    verdict = await review(deps.db, draft_id, action, user, **details)
    if verdict.result in ("done", "decided"):
        await refresh_draft(deps.db, client, draft_id, view_id=view_id)
    if verdict.new_draft_id:
        await post_draft(deps.db, client, deps.settings, verdict.new_draft_id)
    note = verdict_note(verdict)
    if note and not quiet:
        await tell(client, user, note, channel)
    return verdict


def load_card(session, draft_id: int, user: str, *, pending_only: bool):
    """(card, None) when `user` may see the draft now, else (None, why not)."""
    draft = session.get(Draft, draft_id)
    if draft is None:
        return None, "That draft no longer exists."
    if not may_act_on_lead(session, user, draft.lead_id):
        return None, REFUSAL
    if pending_only and draft.status != "pending":
        return None, f"Nothing to do: the draft is already {draft.status}."
    return draft_card(session, draft, datetime.now(UTC)), None


def modal_id(body: dict[str, Any]) -> str | None:
    """The id of the modal an action came from, if it came from one."""
    view = body.get("view") or {}
    return view.get("id") if view.get("type") == "modal" else None


def _input(body: dict[str, Any], block: str) -> str:
    return (body["view"]["state"]["values"][block]["value"].get("value") or "").strip()


def register(app: AsyncApp, deps: Deps) -> None:
    """Attach the draft listeners to the Bolt app."""

    @app.action(APPROVE)
    async def approve(ack, body, action, client) -> None:
        """Approve button: resume the agent with 'approve'."""
        await ack()
        await decide(
            deps,
            client,
            body["user"]["id"],
            int(action["value"]),
            "approve",
            channel=channel_of(body),
            view_id=modal_id(body),
        )

    @app.action(EDIT)
    @app.action(REJECT)
    @app.action(REGENERATE)
    async def open_modal(ack, body, action, client) -> None:
        """Edit / Reject / Regenerate: open a modal asking for the text, reason or instruction."""
        await ack()
        user, draft_id = body["user"]["id"], int(action["value"])
        card, problem = await run_db(deps.db, load_card, draft_id, user, pending_only=True)
        channel = channel_of(body)
        if card is None:
            await tell(client, user, problem, channel)
            return
        message_ts = (body.get("container") or {}).get("message_ts")
        meta = metadata(draft_id, channel, message_ts)
        kind = MODAL_ACTIONS[action["action_id"]]
        view = edit_modal(card, meta) if kind == "edit" else reason_modal(kind, card, meta)
        if modal_id(body):  # clicked inside the draft modal: stack the new view on top
            await client.views_push(trigger_id=body["trigger_id"], view=view)
        else:
            await client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(EDIT_MODAL)
    @app.view(REJECT_MODAL)
    @app.view(REGENERATE_MODAL)
    async def submitted(ack, body, view, client) -> None:
        """A modal was submitted: close it (or show errors), then resume the agent."""
        kind = SUBMISSIONS[view["callback_id"]]
        details: dict[str, Any] = {}
        if kind == "edit":
            details = {"subject": _input(body, "subject"), "body": _input(body, "body")}
            if not details["body"] or not details["subject"]:
                await ack(response_action="errors", errors={"body": "Subject and body are needed."})
                return
        else:
            field = "reason" if kind == "reject" else "instruction"
            details = {field: _input(body, field)}
        await ack()
        meta = json.loads(view.get("private_metadata") or "{}")
        user, draft_id = body["user"]["id"], int(meta["draft_id"])
        await decide(deps, client, user, draft_id, kind, channel=meta.get("channel"), **details)

    @app.action(BATCH_APPROVE)
    async def approve_batch(ack, body, action, client) -> None:
        """'Approve all N' (after Slack's confirmation dialog): approve each draft."""
        await ack()
        user = body["user"]["id"]
        ids = [int(i) for i in action["value"].split(",") if i.strip().isdigit()]
        verdicts = [
            await decide(deps, client, user, draft_id, "approve", quiet=True) for draft_id in ids
        ]
        done = sum(v.result == "done" for v in verdicts)
        skipped = len(ids) - done
        text = f"Approved {done} of {len(ids)} drafts."
        if skipped:
            text += f" {skipped} skipped (already decided, not yours, or the agent is unavailable)."
        await tell(client, user, text, channel_of(body))
        await publish_home(deps, client, user)

    @app.action(OPEN_DRAFT)
    async def open_draft(ack, body, action, client) -> None:
        """Open a draft's card in a modal (from an escalation or the App Home)."""
        await ack()
        user, draft_id = body["user"]["id"], int(action["value"])
        card, problem = await run_db(deps.db, load_card, draft_id, user, pending_only=False)
        if card is None:
            await tell(client, user, problem, channel_of(body))
            return
        await client.views_open(trigger_id=body["trigger_id"], view=draft_modal(card))
