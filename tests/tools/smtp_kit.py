"""A real SMTP server for tests (aiosmtpd on 127.0.0.1) that keeps every message it accepts."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    """aiosmtpd handler: accepts everything (or answers with a configured failure)."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []
        self.rcpt_reply = "250 OK"
        self.data_delay = 0.0  # seconds to wait before the reply to DATA (a slow relay)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        """Accept or refuse the recipient as configured."""
        if self.rcpt_reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt_reply

    async def handle_DATA(self, server, session, envelope):
        """Keep the message (it is accepted even if the client stops waiting for the reply)."""
        self.raw.append(envelope.original_content or envelope.content)
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 Message accepted"

    @property
    def messages(self) -> list[EmailMessage]:
        """What arrived, parsed."""
        return [message_from_bytes(raw, policy=policy.default) for raw in self.raw]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(handler: object, **controller_options: Any) -> Iterator[int]:
    """Run an aiosmtpd `handler` on a free 127.0.0.1 port for the length of a block: the port."""
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **controller_options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@contextmanager
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    """Run a local SMTP server for the length of a block: (inbox, port)."""
    inbox = Inbox()
    with serve(inbox) as port:
        yield inbox, port
