"""Block Kit builders for slash command replies (pure): lead card, analytics answer, usage."""

from __future__ import annotations

from typing import Any

from slack_app.kit import (
    VALUE_LIMIT,
    Block,
    actions,
    button,
    chunks,
    clip,
    confirm_dialog,
    context,
    divider,
    esc,
    header,
    message,
    section,
)

USAGE = (
    "*nurture* commands:\n"
    "• `/nurture ask <question>` — ask about the funnel "
    "(e.g. _what was the MQL rate last month?_)\n"
    "• `/nurture lead <email>` — a lead's score breakdown and timeline"
)
CONFIRM_PROPOSAL = "analytics_confirm"
TIMELINE_SHOWN = 10
TABLE_COLUMNS = 6
SCORE_LINES_SHOWN = 12


def usage_message(problem: str | None = None) -> dict[str, Any]:
    """How to use /nurture, optionally after a one-line complaint."""
    text = (f"{problem}\n\n" if problem else "") + USAGE
    return message(text, [section(text)])


def _score_lines(lines: list[dict[str, Any]]) -> str:
    ranked = sorted((ln for ln in lines if ln.get("points")), key=lambda ln: -abs(ln["points"]))
    shown = [f"`{ln['points']:+d}` {esc(ln.get('text', ln.get('rule', '')))}" for ln in ranked]
    extra = len(shown) - SCORE_LINES_SHOWN
    return "\n".join(
        shown[:SCORE_LINES_SHOWN] + ([f"_…{extra} smaller lines_"] if extra > 0 else [])
    )


def lead_card(profile: dict[str, Any]) -> dict[str, Any]:
    """A lead card from `tools.leads.lead_profile`: who, score breakdown, latest timeline."""
    p, score = profile["profile"], profile["score"]
    name = " ".join(x for x in (p.get("first_name"), p.get("last_name")) if x) or p.get("email")
    who = " · ".join(esc(x) for x in (p.get("title"), p.get("company"), p.get("email")) if x)
    owner = profile.get("owner")
    facts = [
        f"Score *{score['score']}* = fit {score['fit']} + engagement {score['engagement']}",
        f"Tier *{score['tier'].upper()}* · {score['stage']} stage",
        f"Consent {esc(p.get('consent'))} · lifecycle {esc(p.get('lifecycle_stage'))}",
        f"Owner: {esc(owner['name'])}" if owner else "Owner: unassigned",
    ]
    blocks: list[Block] = [header(f"👤 {name}"), section(f"{who}\n" + "\n".join(facts))]
    if score.get("top_reasons"):
        blocks.append(context("Top reasons: " + "; ".join(esc(r) for r in score["top_reasons"])))
    if lines := _score_lines(score.get("lines", [])):
        blocks.append(section("*Score breakdown*\n" + lines))
    blocks.append(divider())
    timeline = profile.get("timeline", [])[:TIMELINE_SHOWN]
    rows = [
        f"• {row['at'][:16].replace('T', ' ')} · {esc(row['type'])}"
        + (f" — {esc(clip(str(row['detail']), 120))}" if row.get("detail") else "")
        for row in timeline
    ]
    blocks.append(section("*Latest activity*\n" + ("\n".join(rows) or "_no events yet_")))
    return message(f"Lead {name}: score {score['score']} ({score['tier']})", blocks)


def _as_dict(result: Any) -> dict[str, Any]:
    if hasattr(result, "model_dump"):
        return result.model_dump()
    if isinstance(result, dict):
        return result
    return {"answer": str(result)}


def _table(rows: list[Any], columns: list[str] | None) -> str:
    if not rows:
        return ""
    if isinstance(rows[0], dict):
        columns = (columns or list(rows[0]))[:TABLE_COLUMNS]
        rows = [[row.get(c) for c in columns] for row in rows]
    lines = [" | ".join(map(str, columns))] if columns else []
    lines += [" | ".join("" if v is None else str(v) for v in row) for row in rows[:15]]
    return "```" + clip("\n".join(lines), 2900) + "```"


def proposal_button(proposal: dict[str, Any]) -> Block | None:
    """'Confirm' for an action the analytics agent proposes (save a segment, enroll leads)."""
    token, summary = proposal.get("token") or "", str(proposal.get("summary") or "")
    if not token or len(token) > VALUE_LIMIT:
        return None
    label = "Save segment" if proposal.get("kind") == "save_segment" else "Enroll leads"
    dialog = confirm_dialog(f"{label}?", esc(summary), "Confirm")
    return button(label, CONFIRM_PROPOSAL, token, style="primary", confirm=dialog)


def answer_message(question: str, result: Any) -> dict[str, Any]:
    """The analytics agent's Answer or CannotAnswer (agent/analytics/answer.py) for Slack."""
    data = _as_dict(result)
    blocks: list[Block] = [context(f"*Q:* {esc(clip(question, 500))}")]
    if data.get("kind") == "cannot_answer" or type(result).__name__ == "CannotAnswer":
        reason = data.get("reason") or "no reason given"
        text = f"🤷 I can't answer that from the data: {esc(reason)}"
        examples = data.get("examples") or []
        if examples:
            text += "\nQuestions I can answer: " + "; ".join(f"_{esc(e)}_" for e in examples[:3])
        blocks.append(section(text))
        return message(text, blocks)
    text = str(data.get("text") or data.get("answer") or "")
    blocks.extend(section(part) for part in chunks(esc(text) or "_(empty answer)_"))
    if table := _table(data.get("rows") or [], data.get("columns")):
        blocks.append(section(table))
    notes = [esc(n) for n in data.get("notes") or []]
    if data.get("period"):
        notes.insert(0, f"Period: {esc(data['period'])}")
    if notes:
        blocks.append(context(" · ".join(notes)))
    proposal = data.get("proposal")
    if isinstance(proposal, dict):
        blocks.append(section(f"*Proposed:* {esc(proposal.get('summary', ''))}"))
        if (confirm := proposal_button(proposal)) is not None:
            blocks.append(actions("analytics_proposal", confirm))
        else:
            blocks.append(
                context("Too large to confirm from Slack: POST its token to /v1/ask/confirm.")
            )
    return message(text, blocks)
