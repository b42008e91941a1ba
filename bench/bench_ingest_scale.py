"""Inline ingest at production scale: 500-event batches against the 1M-lead / 20M-event data.

The HTTP bench (bench_ingest.py) starts from an empty database; this one runs the same
`ingest()` (store, fold, triggers, escalations) in-process against the bulk data
`bench_rescore` loads, inside one transaction rolled back at the end, so the data stays
reusable. Each batch's commits become savepoints. Two phases over the same leads:
- first touch: the bulk rows have no fold state, so each lead is refolded from its trail (as
  after a bulk load or a scoring-config change);
- folded: the same leads again, now folded forward from their state (the steady state).
Prints events/s, batch latency and the slowest statements per phase, then VACUUMs the tables it
touched (unless --no-vacuum): rolled-back rows are dead tuples all the same. Usage:
python -m bench.bench_ingest_scale [--batches 10] [--leads 2000] [--no-vacuum]
(run `python -m bench.bench_rescore --scale 1` once first to load the data).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from bench.bulk_load import psycopg_dsn
from bench.common import bench_database
from tools.ingest import ingest
from tools.ingest_schema import parse_batch

SITE = "https://nurture.example"
TOUCHED = ("leads", "lead_behaviour", "events", "score_history", "escalations", "enrollments")
# (message type, event or page, url), weighted like the demo stream: mostly views and email
KINDS = [
    ("page", "Pricing", "/pricing"),
    ("page", "Blog", "/blog/lead-scoring"),
    ("page", "Case study", "/customers/acme"),
    ("track", "Email Opened", None),
    ("track", "Email Opened", None),
    ("track", "Email Link Clicked", None),
    ("track", "Webinar Registered", None),
]


def _batch(rng: random.Random, users: list[str], now: datetime, size: int) -> list:
    messages = []
    for _ in range(size):
        kind, name, path = rng.choice(KINDS)
        message = {
            "type": kind,
            "userId": rng.choice(users),
            "messageId": str(uuid.UUID(int=rng.getrandbits(128))),
            "timestamp": (now - timedelta(minutes=rng.randint(0, 600))).isoformat(),
        }
        if kind == "page":
            message |= {"name": name, "properties": {"url": SITE + path}}
        else:
            message |= {"event": name, "properties": {}}
        messages.append(message)
    return parse_batch({"batch": messages})


def _phase(session, batches: list, timings: Counter) -> list[float]:
    """Ingest the batches one after another; each one's latency in seconds."""
    timings.clear()
    latencies = []
    for messages in batches:
        started = time.perf_counter()
        result = ingest(session, messages)
        latencies.append(time.perf_counter() - started)
        assert result.stored == len(messages), result
    return latencies


def _sample_users(conn, n: int, rng: random.Random) -> tuple[int, list[str]]:
    """The number of leads and the user ids of `n` of them, picked at random."""
    leads = conn.execute(text("SELECT count(*) FROM leads")).scalar()
    if leads < 100_000:
        sys.exit("load the data first: python -m bench.bench_rescore --scale 1")
    ids = rng.sample(range(1, leads + 1), n)
    users = conn.execute(
        text("SELECT coalesce(external_id, email) FROM leads WHERE id = ANY(:ids)"), {"ids": ids}
    ).scalars()
    return leads, list(users)


def _time_statements(engine, timings: Counter) -> None:
    """Add each statement's wall time to `timings`, keyed by its first words."""

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, cursor, statement, params, context, many):
        conn.info["started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _stop(conn, cursor, statement, params, context, many):
        key = " ".join(statement.split())[:70]
        timings[key] += time.perf_counter() - conn.info["started"]


def main() -> None:
    """Run both phases and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=10, help="batches per phase")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--leads", type=int, default=2000, help="distinct leads the batches hit")
    parser.add_argument(
        "--no-vacuum",
        dest="vacuum",
        action="store_false",
        help="leave the dead rows (to measure segment counts after an ingest burst)",
    )
    args = parser.parse_args()
    timings: Counter = Counter()
    rng = random.Random(11)
    with bench_database("scale", fresh=False) as (_, engine), engine.connect() as conn:
        leads, users = _sample_users(conn, args.leads, rng)
        backlog = conn.execute(
            text("SELECT coalesce(sum(cardinality(event_ids)), 0) FROM ingest_batches")
        ).scalar()
        conn.rollback()
        _time_statements(engine, timings)
        now = datetime.now(UTC)
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            for label in ("first touch (refold from trail)", "folded (steady state)"):
                batches = [_batch(rng, users, now, args.batch) for _ in range(args.batches)]
                latencies = _phase(session, batches, timings)
                print(
                    f"{label}: {args.batch * args.batches / sum(latencies):,.0f} events/s; "
                    f"batch latency median {1000 * statistics.median(latencies):.0f} ms, max "
                    f"{1000 * max(latencies):.0f} ms ({args.batches} x {args.batch} events "
                    f"over {args.leads:,} of {leads:,} leads)"
                )
                for statement, seconds in timings.most_common(4):
                    print(f"    {1000 * seconds / args.batches:7.1f} ms/batch  {statement}")
        finally:
            outer.rollback()
    if args.vacuum:  # the rolled-back rows are dead tuples and clear visibility-map bits, which
        # index-only scans (segment counts) need: leave the data as the other benches expect
        with (
            bench_database("scale", fresh=False) as (url, _),
            psycopg.connect(psycopg_dsn(url), autocommit=True) as conn,
        ):
            for table in TOUCHED:
                conn.execute(f"VACUUM (ANALYZE) {table}")
    if backlog:
        print(f"(a pending backlog of {backlog:,} events was in the database, untouched)")
    print(f"load average (1/5/15 min): {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


if __name__ == "__main__":
    main()
