"""Scoring against the DOMAIN.md defaults: table-driven, decay, reset, tiers, explanations."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.models import Event, Lead, ScoreHistory
from tests.factories import events_of, identify, lead_attrs, track
from tools.rescore import rescore
from tools.scoring import compute_score
from tools.scoring_rules import load_config

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)

VP_SAAS = {"title": "VP Marketing", "industry": "saas", "company_size": 200}
NOBODY = {"title": "Analyst", "industry": "mining", "company_size": 5}

CASES = [
    # (traits, [(event, days_ago, props)], expected score, tier, stage)
    (VP_SAAS, [], 35, "warm", "awareness"),
    (
        VP_SAAS,
        [
            ("Demo Requested", 1, {}),
            ("Page Viewed", 2, {"url": "/pricing"}),
            ("Page Viewed", 3, {"url": "/pricing"}),
        ],
        105,
        "mql",
        "decision",
    ),
    (NOBODY, [("Email Opened", d, {}) for d in range(1, 9)], 5, "cold", "awareness"),
    (
        NOBODY,
        [("Webinar Attended", 65, {}), ("Content Downloaded", 66, {"asset_type": "ebook"})],
        18,
        "cold",
        "consideration",
    ),
    (
        NOBODY,
        [("Content Downloaded", 3, {"asset_type": "case_study"}), ("Email Clicked", 2, {})],
        15,
        "cold",
        "consideration",
    ),
    (
        {"title": "Marketing Intern"},
        [("Page Viewed", 1, {"url": "/careers"})],
        0,
        "cold",
        "awareness",
    ),
    (VP_SAAS, [("Demo Requested", 5, {}), ("Email Unsubscribed", 2, {})], 35, "warm", "decision"),
    (NOBODY, [("Demo Requested", 200, {})], 10, "cold", "decision"),
]


@pytest.mark.parametrize(("traits", "trail", "score", "tier", "stage"), CASES)
def test_score_table(session, traits, trail, score, tier, stage):
    lead = identify(session, **traits)
    for name, days_ago, props in trail:
        track(session, lead, name, NOW - days_ago * DAY, **props)
    rescore(session, [lead.id], as_of=NOW)
    session.refresh(lead)
    assert (lead.score, lead.tier, lead.stage) == (score, tier, stage)
    breakdown = compute_score(lead_attrs(lead), events_of(session, lead.id), NOW)
    assert breakdown.score == score
    assert sum(line.points for line in breakdown.lines) == score


def test_open_cap_is_per_calendar_month(session):
    lead = identify(session, **NOBODY)
    for day in range(1, 9):
        track(session, lead, "Email Opened", datetime(2026, 10, day, tzinfo=UTC))
    for day in range(1, 4):
        track(session, lead, "Email Opened", datetime(2026, 11, day, tzinfo=UTC))
    as_of = datetime(2026, 11, 5, tzinfo=UTC)
    rescore(session, [lead.id], as_of=as_of)
    session.refresh(lead)
    assert lead.engagement_score == 8


def test_decay_steps_are_visible_and_history_records_each(session):
    lead = identify(session, **NOBODY)
    track(session, lead, "Webinar Attended", NOW - 10 * DAY)  # +20
    track(session, lead, "Content Downloaded", NOW - 10 * DAY, asset_type="whitepaper")  # +8
    scores = []
    for days in (0, 30, 60, 200):
        rescore(session, [lead.id], as_of=NOW + days * DAY, cause="decay")
        session.refresh(lead)
        scores.append(lead.score)
    assert scores == [28, 23, 18, 0]
    history = session.scalars(
        select(ScoreHistory).where(ScoreHistory.lead_id == lead.id).order_by(ScoreHistory.id)
    ).all()
    assert [h.score for h in history] == [28, 23, 18, 0]
    decay_lines = [r for r in history[2].reasons if r["kind"] == "decay"]
    assert decay_lines and decay_lines[0]["points"] == -10
    explained = compute_score(lead_attrs(lead), events_of(session, lead.id), NOW + 60 * DAY)
    assert [ln.points for ln in explained.lines if ln.kind == "decay"] == [-5, -5]


def test_unsubscribe_resets_engagement_and_suppresses(session):
    lead = identify(session, **VP_SAAS)
    track(session, lead, "Demo Requested", NOW - 3 * DAY)
    track(session, lead, "Email Unsubscribed", NOW - 2 * DAY)
    rescore(session, [lead.id], as_of=NOW)
    session.refresh(lead)
    assert lead.engagement_score == 0
    assert lead.consent == "unsubscribed"


def test_crossing_into_mql_records_one_internal_event(session):
    lead = identify(session, **VP_SAAS)
    rescore(session, [lead.id], as_of=NOW - 2 * DAY)
    track(session, lead, "Demo Requested", NOW - DAY)
    first = rescore(session, [lead.id], as_of=NOW)
    again = rescore(session, [lead.id], as_of=NOW + timedelta(hours=1))
    assert first["mql_leads"] == [lead.id]
    assert again["mql_leads"] == []
    mql = session.scalars(
        select(Event).where(Event.lead_id == lead.id, Event.type == "mql_reached")
    ).all()
    assert len(mql) == 1 and mql[0].properties["from_tier"] == "warm"


def test_every_line_traces_to_an_event_or_rule(session):
    lead = identify(session, **VP_SAAS)
    track(session, lead, "Page Viewed", NOW - DAY, url="https://x.example/pricing")
    track(session, lead, "Email Clicked", NOW - DAY)
    breakdown = compute_score(lead_attrs(lead), events_of(session, lead.id), NOW)
    rule_ids = {r.id for r in load_config().fit + load_config().engagement}
    for line in breakdown.lines:
        assert line.rule in rule_ids | {"decay", "reset", "floor"}
        if line.kind == "engagement":
            assert line.event_id is not None
    # fit 15+10+10, pricing 15, click 3: the pricing view and the senior title tie at 15
    assert breakdown.score == 53
    assert set(breakdown.top_reasons(2)) == {
        "Director/VP/C-level title: +15",
        "Viewed the pricing page: +15",
    }


@pytest.mark.parametrize(
    ("score", "tier"),
    [(0, "cold"), (25, "cold"), (26, "warm"), (70, "warm"), (71, "mql"), (300, "mql")],
)
def test_tier_boundaries(score, tier):
    assert load_config().tier_for(score) == tier


def test_lead_is_unknown_to_other_leads(session):
    a = identify(session, **VP_SAAS)
    b = identify(session, **NOBODY)
    track(session, a, "Demo Requested", NOW - DAY)
    rescore(session, None, as_of=NOW)
    assert session.get(Lead, b.id).score == 0 and session.get(Lead, a.id).score == 75
