"""Without Slack: build the cards nurture would post, save their Block Kit JSON, render as text."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Draft, Escalation, Lead, Rep
from core.settings import Settings
from slack_app.blocks import approval_card
from slack_app.blocks_alerts import escalation_message, weekly_summary_message
from slack_app.blocks_home import home_view
from slack_app.home import home_data
from slack_app.loaders import draft_card, escalation_card
from slack_app.summary import weekly_summary

_LINK = re.compile(r"<(?:mailto:)?([^|>]+)\|([^>]+)>")
_MENTION = re.compile(r"<@([A-Z0-9]+)>")
_BOLD = re.compile(r"\*([^*\n]+)\*")
_ITALIC = re.compile(r"(?<!\w)_([^_\n]+)_(?!\w)")


def build_previews(
    session: Session, settings: Settings, now: datetime, limit: int = 3
) -> list[tuple[str, dict[str, Any]]]:
    """(name, payload) for a few approval cards and escalations, the weekly summary, an App Home."""
    items: list[tuple[str, dict[str, Any]]] = []
    drafts = session.scalars(
        select(Draft).where(Draft.status == "pending").order_by(Draft.id).limit(limit)
    )
    items += [
        (f"approval_draft_{d.id}", approval_card(draft_card(session, d, now))) for d in drafts
    ]
    escalations = session.scalars(
        select(Escalation)
        .where(Escalation.status == "open")
        .order_by(Escalation.created_at.desc(), Escalation.id.desc())
        .limit(limit)
    )
    items += [
        (f"escalation_{e.id}", escalation_message(escalation_card(session, e))) for e in escalations
    ]
    tz = ZoneInfo(settings.default_timezone)
    items.append(("weekly_summary", weekly_summary_message(weekly_summary(session, now, tz))))
    busiest = session.scalar(
        select(Rep)
        .join(Lead, Lead.owner_rep_id == Rep.id)
        .where(Rep.slack_user_id.is_not(None))
        .group_by(Rep.id)
        .order_by(func.count(Lead.id).desc(), Rep.id)
        .limit(1)
    ) or session.scalar(select(Rep).where(Rep.slack_user_id.is_not(None)).order_by(Rep.id).limit(1))
    if busiest is not None:
        home = home_view(home_data(session, busiest.slack_user_id), now)
        items.append((f"app_home_{busiest.slack_user_id}", home))
    return items


def save_previews(items: list[tuple[str, dict[str, Any]]], out_dir: Path) -> list[Path]:
    """Write each payload as pretty JSON (paste into Slack's Block Kit Builder to see it)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, payload in items:
        path = out_dir / f"{name}.json"
        path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
        paths.append(path)
    return paths


def _unmark(text: str) -> str:
    text = _LINK.sub(r"\2", _MENTION.sub(r"@\1", text))
    text = _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _element(element: dict[str, Any]) -> str:
    if element.get("type") == "static_select":
        return f"[{element['placeholder']['text']} ▾]"
    return f"[{element.get('text', {}).get('text', '?')}]"


def as_text(payload: dict[str, Any]) -> str:
    """A readable plain-text rendering of a message or view's blocks."""
    lines: list[str] = []
    for block in payload.get("blocks", []):
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {block['text']['text']} ==")
        elif kind == "section":
            text = _unmark(block.get("text", {}).get("text", ""))
            if "accessory" in block:
                text += f"  {_element(block['accessory'])}"
            lines.append(text)
        elif kind == "context":
            lines.append("  " + " ".join(_unmark(e.get("text", "")) for e in block["elements"]))
        elif kind == "divider":
            lines.append("-" * 60)
        elif kind == "actions":
            lines.append(" ".join(_element(e) for e in block["elements"]))
        elif kind == "input":
            lines.append(f"{block['label']['text']}: ____")
    return "\n".join(lines)
