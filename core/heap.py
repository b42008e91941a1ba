"""Keep Python's cycle collector off the long-lived heap a server builds at startup.

A uvicorn worker holds a few hundred thousand container objects after startup (modules,
FastAPI's routes, SQLAlchemy's and pydantic's caches, the Slack app). Every full collection
walks all of them, and ingest allocates enough (a 500-message batch makes thousands of
dicts and models) to trigger one every few batches: ~0.3 s a time, a quarter of a worker's
CPU in `bench/bench_ingest.py`. `gc.freeze` moves what is alive at startup out of the
collector's view, so collections only walk what requests allocate.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Collect the startup garbage once, then freeze what survives."""
    gc.collect()
    gc.freeze()
