"""Answer time of `ask` at demo scale (p95 target ≤500 ms), offline backend, eval questions.

Loads the deterministic demo (default 1,200 leads) into its own embedded PostgreSQL, warms up
once, then asks every question of evals/datasets/analytics_eval.yaml `--runs` times and prints
p50 / p95 / max overall and the five slowest questions.
Usage: python -m bench.bench_ask [--leads 1200] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from agent.analytics.ask import ask
from bench.common import bench_database, percentile, summary
from core.demo_data import generate
from evals.analytics_eval import load_items
from tools.demo_loader import load_demo
from tools.rescore import rescore
from tools.segments import ensure_builtins

TARGET_MS = 500


def main() -> None:
    """Load the demo, time every eval question, print the percentiles against the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    items = load_items()
    with bench_database("ask") as (_url, engine), Session(engine) as session:
        started = time.perf_counter()
        ensure_builtins(session)
        load_demo(session, generate(seed=7, n_leads=args.leads))
        rescore(session, None)
        session.commit()
        session.execute(text("ANALYZE"))
        events = session.execute(text("SELECT count(*) FROM events")).scalar()
        print(
            f"demo: {args.leads:,} leads, {events:,} events in {time.perf_counter() - started:.1f}s"
        )
        now = datetime.now(UTC)
        ask(session, "How many leads do we have?", backend="offline", now=now, secret="bench")
        per_question: dict[str, list[float]] = {}
        for _ in range(args.runs):
            for item in items:
                t0 = time.perf_counter()
                ask(
                    session,
                    item["question"],
                    backend="offline",
                    previous=item.get("previous"),
                    now=now,
                    secret="bench",
                )
                per_question.setdefault(item["question"], []).append(
                    (time.perf_counter() - t0) * 1000
                )
    timings = [ms for values in per_question.values() for ms in values]
    slowest = sorted(per_question.items(), key=lambda kv: -statistics.median(kv[1]))[:5]
    for question, values in slowest:
        print(f"  {statistics.median(values):7.1f} ms  {question}")
    p95 = percentile(timings, 95)
    verdict = "ok" if p95 <= TARGET_MS else "OVER TARGET"
    print(
        f"ask at {args.leads:,} leads, {len(items)} questions: {summary(timings)}; "
        f"p95 {p95:.0f} ms (target ≤{TARGET_MS} ms: {verdict})"
    )


if __name__ == "__main__":
    main()
