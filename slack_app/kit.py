"""Block Kit primitives with Slack's limits built in: escaping, clipping, block caps, mentions."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

SECTION_LIMIT = 3000  # characters in one section's text
HEADER_LIMIT = 150
CONTEXT_LIMIT = 2000
BUTTON_LIMIT = 75
VALUE_LIMIT = 2000
FALLBACK_LIMIT = 3000  # the top-level `text` (notifications, screen readers)
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100  # modals and the App Home tab

Block = dict[str, Any]
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def esc(text: object) -> str:
    """Escape untrusted text for mrkdwn so it cannot mention @channel or forge links."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def chunks(text: str, limit: int = SECTION_LIMIT, max_chunks: int = 3) -> list[str]:
    """Split long text at line or word breaks into pieces that fit a section; clip the rest."""
    pieces: list[str] = []
    rest = text
    while rest and len(pieces) < max_chunks - 1 and len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(clip(rest, limit))
    return pieces


def mention(actor: str | None) -> str:
    """A Slack mention for a Slack user id, else the actor as plain (escaped) text."""
    if not actor:
        return "someone"
    return f"<@{actor}>" if _SLACK_ID.match(actor) else esc(actor)


def when(moment: datetime | None) -> str:
    """A short UTC timestamp, e.g. '2026-11-22 10:04 UTC'."""
    if moment is None:
        return "just now"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def plain(text: str, limit: int = HEADER_LIMIT) -> dict[str, Any]:
    """A plain_text object (emoji on), clipped."""
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def header(text: str) -> Block:
    """A header block."""
    return {"type": "header", "text": plain(text, HEADER_LIMIT)}


def section(text: str, accessory: Block | None = None) -> Block:
    """A mrkdwn section clipped to Slack's 3000 characters."""
    block: Block = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)},
    }
    if accessory is not None:
        block["accessory"] = accessory
    return block


def context(*texts: str) -> Block:
    """A context block of mrkdwn snippets (at most 10, each clipped)."""
    elements = [{"type": "mrkdwn", "text": clip(t, CONTEXT_LIMIT)} for t in texts if t][:10]
    return {"type": "context", "elements": elements or [{"type": "mrkdwn", "text": " "}]}


def divider() -> Block:
    """A divider block."""
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> Block:
    """A button element; `value` must fit Slack's 2000 characters (we never clip ids)."""
    if len(value) > VALUE_LIMIT:
        raise ValueError(f"button value longer than {VALUE_LIMIT} characters")
    element: Block = {
        "type": "button",
        "text": plain(text, BUTTON_LIMIT),
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def confirm_dialog(title: str, text: str, yes: str, no: str = "Cancel") -> dict[str, Any]:
    """A confirmation dialog shown before a button's action runs."""
    return {
        "title": plain(title, 100),
        "text": {"type": "mrkdwn", "text": clip(text, 300)},
        "confirm": plain(yes, 30),
        "deny": plain(no, 30),
    }


def actions(block_id: str, *elements: Block) -> Block:
    """An actions block (Slack allows 25 elements)."""
    return {"type": "actions", "block_id": block_id, "elements": list(elements)[:25]}


def fit_blocks(blocks: list[Block], limit: int = MESSAGE_BLOCKS) -> list[Block]:
    """Keep at most `limit` blocks; the trailing actions block (the buttons) always survives."""
    if len(blocks) <= limit:
        return blocks
    tail = [blocks[-1]] if blocks[-1].get("type") == "actions" else []
    kept = blocks[: limit - 1 - len(tail)]
    dropped = len(blocks) - len(kept) - len(tail)
    return [*kept, context(f"_{dropped} more not shown_"), *tail]


def message(text: str, blocks: list[Block]) -> dict[str, Any]:
    """chat.postMessage / chat.update arguments: escaped fallback text plus capped blocks."""
    return {"text": clip(esc(text), FALLBACK_LIMIT), "blocks": fit_blocks(blocks)}


def modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    submit: str | None = None,
    metadata: str = "",
) -> dict[str, Any]:
    """A modal view (title and button labels clipped to 24 characters)."""
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, 24),
        "close": plain("Cancel" if submit else "Close", 24),
        "blocks": fit_blocks(blocks, VIEW_BLOCKS),
        "private_metadata": metadata[:3000],
    }
    if submit:
        view["submit"] = plain(submit, 24)
    return view


def text_input(
    block_id: str,
    label: str,
    *,
    initial: str | None = None,
    multiline: bool = False,
    max_length: int = 3000,
    placeholder: str | None = None,
) -> Block:
    """An input block holding one plain_text_input (action id 'value')."""
    element: Block = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = clip(initial, max_length)
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element}
