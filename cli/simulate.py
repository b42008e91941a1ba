"""`nurture simulate`: which steps of a sequence would go out to a lead, when, and why not."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.table import Table

from cli.context import console, database, err_console


def simulate(
    sequence: str = typer.Argument(..., help="sequence name, e.g. welcome"),
    lead: str = typer.Option(..., "--lead", help="lead email, id or external id"),
    start: datetime | None = typer.Option(None, help="simulate from this time (default now)"),
) -> None:
    """Dry run: each step's due and send time in the lead's timezone, and why any is held."""
    from tools.guardrails import lead_timezone
    from tools.leads import LeadNotFound, find_lead
    from tools.sequences import UnknownSequence, load_sequences
    from tools.simulate import simulate as plan_for

    when = start.astimezone() if start and start.tzinfo is None else start
    with database() as db, db.sessions() as session:
        try:
            who = find_lead(session, lead)
            plan = plan_for(session, who, sequence, now=when)
        except (LeadNotFound, UnknownSequence) as exc:
            known = ", ".join(sorted(load_sequences()))
            err_console.print(f"[red]error:[/red] not found: {exc} (sequences: {known})")
            raise typer.Exit(2) from exc
        tz, email = lead_timezone(session, who), who.email
        session.rollback()  # a dry run: nothing it read is changed
    table = Table(
        "step",
        "what",
        "due",
        f"sends ({tz.key})",
        "status",
        "why",
        title=f"{sequence} for {email}",
    )
    for row in plan:
        due = f"{row.due_at.astimezone(tz):%a %d %b %H:%M}" if row.due_at else ""
        sends = f"{row.send_at.astimezone(tz):%a %d %b %H:%M}" if row.send_at else ""
        table.add_row(str(row.step or ""), row.what, due, sends, row.status, row.reason)
    console.print(table)
