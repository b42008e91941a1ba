"""Tests for the demo-data generator: determinism, vocabulary, behaviour mix and messy records."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.demo_data import (
    CSV_COLUMNS,
    DemoDataset,
    generate,
    to_csv_rows,
    to_jsonl_lines,
)
from core.demo_patterns import PATTERNS
from core.demo_pools import COUNTRIES, PERSONA_WEIGHTS
from core.demo_site import BASE_URL
from core.vocab import (
    ASSET_TYPES,
    CRM_STAGES,
    ENGAGEMENT_TYPES,
    EVENT_TYPES,
    KEY_FIELDS,
    PAGE_CATEGORIES,
    SOURCES,
    canonical_event_type,
    page_category,
)

ANCHOR = datetime(2025, 3, 4, tzinfo=UTC)
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
TRAITS = {*KEY_FIELDS, *CSV_COLUMNS, "persona", "product_interest", "phone"}


@pytest.fixture(scope="module")
def data() -> DemoDataset:
    return generate(anchor=ANCHOR)


@pytest.fixture(scope="module")
def trails(data: DemoDataset) -> dict[str, list[dict]]:
    by_lead: dict[str, list[dict]] = defaultdict(list)
    for event in data.events:
        by_lead[event["userId"]].append(event)
    return by_lead


def moment(event: dict) -> datetime:
    return datetime.fromisoformat(event["timestamp"])


def kind(event: dict) -> str:
    return canonical_event_type(event["event"])


def leads_with(data: DemoDataset, pattern: str) -> list[str]:
    return [lead for lead, p in data.patterns.items() if p == pattern]


def pricing_views(events: list[dict], since: datetime) -> int:
    return sum(
        kind(e) == "page_viewed"
        and page_category(e["properties"]["url"]) == "pricing"
        and moment(e) >= since
        for e in events
    )


def test_same_seed_and_anchor_give_byte_identical_output(data):
    again = generate(anchor=ANCHOR)
    assert to_jsonl_lines(again) == to_jsonl_lines(data)
    assert (again.reps, again.accounts, again.content) == (data.reps, data.accounts, data.content)


def test_another_seed_gives_other_data(data):
    other = generate(seed=8, anchor=ANCHOR)
    assert to_jsonl_lines(other) != to_jsonl_lines(data)
    assert other.accounts != data.accounts


def test_default_anchor_is_today_at_midnight_utc():
    small = generate(n_leads=40)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert small.anchor in {today, today - timedelta(days=1)}  # tolerate a run across midnight
    assert len(small.leads) == 40


def test_leads_are_identify_payloads(data):
    assert len(data.leads) == 1200
    for number, lead in enumerate(data.leads, start=1):
        assert set(lead) == {"type", "userId", "messageId", "timestamp", "traits"}
        assert lead["userId"] == f"lead-{number:06d}"
        assert lead["messageId"] == f"demo-identify-{number:06d}"
        assert ISO_Z.match(lead["timestamp"])
        assert set(lead["traits"]) <= TRAITS and "email" in lead["traits"]
        assert lead["traits"]["source"] in SOURCES
    personas = Counter(lead["traits"]["persona"] for lead in data.leads)
    assert set(personas) == set(PERSONA_WEIGHTS)
    assert 5 <= personas["student"] <= 80
    assert len({lead["traits"].get("title") for lead in data.leads}) >= 40


def test_every_event_name_maps_to_a_known_type(data):
    names = {event["event"] for event in data.events}
    for name in names:
        assert name == name.title(), name
        assert canonical_event_type(name) in EVENT_TYPES, name
    assert {
        "page_viewed",
        "demo_requested",
        "email_opened",
        "content_downloaded",
        "webinar_attended",
        "trial_started",
        "crm_stage_changed",
    } <= {canonical_event_type(n) for n in names}


def test_message_ids_are_unique_and_events_sorted(data):
    ids = [e["messageId"] for e in data.events] + [lead["messageId"] for lead in data.leads]
    assert len(ids) == len(set(ids))
    keys = [(e["timestamp"], e["messageId"]) for e in data.events]
    assert keys == sorted(keys)
    assert all(e["type"] == "track" and ISO_Z.match(e["timestamp"]) for e in data.events)


def test_timestamps_stay_in_the_window(data, trails):
    start = ANCHOR - timedelta(days=data.days)
    for lead in data.leads:
        events = trails[lead["userId"]]
        earliest = (
            ANCHOR - timedelta(days=200) if data.patterns[lead["userId"]] == "dormant" else start
        )
        created = datetime.fromisoformat(lead["timestamp"])
        assert earliest <= created < ANCHOR
        assert all(created <= moment(e) < ANCHOR for e in events), lead["userId"]
    assert 15 <= len(data.events) / len(data.leads) <= 30


def test_pattern_mix_is_within_bounds(data):
    shares = Counter(data.patterns.values())
    n = len(data.leads)
    assert 0.07 <= shares["hot"] / n <= 0.09
    assert 0.23 <= shares["warm"] / n <= 0.27
    assert 0.40 <= shares["cold"] / n <= 0.47
    assert 0.13 <= shares["dormant"] / n <= 0.17
    for rare in set(PATTERNS) - {"hot", "warm", "cold", "dormant"}:
        assert 1 <= shares[rare] <= 0.03 * n, rare


def test_hot_leads_show_decision_stage_intent(data, trails):
    week = ANCHOR - timedelta(days=7)
    for lead in leads_with(data, "hot"):
        events = trails[lead]
        assert pricing_views(events, week) >= 2, lead
        kinds = {kind(e) for e in events}
        assert kinds & {"demo_requested", "trial_started", "webinar_attended"}, lead
    for pattern in ("warm", "cold", "careers"):
        for lead in leads_with(data, pattern):
            assert pricing_views(trails[lead], week) < 2, lead
            assert "demo_requested" not in {kind(e) for e in trails[lead]}


def test_dormant_leads_went_silent_long_ago(data, trails):
    recent = ANCHOR - timedelta(days=60)
    was_hot = 0
    for lead in leads_with(data, "dormant"):
        engaged = [moment(e) for e in trails[lead] if kind(e) in ENGAGEMENT_TYPES]
        assert engaged and max(engaged) < recent and min(engaged) >= ANCHOR - timedelta(days=200)
        was_hot += pricing_views(trails[lead], ANCHOR - timedelta(days=365)) >= 2
    assert was_hot >= 10


def test_suppression_and_crm_patterns_end_as_expected(data, trails):
    final = {
        "unsubscribed": "email_unsubscribed",
        "bounced": "email_bounced",
        "complained": "email_complained",
    }
    for pattern, event_type in final.items():
        for lead in leads_with(data, pattern):
            emails = [e for e in trails[lead] if kind(e).startswith("email_")]
            assert kind(emails[-1]) == event_type, lead
    for pattern in ("customer", "opportunity", "closed_lost"):
        for lead in leads_with(data, pattern):
            stages = [
                e["properties"]["stage"] for e in trails[lead] if kind(e) == "crm_stage_changed"
            ]
            assert stages and stages[-1] == pattern, lead
    for lead in leads_with(data, "careers"):
        assert any(page_category(e["properties"].get("url")) == "careers" for e in trails[lead])


def test_event_properties_follow_the_vocabulary(data):
    for event in data.events:
        props, event_type = event["properties"], kind(event)
        if event_type == "page_viewed":
            assert props["url"].startswith(BASE_URL)
            if "category" in props:
                assert props["category"] in PAGE_CATEGORIES
                assert page_category(props["url"]) == props["category"], props
        elif event_type in {"content_downloaded", "form_submitted"}:
            assert props["asset"] and props["asset_type"] in ASSET_TYPES
        elif event_type == "email_clicked":
            assert props["url"].startswith(BASE_URL) and props["link"]
            assert props["campaign"] and props["email_id"]
        elif event_type.startswith("email_"):
            assert props["campaign"] and props["email_id"]
        elif event_type == "crm_stage_changed":
            assert props["stage"] in CRM_STAGES
    links = {e["properties"]["link"] for e in data.events if kind(e) == "email_clicked"}
    assert {"demo_offer", "case_study", "pricing"} <= links


def test_messy_records_are_present(data):
    traits = [lead["traits"] for lead in data.leads]
    emails = [t["email"] for t in traits]
    assert sum(e != e.strip() and e.strip() != e.strip().lower() for e in emails) >= 20
    assert any(t.get("first_name", "").strip() != t.get("first_name", "") for t in traits)
    assert any(t.get("title") in {"vp, marketing", "dir. of ops", "mktg mgr"} for t in traits)
    countries = {t.get("country") for t in traits}
    assert {"United States", "USA", "Deutschland", "uk"} & countries
    assert sum(c is not None and c not in COUNTRIES and c != "" for c in countries) >= 5
    by_id = {lead["userId"]: lead["traits"] for lead in data.leads}
    assert 3 <= len(data.duplicate_of) <= 12
    for duplicate, original in data.duplicate_of.items():
        a, b = by_id[duplicate]["email"], by_id[original]["email"]
        assert a.strip().lower() == b.strip().lower() and a != b
    missing = [t for t in traits if sum(not t.get(f) for f in KEY_FIELDS) >= 3]
    assert 0.02 <= len(missing) / len(traits) <= 0.04
    assert len(missing) == len(data.quirks["missing_key_fields"])


def test_places_and_timezones_agree(data):
    for lead in data.leads:
        t = lead["traits"]
        if t.get("country") in COUNTRIES and t.get("timezone"):
            assert t["timezone"] in COUNTRIES[t["country"]][1], t
            ZoneInfo(t["timezone"])
    regions = {t["traits"].get("timezone", "").split("/")[0] for t in data.leads}
    assert {"America", "Europe", "Asia", "Australia"} <= regions


def test_reps_and_accounts(data):
    assert 5 <= len(data.reps) <= 6
    assert len({r.slack_user_id for r in data.reps}) == len(data.reps)
    assert all(re.fullmatch(r"U0REP\d{3}", r.slack_user_id) for r in data.reps)
    assert {c for r in data.reps for c in r.territory} == set(COUNTRIES)
    assert 250 <= len(data.accounts) <= 350
    assert len({a.domain for a in data.accounts}) == len(data.accounts)
    assert all(
        a.country in COUNTRIES and a.timezone in COUNTRIES[a.country][1] for a in data.accounts
    )
    domains = {a.name: a.domain for a in data.accounts}
    for traits in (lead["traits"] for lead in data.leads):
        assert traits.get("company") in {*domains, None, ""}
        domain = traits["email"].strip().lower().split("@")[1]
        if traits.get("company"):
            assert domain in {domains[traits["company"]], "mail.example", "inbox.example"}


def test_csv_and_jsonl_exports(data):
    rows = to_csv_rows(data)
    assert len(rows) == len(data.leads)
    assert all(
        tuple(row) == CSV_COLUMNS and all(isinstance(v, str) for v in row.values()) for row in rows
    )
    lines = to_jsonl_lines(data)
    assert len(lines) == len(data.leads) + len(data.events)
    assert json.loads(lines[0]) == data.leads[0] and json.loads(lines[-1]) == data.events[-1]


def test_window_must_hold_a_week():
    with pytest.raises(ValueError, match="at least 7"):
        generate(n_leads=10, anchor=ANCHOR, days=6)


def test_counts_summarise_the_dataset(data):
    counts = data.counts()
    assert (counts["reps"], counts["leads"], counts["events"]) == (6, 1200, len(data.events))
    assert sum(v for k, v in counts.items() if k.startswith("pattern_")) == 1200
