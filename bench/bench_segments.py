"""Segment membership counts at 1M leads (p95 target ≤200 ms), on bench_rescore's data.

Also times the segments of one lead (every segment tested against that lead alone: the lead
API, the agent's segment lookup, draft inputs) for random leads.

Run `python -m bench.bench_rescore --scale 1` first (it leaves the data in .nurture/bench-scale).
"""

from __future__ import annotations

import argparse
import random
import time

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.common import bench_database, percentile, summary
from tools.segments import (
    builtin_definitions,
    compiled,
    count_members,
    ensure_builtins,
    segments_for_lead,
)


def main() -> None:
    """Count every built-in segment N times; print p50/p95 per segment and overall."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with bench_database("scale", fresh=False) as (_url, engine), Session(engine) as session:
        leads = session.execute(text("SELECT count(*) FROM leads")).scalar()
        reads = (
            "summaries"
            if "lead_behaviour" in compiled(session, "trials >= 1", None).from_
            else "trail"
        )
        print(f"behaviour counts read the {reads} (tools/behaviour.py)")
        everything: list[float] = []
        for item in builtin_definitions():
            timings = []
            for _ in range(args.runs):
                started = time.perf_counter()
                size = count_members(session, item["filter"])
                timings.append((time.perf_counter() - started) * 1000)
            everything.extend(timings)
            print(f"{item['name']:<28} {size:>9,}  {summary(timings)}")
        print(
            f"all segments at {leads:,} leads: {summary(everything)}; "
            f"p95 {percentile(everything, 95):.0f} ms (target ≤200 ms)"
        )
        ensure_builtins(session)  # segments_for_lead reads the stored definitions
        session.commit()
        rng = random.Random(5)
        one = []
        for lead_id in rng.sample(range(1, leads + 1), 10 * args.runs):
            started = time.perf_counter()
            segments_for_lead(session, lead_id)
            one.append((time.perf_counter() - started) * 1000)
        print(f"segments of one lead (random leads): {summary(one)}")


if __name__ == "__main__":
    main()
