"""Shared bench plumbing: an embedded database under .nurture/bench-<name>, timing helpers."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import Engine

from core.db import make_engine, migrate
from core.pgembed import EmbeddedPostgres

BENCH_HOME = Path(".nurture")
API_KEY = "bench-key"


@contextmanager
def bench_database(name: str, *, fresh: bool = True) -> Iterator[tuple[str, Engine]]:
    """An embedded PostgreSQL just for this bench (kept between runs unless `fresh`)."""
    warnings.filterwarnings("ignore", module="platformdirs")
    pgdata = BENCH_HOME.resolve() / f"bench-{name}"
    if fresh and pgdata.exists():
        from core.pgembed import force_stop

        force_stop(pgdata)
        shutil.rmtree(pgdata)
    server = EmbeddedPostgres(pgdata)
    url = server.start()
    engine = make_engine(url)
    migrate(engine)
    try:
        yield url, engine
    finally:
        engine.dispose()
        server.stop()


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank)."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(values_ms: list[float]) -> str:
    """p50 / p95 / max of millisecond timings."""
    return (
        f"p50 {statistics.median(values_ms):.1f} ms, p95 {percentile(values_ms, 95):.1f} ms, "
        f"max {max(values_ms):.1f} ms over {len(values_ms)} runs"
    )


@contextmanager
def api_server(url: str, port: int, workers: int = 1) -> Iterator[subprocess.Popen]:
    """`uvicorn api.app:create_app` on 127.0.0.1:port against `url`, ready when yielded."""
    env = {**os.environ, "DATABASE_URL": url, "NURTURE_API_KEY": API_KEY}
    command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    server = subprocess.Popen(command, env=env)
    try:
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start")
        yield server
    finally:
        server.terminate()
        server.wait(10)
