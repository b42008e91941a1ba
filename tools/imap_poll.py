"""Read replies from a mailbox over IMAP (imaplib) into the same path as POST /v1/inbound/email.

Each unseen message is stored raw first (tools.inbound.receive), handed to the reply handler,
and only then flagged \\Seen: a crash in between re-reads it next time, and the Message-ID
deduplicates it.
"""

from __future__ import annotations

import imaplib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from core.settings import Settings
from tools.inbound import handle, receive


class Mailbox(Protocol):
    """The imaplib calls the poller uses."""

    def select(self, mailbox: str = ...) -> tuple[str, list]:
        """Open a folder."""

    def search(self, charset: str | None, *criteria: str) -> tuple[str, list]:
        """Message numbers matching the criteria."""

    def fetch(self, message_set: str, parts: str) -> tuple[str, list]:
        """Message data."""

    def store(self, message_set: str, command: str, flags: str) -> tuple[str, list]:
        """Change flags."""


@dataclass
class PollReport:
    """What one poll found."""

    fetched: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


def connect(settings: Settings) -> imaplib.IMAP4:
    """Log in to the configured mailbox (implicit TLS unless the port is 143)."""
    if not settings.imap_host or not settings.imap_user:
        raise ValueError("set NURTURE_IMAP_HOST, NURTURE_IMAP_USER and NURTURE_IMAP_PASSWORD")
    if settings.imap_port == 143:
        client: imaplib.IMAP4 = imaplib.IMAP4(settings.imap_host, settings.imap_port)
        client.starttls()
    else:
        client = imaplib.IMAP4_SSL(settings.imap_host, settings.imap_port)
    client.login(settings.imap_user, settings.imap_password or "")
    return client


def poll_mailbox(
    session: Session,
    mailbox: Mailbox,
    folder: str = "INBOX",
    handler: Callable[[int], Any] | None = None,
) -> PollReport:
    """Store, handle and flag every unseen message in `folder`."""
    report = PollReport()
    mailbox.select(folder)
    _, found = mailbox.search(None, "UNSEEN")
    for number in (found[0] or b"").split():
        num = number.decode() if isinstance(number, bytes) else str(number)
        _, parts = mailbox.fetch(num, "(RFC822)")
        raw = next((p[1] for p in parts if isinstance(p, tuple) and len(p) > 1), None)
        if raw is None:
            continue
        result = receive(session, bytes(raw), "imap")
        handle(session, result, handler)
        mailbox.store(num, "+FLAGS", "\\Seen")
        report.fetched += 1
        report.statuses[result.status] = report.statuses.get(result.status, 0) + 1
    return report
