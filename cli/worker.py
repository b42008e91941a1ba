"""`nurture worker` (sequences, sweeps, sending), `nurture unconfirmed` and `nurture imap-poll`."""

from __future__ import annotations

import os
import signal
import socket
import time

import typer

from cli.context import console, database, err_console
from core.settings import get_settings


def worker(
    once: bool = typer.Option(False, "--once", help="run one iteration and exit"),
    until_idle: bool = typer.Option(False, "--until-idle", help="exit when nothing is due"),
    poll: float = typer.Option(5.0, help="seconds to wait when idle"),
    batch: int = typer.Option(100, help="due steps and outbox rows per iteration"),
    worker_id: str | None = typer.Option(None, help="name in claims (default host:pid)"),
) -> None:
    """Run the sequence worker: due steps become drafts, approved emails are sent (N may run)."""
    from agent.entry import draft_for_step, draft_for_steps, drafts_in_batches
    from tools.compose import make_transport
    from tools.runner import run

    settings = get_settings()
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda sig, _frame: stopping.append(sig))
    name = worker_id or f"{socket.gethostname()}:{os.getpid()}"

    def show(report) -> None:
        s, o = report.steps, report.sends
        if report.busy:
            console.print(
                f"steps: {s.claimed} due, {s.drafted} drafted, {s.held} held, {s.exited} exited, "
                f"{s.branched} branched | outbox: {o.sent} sent, {o.held} held, "
                f"{o.cancelled} cancelled, {o.retried} retrying, {o.failed} failed"
            )
        if o.unconfirmed:
            err_console.print(
                f"[yellow]{o.unconfirmed} email(s) unconfirmed[/yellow] (handed to the relay, "
                "outcome unknown; not resent): see `nurture unconfirmed`"
            )

    with database() as db:
        transport = make_transport(settings)
        drafter = lambda eid, **kw: draft_for_step(db, eid, **kw)  # noqa: E731
        # offline drafts take milliseconds: whole batches; model drafts go one at a time
        batch_drafter = (lambda steps: draft_for_steps(db, steps)) if drafts_in_batches() else None
        try:
            n = run(
                db.sessions,
                drafter,
                transport,
                settings,
                once=once,
                until_idle=until_idle,
                poll_seconds=poll,
                worker_id=name,
                batch=batch,
                on_tick=show,
                should_stop=lambda: bool(stopping),
                batch_drafter=batch_drafter,
            )
        except KeyboardInterrupt:
            n = 0
    console.print(f"worker {name} stopped after {n} iterations")


def unconfirmed(
    delivered: int | None = typer.Option(None, help="outbox id the relay did deliver"),
    resend: int | None = typer.Option(None, help="outbox id to send again (same Message-ID)"),
    by: str = typer.Option("cli", help="who decided"),
) -> None:
    """List emails whose delivery is unknown (sender stopped during SMTP DATA), or decide one."""
    from sqlalchemy import select

    from core.models import Outbox
    from tools import clock
    from tools.send_outcome import resolve_unconfirmed

    with database() as db, db.session() as session:
        if delivered is not None or resend is not None:
            row_id = delivered if delivered is not None else resend
            try:
                outcome = resolve_unconfirmed(
                    session, row_id, delivered=delivered is not None, by=by, now=clock.now()
                )
            except ValueError as exc:
                err_console.print(f"[red]error:[/red] {exc}")
                raise typer.Exit(2) from exc
            console.print(f"outbox {row_id}: {outcome}")
            return
        rows = session.scalars(
            select(Outbox).where(Outbox.status == "unconfirmed").order_by(Outbox.sent_at)
        ).all()
        for row in rows:
            waiting = " (a sender still waits for the relay)" if row.claimed_by else ""
            console.print(
                f"{row.id}  {row.sent_at:%Y-%m-%d %H:%M}  {row.to_email}  {row.message_id}"
                f"  {row.subject!r}{waiting}"
            )
        console.print(f"{len(rows)} unconfirmed")


def imap_poll(
    once: bool = typer.Option(False, "--once", help="poll once and exit"),
    interval: float = typer.Option(60.0, help="seconds between polls"),
) -> None:
    """Read unseen replies from the IMAP mailbox in settings and handle them like the API does."""
    from agent.reply_graph import handle_reply
    from tools.imap_poll import connect, poll_mailbox

    settings = get_settings()
    try:
        client = connect(settings)
    except (ValueError, OSError) as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    with database() as db:
        try:
            while True:
                with db.sessions() as session:
                    report = poll_mailbox(
                        session, client, settings.imap_folder, lambda rid: handle_reply(db, rid)
                    )
                console.print(f"{report.fetched} messages: {report.statuses}")
                if once:
                    break
                time.sleep(interval)
        except KeyboardInterrupt:
            pass
        finally:
            client.logout()
