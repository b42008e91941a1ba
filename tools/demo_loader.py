"""Load the deterministic demo dataset through the normal ingestion path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime

from sqlalchemy.orm import Session

from core.demo_data import DemoDataset
from tools.ingest import ingest
from tools.ingest_schema import parse_one
from tools.reps import upsert_reps

BATCH = 1000


def load_demo(
    session: Session,
    dataset: DemoDataset,
    progress: Callable[[int], None] | None = None,
    *,
    as_of: datetime | None = None,
) -> dict[str, int]:
    """Reps, then identify messages, then events, in batches; returns what was stored.

    Scored as of now, or `as_of` (e.g. the dataset's anchor).
    """
    upsert_reps(session, [asdict(rep) for rep in dataset.reps])
    session.commit()
    stored = duplicates = 0
    for kind, items in (("identify", dataset.leads), ("track", dataset.events)):
        for start in range(0, len(items), BATCH):
            chunk = items[start : start + BATCH]
            messages = [parse_one(item, item.get("type", kind)) for item in chunk]
            result = ingest(session, messages, as_of=as_of)
            stored += result.stored
            duplicates += result.duplicates
            if progress:
                progress(len(chunk))
    return {"stored": stored, "duplicates": duplicates}
