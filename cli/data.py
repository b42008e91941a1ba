"""Data commands: import, rescore, segments, lead."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.context import console, database, err_console
from tools.importer import import_events_jsonl, import_leads_csv, read_text


def import_file(
    path: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="leads .csv or events .jsonl"
    ),
) -> None:
    """Import leads (CSV) or Segment-style events (JSON Lines), with a per-row error report."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson"):
        err_console.print(f"[red]error:[/red] {path.name}: expected a .csv or .jsonl file")
        raise typer.Exit(2)
    text = read_text(path)
    total = max(text.count("\n"), 1)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with database() as db, db.session() as session, Progress(*columns, console=err_console) as bar:
        task = bar.add_task(f"importing {path.name}", total=total)
        step = lambda n: bar.advance(task, n)  # noqa: E731
        if suffix == ".csv":
            report = import_leads_csv(session, text, step)
        else:
            report = import_events_jsonl(session, text.splitlines(), step)
    console.print(
        f"{report.rows} rows: {report.stored} stored, {report.duplicates} already known, "
        f"{report.merged} merged by email, {len(report.leads)} leads touched, "
        f"{len(report.errors)} rejected"
    )
    if report.errors:
        table = Table("row", "field", "error", title="Rejected rows (kept in rejected_payloads)")
        for err in report.errors[:200]:
            table.add_row(str(err.row), err.field, err.error)
        err_console.print(table)
        raise typer.Exit(1)


def rescore(
    as_of: datetime | None = typer.Option(None, help="score as of this time (default now)"),
) -> None:
    """Recompute every lead's score from the trail (set-based; also applies decay)."""
    from tools.ingest import process_pending
    from tools.rescore import rescore as run

    with database() as db, db.session() as session:
        pending = process_pending(session)
        started = datetime.now(UTC)
        outcome = run(
            session, None, as_of=as_of.replace(tzinfo=UTC) if as_of else None, cause="rescore"
        )
        elapsed = (datetime.now(UTC) - started).total_seconds()
    console.print(
        f"rescored in {elapsed:.1f}s: {outcome['changed']} leads changed, "
        f"{len(outcome['mql_leads'])} crossed into MQL, {pending} pending events finished"
    )


def segments(
    name: str | None = typer.Argument(None, help="show this segment's members"),
    limit: int = typer.Option(20, help="members to list"),
) -> None:
    """List segments with their sizes, or the members of one segment."""
    from sqlalchemy import select

    from core.models import Segment
    from tools.segments import UnknownSegment, count_members, get_segment, list_members

    with database() as db, db.session() as session:
        if name is None:
            table = Table("segment", "size", "filter", title="Segments")
            for seg in session.scalars(select(Segment).order_by(Segment.name)):
                table.add_row(seg.name, str(count_members(session, seg.filter)), seg.filter)
            console.print(table)
            return
        try:
            seg = get_segment(session, name)
        except UnknownSegment:
            err_console.print(f"[red]error:[/red] no segment named {name!r}")
            raise typer.Exit(1) from None
        size = count_members(session, seg.filter)
        table = Table(
            "email",
            "name",
            "company",
            "score",
            "tier",
            "stage",
            title=f"{seg.name}: {size} leads ({seg.filter})",
        )
        for row in list_members(session, seg.filter, limit=limit):
            table.add_row(
                row["email"] or "",
                " ".join(filter(None, (row["first_name"], row["last_name"]))),
                row["company"] or "",
                str(row["score"]),
                row["tier"],
                row["stage"],
            )
        console.print(table)


def lead(key: str = typer.Argument(..., help="email, id or external id")) -> None:
    """Show a lead: profile, score with every reason, and the latest timeline."""
    from tools.leads import LeadNotFound, find_lead, lead_profile

    with database() as db, db.session() as session:
        try:
            found = find_lead(session, key)
        except LeadNotFound:
            err_console.print(f"[red]error:[/red] no lead {key!r}")
            raise typer.Exit(1) from None
        view = lead_profile(session, found, timeline_limit=15)
    p, s = view["profile"], view["score"]
    console.print(
        f"[bold]{p['first_name'] or ''} {p['last_name'] or ''}[/bold] <{p['email']}> "
        f"{p['title'] or ''} at {p['company'] or '?'}"
    )
    console.print(
        f"score [bold]{s['score']}[/bold] ({s['tier']}, {s['stage']}) = fit "
        f"{s['fit']} + engagement {s['engagement']}"
    )
    for line in s["lines"]:
        console.print(f"  {line['points']:+4d}  {line['text']}")
    console.print("[bold]timeline[/bold]")
    for entry in view["timeline"]:
        console.print(f"  {entry['at'][:16]}  {entry['type']:<20} {entry['detail'] or ''}")
