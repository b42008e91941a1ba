"""Parse inbound email (raw RFC 5322 bytes or an ESP inbound-parse form) into an InboundEmail."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.message import Message
from email.parser import HeaderParser

from tools.mime_text import (
    decode_bytes,
    decode_header_value,
    first_message_id,
    html_to_text,
    parse_addresses,
    parse_date,
    raw_header,
)
from tools.reply_text import split_reply

__all__ = [
    "Attachment", "InboundEmail", "MalformedEmail", "parse_inbound", "parse_inbound_form",
    "split_reply",
]  # fmt: skip

MAX_RAW_BYTES = 50 * 1024 * 1024
MAX_TEXT_CHARS = 200_000  # text kept per message; longer bodies are cut and flagged `truncated`
MAX_HTML_CHARS = 500_000  # the stdlib HTML parser reads ~0.3 MB/s here
MAX_DEPTH = 30
KEPT_HEADERS = (
    "Auto-Submitted", "X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "Precedence",
    "Content-Type", "List-Id", "List-Unsubscribe", "Reply-To", "Return-Path", "Delivered-To",
    "X-Failed-Recipients",
)  # fmt: skip
_FATAL_DEFECTS = {
    "StartBoundaryNotFoundDefect": "declares a boundary that never appears (truncated or corrupt)",
    "NoBoundaryInMultipartDefect": "is multipart but has no boundary parameter",
}
_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_BOUNCE_SENDER = re.compile(r"(mailer-daemon|postmaster)@", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery (status|failure|has failed)|returned mail|failure notice", re.IGNORECASE
)


class MalformedEmail(ValueError):
    """Raised when input cannot be read as an email; `reason` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Attachment:
    """Summary of one attachment or forwarded message; the body itself is never kept."""

    filename: str | None
    content_type: str
    size: int | None  # decoded bytes; None when the sender (a form post) did not say


@dataclass(frozen=True)
class InboundEmail:
    """What the agent needs from an inbound email: threading ids, sender, text, bounce data."""

    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    from_email: str  # lower-cased so it matches stored lead emails
    from_name: str
    to: list[str]
    subject: str
    date: datetime | None
    headers: dict[str, str]  # only KEPT_HEADERS, decoded
    text: str  # best plain text of the whole body
    new_text: str  # the reply itself: no quoted history, no signature
    truncated: bool = False
    is_dsn: bool = False
    dsn_status: str | None = None
    dsn_recipient: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)  # stdlib parser defects that were tolerated

    @property
    def is_auto_reply(self) -> bool:
        """True when headers mark the message as machine-sent (RFC 3834 and common variants)."""
        auto = self.headers.get("Auto-Submitted", "no").strip().lower()
        precedence = self.headers.get("Precedence", "").strip().lower()
        return (
            auto not in ("", "no")
            or "X-Autoreply" in self.headers
            or "X-Autorespond" in self.headers
            or precedence in ("auto_reply", "bulk", "junk")
        )


def parse_inbound(raw: bytes) -> InboundEmail:
    """Parse raw RFC 5322 bytes; raise MalformedEmail, and only that, when they are not an email."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise MalformedEmail(f"expected bytes, got {type(raw).__name__}")
    raw = bytes(raw).lstrip(b"\r\n")  # some webhooks prepend a blank line
    if not raw.strip():
        raise MalformedEmail("empty input: no bytes to parse")
    if len(raw) > MAX_RAW_BYTES:
        raise MalformedEmail(f"message is {len(raw)} bytes, over the {MAX_RAW_BYTES}-byte limit")
    try:
        msg = message_from_bytes(raw)
        if not msg.keys():
            raise MalformedEmail("no header fields: input does not start with 'Name: value' lines")
        for defect in msg.defects:
            if reason := _FATAL_DEFECTS.get(type(defect).__name__):
                raise MalformedEmail(f"{msg.get_content_type()} body {reason}")
        body = _Body()
        body.walk(msg, 0)
        return _assemble(msg, body, fallback_from=None)
    except MalformedEmail:
        raise
    except Exception as exc:  # the stdlib parser has odd corners; callers get one exception type
        raise MalformedEmail(f"unreadable message ({type(exc).__name__}: {exc})") from exc


def parse_inbound_form(fields: Mapping[str, str]) -> InboundEmail:
    """Parse a SendGrid- or Mailgun-style inbound-parse form post into an InboundEmail."""
    try:
        form = {str(k).lower(): v for k, v in fields.items() if isinstance(v, str)}
        if raw := form.get("email") or form.get("body-mime"):  # "raw" mode: one MIME field
            return parse_inbound(raw.encode("utf-8", "surrogateescape"))
        charsets = _json(form.get("charsets"), {})
        block = form.get("headers", "")
        pairs = _json(form.get("message-headers"), [])
        if not block and isinstance(pairs, list):
            block = "\n".join(
                f"{p[0]}: {p[1]}" for p in pairs if isinstance(p, list) and len(p) == 2
            )
        msg = HeaderParser().parsestr(re.sub(r"\r\n?", "\n", block).strip("\n") + "\n\n")
        for name in ("From", "To", "Subject", "Message-Id", "In-Reply-To", "References", "Date"):
            if value := form.get(name.lower()):
                del msg[name]
                msg[name] = re.sub(r"[\r\n]+", " ", _redecode(value, charsets.get(name.lower())))
        envelope = _json(form.get("envelope"), {})
        sender = form.get("sender") or (
            envelope.get("from") if isinstance(envelope, dict) else None
        )
        body = _Body()
        if text := form.get("text") or form.get("body-plain"):
            body.plain.append(_redecode(text, charsets.get("text")))
        if html := form.get("html") or form.get("body-html"):
            body.html.append(_redecode(html, charsets.get("html")))
        info = _json(form.get("attachment-info"), {})
        for item in info.values() if isinstance(info, dict) else []:
            if isinstance(item, dict):
                ctype = str(item.get("type") or "application/octet-stream")
                name = item.get("filename") or item.get("name")
                body.attachments.append(Attachment(str(name) if name else None, ctype, None))
        return _assemble(msg, body, fallback_from=sender)
    except MalformedEmail:
        raise
    except Exception as exc:
        raise MalformedEmail(f"unreadable inbound form ({type(exc).__name__}: {exc})") from exc


def _assemble(msg: Message, body: _Body, fallback_from: str | None) -> InboundEmail:
    """Combine header fields and the collected body parts into an InboundEmail."""
    raw_from = raw_header(msg, "From")
    senders = parse_addresses(raw_from or "") or parse_addresses(fallback_from or "")
    if not senders:
        if raw_from is None:
            raise MalformedEmail("missing From header: cannot tell who sent the message")
        shown = decode_header_value(raw_from)[:80]
        raise MalformedEmail(f"From header has no usable email address: {shown!r}")
    from_name, from_email = senders[0]
    text, truncated = _best_text(body)
    headers = {
        name: decode_header_value(v) for name in KEPT_HEADERS if (v := raw_header(msg, name))
    }
    subject = decode_header_value(raw_header(msg, "Subject") or "")
    is_dsn = (
        body.is_dsn
        or (msg.get_content_type(), str(msg.get_param("report-type") or "").lower())
        == ("multipart/report", "delivery-status")
        or bool(_BOUNCE_SENDER.match(from_email) and _BOUNCE_SUBJECT.search(subject))
    )
    status, recipient = body.dsn_status, body.dsn_recipient
    if is_dsn and not status:  # non-standard bounces only say it in prose
        found = re.search(rf"^Status:\s*{_STATUS.pattern}", text, re.M | re.I)
        found = found or _STATUS.search(text)
        status = found.group(1) if found else None
    if is_dsn and not recipient:
        found = re.search(r"^Final-Recipient:\s*[\w-]+;\s*(\S+@\S+)", text, re.M | re.I)
        failed = headers.get("X-Failed-Recipients", "").split(",")[0].strip()
        recipient = found.group(1) if found else failed or None
    return InboundEmail(
        message_id=first_message_id(raw_header(msg, "Message-ID")),
        in_reply_to=first_message_id(raw_header(msg, "In-Reply-To")),
        references=list(
            dict.fromkeys(re.findall(r"<[^<>\s]+>", raw_header(msg, "References") or ""))
        ),
        from_email=from_email.lower(),
        from_name=from_name,
        to=[addr for _, addr in parse_addresses(raw_header(msg, "To") or "")],
        subject=subject,
        date=parse_date(raw_header(msg, "Date")),
        headers=headers,
        text=text,
        new_text=split_reply(text).new_text,
        truncated=truncated,
        is_dsn=is_dsn,
        dsn_status=status,
        dsn_recipient=recipient.strip("<>").lower() if recipient else None,
        attachments=body.attachments,
        defects=sorted({type(d).__name__ for d in msg.defects} | body.defects),
    )


def _best_text(body: _Body) -> tuple[str, bool]:
    """Pick the plain text, else HTML converted to text, else a forwarded message's text; cap it."""
    text = "\n\n".join(t for t in body.plain if t.strip())
    truncated = body.truncated
    if not text.strip() and body.html:
        html = "\n".join(body.html)
        truncated |= len(html) > MAX_HTML_CHARS
        text = html_to_text(html[:MAX_HTML_CHARS])
    if not text.strip():
        text = body.forwarded
    text = re.sub(r"\r\n?", "\n", text).strip()
    if len(text) > MAX_TEXT_CHARS:
        return text[:MAX_TEXT_CHARS], True
    return text, truncated


class _Body:
    """Collects text, HTML, attachment summaries and delivery status while walking MIME parts."""

    def __init__(self) -> None:
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[Attachment] = []
        self.forwarded = ""
        self.truncated = self.is_dsn = False
        self.dsn_status: str | None = None
        self.dsn_recipient: str | None = None
        self.defects: set[str] = set()

    def walk(self, part: Message, depth: int) -> None:
        """Visit a part and its children; forwarded messages are summarised, not merged in."""
        self.defects |= {type(d).__name__ for d in part.defects}
        ctype = part.get_content_type()
        if depth > MAX_DEPTH:
            self.truncated = True
        elif ctype == "message/rfc822":
            inner = part.get_payload(0) if part.is_multipart() else None
            subject = decode_header_value(raw_header(inner, "Subject") or "") or None
            self.attachments.append(Attachment(subject, ctype, _size(part)))
            if isinstance(inner, Message) and not self.forwarded:
                nested = _Body()
                nested.walk(inner, depth + 1)
                self.forwarded = _best_text(nested)[0]
        elif ctype == "message/delivery-status":
            self.is_dsn = True
            self._read_status(part)
        elif part.is_multipart():
            for child in part.get_payload():
                self.walk(child, depth + 1)
        elif ctype in ("text/plain", "text/html") and not _is_attachment(part):
            text = decode_bytes(part.get_payload(decode=True) or b"", part.get_content_charset())
            (self.plain if ctype == "text/plain" else self.html).append(text)
        else:
            data = part.get_payload(decode=True)
            name = part.get_filename()
            name = decode_header_value(name) if name else None
            self.attachments.append(Attachment(name, ctype, len(data) if data else 0))

    def _read_status(self, part: Message) -> None:
        """Take Status and Final-Recipient from the report, preferring failed over delayed ones."""
        found = []
        for block in part.get_payload() if part.is_multipart() else []:
            if status := _STATUS.search(raw_header(block, "Status") or ""):
                recipient = raw_header(block, "Final-Recipient") or raw_header(
                    block, "Original-Recipient"
                )
                found.append((status.group(1), (recipient or "").split(";", 1)[-1].strip()))
        if found:
            worst = min(found, key=lambda item: "542".index(item[0][0]))
            self.dsn_status, self.dsn_recipient = worst[0], worst[1] or None


def _is_attachment(part: Message) -> bool:
    """True for parts marked as attachments; a text part with a filename counts as a file."""
    disposition = str(part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    return disposition == "attachment" or bool(part.get_filename())


def _size(part: Message) -> int | None:
    """Size of a part as it would be re-serialised, or None if it cannot be flattened."""
    try:
        return len(part.as_bytes())
    except Exception:
        return None


def _redecode(value: str, charset: object) -> str:
    """Undo a form decoder that read non-UTF-8 field bytes as latin-1, using the posted charset."""
    if not isinstance(charset, str) or not re.search(r"[\x80-\xff\x1b]", value):
        return value
    try:
        return value.encode("latin-1").decode(charset.strip().lower())
    except (LookupError, ValueError):  # already decoded properly upstream, or an unknown label
        return value


def _json(value: str | None, default: object) -> object:
    """Parse a JSON form field, returning `default` when absent or invalid."""
    try:
        return json.loads(value) if value else default
    except ValueError:
        return default
