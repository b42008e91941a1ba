"""Separate the new text of a reply from quoted history, signatures and legal disclaimers.

One splitter serves inbound parsing (tools/mime_in.py) and reply classification; the line
patterns it recognises are in tools/reply_markers.py.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from tools.reply_markers import (
    ATTRIBUTION,
    ATTRIBUTION_BY_ADDRESS,
    DISCLAIMER,
    HEADER_FIELD,
    HEADER_FROM,
    RULE,
    SEPARATOR,
    SIGN_OFF,
    SIGNATURE,
)


class ReplyParts(NamedTuple):
    """A reply body cut into the new text, the quoted history and the signature block."""

    new_text: str
    quoted: str
    signature: str


def _attribution_size(lines: list[str], index: int) -> int:
    """Return how many lines (1-3) form an attribution starting at index, else 0."""
    if index < len(lines) and ATTRIBUTION_BY_ADDRESS.match(lines[index]):
        return 1
    for size in (1, 2, 3):
        if index + size > len(lines) or not lines[index + size - 1].strip():
            break  # an attribution wraps, but never across a blank line
        window = " ".join(line.strip() for line in lines[index : index + size])
        if len(window) > 300:
            break
        # A real attribution carries a date or an address; "On Monday as Jim wrote:" does not.
        if ATTRIBUTION.match(window) and re.search(r"\d|@", window):
            return size
    return 0


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _quote_start(lines: list[str]) -> tuple[int, bool]:
    """Find where quoted history starts; the flag says whether replies may sit below it."""
    for index, line in enumerate(lines):
        if _is_quoted(line) or _attribution_size(lines, index):
            return index, True
        if SEPARATOR.match(line) or RULE.match(line):
            return index, False
        following = lines[index + 1 : index + 7]
        if HEADER_FROM.match(line) and sum(bool(HEADER_FIELD.match(x)) for x in following) >= 2:
            return index, False
    return len(lines), False


def _unquoted_lines(block: list[str]) -> tuple[list[str], list[str]]:
    """Separate interleaved or bottom-posted reply lines from the quoted ones in a block."""
    kept: list[str] = []
    quoted: list[str] = []
    skip = 0
    for index, line in enumerate(block):
        skip = skip or _attribution_size(block, index)
        if skip or _is_quoted(line):
            quoted.append(line)
            skip = max(0, skip - 1)
        else:
            kept.append(line)
    return kept, quoted


def _signature_start(lines: list[str]) -> int:
    """Return the index of the first signature, sign-off or disclaimer line, or len(lines)."""
    seen_text = False
    for index, line in enumerate(lines):
        if SIGNATURE.match(line) or (
            seen_text and (SIGN_OFF.match(line) or DISCLAIMER.match(line))
        ):
            return index
        seen_text = seen_text or bool(line.strip())
    return len(lines)


def split_reply(body: str) -> ReplyParts:
    """Split a reply body into new text, quoted history and signature, for common mail clients."""
    lines = re.sub(r"\r\n?", "\n", body or "").replace("\xa0", " ").split("\n")
    cut, may_bottom_post = _quote_start(lines)
    head, quoted = lines[:cut], lines[cut:]
    if may_bottom_post and not "".join(head).strip():
        head, quoted = _unquoted_lines(quoted)
    sig = _signature_start(head)
    if not "\n".join(head[:sig]).strip():
        sig = len(head)  # nothing above the "signature": it was the message itself
    return ReplyParts(
        new_text="\n".join(head[:sig]).strip(),
        quoted="\n".join(quoted).strip(),
        signature="\n".join(head[sig:]).strip(),
    )


def new_text(body: str) -> str:
    """Return only what the sender wrote in this reply (no quotes, no signature)."""
    return split_reply(body).new_text


_REPLY_PREFIX = re.compile(
    r"^\s*(?:re|aw|wg|fw|fwd|sv|vs|rv|tr|antw|res|enc|r)\s*(?:\[\d+\])?\s*:", re.IGNORECASE
)


def reply_subject(subject: str) -> str:
    """Return the part of a subject the sender's system wrote ('' for a plain 'Re: ...' reply).

    Auto-generated subjects are '<notice>: <our original subject>'; only the notice part is kept,
    so words of our own subject ('Q3 pipeline', 'Quick question') never count as the reply's.
    """
    if not subject or _REPLY_PREFIX.match(subject):
        return ""
    notice = re.split(r"\s*:\s|\s+(?:re|aw|fw|fwd|wg)\s*:", subject, maxsplit=1, flags=re.I)[0]
    return notice.strip()
