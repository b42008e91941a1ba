"""Block Kit builder for the App Home tab (pure): pending approvals, hot leads, escalations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_app.blocks_alerts import OPEN_DRAFT, kind_title, state_line
from slack_app.cards import BatchGroup, HomeData
from slack_app.kit import (
    VIEW_BLOCKS,
    Block,
    button,
    confirm_dialog,
    context,
    divider,
    esc,
    fit_blocks,
    header,
    section,
    when,
)

BATCH_APPROVE = "drafts_approve_batch"
MAX_BATCH = 100  # ids per "approve all" button (the value must fit 2000 characters)
SHOWN = 15


def batch_button(group: BatchGroup) -> Block:
    """'Approve all N' with a confirmation dialog; the value carries the draft ids."""
    ids = group.draft_ids[:MAX_BATCH]
    step = f" step {group.step}" if group.step is not None else ""
    text = (
        f"Approve and queue *{len(ids)}* drafts from *{esc(group.sequence)}*{step}? "
        "Each still goes through the send guardrails."
    )
    return button(
        f"Approve all {len(ids)}",
        BATCH_APPROVE,
        ",".join(str(i) for i in ids),
        style="primary",
        confirm=confirm_dialog("Approve the batch?", text, f"Approve {len(ids)}"),
    )


def _age(created: datetime | None, now: datetime) -> str:
    if created is None:
        return ""
    hours = (now - created).total_seconds() / 3600
    return f"waiting {hours:.0f} h" if hours >= 1 else "new"


def _pending_blocks(data: HomeData, now: datetime) -> list[Block]:
    blocks = [section(f"*⏳ Pending approvals* ({data.pending_total})")]
    for group in data.batches:
        step = f" step {group.step}" if group.step is not None else ""
        blocks.append(
            section(
                f"*{esc(group.sequence)}*{step}: {len(group.draft_ids)} drafts",
                accessory=batch_button(group),
            )
        )
    for card in data.pending[:SHOWN]:
        company = f" · {esc(card.lead.company)}" if card.lead.company else ""
        blocks.append(
            section(
                f"*{esc(card.lead.name)}*{company} — {esc(card.subject)}\n"
                f"_{_age(card.created_at, now)}_",
                accessory=button("Review", OPEN_DRAFT, str(card.id)),
            )
        )
    if not data.pending:
        blocks.append(context("Nothing waiting for you. 🎉"))
    elif data.pending_total > SHOWN:
        blocks.append(context(f"_{data.pending_total - SHOWN} more not shown_"))
    return blocks


def home_view(data: HomeData, now: datetime | None = None) -> dict[str, Any]:
    """The views.publish payload for one user's App Home."""
    now = now or datetime.now(UTC)
    greeting = f"Hi {data.rep_name}" if data.rep_name else "nurture"
    blocks: list[Block] = [header(f"👋 {greeting}")]
    if data.rep_name is None:
        blocks.append(
            section(
                "You are not set up as a nurture rep yet. Ask an admin to add your Slack user id "
                f"(`{esc(data.user_id)}`) to your rep record."
            )
        )
    blocks += _pending_blocks(data, now)
    blocks += [divider(), section("*🔥 My hot leads*")]
    for lead in data.hot_leads:
        reasons = "; ".join(esc(r) for r in lead.top_reasons)
        company = f" · {esc(lead.company)}" if lead.company else ""
        blocks.append(
            section(
                f"*{esc(lead.name)}*{company} — score *{lead.score}* "
                f"({lead.tier.upper()})\n{reasons}"
            )
        )
    if not data.hot_leads:
        blocks.append(context("No MQLs among your leads right now."))
    blocks += [divider(), section("*🔔 Recent escalations*")]
    for card in data.escalations:
        who = f" · {esc(card.lead.name)}" if card.lead else ""
        state = state_line(card) or "open"
        blocks.append(
            context(
                f"{kind_title(card.kind)}{who} — {esc(card.summary)} · {state} · "
                f"{when(card.created_at)}"
            )
        )
    if not data.escalations:
        blocks.append(context("No recent escalations."))
    return {"type": "home", "blocks": fit_blocks(blocks, VIEW_BLOCKS)}
