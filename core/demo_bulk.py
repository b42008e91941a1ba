"""Bulk demo rows for benchmarks: millions of lead and event tuples, vectorised with numpy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import chain
from typing import NamedTuple

import numpy as np

from core.demo_pools import COUNTRIES, INDUSTRY_WEIGHTS, NAMES, PERSONA_TITLES, SOURCE_WEIGHTS

# (type, category, asset_type, weight): the mix of a typical trail.
EVENT_MIX: tuple[tuple[str, str | None, str | None, float], ...] = (
    ("page_viewed", "blog", None, 14.0),
    ("page_viewed", "product", None, 9.0),
    ("page_viewed", "pricing", None, 4.0),
    ("page_viewed", "case_study", None, 3.0),
    ("page_viewed", "comparison", None, 1.5),
    ("page_viewed", "guide", None, 2.0),
    ("page_viewed", "docs", None, 2.0),
    ("page_viewed", "careers", None, 0.5),
    ("page_viewed", "other", None, 2.0),
    ("email_sent", None, None, 17.0),
    ("email_delivered", None, None, 16.5),
    ("email_opened", None, None, 8.0),
    ("email_clicked", None, None, 2.0),
    ("email_bounced", None, None, 0.2),
    ("email_unsubscribed", None, None, 0.15),
    ("email_complained", None, None, 0.02),
    ("content_downloaded", None, "ebook", 1.2),
    ("content_downloaded", None, "whitepaper", 0.8),
    ("content_downloaded", None, "case_study", 0.6),
    ("content_downloaded", None, "report", 0.4),
    ("form_submitted", None, "checklist", 0.4),
    ("form_submitted", None, "guide", 0.5),
    ("webinar_registered", None, None, 1.2),
    ("webinar_attended", None, None, 0.6),
    ("trial_started", None, None, 0.3),
    ("demo_requested", None, None, 0.35),
    ("meeting_booked", None, None, 0.1),
    ("crm_stage_changed", None, None, 0.2),
)
CHUNK = 1_000_000


class BulkRows(NamedTuple):
    """Two lazy row streams, one per table: `leads, events = iter_bulk_rows(...)`."""

    leads: Iterator[tuple]
    events: Iterator[tuple]


def _epoch(anchor: datetime | None) -> int:
    anchor = anchor or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    anchor = anchor if anchor.tzinfo else anchor.replace(tzinfo=UTC)
    return int(anchor.timestamp())


class _Clock:
    """Random UTC timestamps as ISO strings, drawn from a pool with one entry per minute.

    Each minute carries one fixed, random second. Formatting 20M distinct timestamps dominated
    the run; indexing a precomputed pool shares string objects instead of creating new ones.
    """

    def __init__(self, rng: np.random.Generator, end: int, days: int, gap_days: int = 0):
        minutes = np.arange(days * 1440, dtype=np.int64)
        epoch = end - gap_days * 86_400 - (minutes + 1) * 60 + rng.integers(0, 60, minutes.size)
        stamps = np.datetime_as_string(epoch.astype("datetime64[s]"), unit="s", timezone="UTC")
        self.pool = stamps.astype(object)

    def draw(self, rng: np.random.Generator, size: int) -> list[str]:
        """`size` timestamps "YYYY-MM-DDTHH:MM:SSZ" spread uniformly over the clock's window."""
        return self.pool[rng.integers(0, self.pool.size, size)].tolist()


def _pick(rng: np.random.Generator, options: list, weights: list[float], size: int) -> list:
    p = np.asarray(weights, dtype=float)
    return np.asarray(options, dtype=object)[rng.choice(len(options), size, p=p / p.sum())].tolist()


def _objects(values: list) -> np.ndarray:
    return np.asarray(values, dtype=object)


def _lead_chunks(n_leads: int, seed: int, end: int, days: int) -> Iterator[Iterator[tuple]]:
    rng = np.random.default_rng([seed, 1])
    clock = _Clock(rng, end, 30, gap_days=days)  # created in the month before any event
    countries = _objects(list(COUNTRIES))
    zones = _objects([COUNTRIES[c][1][0] for c in countries])
    country_weights = [COUNTRIES[c][0] for c in countries]
    titles = _objects([t for group in PERSONA_TITLES.values() for t in group])
    personas = _objects([p for p, group in PERSONA_TITLES.items() for _ in group])
    firsts = _objects(sorted({n for first, _ in NAMES.values() for n in first}))
    lasts = _objects(sorted({n for _, last in NAMES.values() for n in last}))
    for start in range(0, n_leads, CHUNK):
        size = min(CHUNK, n_leads - start)
        keys = range(start + 1, start + size + 1)
        where = rng.choice(len(countries), size, p=np.divide(country_weights, sum(country_weights)))
        job = rng.integers(0, len(titles), size)
        yield zip(
            keys,
            [f"lead-{k:06d}" for k in keys],
            [f"bulk{k}@company{k % 250_000}.example" for k in keys],
            firsts[rng.integers(0, len(firsts), size)].tolist(),
            lasts[rng.integers(0, len(lasts), size)].tolist(),
            titles[job].tolist(),
            personas[job].tolist(),
            [f"Company {k % 250_000}" for k in keys],
            _pick(rng, list(INDUSTRY_WEIGHTS), list(INDUSTRY_WEIGHTS.values()), size),
            np.clip(rng.lognormal(4.6, 1.5, size).round(), 2, 60_000).astype(int).tolist(),
            countries[where].tolist(),
            zones[where].tolist(),
            _pick(rng, list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values()), size),
            clock.draw(rng, size),
            strict=True,
        )


def _event_chunks(
    n_leads: int, total: int, seed: int, end: int, days: int
) -> Iterator[Iterator[tuple]]:
    rng = np.random.default_rng([seed, 2])
    clock = _Clock(rng, end, days)
    weights = np.array([w for *_, w in EVENT_MIX])
    mix = _objects([row[:3] for row in EVENT_MIX])
    # Scatter ranks over keys with a multiplier coprime to n_leads (a cheap bijection).
    spread = next(p for p in (1_000_003, 999_983, 7_919) if n_leads % p)
    for start in range(0, total, CHUNK):
        size = min(CHUNK, total - start)
        # Skewed activity: rank r gets events with density ~ 1/sqrt(r), so few leads do a lot.
        ranks = (n_leads * rng.random(size) ** 2).astype(np.int64)
        kinds = rng.choice(len(EVENT_MIX), size, p=weights / weights.sum())
        yield zip(
            ((ranks * spread) % n_leads + 1).tolist(),
            mix[kinds, 0].tolist(),
            mix[kinds, 1].tolist(),
            mix[kinds, 2].tolist(),
            clock.draw(rng, size),
            [f"bulk-{seed}-{i}" for i in range(start, start + size)],
            strict=True,
        )


def iter_bulk_rows(
    n_leads: int,
    events_per_lead: int = 20,
    seed: int = 7,
    anchor: datetime | None = None,
    days: int = 180,
) -> BulkRows:
    """Lazy lead and event tuples for COPY; exactly n_leads * events_per_lead events, seeded.

    Lead rows: (lead_key, external_id, email, first_name, last_name, title, persona, company,
    industry, company_size, country, timezone, source, created_at).
    Event rows: (lead_key, type, category, asset_type, occurred_at, message_id).
    `lead_key` is the int 1..n_leads shared by both streams (use it as leads.id / events.lead_id);
    `type` is a vocab.EVENT_TYPES value, `category` a vocab.PAGE_CATEGORIES value for page views
    and None otherwise, `asset_type` a vocab.ASSET_TYPES value for downloads and forms and None
    otherwise; timestamps are ISO 8601 strings in UTC ("2025-03-04T09:15:00Z") within `days`
    before the anchor; message ids are unique ("bulk-<seed>-<n>"). Events are not time-ordered.
    """
    end = _epoch(anchor)
    # chain() over per-chunk zips keeps the per-row loop in C: no generator frame per row.
    return BulkRows(
        chain.from_iterable(_lead_chunks(n_leads, seed, end, days)),
        chain.from_iterable(_event_chunks(n_leads, n_leads * events_per_lead, seed, end, days)),
    )
