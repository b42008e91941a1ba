"""Run the quick benchmarks one after another (the 1M-lead ones need --scale and run separately)."""

from __future__ import annotations

import subprocess
import sys

QUICK = [
    ["bench.bench_ingest", "--leads", "1500"],
    ["bench.bench_classify"],
    ["bench.bench_ask"],
    ["bench.bench_draft_latency"],
    ["bench.bench_prompt_size"],
    ["bench.bench_embeddings"],
    ["bench.bench_slack_alert"],
    ["bench.bench_alert"],
    ["bench.bench_worker"],
    ["bench.bench_rescore", "--scale", "0.05"],
]


def main() -> int:
    """Run each bench module; stop at the first failure."""
    for module, *args in QUICK:
        print(f"\n== {module} {' '.join(args)}", flush=True)
        code = subprocess.call([sys.executable, "-m", module, *args])
        if code:
            return code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
