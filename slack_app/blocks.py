"""Block Kit builders for drafts (pure functions): the approval card and its modals."""

from __future__ import annotations

import json
from typing import Any

from slack_app.cards import DraftCard, LeadLine, SendStatus
from slack_app.kit import (
    SECTION_LIMIT,
    Block,
    actions,
    button,
    chunks,
    clip,
    context,
    divider,
    esc,
    header,
    mention,
    message,
    modal,
    section,
    text_input,
    when,
)

APPROVE, EDIT, REJECT, REGENERATE = (
    "draft_approve",
    "draft_edit",
    "draft_reject",
    "draft_regenerate",
)
DRAFT_ACTIONS = (APPROVE, EDIT, REJECT, REGENERATE)
EDIT_MODAL, REJECT_MODAL, REGENERATE_MODAL = (
    "draft_edit_modal",
    "draft_reject_modal",
    "draft_regenerate_modal",
)
VIEW_MODAL = "draft_view_modal"
MAX_CITATIONS = 10

DECISIONS = {
    "approved": "✅ Approved",
    "queued": "✅ Approved",
    "sent": "✅ Approved and sent",
    "edited": "✏️ Edited and approved",
    "rejected": "🚫 Rejected",
    "regenerated": "🔄 Sent back for a new version",
    "held": "⏸ Approved, held by guardrails",
    "failed": "⚠️ Approved, but sending failed",
}


def lead_summary(lead: LeadLine) -> str:
    """Name, title, company, score, tier, stage and top reasons as mrkdwn lines."""
    who = " · ".join(esc(p) for p in (lead.title, lead.company) if p)
    lines = [f"*{esc(lead.name)}*" + (f" · {who}" if who else "")]
    lines.append(f"Score *{lead.score}* ({lead.tier.upper()}, {lead.stage} stage)")
    if lead.top_reasons:
        lines.append("Top reasons: " + "; ".join(esc(r) for r in lead.top_reasons))
    if lead.owner:
        lines.append(f"Owner: {mention(lead.owner)}")
    return "\n".join(lines)


def _name(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("name") or value.get("text") or value.get("description")
    return str(value) if value not in (None, "") else None


def brief_text(brief: dict[str, Any]) -> str:
    """The why-now brief (agent/brief.py): why now, playbook step, action, offline/checks."""
    lines = []
    if brief.get("why_now"):
        lines.append(f"• *Why now:* {esc(brief['why_now'])}")
    elif (trigger := _name(brief.get("trigger"))) is not None:
        lines.append(f"• *Trigger:* {esc(trigger)}")
    play = brief.get("playbook")
    if (name := _name(play)) is not None:
        step = play.get("step") if isinstance(play, dict) else brief.get("step")
        purpose = play.get("purpose") if isinstance(play, dict) else None
        lines.append(
            f"• *Playbook:* {esc(name)}"
            + (f", step {esc(step)}" if step is not None else "")
            + (f" ({esc(purpose)})" if purpose else "")
        )
    action = brief.get("action")
    if isinstance(action, dict) and action.get("name"):
        reason = f" — {esc(action['reason'])}" if action.get("reason") else ""
        lines.append(f"• *Next best action:* {esc(action['name'])}{reason}")
    if brief.get("fallback_reason"):
        lines.append(f"• *Written offline:* {esc(brief['fallback_reason'])}")
    for error in (brief.get("verification_errors") or [])[:5]:
        lines.append(f"• ⚠️ *Check:* {esc(error)}")
    if brief.get("held"):
        lines.append(f"• ⏸ *Held:* {esc(brief['held'])}")
    return "\n".join(lines)


def citation_lines(citations: list[dict[str, Any]], budget: int = SECTION_LIMIT - 200) -> str:
    """Cited facts with their sources, one bullet each, as many as fit in one section."""
    lines: list[str] = []
    used = 0
    for fact in citations[:MAX_CITATIONS]:
        fid = fact.get("fact_id") or fact.get("id") or "?"
        source = fact.get("source") or fact.get("kind") or "source unknown"
        date = str(fact.get("occurred_at") or "")[:10]
        tail = f"_{esc(source)}_" + (f", {date}" if date else "")
        line = f"• `{esc(fid)}` {esc(clip(str(fact.get('text', '')), 300))} — {tail}"
        if used + len(line) > budget:
            break
        lines.append(line)
        used += len(line) + 1
    if len(lines) < len(citations):
        lines.append(f"_…and {len(citations) - len(lines)} more_")
    return "\n".join(lines)


def send_status_text(send: SendStatus) -> str:
    """Guardrail status: the send window and the frequency cap."""
    window = ("🟢 " if send.window_open else "🕘 ") + esc(send.window_text)
    cap = ("🟢 " if send.cap_ok else "⛔ ") + esc(send.cap_text)
    return f"{window}   {cap}"


def decision_text(card: DraftCard) -> str:
    """Who did what, when: the line that replaces the buttons once a draft is decided."""
    status = "edited" if card.edited and card.status in ("queued", "sent") else card.status
    label = DECISIONS.get(status, f"Status: {status}")
    line = f"{label} by {mention(card.reviewer)} at {when(card.reviewed_at)}"
    if card.note:
        line += f" — “{esc(clip(card.note, 500))}”"
    return line


def draft_buttons(draft_id: int) -> Block:
    """Approve, Edit, Reject (asks a reason), Regenerate (asks an instruction)."""
    value = str(draft_id)
    return actions(
        f"draft:{draft_id}",
        button("Approve", APPROVE, value, style="primary"),
        button("Edit", EDIT, value),
        button("Reject", REJECT, value, style="danger"),
        button("Regenerate", REGENERATE, value),
    )


def draft_blocks(card: DraftCard) -> list[Block]:
    """The card's blocks (shared by the message and the read-only modal)."""
    title = "Draft for approval" if card.status == "pending" else "Draft"
    step = f" · {card.sequence} step {card.step}" if card.sequence and card.step else ""
    blocks: list[Block] = [header(f"✉️ {title}: {card.lead.name}"), section(lead_summary(card.lead))]
    if brief := brief_text(card.brief):
        blocks.append(section("*Brief*" + step + "\n" + brief))
    blocks.append(divider())
    blocks.append(section(f"*Subject:* {esc(card.subject)}"))
    blocks.extend(section(part) for part in chunks(esc(card.body)))
    if card.citations:
        blocks.append(section("*Cited facts*\n" + citation_lines(card.citations)))
    if card.send is not None:
        blocks.append(context(send_status_text(card.send)))
    if card.status == "pending":
        blocks.append(draft_buttons(card.id))
    else:
        blocks.append(context(decision_text(card)))
    return blocks


def approval_card(card: DraftCard) -> dict[str, Any]:
    """chat.postMessage / chat.update arguments for a draft's approval card."""
    if card.status == "pending":
        fallback = f"Draft for {card.lead.name} needs approval: {card.subject}"
    else:
        fallback = f"Draft for {card.lead.name}: {decision_text(card)}"
    return message(fallback, draft_blocks(card))


def metadata(draft_id: int, channel: str | None, ts: str | None) -> str:
    """private_metadata tying a modal back to its draft and card message."""
    return json.dumps({"draft_id": draft_id, "channel": channel, "ts": ts})


def edit_modal(card: DraftCard, meta: str) -> dict[str, Any]:
    """A modal prefilled with the draft's subject and body; submitting sends the edited text."""
    blocks = [
        context(
            f"To *{esc(card.lead.name)}*"
            + (f" <{esc(card.lead.email)}>" if card.lead.email else "")
        ),
        text_input("subject", "Subject", initial=card.subject, max_length=250),
        text_input("body", "Body", initial=card.body, multiline=True, max_length=3000),
        context("Submitting approves the edited email; the edit is stored for quality tracking."),
    ]
    return modal(EDIT_MODAL, "Edit draft", blocks, submit="Approve edit", metadata=meta)


def reason_modal(kind: str, card: DraftCard, meta: str) -> dict[str, Any]:
    """Reject asks for a reason; regenerate asks for an instruction to the writer."""
    if kind == "reject":
        callback, title, submit = REJECT_MODAL, "Reject draft", "Reject"
        field = text_input("reason", "Why reject it?", multiline=True, max_length=500)
    else:
        callback, title, submit = REGENERATE_MODAL, "Regenerate draft", "Regenerate"
        field = text_input(
            "instruction",
            "What should change?",
            multiline=True,
            max_length=500,
            placeholder="e.g. shorter, mention the case study, less formal",
        )
    blocks = [context(f"*{esc(card.lead.name)}* — {esc(card.subject)}"), field]
    return modal(callback, title, blocks, submit=submit, metadata=meta)


def draft_modal(card: DraftCard) -> dict[str, Any]:
    """The approval card in a modal (opened from an escalation or the App Home)."""
    return modal(VIEW_MODAL, "Draft", draft_blocks(card), metadata=metadata(card.id, None, None))
