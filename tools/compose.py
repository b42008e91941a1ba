"""Turn an outbox row into a MIME message (tools/mime_out) with unsubscribe and tracking links.

Links: `POST/GET {public_url}/v1/unsubscribe/{token}` (RFC 8058 one-click), and when
NURTURE_TRACKING allows, HTML links through `/t/c/{token}?u=` (clicks) and an open pixel
`/t/o/{token}.gif` (all). The plain-text part is never rewritten.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import quote, urlsplit, urlunsplit

from core.models import Lead, Outbox
from core.settings import Settings
from tools.delivery import FileOutbox, SmtpTransport, Transport
from tools.mime_out import OutgoingEmail, compose_email, text_to_html
from tools.tokens import sign

_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def public_base(settings: Settings) -> str:
    """The https base of our links. RFC 8058 needs https: a development http URL is upgraded."""
    base = settings.public_url.rstrip("/")
    parts = urlsplit(base)
    if parts.scheme == "https":
        return base
    if settings.environment == "development":
        return urlunsplit(("https", *parts[1:]))
    raise ValueError("NURTURE_PUBLIC_URL must be https (List-Unsubscribe one-click, RFC 8058)")


def unsubscribe_url(settings: Settings, lead_id: int, outbox_id: int) -> str:
    """The one-click unsubscribe link for one email."""
    token = sign(settings.unsubscribe_secret, "unsubscribe", lead_id, outbox_id)
    return f"{public_base(settings)}/v1/unsubscribe/{token}"


def click_url(settings: Settings, outbox_id: int, target: str) -> str:
    """A tracked redirect to `target` (the token signs the URL: no open redirect)."""
    token = sign(settings.unsubscribe_secret, "click", outbox_id, extra=target)
    return f"{public_base(settings)}/t/c/{token}?u={quote(target, safe='')}"


def open_pixel_url(settings: Settings, outbox_id: int) -> str:
    """The 1x1 image that records an open."""
    token = sign(settings.unsubscribe_secret, "open", outbox_id)
    return f"{public_base(settings)}/t/o/{token}.gif"


def html_body(settings: Settings, outbox_id: int, text: str) -> str:
    """The HTML part: the text rendered, links tracked and a pixel added as settings allow."""
    body = text_to_html(text)
    if settings.tracking in ("clicks", "all"):
        for url in sorted(set(_URL.findall(text)), key=len, reverse=True):
            escaped = html.escape(url, quote=True)
            tracked = html.escape(click_url(settings, outbox_id, url), quote=True)
            body = body.replace(f'href="{escaped}"', f'href="{tracked}"')
    if settings.tracking == "all":
        pixel = html.escape(open_pixel_url(settings, outbox_id), quote=True)
        tag = f'<img src="{pixel}" width="1" height="1" alt="" style="display:none">\n'
        index = body.lower().rfind("</body>")
        body = body[:index] + tag + body[index:] if index >= 0 else body + tag
    return body


def compose_outbox(settings: Settings, row: Outbox, lead: Lead, now: datetime) -> EmailMessage:
    """The message for an outbox row, from the owner rep (the row's sender) to the lead."""
    to_name = " ".join(p for p in (lead.first_name, lead.last_name) if p)
    return compose_email(
        OutgoingEmail(
            from_name=row.from_name or "",
            from_email=row.from_email,
            to_name=to_name,
            to_email=row.to_email,
            subject=row.subject,
            text_body=row.text_body,
            html_body=html_body(settings, row.id, row.text_body),
            message_id=row.message_id,
            unsubscribe_url=unsubscribe_url(settings, row.lead_id, row.id),
            in_reply_to=row.in_reply_to,
            references=tuple((row.references or "").split()),
            headers={"X-Nurture-Lead": str(row.lead_id)},
            date=now,
        )
    )


def make_transport(settings: Settings) -> Transport:
    """The configured transport: .eml files under NURTURE_HOME/outbox, or an SMTP relay."""
    if settings.outbox == "smtp":
        return SmtpTransport(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_security,
            settings.smtp_user,
            settings.smtp_password,
            envelope_from=settings.sender_email,
        )
    return FileOutbox(settings.home / "outbox")
