"""A worker or sender that kills itself (SIGKILL) at a hook point: run as a subprocess by tests.

    python -m tests.tools.crash_worker <database-url> <mode> <outbox-dir-or-smtp-port>

modes: sender-after-claim, sender-before-data (SMTP: RCPT accepted, before the checkpoint),
sender-after-send (after the relay's reply), worker-after-claim.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from core.db import make_engine
from core.settings import Settings
from tools.delivery import FileOutbox, SmtpTransport
from tools.sender import SendHooks, send_due
from tools.worker import process_due

WED = datetime(2026, 9, 16, 13, 30, tzinfo=UTC)  # tests.tools.sequence_kit.WED (no agent import)


def die(*_args) -> None:
    """Die the hard way: no cleanup, no rollback message to the server, like a power cut."""
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def main(url: str, mode: str, target: str) -> None:
    """Run one pass that dies at the hook point of `mode`."""
    engine = make_engine(url, poolclass=None)
    session = Session(engine, expire_on_commit=False)
    if mode == "worker-after-claim":
        process_due(session, lambda *a, **k: None, now=WED, worker_id="doomed", after_claim=die)
        return
    transport = (
        SmtpTransport("127.0.0.1", int(target), "none") if target.isdigit() else FileOutbox(target)
    )
    hooks = {
        "sender-after-claim": SendHooks(after_claim=die),
        "sender-before-data": SendHooks(before_data=die),
        "sender-after-send": SendHooks(after_send=die),
    }[mode]
    settings = Settings(
        DATABASE_URL=url, NURTURE_PUBLIC_URL="https://nurture.example", _env_file=None
    )
    send_due(session, transport, settings, now=WED, worker_id="doomed", hooks=hooks)


if __name__ == "__main__":
    main(*sys.argv[1:4])
