"""Segment filters read from behaviour summaries give exactly the event trail's members."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from core.demo_data import generate
from tests.factories import identify, track
from tools import behaviour
from tools.demo_loader import load_demo
from tools.ingest import ingest
from tools.ingest_schema import parse_one
from tools.leads import tier_counts
from tools.rescore import rescore
from tools.segment_filter import compile_filter, compile_summary_filter
from tools.segments import builtin_definitions, count_members

NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)
HAND_WRITTEN = [
    "pricing_views_7d >= 2",
    "pricing_views_7d = 0",
    "pricing_views_7d < 2",
    "pricing_views_7d <= 1",
    "pricing_views_7d > 1",
    "pricing_views_7d = 1",
    "pricing_views_7d != 1",
    "pricing_views_30d >= 3",
    "pricing_views_30d >= 4",  # needs a 4th timestamp: reads the trail
    "page_views_90d >= 3",
    "page_views_120d >= 1",  # window longer than the summaries cover: reads the trail
    "whitepaper_downloads = 0",
    "whitepaper_downloads >= 2",
    "downloads < 1",
    "page_views >= 1.5",
    "demo_requests_7d >= 1 and not (pricing_views_7d >= 2)",
    "not (email_clicks_30d = 0) or persona = founder",
    "events_30d >= 5",  # not summarised
    "emails_sent = 0",
    "replies_14d > 0 and tier = warm",
    "case_study_views_30d != 2",
    "not (whitepaper_downloads >= 1 and inactive_days < 30)",
]
FILTERS = [item["filter"] for item in builtin_definitions()] + HAND_WRITTEN
LATER = [0, 2, 8, 31, 95]  # days after the newest event


def by_trail(session, filter_, as_of):
    where, params = compile_filter(filter_)
    sql = f"SELECT leads.id FROM leads WHERE {where}"
    return set(session.execute(text(sql), {**params, "as_of": as_of}).scalars())


def by_summary(session, filter_, as_of):
    found = compile_summary_filter(filter_)
    sql = f"SELECT {found.lead_id} FROM {found.from_} WHERE {found.where}"
    return set(session.execute(text(sql), {**found.params, "as_of": as_of}).scalars())


def assert_same_members(session, days_later):
    # summaries answer for "now" onwards: from the newest event (identify events are stamped
    # at ingest) on, as "now" moves past window edges
    latest = session.execute(text("SELECT max(occurred_at) FROM events")).scalar()
    for when in [latest + days * DAY for days in days_later]:
        for filter_ in FILTERS:
            assert by_summary(session, filter_, when) == by_trail(session, filter_, when), (
                filter_,
                when,
            )


@pytest.fixture
def trails(session):
    """Hand-built trails around the window edges, with ties and a few hundred page views."""
    edge = identify(session, email="edge@acme.io", persona="founder")
    for at in (1 / 24, 6.99, 7.01, 29, 29, 89):
        track(session, edge, "Page Viewed", NOW - at * DAY, url="/pricing")
    track(session, edge, "Demo Requested", NOW - 6.5 * DAY)
    busy = identify(session, email="busy@beta.io")
    for i in range(40):
        track(session, busy, "Page Viewed", NOW - (i * 3 + 0.5) * DAY, url="/blog/post")
    track(session, busy, "Content Downloaded", NOW - 200 * DAY, asset_type="whitepaper")
    track(session, busy, "Content Downloaded", NOW - 3 * DAY, asset_type="ebook")
    track(session, busy, "Email Clicked", NOW - 20 * DAY)
    track(session, busy, "Reply Received", NOW - 2 * DAY)
    quiet = identify(session, email="quiet@gamma.io")
    track(session, quiet, "Email Opened", NOW - 40 * DAY)
    track(session, quiet, "Page Viewed", NOW - 100 * DAY, url="/case-studies/x")
    identify(session, email="none@delta.io")
    ids = [edge.id, busy.id, quiet.id]
    rescore(session, ids, as_of=NOW)
    return ids


def test_summaries_match_the_trail_on_hand_built_trails(session, trails):
    assert_same_members(session, LATER)


def test_full_rescore_fills_summaries_that_match_the_trail(session, trails):
    session.execute(text("UPDATE lead_behaviour SET summarised_at = NULL"))
    rescore(session, None, as_of=NOW)
    unsummarised = "SELECT count(*) FROM lead_behaviour WHERE summarised_at IS NULL"
    assert session.execute(text(unsummarised)).scalar() == 0
    assert_same_members(session, LATER)


def test_many_rows_fill_keeps_what_the_per_lead_fill_keeps(session, trails, monkeypatch):
    load_demo(session, generate(seed=7, n_leads=120, anchor=NOW - DAY))
    rescore(session, None, as_of=NOW)
    rows = "SELECT * FROM lead_behaviour ORDER BY lead_id"
    kept = {}
    for by_lead_below in (10_000, 0):  # the per-lead statement, then per-metric parts
        monkeypatch.setattr(behaviour, "FILL_BY_LEAD_BELOW", by_lead_below)
        session.execute(text("UPDATE lead_behaviour SET summarised_at = NULL"))
        assert behaviour.summarise(session, NOW) > 100
        kept[by_lead_below] = [
            row._asdict() | {"summarised_at": None} for row in session.execute(text(rows))
        ]
    assert kept[0] == kept[10_000]
    assert_same_members(session, [0, 8, 31, 95])


def test_summaries_match_the_trail_on_demo_data(session):
    load_demo(session, generate(seed=5, n_leads=150, anchor=NOW - DAY))
    differ = text(
        "SELECT count(*) FROM leads l FULL JOIN lead_ranks r ON r.lead_id = l.id "
        "WHERE (l.tier, l.score, l.last_engaged_at, l.created_at) "
        "IS DISTINCT FROM (r.tier, r.score, r.last_engaged_at, r.created_at)"
    )
    assert session.execute(differ).scalar() == 0  # inline scoring kept lead_ranks in step
    rescore(session, None, as_of=NOW)
    assert session.execute(differ).scalar() == 0  # and so did the full rescore
    by_leads = dict(session.execute(text("SELECT tier, count(*) FROM leads GROUP BY tier")).all())
    assert tier_counts(session) == by_leads and len(by_leads) >= 2
    assert_same_members(session, [0, 8, 40])


def test_counts_read_summaries_where_they_are_exact():
    assert compile_summary_filter("whitepaper_downloads >= 1").from_ == "lead_behaviour b"
    high_intent = compile_summary_filter("pricing_views_7d >= 2 or demo_requests_7d >= 1")
    assert "events" not in high_intent.where
    assert "FROM events" in compile_summary_filter("pricing_views_120d >= 1").where
    assert "FROM events" in compile_summary_filter("events_7d >= 1").where
    mixed = compile_summary_filter("persona = founder and whitepaper_downloads >= 1")
    assert mixed.from_.startswith("leads JOIN lead_behaviour b")


def test_tier_score_and_inactivity_read_lead_ranks_where_their_indexes_are():
    """Migration 0011 moved those indexes off `leads`: set-based filters on them read the
    copy in lead_ranks, joined to whatever else the filter needs, never leads for nothing."""
    tier = compile_summary_filter("tier = mql")
    assert (tier.from_, tier.lead_id, tier.uses_leads) == ("lead_ranks r", "r.lead_id", False)
    assert "r.tier" in tier.where
    inactive = compile_summary_filter("inactive_days >= 30")
    assert inactive.from_ == "lead_ranks r"
    assert "coalesce(r.last_engaged_at, r.created_at)" in inactive.where
    warm_buyers = compile_summary_filter("score >= 40 and pricing_views_7d >= 2")
    assert warm_buyers.from_ == "lead_behaviour b JOIN lead_ranks r ON r.lead_id = b.lead_id"
    everything = compile_summary_filter("persona = founder and tier = warm and downloads >= 1")
    assert everything.from_ == (
        "leads JOIN lead_behaviour b ON b.lead_id = leads.id "
        "JOIN lead_ranks r ON r.lead_id = leads.id"
    )
    trail = compile_filter("tier = mql")[0]  # the per-lead / as-of compile reads leads
    assert "leads.tier" in trail


def test_membership_is_current_right_after_ingest(session, trails):
    busy = trails[1]
    assert count_members(session, "pricing_views_7d >= 2 and whitepaper_downloads >= 2") == 0
    external = session.execute(text("SELECT external_id FROM leads WHERE id = :id"), {"id": busy})
    user_id = external.scalar()
    for n in range(2):
        message = {
            "userId": user_id,
            "name": "Pricing",
            "properties": {"url": "https://x.io/pricing"},
            "messageId": f"fresh-{n}",
            "timestamp": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        }
        ingest(session, [parse_one(message, "page")])
    assert count_members(session, "pricing_views_7d >= 2 and whitepaper_downloads >= 2") == 1
    row = session.execute(
        text(
            "SELECT pricing_views, summarised_at IS NOT NULL FROM lead_behaviour "
            "WHERE lead_id = :id"
        ),
        {"id": busy},
    ).one()
    assert tuple(row) == (2, True)
