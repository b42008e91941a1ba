"""Offline latency from an ingested trigger event to a draft awaiting approval (p95 <= 2 s).

Loads the demo data into a bench database, then runs `handle_event`'s work (trigger detection,
scoring, segments, action choice, fact sync, retrieval, drafting, verification, storing, the
approval interrupt) with the Postgres checkpointer, for the latest trigger event of the hottest
leads, one lead at a time. The first run (content library indexing, imports) is reported
separately. Usage: python -m bench.bench_draft_latency [--leads 1200 --events 40]
"""

from __future__ import annotations

import argparse
import time

from agent.entry import run_event
from agent.runtime import postgres_checkpointer
from bench.agent_setup import load_demo_data, offline_runtime, trigger_events
from bench.common import bench_database, summary


def main() -> None:
    """Time event -> pending draft over the hottest demo leads' trigger events."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1200)
    parser.add_argument("--events", type=int, default=40)
    args = parser.parse_args()
    with bench_database("draft-latency") as (url, engine):
        load_demo_data(engine, args.leads)
        with postgres_checkpointer(url) as saver:
            rt = offline_runtime(engine, saver)
            timings, first, statuses = [], None, {}
            for _lead, event_id in trigger_events(engine, args.events * 2):
                started = time.perf_counter()
                outcome = run_event(rt, event_id)
                elapsed = (time.perf_counter() - started) * 1000
                if outcome is None:
                    continue  # e.g. a single pricing view: not a trigger
                statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
                if first is None:
                    first = elapsed
                    continue
                timings.append(elapsed)
                if len(timings) >= args.events:
                    break
    print(f"first run (indexes the content library): {first:.0f} ms")
    print(f"event -> draft awaiting approval: {summary(timings)}")
    print(f"outcomes: {statuses}")


if __name__ == "__main__":
    main()
