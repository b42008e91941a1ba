"""`nurture eval`: run eval suites, gate against the baseline, write reports."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from cli.context import console, err_console


def eval_command(
    suites: list[str] = typer.Argument(
        None, help="suites to run (default all), or 'export-feedback'"
    ),
    backend: str = typer.Option("offline", help="offline | openai"),
    gate: bool = typer.Option(False, "--gate", help="exit 1 when the gate fails"),
    update_baseline: bool = typer.Option(
        False, "--update-baseline", help="accept these scores as the new baseline"
    ),
    out: Path = typer.Option(None, help="report directory (default $NURTURE_HOME/evals/<time>)"),
    record: bool = typer.Option(
        False, "--record", help="with --backend openai and a key: record the live cassettes"
    ),
) -> None:
    """Run the eval suites; with --gate fail on thresholds, drops or stale prompt hashes."""
    if suites and suites[0] == "export-feedback":
        from evals.feedback import export_feedback

        written = export_feedback()
        console.print(f"exported {written} feedback cases")
        return
    from core.settings import get_settings
    from evals.gate import baseline_from, load_baseline, write_baseline
    from evals.live import LiveSetupError, ReplayMismatch
    from evals.report import judge_lines, write_reports
    from evals.runner import run

    try:
        result = run(suites or None, backend, record=record)
    except (LiveSetupError, ReplayMismatch) as exc:
        err_console.print(f"[red]eval:[/red] {exc}")
        raise typer.Exit(1) from exc
    baseline = load_baseline()
    directory = out or get_settings().home / "evals" / result.started_at.replace(":", "")
    paths = write_reports(result, baseline, directory)
    table = Table("suite", "metric", "value", title=f"evals ({backend})")
    for name, suite in result.suites.items():
        if suite.skipped:
            table.add_row(name, "skipped", suite.skipped)
        for metric, value in sorted(suite.metrics.items()):
            if not metric.startswith(("precision_", "recall_")) or value < 1.0:
                table.add_row(name, metric, f"{value:.3f}")
    console.print(table)
    for name, suite in result.suites.items():
        for note in [*suite.details.get("notes", []), *judge_lines(suite)]:
            console.print(f"{name}: {note}")
    console.print(f"reports: {paths['markdown']} and {paths['html']}")
    if update_baseline:
        write_baseline(baseline_from(result, baseline))
        console.print("baseline updated: evals/baseline.json (commit it)")
        return
    for problem in result.gate:
        err_console.print(f"[red]gate:[/red] {problem}")
    if gate and result.gate:
        raise typer.Exit(1)
    if gate:
        console.print("gate open")
