"""Compose outgoing nurture emails as MIME messages with threading and one-click unsubscribe."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

# 7bit makes the stdlib pick quoted-printable or base64 for non-ASCII bodies (safe on any relay);
# refold_source="none" keeps raw List-Unsubscribe lines as written, so long URLs are never
# RFC 2047-encoded (mail clients do not decode that header).
OUTGOING_POLICY = policy.default.clone(cte_type="7bit", refold_source="none")
UNSUBSCRIBE_TEXT = "Don't want these emails? Unsubscribe:"
_RESERVED = frozenset(
    ("from", "to", "cc", "bcc", "subject", "date", "message-id", "in-reply-to", "references",
     "mime-version", "content-type", "content-transfer-encoding", "list-unsubscribe",
     "list-unsubscribe-post")
)  # fmt: skip
_MSG_ID = re.compile(r"<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+")
_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


@dataclass(frozen=True)
class OutgoingEmail:
    """One email from the owner rep to a lead; validated so it cannot inject headers."""

    from_name: str
    from_email: str
    to_name: str
    to_email: str
    subject: str
    text_body: str
    message_id: str  # stable, e.g. make_message_id(idempotency_key, domain)
    unsubscribe_url: str  # https, answers RFC 8058 one-click POSTs
    html_body: str | None = None  # rendered from text_body when absent
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    unsubscribe_mailto: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    date: datetime | None = None  # defaults to now; fixed in tests

    def __post_init__(self) -> None:
        """Reject values that could inject headers or that mail clients would not honour."""
        single_line = [self.from_name, self.from_email, self.to_name, self.to_email, self.subject,
                       self.message_id, self.unsubscribe_url, self.in_reply_to or "",
                       self.unsubscribe_mailto or "", *self.references,
                       *self.headers, *self.headers.values()]  # fmt: skip
        if any(re.search(r"[\r\n\x00]", value) for value in single_line):
            raise ValueError("header values must not contain line breaks or NUL")
        for value in (self.message_id, self.in_reply_to, *self.references):
            if value is not None and not _MSG_ID.fullmatch(value):
                raise ValueError(f"not a Message-ID (expected <id@domain>): {value!r}")
        if not re.fullmatch(r"https://[^\s<>,]+", self.unsubscribe_url):
            raise ValueError("unsubscribe_url must be an https URL (RFC 8058 one-click)")
        mailto = self.unsubscribe_mailto
        if mailto is not None and not re.fullmatch(r"(?:mailto:)?[^\s<>,@]+@[^\s<>,]+", mailto):
            raise ValueError(f"unsubscribe_mailto is not a mail address: {mailto!r}")
        if len(self.unsubscribe_url) + len(self.unsubscribe_mailto or "") > 900:
            raise ValueError("unsubscribe URIs too long for one header line (RFC 5322: 998)")
        if bad := [name for name in self.headers if not re.fullmatch(r"[!-9;-~]+", name)]:
            raise ValueError(f"invalid header names: {bad!r}")
        if reserved := sorted(name for name in self.headers if name.lower() in _RESERVED):
            raise ValueError(f"extra headers may not override {', '.join(reserved)}")
        for addr in (self.from_email, self.to_email):
            _address("", addr)  # raises ValueError on a bad address


def make_message_id(idempotency_key: str, domain: str) -> str:
    """Build a stable Message-ID from an idempotency key: the same key always gives the same id."""
    if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?", domain):
        raise ValueError(f"not a domain name: {domain!r}")
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    return f"<nurture.{digest}@{domain.lower()}>"


def compose_email(msg: OutgoingEmail) -> EmailMessage:
    """Build a multipart/alternative message with threading and List-Unsubscribe headers."""
    message = EmailMessage(policy=OUTGOING_POLICY)
    message["From"] = _address(msg.from_name, msg.from_email)
    message["To"] = _address(msg.to_name, msg.to_email)
    message["Subject"] = msg.subject
    message["Date"] = format_datetime((msg.date or datetime.now(UTC)).astimezone(UTC))
    message["Message-ID"] = _bracketed(msg.message_id)
    references = [_bracketed(ref) for ref in msg.references]
    if msg.in_reply_to:
        message["In-Reply-To"] = _bracketed(msg.in_reply_to)
        if _bracketed(msg.in_reply_to) not in references:  # RFC 5322 3.6.4: parent goes last
            references.append(_bracketed(msg.in_reply_to))
    if references:
        message["References"] = " ".join(references)
    uris = [f"<{msg.unsubscribe_url}>"]
    if msg.unsubscribe_mailto:
        mailto = msg.unsubscribe_mailto
        uris.append(f"<{mailto if mailto.startswith('mailto:') else 'mailto:' + mailto}>")
    message.set_raw("List-Unsubscribe", ",\n ".join(uris))
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in msg.headers.items():
        message[name] = value
    text = msg.text_body.rstrip() + f"\n\n--\n{UNSUBSCRIBE_TEXT} {msg.unsubscribe_url}\n"
    message.set_content(text, subtype="plain", charset="utf-8")
    body = msg.html_body if msg.html_body is not None else text_to_html(msg.text_body)
    message.add_alternative(_with_html_footer(body, msg.unsubscribe_url), subtype="html")
    for part in message.iter_parts():
        del part["MIME-Version"]  # the stdlib copies it into sub-parts; it belongs on top only
    return message


def text_to_html(text: str) -> str:
    """Render plain text as simple HTML: escaped paragraphs, line breaks and clickable links."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()) if p.strip()]
    rendered = "\n".join(f"<p>{_linkify(p.strip())}</p>" for p in paragraphs)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n'
        '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 15px; '
        f'line-height: 1.5; color: #222;">\n{rendered}\n</body></html>\n'
    )


def _linkify(paragraph: str) -> str:
    """Escape a paragraph, turning URLs into links and newlines into <br>."""
    out, last = [], 0
    for match in _URL.finditer(paragraph):
        url = html.escape(match.group(0), quote=True)
        out += [html.escape(paragraph[last : match.start()]), f'<a href="{url}">{url}</a>']
        last = match.end()
    out.append(html.escape(paragraph[last:]))
    return "".join(out).replace("\n", "<br>\n")


def _with_html_footer(body: str, unsubscribe_url: str) -> str:
    """Insert the unsubscribe footer before </body>, or append it when there is none."""
    url = html.escape(unsubscribe_url, quote=True)
    footer = (
        '<p style="font-size: 12px; color: #777; margin-top: 24px;">'
        f'{html.escape(UNSUBSCRIBE_TEXT, quote=False)} <a href="{url}">{url}</a></p>\n'
    )
    index = body.lower().rfind("</body>")
    return body[:index] + footer + body[index:] if index >= 0 else body + "\n" + footer


def _bracketed(message_id: str) -> str:
    """Return a Message-ID in its <id@domain> form."""
    return f"<{message_id.strip().strip('<>')}>"


def _address(name: str, addr: str) -> Address:
    """Build an Address with an ASCII domain (IDNA); non-ASCII local parts need SMTPUTF8."""
    local, at, domain = addr.strip().rpartition("@")
    if not at or not local or not domain or not local.isascii() or re.search(r"[\s<>,;]", addr):
        raise ValueError(f"not a deliverable ASCII email address: {addr!r}")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"bad domain in {addr!r}: {exc}") from exc
    return Address(display_name=name.strip(), username=local, domain=ascii_domain)
