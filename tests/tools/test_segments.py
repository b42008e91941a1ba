"""Segment filters compiled to SQL, checked against hand-computed memberships."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import identify, track
from tools.progress import matches
from tools.rescore import rescore
from tools.segment_filter import FilterError, compile_filter
from tools.segments import (
    count_members,
    ensure_builtins,
    list_members,
    save_segment,
    segments_for_lead,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def people(session):
    """Four leads with known behaviour (ids keyed by nickname)."""
    hot = identify(
        session,
        email="hot@acme.io",
        source="webinar",
        persona="founder",
        title="CEO",
        industry="saas",
        company_size=120,
    )
    track(session, hot, "Page Viewed", NOW - 1 * DAY, url="/pricing")
    track(session, hot, "Page Viewed", NOW - 3 * DAY, url="/pricing")
    track(session, hot, "Demo Requested", NOW - 2 * DAY)
    once = identify(session, email="once@beta.io", source="ebook")
    track(session, once, "Page Viewed", NOW - 2 * DAY, url="/pricing")
    track(session, once, "Page Viewed", NOW - 9 * DAY, url="/pricing")  # outside 7 days
    track(session, once, "Content Downloaded", NOW - 9 * DAY, asset_type="whitepaper")
    old = identify(session, email="old@gamma.io", source="webinar")
    track(session, old, "Email Clicked", NOW - 95 * DAY)
    quiet = identify(session, email="quiet@delta.io", source="ads")
    track(session, quiet, "Email Opened", NOW - 40 * DAY)
    ids = {"hot": hot.id, "once": once.id, "old": old.id, "quiet": quiet.id}
    rescore(session, list(ids.values()), as_of=NOW)
    return ids


def members(session, filter_):
    return {
        row["email"].split("@")[0] for row in list_members(session, filter_, as_of=NOW, limit=100)
    }


MINE = "email in ('hot@acme.io', 'once@beta.io', 'old@gamma.io', 'quiet@delta.io')"

EXPECTED = [
    ("pricing_views_7d >= 2", {"hot"}),
    ("pricing_views_7d >= 1", {"hot", "once"}),
    ("pricing_views >= 2", {"hot", "once"}),
    ("pricing_views_7d = 0", {"old", "quiet"}),
    ("pricing_views_7d < 2", {"once", "old", "quiet"}),
    ("inactive_days >= 30", {"old", "quiet"}),
    ("inactive_days >= 90", {"old"}),
    ("inactive_days < 30", {"hot", "once"}),
    ("source = webinar", {"hot", "old"}),
    ("source = WEBINAR and not inactive_days >= 90", {"hot"}),
    ("tier = mql", {"hot"}),
    ("whitepaper_downloads >= 1 or demo_requests_7d >= 1", {"hot", "once"}),
    ("(source = ads or source = ebook) and email_opens_60d >= 1", {"quiet"}),
    ("score > 0 and stage = decision", {"hot", "once"}),
]


@pytest.mark.parametrize(("filter_", "expected"), EXPECTED)
def test_filter_membership(session, people, filter_, expected):
    assert members(session, f"({filter_}) and {MINE}") == expected
    assert count_members(session, f"({filter_}) and {MINE}", as_of=NOW) == len(expected)


@pytest.mark.parametrize(("filter_", "expected"), EXPECTED)
def test_per_lead_compile_agrees(session, people, filter_, expected):
    """One lead at a time (triggers, sequence branches) reads that lead's own trail."""
    assert {nick for nick, lead in people.items() if matches(session, lead, filter_, NOW)} == (
        expected
    )
    set_based, _ = compile_filter(filter_)
    per_lead, _ = compile_filter(filter_, per_lead=True)
    assert "GROUP BY" not in per_lead
    assert ("e.lead_id = leads.id" in per_lead) == ("FROM events" in set_based)


def test_per_lead_compile_at_each_leads_own_time(session, people):
    # hot viewed pricing 3 days and 1 day before NOW: two in the 7 days up to NOW, one up to
    # 2 days before it, none up to 4 days before it
    hot = people["hot"]
    assert matches(session, hot, "pricing_views_7d >= 2", NOW)
    assert not matches(session, hot, "pricing_views_7d >= 2", NOW - 2 * DAY)
    assert matches(session, hot, "pricing_views_7d = 1", NOW - 2 * DAY)
    assert matches(session, hot, "pricing_views_7d = 0", NOW - 4 * DAY)


def test_builtins_and_lead_segments(session, people):
    ensure_builtins(session)
    names = segments_for_lead(session, people["hot"], as_of=NOW)
    assert {"pricing_2x_7d", "high_intent", "mql", "source_webinar", "persona_founder"} <= set(
        names
    )
    assert "inactive_30d" not in names
    assert "inactive_90d" in segments_for_lead(session, people["old"], as_of=NOW)


def test_custom_segment_round_trip(session, people):
    save_segment(session, "webinar_quiet", "source = webinar and inactive_days >= 60")
    assert "webinar_quiet" in segments_for_lead(session, people["old"], as_of=NOW)


@pytest.mark.parametrize(
    ("bad", "position"),
    [
        ("score >", 7),
        ("nope = 1", 0),
        ("tier > warm", 5),
        ("(score > 1", 10),
        ("score = 1 extra", 10),
        ("score = abc", 8),
        ("x;drop table leads", 1),
    ],
)
def test_bad_filters_say_where(bad, position):
    with pytest.raises(FilterError) as err:
        compile_filter(bad)
    assert err.value.position == position


def test_values_are_bound_never_inlined():
    sql, params = compile_filter('company = "x\'); DROP TABLE leads; --"')
    assert "DROP" not in sql and list(params.values()) == ["x'); drop table leads; --"]
