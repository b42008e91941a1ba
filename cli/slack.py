"""`nurture slack`: Socket Mode runner, setup check, manifest; the demo's Slack card preview."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.panel import Panel

from cli.context import console, database, err_console
from core.settings import get_settings

MANIFEST = Path(__file__).resolve().parent.parent / "slack_app" / "manifest.yaml"


def slack(
    socket: bool = typer.Option(
        False, "--socket", help="connect over Socket Mode (no public URL needed; SLACK_APP_TOKEN)"
    ),
    manifest: bool = typer.Option(False, "--manifest", help="print the Slack app manifest"),
) -> None:
    """Run the Slack app over Socket Mode, or check the Slack setup (HTTP mode runs in `serve`)."""
    settings = get_settings()
    if manifest:
        console.print(MANIFEST.read_text(), markup=False, highlight=False)
        return
    needed = {"SLACK_BOT_TOKEN": settings.slack_bot_token}
    if socket:
        needed["SLACK_APP_TOKEN"] = settings.slack_app_token
    else:
        needed["SLACK_SIGNING_SECRET"] = settings.slack_signing_secret
    missing = [name for name, value in needed.items() if not value]
    channel = settings.slack_channel or "(not set: unassigned alerts and the summary are skipped)"
    if not socket:
        for name, value in needed.items():
            console.print(f"{name}: {'set' if value else '[red]missing[/red]'}")
        console.print(f"NURTURE_SLACK_CHANNEL: {channel}")
        console.print(
            "HTTP mode: `nurture serve` answers Slack at /slack/events. "
            "No public URL? `nurture slack --socket`."
        )
        raise typer.Exit(1 if missing else 0)
    if missing:
        err_console.print(f"[red]error:[/red] set {', '.join(missing)} first")
        raise typer.Exit(2)
    import asyncio

    from slack_app.socket_mode import run_socket_mode

    with database() as db:
        console.print("nurture Slack app connected over Socket Mode; Ctrl-C to stop.")
        try:
            asyncio.run(run_socket_mode(settings, db))
        except KeyboardInterrupt:
            console.print("stopped")


def show_slack_preview(session, now: datetime | None = None) -> list[Path]:
    """Save the Block Kit JSON of the cards nurture would post and print them as text."""
    from slack_app.preview import as_text, build_previews, save_previews

    settings = get_settings()
    items = build_previews(session, settings, now or datetime.now(UTC))
    out_dir = settings.home.resolve() / "slack_preview"
    paths = save_previews(items, out_dir)
    state = "would post" if not settings.slack_configured else "posts"
    console.rule(f"[bold]Slack: the cards nurture {state}")
    for (name, payload), path in zip(items, paths, strict=True):
        console.print(
            Panel(as_text(payload), title=name, subtitle=path.name, expand=False),
            markup=False,
            highlight=False,
        )
    console.print(f"Block Kit JSON saved to {out_dir} (paste into Slack's Block Kit Builder)")
    return paths
