"""Shared CLI plumbing: the console, and a database opened (and closed) around a command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from core.db import Database, MissingVectorExtension, open_database
from core.settings import get_settings

console = Console()
err_console = Console(stderr=True)


@contextmanager
def database() -> Iterator[Database]:
    """Start the configured database (embedded by default), migrated, with built-in segments."""
    from tools.segments import ensure_builtins

    try:
        with open_database(get_settings()) as db:
            with db.session() as session:
                ensure_builtins(session)
            yield db
    except MissingVectorExtension as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
