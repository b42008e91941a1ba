"""Tests for the bulk benchmark rows: layout, vocabulary, uniqueness, determinism and speed."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import UTC, datetime

from core.demo_bulk import iter_bulk_rows
from core.demo_pools import COUNTRIES
from core.vocab import ASSET_TYPES, EVENT_TYPES, PAGE_CATEGORIES, SOURCES

ANCHOR = datetime(2025, 3, 4, tzinfo=UTC)
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_lead_rows_have_the_documented_layout():
    leads, _ = iter_bulk_rows(500, 20, seed=3, anchor=ANCHOR)
    rows = list(leads)
    assert [row[0] for row in rows] == list(range(1, 501))
    for key, external_id, email, *_, country, timezone, source, created_at in rows:
        assert external_id == f"lead-{key:06d}" and "@" in email
        assert country in COUNTRIES and timezone in COUNTRIES[country][1] and source in SOURCES
        assert ISO_Z.match(created_at) and created_at < "2024-09-05T00:00:00Z"  # before events
    assert all(len(row) == 14 for row in rows)


def test_event_rows_have_the_documented_layout():
    _, events = iter_bulk_rows(500, 20, seed=3, anchor=ANCHOR)
    rows = list(events)
    assert len(rows) == 10_000 and len({row[5] for row in rows}) == 10_000
    for key, event_type, category, asset_type, occurred_at, _ in rows:
        assert 1 <= key <= 500 and event_type in EVENT_TYPES
        assert (category in PAGE_CATEGORIES) == (event_type == "page_viewed")
        assert (asset_type in ASSET_TYPES) == (
            event_type in {"content_downloaded", "form_submitted"}
        )
        assert ISO_Z.match(occurred_at) and "2024-09-05" <= occurred_at < "2025-03-04"
    activity = Counter(row[0] for row in rows).most_common()
    assert activity[0][1] > 5 * activity[len(activity) // 2][1]  # a few leads do a lot


def test_bulk_rows_are_deterministic():
    first = iter_bulk_rows(200, 5, seed=11, anchor=ANCHOR, days=30)
    second = iter_bulk_rows(200, 5, seed=11, anchor=ANCHOR, days=30)
    assert list(first.leads) == list(second.leads) and list(first.events) == list(second.events)
    other = iter_bulk_rows(200, 5, seed=12, anchor=ANCHOR, days=30)
    assert list(other.events) != list(
        iter_bulk_rows(200, 5, seed=11, anchor=ANCHOR, days=30).events
    )


def test_bulk_rows_are_fast():
    started = time.process_time()  # CPU time, robust to a busy machine
    _, events = iter_bulk_rows(20_000, 20, anchor=ANCHOR)
    assert sum(1 for _ in events) == 400_000
    assert time.process_time() - started < 6.0  # ~1 s unloaded; 20M events take ~30 s of CPU
