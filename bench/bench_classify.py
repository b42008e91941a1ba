"""Throughput of the offline reply classifier: classify_batch over the eval set repeated to ~5,000.

Run: .venv/bin/python bench/bench_classify.py [--total 5000] [--batch 500]
"""

from __future__ import annotations

import argparse
import time

from evals.replies_metrics import DEFAULT_DATASET, load_dataset, to_input
from tools.classify import classify_batch, classify_reply_offline
from tools.reply_model import get_model


def run(total: int = 5000, batch: int = 500) -> dict[str, float]:
    """Time classify_batch (and single calls on a sample); return replies per second."""
    rows = load_dataset(DEFAULT_DATASET)
    base = [to_input(row, i) for i, row in enumerate(rows)]
    replies = [base[i % len(base)] for i in range(total)]
    model = get_model()  # load or train outside the timed section
    classify_batch(base[:20], model=model)  # warm caches
    start = time.perf_counter()
    for offset in range(0, len(replies), batch):
        classify_batch(replies[offset : offset + batch], model=model)
    batch_seconds = time.perf_counter() - start
    sample = replies[:500]
    start = time.perf_counter()
    for reply in sample:
        classify_reply_offline(reply, model=model)
    single_seconds = time.perf_counter() - start
    return {
        "replies": float(total),
        "batch_per_second": total / batch_seconds,
        "single_per_second": len(sample) / single_seconds,
    }


def main() -> None:
    """Print replies per second for batched and one-at-a-time classification."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--total", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    result = run(args.total, args.batch)
    print(
        f"classify_batch: {result['batch_per_second']:.0f} replies/s "
        f"({int(result['replies'])} replies, batches of {args.batch})"
    )
    print(f"classify_reply_offline: {result['single_per_second']:.0f} replies/s (500 single calls)")


if __name__ == "__main__":
    main()
