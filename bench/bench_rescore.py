"""`nurture rescore` over 1M leads / 20M events (at --scale 1): target ≤60 s.

Loads bulk rows with COPY (bench/bulk_load.py), then times the set-based rescore of every lead
(first pass: every lead changes; second pass a day later: decay only). Keeps the data in
.nurture/bench-scale so bench_segments can reuse it. Usage:
    python -m bench.bench_rescore --scale 0.05   # 50k leads / 1M events, quick
    python -m bench.bench_rescore --scale 1      # the target size
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.bulk_load import load
from bench.common import bench_database
from tools.rescore import rescore


def main() -> None:
    """Load, rescore twice, print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--reuse", action="store_true", help="skip loading if data is there")
    args = parser.parse_args()
    n_leads = int(1_000_000 * args.scale)
    with bench_database("scale", fresh=not args.reuse) as (url, engine):
        if not args.reuse:
            timings = load(url, engine, n_leads)
            print("load: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
        with engine.connect() as conn:
            leads = conn.execute(text("SELECT count(*) FROM leads")).scalar()
            events = conn.execute(text("SELECT count(*) FROM events")).scalar()
        as_of = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
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
