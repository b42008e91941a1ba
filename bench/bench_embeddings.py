"""Throughput of the offline lexical embedder (facts, content chunks and queries use it).

Run: .venv/bin/python -m bench.bench_embeddings [--sentences 5000] [--runs 5]
"""

from __future__ import annotations

import argparse
import time

from agent.embeddings import LexicalEmbedder
from bench.common import summary

WORDS = ["lead", "demo", "pricing", "team", "revenue", "webinar", "report", "pipeline"]
WORDS += ["quarter", "trial", "security"]


def sentences(count: int) -> list[str]:
    """Short, varied sentences like fact lines (deterministic)."""
    n = len(WORDS)
    return [
        f"{WORDS[i % n]} {WORDS[(i * 7) % n]} update {i} for {WORDS[(i * 3) % n]} team {i * 13}"
        for i in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    texts = sentences(args.sentences)
    embedder = LexicalEmbedder()
    embedder.embed(texts[:50])  # warm caches
    timings = []
    for _ in range(args.runs):
        started = time.perf_counter()
        vectors = embedder.embed(texts)
        timings.append((time.perf_counter() - started) * 1000)
    assert vectors.shape == (len(texts), 384)
    best = min(timings) / 1000
    print(f"lexical embedder, {len(texts):,} sentences per run: {summary(timings)}")
    print(f"best run: {len(texts) / best:,.0f} sentences/s")


if __name__ == "__main__":
    main()
