"""`nurture rescore` over 1M leads / 20M events (at --scale 1): target ≤60 s.

Loads bulk rows with COPY (bench/bulk_load.py), then times the set-based rescore of every lead
(first pass: every lead changes; second pass a day later: decay only). Keeps the data in
.nurture/bench-scale so bench_segments can reuse it. Usage:
    python -m bench.bench_rescore --scale 0.05   # 50k leads / 1M events, quick
    python -m bench.bench_rescore --scale 1      # the target size
    python -m bench.bench_rescore --scale 1 --reuse --fill   # the behaviour-summary fill only

--fill marks every summary row unsummarised and times `summarise(session, as_of)` (what a
full rescore runs after migration 0005 or a bulk load) inside a transaction it rolls back, so
the data stays as it was. The UPDATE there also pays a foreign-key check per row, which a real
fill (rows marked by an earlier transaction) does not.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.bulk_load import load
from bench.common import bench_database
from tools.behaviour import summarise
from tools.rescore import FULL_RESCORE_WORK_MEM, rescore


def main() -> None:
    """Load, rescore twice, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--reuse", action="store_true", help="skip loading if data is there")
    parser.add_argument("--fill", action="store_true", help="time the summary fill, roll back")
    args = parser.parse_args()
    if args.fill and not args.reuse:
        parser.error("--fill times a fill of the data already there: add --reuse")
    n_leads = int(1_000_000 * args.scale)
    with bench_database("scale", fresh=not args.reuse) as (url, engine):
        if not args.reuse:
            timings = load(url, engine, n_leads)
            print("load: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
        with engine.connect() as conn:
            leads = conn.execute(text("SELECT count(*) FROM leads")).scalar()
            events = conn.execute(text("SELECT count(*) FROM events")).scalar()
        as_of = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        if args.fill:
            with open("/proc/loadavg") as f:
                print(f"load avg {f.read().split()[:3]}")
            with Session(engine) as session:
                session.execute(text(f"SET LOCAL work_mem = '{FULL_RESCORE_WORK_MEM}'"))
                session.execute(text("UPDATE lead_behaviour SET summarised_at = NULL"))
                started = time.perf_counter()
                filled = summarise(session, as_of)
                elapsed = time.perf_counter() - started
                session.rollback()
            with open("/proc/loadavg") as f:
                print(
                    f"summary fill: {filled:,} rows from {events:,} events in {elapsed:.1f} s "
                    f"(load avg after {f.read().split()[:3]})"
                )
            return
        for label, when in (
            ("full rescore", as_of),
            ("next-day decay pass", as_of + timedelta(days=1)),
        ):
            with Session(engine) as session:
                started = time.perf_counter()
                outcome = rescore(session, None, as_of=when, cause="rescore")
                session.commit()
                elapsed = time.perf_counter() - started
            print(
                f"{label}: {leads:,} leads / {events:,} events in {elapsed:.1f} s "
                f"({outcome['changed']:,} changed, {len(outcome['mql_leads']):,} new MQL)"
            )


if __name__ == "__main__":
    main()
