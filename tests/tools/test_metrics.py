"""Metrics over five hand-built leads, every expectation computed by hand from the fixture."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.factories import identify, track
from tools.metrics import LeadFilter, Period, month_of
from tools.metrics_ai import draft_approval_rate, reply_label_mix, time_to_approve
from tools.metrics_cohorts import nurtured_vs_not, speed_to_lead, time_to_handoff
from tools.metrics_email import campaign_names, email_performance, went_quiet_after
from tools.metrics_funnel import funnel_counts, lead_velocity, mql_count, mql_rate, stage_conversion
from tools.metrics_leads import count_leads, leads_by, leads_over_time, top_leads

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NOV, OCT = month_of(NOW), month_of(datetime(2026, 10, 5, tzinfo=UTC))
BOTH = Period(start=OCT.start, end=NOV.end)


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def email(session, lead, when, campaign, email_id, *steps, **extra):
    """An email sent at `when`, then (delivered|opened|clicked|bounced) a few minutes apart."""
    ids = {"email_id": email_id, **({"campaign": campaign} if campaign else {}), **extra}
    track(session, lead, "Email Sent", when, **ids)
    for i, step in enumerate(steps, start=1):
        track(session, lead, f"Email {step.capitalize()}", when + timedelta(minutes=i), **ids)


@pytest.fixture
def world(session):
    """A: webinar/fintech, clicked the pricing email, MQL Nov 12, SQL Nov 14.
    B: webinar/saas, welcome sequence step 1, opened the pricing email and went quiet, MQL Nov 15.
    C: ebook/fintech, created in October, MQL Oct 20, SQL Oct 22, opportunity Oct 25, replied
       (question) to the pricing email and viewed a page after it.
    D: webinar/fintech, created in October, the pricing email bounced.
    E: ads, created Nov 18, no email, a rep note 30 hours later."""
    leads = {}
    for name, created, traits in (
        ("A", at(11, 2), {"source": "webinar", "industry": "fintech"}),
        ("B", at(11, 5), {"source": "webinar", "industry": "saas"}),
        ("C", at(10, 10), {"source": "ebook", "industry": "fintech"}),
        ("D", at(10, 15), {"source": "webinar", "industry": "fintech"}),
        ("E", at(11, 18), {"source": "ads", "industry": "saas"}),
    ):
        lead = identify(session, email=f"{name.lower()}@metrics-co.io", **traits)
        lead.created_at = created
        leads[name] = lead
    a, b, c, d, e = (leads[k] for k in "ABCDE")
    pricing = at(11, 11, 10)
    email(session, a, pricing, "pricing-1111", "pA", "delivered", "opened", "clicked")
    email(session, b, pricing, "pricing-1111", "pB", "delivered", "opened")
    email(session, c, pricing, "pricing-1111", "pC", "delivered")
    email(session, d, pricing, "pricing-1111", "pD", "bounced")
    email(session, c, at(10, 14, 10), "newsletter-1014", "nC", "delivered")
    track(session, b, "Sequence Enrolled", at(11, 5, 1), sequence="welcome")
    email(session, b, at(11, 6, 10), None, "w1", "delivered", "opened", sequence="welcome", step=1)
    track(session, c, "Reply Received", at(11, 12), label="question")
    track(session, c, "Page Viewed", at(11, 13), url="https://nurture.example/blog/a")
    for lead, when in ((a, at(11, 12)), (b, at(11, 15)), (c, at(10, 20))):
        track(session, lead, "Mql Reached", when)
    track(session, a, "Crm Stage Changed", at(11, 14), stage="sql")
    track(session, c, "Crm Stage Changed", at(10, 22), stage="sql")
    track(session, c, "Crm Stage Changed", at(10, 25), stage="opportunity")
    track(session, e, "Note Added", at(11, 19, 6))
    for lead, score in zip((a, b, c, d, e), (90, 75, 60, 10, 30), strict=True):
        lead.score = score
    session.flush()
    return {k: v.id for k, v in leads.items()}


def test_lead_counts_breakdowns_and_top(session, world):
    assert count_leads(session, as_of=NOW).value == 5
    november = count_leads(session, period=NOV, as_of=NOW)
    assert november.value == 3 and set(november.record_ids) == {world[k] for k in "ABE"}
    assert ":start" in november.sql and november.params["start"] == "2026-11-01T00:00:00+00:00"
    by_source = leads_by(session, "source", as_of=NOW)
    assert by_source.numbers == {"webinar": 3, "ebook": 1, "ads": 1}
    fintech = count_leads(session, lead_filter=LeadFilter(industry="fintech"), as_of=NOW)
    assert set(fintech.record_ids) == {world[k] for k in "ACD"}
    top = top_leads(session, 2, as_of=NOW)
    assert top.record_ids == [world["A"], world["B"]]


def test_new_leads_per_week_are_zero_filled(session, world):
    series = leads_over_time(session, NOV, "week", as_of=NOW)
    # Weeks start on Monday; Nov 2 (A) and Nov 5 (B) share the week of Nov 2; E is Nov 18.
    assert series.numbers == {"2026-10-26": 0, "2026-11-02": 2, "2026-11-09": 0, "2026-11-16": 1}


def test_mql_count_rate_and_velocity(session, world):
    assert mql_count(session, NOV, as_of=NOW).value == 2
    assert mql_count(session, OCT, as_of=NOW).record_ids == [world["C"]]
    webinar = mql_count(session, NOV, lead_filter=LeadFilter(source="webinar"), as_of=NOW)
    assert set(webinar.record_ids) == {world["A"], world["B"]}
    rate = mql_rate(session, NOV, as_of=NOW)  # A and B of A, B, E
    assert rate.value == pytest.approx(2 / 3, abs=1e-6)
    assert rate.numbers["new_leads"] == 3 and rate.numbers["reached_mql"] == 2
    assert mql_rate(session, OCT, as_of=NOW).value == 0.5  # C of C, D
    velocity = lead_velocity(session, NOV, as_of=NOW)  # 2 MQLs in November against 1
    assert (velocity.value, velocity.numbers["mql_previous"]) == (1.0, 1)


def test_stage_conversions_and_funnel(session, world):
    assert stage_conversion(session, "mql_to_sql", NOV, as_of=NOW).value == 0.5  # A of A, B
    assert stage_conversion(session, "mql_to_sql", OCT, as_of=NOW).value == 1.0  # C
    to_opportunity = stage_conversion(session, "lead_to_opportunity", OCT, as_of=NOW)
    assert to_opportunity.value == 0.5 and to_opportunity.record_ids == [world["C"]]
    funnel = funnel_counts(session, as_of=NOW).numbers
    assert (funnel["leads"], funnel["mql"], funnel["sql"], funnel["opportunity"]) == (5, 3, 2, 1)


def test_speed_to_lead_and_time_to_handoff(session, world):
    speed = speed_to_lead(session, NOV, as_of=NOW)
    # A: Nov 2 00:00 -> pricing Nov 11 10:00 = 226 h; B: -> welcome Nov 6 10:00 = 34 h;
    # E: Nov 18 00:00 -> note Nov 19 06:00 = 30 h.
    assert speed.numbers["median_hours"] == 34.0
    assert speed.numbers["mean_hours"] == pytest.approx((226 + 34 + 30) / 3, abs=0.01)
    assert (speed.numbers["touched"], speed.numbers["untouched"]) == (3, 0)
    handoff = time_to_handoff(session, NOV, as_of=NOW)  # A: MQL Nov 12 -> SQL Nov 14
    assert handoff.value == 48.0
    assert (handoff.numbers["handed_off"], handoff.numbers["not_handed_off"]) == (1, 1)


def test_nurtured_vs_not(session, world):
    cohorts = nurtured_vs_not(session, BOTH, as_of=NOW).numbers
    assert (cohorts["nurtured_leads"], cohorts["nurtured_mqls"]) == (4, 3)
    assert cohorts["nurtured_mql_rate"] == 0.75
    assert (cohorts["not_nurtured_leads"], cohorts["not_nurtured_mql_rate"]) == (1, 0.0)


def test_email_rates_for_one_campaign(session, world):
    pricing = email_performance(session, NOV, campaign="pricing", group_by="none", as_of=NOW)
    n = pricing.numbers
    assert (n["sent"], n["delivered"], n["opened"], n["clicked"], n["bounced"]) == (4, 3, 2, 1, 1)
    assert (n["replied"], n["positive"]) == (1, 1)  # C's question answers pC, sent just before
    assert n["open_rate"] == pytest.approx(2 / 3, abs=1e-6)
    assert n["click_to_open"] == 0.5
    assert n["positive_reply_rate"] == pytest.approx(1 / 3, abs=1e-6)
    assert campaign_names(session, "pricing") == ["pricing-1111"]


def test_email_groups_by_sequence_step_or_campaign(session, world):
    grouped = email_performance(session, NOV, as_of=NOW)
    rows = {r["group"]: r for r in grouped.rows}
    assert set(rows) == {"pricing-1111", "welcome step 1"}
    assert rows["welcome step 1"]["enrolled"] == 1 and rows["welcome step 1"]["open_rate"] == 1.0
    assert grouped.numbers["sent"] == 5 and grouped.value == 0.75  # 3 opened of 4 delivered
    october = email_performance(session, OCT, as_of=NOW)
    assert (october.numbers["sent"], october.value) == (1, 0.0)


def test_went_quiet_after_an_email(session, world):
    quiet = went_quiet_after(session, "pricing", as_of=NOW)
    # A clicked, C replied and browsed, D bounced: only B (who just opened it) went quiet.
    assert quiet.record_ids == [world["B"]] and quiet.numbers["received"] == 3
    fintech = went_quiet_after(
        session, "pricing", lead_filter=LeadFilter(industry="fintech"), as_of=NOW
    )
    assert (fintech.value, fintech.numbers["received"]) == (0, 2)
    assert went_quiet_after(session, "nothing-like-this", as_of=NOW).note.startswith("no lead")


def test_ai_metrics_read_drafts_and_replies(session):
    """Temporary tables with exactly the documented columns shadow the real ones."""
    session.execute(
        text(
            "CREATE TEMP TABLE drafts (id bigint, lead_id bigint, status text, "
            "created_at timestamptz, reviewed_at timestamptz, edit_distance int) ON COMMIT DROP"
        )
    )
    session.execute(
        text(
            "CREATE TEMP TABLE replies (id bigint, lead_id bigint, label text,"
            " received_at timestamptz) ON COMMIT DROP"
        )
    )
    session.execute(
        text(
            "INSERT INTO drafts VALUES (1, 1, 'sent', '2026-11-02', '2026-11-02 02:00', 10),"
            " (2, 1, 'rejected', '2026-11-03', '2026-11-03 01:00', NULL),"
            " (3, 1, 'approved', '2026-11-04', '2026-11-04 06:00', 0),"
            " (4, 1, 'pending', '2026-11-05', NULL, NULL)"
        )
    )
    session.execute(
        text(
            "INSERT INTO replies VALUES (1, 1, 'question', '2026-11-02'),"
            " (2, 1, 'question', '2026-11-03'), (3, 1, 'not_now', '2026-11-04'),"
            " (4, 1, 'question', '2026-10-04')"
        )
    )
    approval = draft_approval_rate(session, NOV)
    assert approval.value == pytest.approx(2 / 3, abs=1e-6) and approval.record_ids == [1, 3]
    approve = time_to_approve(session, NOV)  # 2 h and 6 h
    assert (approve.value, approve.numbers["mean_hours"]) == (4.0, 4.0)
    mix = reply_label_mix(session, NOV)
    assert mix.numbers == {"question": 2, "not_now": 1} and mix.record_kind == "reply"


def test_ai_metrics_without_their_tables_return_a_note(session):
    for table in ("drafts", "replies"):
        session.execute(text(f"ALTER TABLE IF EXISTS {table} RENAME TO {table}_hidden_for_test"))
    result = draft_approval_rate(session, NOV)
    assert result.value is None and "does not exist" in result.note and result.sql == ""
    assert "does not exist" in reply_label_mix(session, NOV).note
