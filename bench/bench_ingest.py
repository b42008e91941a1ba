"""Batch ingest through the HTTP API with inline scoring vs a raw COPY of the same rows.

Starts its own embedded PostgreSQL and a uvicorn server (separate process), posts the demo
identify messages, then times the track events posted in batches by concurrent clients. The
request bodies are encoded before the clock starts, so the clients (which share the two cores
with the server and PostgreSQL) spend their CPU on HTTP only. Then it deletes those events,
vacuums the table (so COPY does not step over dead index entries the API run never saw) and
times a psycopg COPY of the same rows into the same table, with the same indexes, three times
(deleting and vacuuming before each); the ratio uses the median COPY.
Prints events/s for both, the ratio and the load average. Usage:
python -m bench.bench_ingest [--leads 3000] [--history 200]

`--history N` first stores N older events per lead (blog views over the past year) and scores
them, so the timed batches land on long trails, as they do a few months into production.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import orjson
import psycopg
from sqlalchemy import make_url, text
from sqlalchemy.orm import Session

from bench.common import API_KEY, BENCH_HOME, api_server, bench_database
from core.demo_data import generate
from tools.rescore import rescore


def _tree_cpu(root: int) -> float:
    """CPU seconds of a process and its descendants, live or already reaped (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), [int(x) for x in fields[11:15]])
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            utime, stime, cutime, cstime = stats[pid][1]
            own = utime + stime + (cutime + cstime if pid == root else 0)
            total += own / tick
            todo += [child for child, (ppid, _) in stats.items() if ppid == pid]
    return total


def _post_all(base: str, messages: list[dict], batch: int, clients: int, engine) -> float:
    """Post the messages; seconds until every batch is answered and finished (scored, triggers
    fired: no `ingest_batches` row left)."""
    bodies = [
        orjson.dumps({"batch": messages[i : i + batch]}) for i in range(0, len(messages), batch)
    ]
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    with httpx.Client(base_url=base, headers=headers, timeout=120, limits=limits) as http:

        def send(body: bytes) -> int:
            resp = http.post("/v1/batch", content=body)
            resp.raise_for_status()
            return resp.json()["stored"]

        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            stored = sum(pool.map(send, bodies))
        answered = time.perf_counter()
        with engine.connect() as conn:
            while conn.execute(text("SELECT EXISTS (SELECT 1 FROM ingest_batches)")).scalar():
                conn.rollback()
                time.sleep(0.005)
        elapsed = time.perf_counter() - started
    print(f"  last answer to last batch finished: {(elapsed - (answered - started)) * 1000:.0f} ms")
    assert stored == len(messages), (stored, len(messages))
    return elapsed


def _copy(url: str, engine, runs: int = 3) -> tuple[int, list[float]]:
    """COPY the API run's rows into the same table `runs` times (each after deleting them and
    a VACUUM); the row count and each run's seconds. A COPY of 25k rows takes under a second,
    so one run swings with the machine: the ratio uses the median."""
    with engine.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT lead_id, anonymous_id, source, message_id, type, name, category, "
                "asset_type, properties::text, occurred_at, received_at FROM events "
                "WHERE type <> 'identify' AND source = 'segment' ORDER BY id"
            )
        ).all()
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    timings = []
    for _ in range(runs):
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM events WHERE type <> 'identify'"))
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("VACUUM events")
        with psycopg.connect(dsn) as conn:
            started = time.perf_counter()
            with (
                conn.cursor() as cur,
                cur.copy(
                    "COPY events (lead_id, anonymous_id, source, message_id, type, name, "
                    "category, asset_type, properties, occurred_at, received_at) FROM STDIN"
                ) as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            conn.commit()
            timings.append(time.perf_counter() - started)
    return len(rows), timings


def _add_history(engine, per_lead: int) -> None:
    """Give every lead `per_lead` blog views from the last year (untimed), then score them."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO events (lead_id, source, message_id, type, name, category, "
                "properties, occurred_at, received_at) "
                "SELECT l.id, 'history', 'h-' || l.id || '-' || g, 'page_viewed', 'Page Viewed', "
                "'blog', '{}', now() - make_interval(days => 40 + g % 300), now() "
                "FROM leads l, generate_series(1, :n) g"
            ),
            {"n": per_lead},
        )
        ids = list(conn.execute(text("SELECT id FROM leads")).scalars())
    with Session(engine) as session:
        rescore(session, ids)  # from the whole trails
        session.commit()


def main() -> None:
    """Run the bench and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--history",
        type=int,
        default=0,
        help="older events per lead stored (and scored) before the timed run: long trails",
    )
    args = parser.parse_args()
    data = generate(n_leads=args.leads)
    events = list(data.events)
    with bench_database("ingest") as (url, engine):
        base = "http://127.0.0.1:8765"
        with api_server(url, 8765, args.workers) as server:
            _post_all(base, data.leads, args.batch, args.clients, engine)
            if args.history:
                _add_history(engine, args.history)
            pid_file = BENCH_HOME.resolve() / "bench-ingest" / "postmaster.pid"
            postmaster = int(pid_file.read_text().split()[0])
            with engine.connect() as conn:
                started_at = conn.execute(text("SELECT clock_timestamp()")).scalar()
            before = (time.process_time(), _tree_cpu(server.pid), _tree_cpu(postmaster))
            elapsed = _post_all(base, events, args.batch, args.clients, engine)
            after = (time.process_time(), _tree_cpu(server.pid), _tree_cpu(postmaster))
            cpu = [b - a for a, b in zip(before, after, strict=True)]
        api_rate = len(events) / elapsed
        with engine.connect() as conn:
            scored = conn.execute(text("SELECT count(*) FROM leads WHERE scored_at IS NOT NULL"))
            scored = scored.scalar()
            # every scoring pass dates its history rows with its own as_of
            passes = conn.execute(
                text("SELECT count(DISTINCT scored_at) FROM score_history WHERE scored_at >= :t"),
                {"t": started_at},
            ).scalar()
        n, copy_timings = _copy(url, engine)
        copy_elapsed = statistics.median(copy_timings)
        copy_rate = n / copy_elapsed
    print(
        f"events: {len(events)} in batches of {args.batch}, {args.clients} clients, "
        f"{args.workers} uvicorn workers; {scored} leads scored inline"
    )
    print(f"API ingest with inline scoring: {api_rate:,.0f} events/s ({elapsed:.2f} s)")
    batches = -(-len(events) // args.batch)
    print(f"scoring passes: {passes} ({batches / max(passes, 1):.1f} requests' batches a pass)")
    each = ", ".join(f"{n / t:,.0f}" for t in copy_timings)
    print(f"raw COPY of the same rows:      {copy_rate:,.0f} events/s ({copy_elapsed:.2f} s)")
    print(f"  median of {len(copy_timings)} COPY runs: {each} rows/s")
    print(f"ratio API / COPY: {api_rate / copy_rate:.0%}")
    print(
        f"CPU seconds while posting: clients {cpu[0]:.1f}, API workers {cpu[1]:.1f}, "
        f"PostgreSQL {cpu[2]:.1f} (wall {elapsed:.1f} s on {os.cpu_count()} cores)"
    )
    print(f"load average (1/5/15 min): {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


if __name__ == "__main__":
    main()
