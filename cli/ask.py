"""`nurture ask`: a funnel question in plain language, answered with numbers, SQL and records."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from cli.context import console, database, err_console


def ask(
    question: str = typer.Argument("", help='e.g. "How many webinar leads became MQL this month?"'),
    chart: Path | None = typer.Option(None, "--chart", help="write the answer's chart to a PNG"),
    previous: str | None = typer.Option(None, help="the previous question (for 'these')"),
    sql: bool = typer.Option(False, "--sql", help="print the SQL behind the numbers"),
    as_json: bool = typer.Option(False, "--json", help="print the typed answer as JSON"),
    offline: bool = typer.Option(False, help="use the offline grammar even with an API key"),
    confirm: str | None = typer.Option(None, help="confirm a proposal token from an answer"),
) -> None:
    """Ask the analytics agent; exit code 1 when it cannot answer."""
    from agent.analytics.ask import ask as run
    from agent.analytics.ask import confirm as run_confirm

    if not question and not confirm:
        err_console.print("[red]error:[/red] give a question (or --confirm TOKEN)")
        raise typer.Exit(2)
    with database() as db, db.session() as session:
        if confirm:
            done = run_confirm(session, confirm)
            status = "[green]done:[/green]" if done.ok else "[red]not done:[/red]"
            console.print(f"{status} {done.message}")
            raise typer.Exit(0 if done.ok else 1)
        answer = run(session, question, previous=previous, backend="offline" if offline else None)
    if as_json:
        typer.echo(answer.model_dump_json(indent=2))  # plain: rich would wrap long SQL strings
    elif answer.kind == "cannot_answer":
        _print_cannot(answer)
    else:
        _print_answer(answer, sql)
    if answer.kind == "cannot_answer":
        raise typer.Exit(1)
    if chart is not None:
        _write_chart(answer, chart)


def _print_cannot(answer) -> None:
    err_console.print(f"[yellow]Cannot answer:[/yellow] {answer.reason}")
    err_console.print("Questions I can answer:")
    for example in answer.examples:
        err_console.print(f"  • {example}")


def _print_answer(answer, show_sql: bool) -> None:
    console.print(answer.text)
    if answer.rows:
        columns = list(answer.rows[0])[:8]
        table = Table(*columns)
        for row in answer.rows[:25]:
            table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
        console.print(table)
    for note in answer.notes:
        console.print(f"[dim]note: {note}[/dim]")
    calls = "; ".join(f"{c.name}({c.args})" for c in answer.tool_calls)
    console.print(f"[dim]tools: {calls} · backend {answer.backend}[/dim]")
    if answer.links:
        more = (
            f" (+{answer.record_count - len(answer.links)} more)"
            if answer.record_count > len(answer.links)
            else ""
        )
        console.print(f"[dim]records: {', '.join(answer.links[:10])}{more}[/dim]")
    if show_sql:
        for statement in answer.sql:
            console.print(statement, markup=False, highlight=False)
    if answer.proposal:
        console.print(f"\nTo confirm: nurture ask --confirm {answer.proposal.token}")


def _write_chart(answer, path: Path) -> None:
    from tools.charts import chart_for

    png = chart_for(answer.chart, answer.numbers, answer.question[:80])
    if png is None:
        err_console.print("[yellow]this answer has no chart[/yellow]")
        return
    path.write_bytes(png)
    console.print(f"chart written to {path}")
