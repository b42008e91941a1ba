"""The SQL rescore and the line-by-line Python explanation agree on every demo lead."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.demo_data import generate
from core.models import Lead
from tools.demo_loader import load_demo
from tools.leads import explain
from tools.rescore import rescore

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
