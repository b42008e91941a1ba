"""Block Kit builders for escalations and the weekly summary (pure functions)."""

from __future__ import annotations

from typing import Any

from slack_app.blocks import lead_summary
from slack_app.cards import EscalationCard, WeeklySummary
from slack_app.kit import (
    Block,
    actions,
    button,
    clip,
    context,
    esc,
    header,
    mention,
    message,
    plain,
    section,
    when,
)

CLAIM, SNOOZE, OPEN_DRAFT = "esc_claim", "esc_snooze", "draft_open"
SNOOZE_HOURS = ((1, "1 hour"), (4, "4 hours"), (24, "1 day"), (72, "3 days"))
KIND_TITLES = {
    "mql": "🔥 New MQL",
    "high_intent": "⚡ High intent",
    "meeting_request": "📅 Meeting request",
    "positive_reply": "👍 Positive reply",
    "referral": "↪️ Referral",
    "question": "❓ Question from a lead",
    "low_confidence": "🤔 Needs a human look",
    "approval_overdue": "⏰ Approval overdue",
    "unknown_sender": "📨 Reply from an unknown sender",
}


def kind_title(kind: str) -> str:
    """The emoji title of an escalation kind."""
    return KIND_TITLES.get(kind, "🔔 Needs attention")


def _referral(payload: dict[str, Any]) -> str | None:
    referred = payload.get("referred") if isinstance(payload.get("referred"), dict) else {}
    name = payload.get("referral_name") or payload.get("referred_name") or referred.get("name")
    email = payload.get("referred_email") or referred.get("email")
    if not (name or email):
        return None
    mail = f" <mailto:{esc(email)}|{esc(email)}>" if email else ""
    return f"*Referred to:* {esc(name or '')}{mail}"


def _action(payload: dict[str, Any]) -> str | None:
    action = payload.get("action")
    if isinstance(action, dict) and action.get("name"):
        reason = f" — {esc(action['reason'])}" if action.get("reason") else ""
        return f"*Suggested next step:* {esc(action['name'])}{reason}"
    return None


def payload_lines(payload: dict[str, Any]) -> str:
    """The context an escalation carries: proposed times, the reply, referral, confidence…"""
    lines: list[str] = []
    for key, label in (("rule", "Rule"), ("reason", "Reason"), ("from", "From")):
        if payload.get(key):
            lines.append(f"*{label}:* {esc(payload[key])}")
    times = payload.get("proposed_times") or []
    if times:
        lines.append("*Proposed times:*\n" + "\n".join(f"• {esc(t)}" for t in times[:10]))
    if (referral := _referral(payload)) is not None:
        lines.append(referral)
    if payload.get("question"):
        lines.append(f"*Question:* {esc(clip(str(payload['question']), 500))}")
    if payload.get("competitor"):
        lines.append(f"*Competitor named:* {esc(payload['competitor'])}")
    label = payload.get("guess") or payload.get("label")
    if label:
        confidence = payload.get("confidence")
        shown = f" (confidence {float(confidence):.0%})" if confidence is not None else ""
        lines.append(f"*Best guess:* {esc(label)}{shown}")
    if (action := _action(payload)) is not None:
        lines.append(action)
    excerpt = payload.get("quote") or payload.get("excerpt") or payload.get("reply_excerpt")
    if isinstance(excerpt, str) and excerpt.strip():
        quoted = "\n".join(f"> {line}" for line in esc(clip(excerpt.strip(), 600)).splitlines())
        lines.append("*Their words:*\n" + quoted)
    return "\n".join(lines)


def state_line(card: EscalationCard) -> str | None:
    """Claimed by whom / snoozed until when / closed; None while simply open."""
    if card.status == "claimed":
        return f"🙋 Claimed by {mention(card.claimed_by)}"
    if card.status == "snoozed":
        snoozer = card.payload.get("snoozed_by") or card.claimed_by
        by = f" by {mention(snoozer)}" if snoozer else ""
        return f"💤 Snoozed until {when(card.snoozed_until)}{by}"
    if card.status not in ("open", "posting"):
        return f"Status: {esc(card.status)}"
    return None


def snooze_select(escalation_id: int) -> Block:
    """A menu of snooze durations; each option's value is '<escalation id>:<hours>'."""
    options = [
        {"text": plain(label, 75), "value": f"{escalation_id}:{hours}"}
        for hours, label in SNOOZE_HOURS
    ]
    return {
        "type": "static_select",
        "action_id": SNOOZE,
        "placeholder": plain("Snooze…", 150),
        "options": options,
    }


def escalation_buttons(card: EscalationCard) -> Block | None:
    """Claim and snooze while open; open draft whenever the escalation points at one."""
    elements: list[Block] = []
    if card.status in ("open", "snoozed"):
        elements.append(button("Claim", CLAIM, str(card.id), style="primary"))
        elements.append(snooze_select(card.id))
    if card.draft_id is not None:
        elements.append(button("Open draft", OPEN_DRAFT, str(card.draft_id)))
    return actions(f"escalation:{card.id}", *elements) if elements else None


def escalation_message(card: EscalationCard) -> dict[str, Any]:
    """chat.postMessage / chat.update arguments for an escalation alert."""
    title = kind_title(card.kind)
    who = card.lead.name if card.lead else None
    blocks: list[Block] = [header(f"{title}: {who}" if who else title), section(esc(card.summary))]
    if card.lead is not None:
        blocks.append(section(lead_summary(card.lead)))
    if details := payload_lines(card.payload):
        blocks.append(section(details))
    blocks.append(context(f"Escalation #{card.id} · {when(card.created_at)}"))
    if (state := state_line(card)) is not None:
        blocks.append(context(state))
    if (buttons := escalation_buttons(card)) is not None:
        blocks.append(buttons)
    fallback = f"{title}" + (f": {who}" if who else "") + f" — {card.summary}"
    return message(fallback, blocks)


def weekly_summary_message(summary: WeeklySummary) -> dict[str, Any]:
    """The weekly post to the sales channel: top-scoring leads of the week and why."""
    blocks: list[Block] = [
        header(f"📈 Weekly summary — {summary.week}"),
        section(
            f"*{summary.new_mqls}* new MQLs this week · "
            f"*{summary.pending_approvals}* drafts waiting for approval"
        ),
    ]
    if not summary.leads:
        blocks.append(section("No lead engaged this week."))
    for rank, lead in enumerate(summary.leads, 1):
        who = " · ".join(esc(p) for p in (lead.title, lead.company) if p)
        lines = [f"*{rank}. {esc(lead.name)}*" + (f" · {who}" if who else "")]
        lines.append(f"Score *{lead.score}* ({lead.tier.upper()}, {lead.stage} stage)")
        if lead.top_reasons:
            lines.append("Why: " + "; ".join(esc(r) for r in lead.top_reasons))
        if lead.owner:
            lines.append(f"Owner: {mention(lead.owner)}")
        blocks.append(section("\n".join(lines)))
    names = ", ".join(lead.name for lead in summary.leads[:3]) or "no engaged leads"
    return message(f"Weekly summary {summary.week}: top leads {names}", blocks)
