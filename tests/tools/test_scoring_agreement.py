"""The SQL rescore and the line-by-line Python explanation agree on every demo lead."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from core.demo_data import generate
from core.models import Lead
from tools.demo_loader import load_demo
from tools.leads import explain
from tools.rescore import FULL_RESCORE_TABLES, refresh_stats, rescore

ANCHOR = datetime(2026, 6, 2, tzinfo=UTC)


def test_sql_and_python_scores_agree_on_demo_data(session):
    load_demo(session, generate(seed=11, n_leads=150, anchor=ANCHOR))
    engagement_totals = []
    for as_of in (ANCHOR, ANCHOR + timedelta(days=75)):  # today, and after decay
        rescore(session, None, as_of=as_of)
        leads = session.scalars(select(Lead)).all()
        assert len(leads) >= 140
        mismatches = []
        for lead in leads:
            why = explain(session, lead, as_of=as_of)
            got = (lead.score, lead.fit_score, lead.engagement_score, lead.tier, lead.stage)
            want = (why.score, why.fit, why.engagement, why.tier, why.stage)
            if got != want or sum(line.points for line in why.lines) != why.score:
                mismatches.append((lead.email, got, want))
        assert mismatches == []
        engagement_totals.append(sum(lead.engagement_score for lead in leads))
        if as_of == ANCHOR:
            assert {lead.tier for lead in leads} == {"cold", "warm", "mql"}
    assert engagement_totals[1] < engagement_totals[0]  # 75 silent days decay engagement


def _reltuples(session) -> dict[str, float]:
    rows = session.execute(
        text("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(:t)"),
        {"t": list(FULL_RESCORE_TABLES)},
    )
    return dict(rows.all())


def test_a_full_rescore_refreshes_statistics_that_say_the_trail_is_empty(session):
    """Autovacuum may last have seen these tables empty (a fresh install before a bulk load, or
    a test database): the full rescore analyzes them first, in its own transaction, so the
    planner does not take thousands of events for one row."""
    load_demo(session, generate(seed=11, n_leads=40, anchor=ANCHOR))
    session.execute(
        text("UPDATE pg_class SET reltuples = 0 WHERE relname = ANY(:t)"),
        {"t": list(FULL_RESCORE_TABLES)},
    )
    assert sorted(refresh_stats(session)) == sorted(FULL_RESCORE_TABLES)
    counted = _reltuples(session)
    leads = session.scalar(text("SELECT count(*) FROM leads"))
    assert leads >= 30 and counted["leads"] == leads and counted["events"] > leads
    assert refresh_stats(session) == []  # current statistics: nothing to do
