"""Triggers -> enrollment: the playbook rules, one active nurture sequence, owners, the sweep."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import orjson
from sqlalchemy import select, text

from core.models import Escalation, Lead, Rep
from tests.factories import track
from tests.tools.sequence_kit import FULL, WED, enrollment_of, lead, timeline
from tools.assignment import Candidate, choose_rep, load_assignment
from tools.enrollment import enroll, enroll_leads
from tools.ingest import store
from tools.ingest_schema import parse_one
from tools.triggers import evaluate_triggers, load_triggers, sweep_reengagement

PRICING = "https://nurture.example/pricing"


def reps(session) -> dict[str, Rep]:
    team = {
        "us": Rep(
            name="Maya",
            email="maya@n.example",
            territory=["US", "CA"],
            product_lines=["core", "analytics"],
        ),
        "ent": Rep(
            name="Dan", email="dan@n.example", territory=["US"], product_lines=["enterprise"]
        ),
        "eu": Rep(
            name="Sofia",
            email="sofia@n.example",
            territory=["GB", "SE"],
            product_lines=["core"],
            capacity=1,
        ),
    }
    session.add_all(team.values())
    session.flush()
    return team


def fire(session, who, event, at, **props):
    """Store one event and evaluate the triggers for it, as ingestion's downstream does."""
    row = track(session, who, event, at, **props)
    return evaluate_triggers(session, [row.id], now=at)


def test_a_new_lead_and_a_download_start_welcome_and_get_an_owner(session):
    team = reps(session)
    msg = parse_one(
        {
            "userId": "new-1",
            "traits": {**FULL, "email": "new@acme.example"},
            "timestamp": WED.isoformat(),
            "messageId": "id-new-1",
        },
        "identify",
    )
    result = store(session, [msg])
    fired = evaluate_triggers(session, result.event_ids, now=WED)
    assert [(f.rule, f.enrollment.enrolled) for f in fired] == [("new_lead", True)]
    new = session.scalars(select(Lead).where(Lead.email == "new@acme.example")).one()
    assert new.owner_rep_id == team["us"].id
    assert "territory" in timeline(session, new.id, "owner_assigned")[0].properties["reason"]
    ann = lead(session)  # created "now": long after WED, so not new at WED + 10 days
    later = WED + timedelta(days=10)
    fired = fire(session, ann, "Content Downloaded", later, asset="guide", asset_type="ebook")
    assert [(f.rule, f.enrollment.enrolled) for f in fired] == [("content_download", True)]
    assert enrollment_of(session, ann.id).trigger == "content_download"


def test_pricing_twice_in_seven_days_alerts_the_owner_at_once(session):
    reps(session)
    ann = lead(session)
    assert fire(session, ann, "Page Viewed", WED, url=PRICING) == []
    fired = fire(session, ann, "Page Viewed", WED + timedelta(days=6), url=PRICING)
    assert [(f.rule, f.enrollment.enrolled, f.alerted) for f in fired] == [
        ("pricing_twice_in_7_days", True, True)
    ]
    alert = session.scalars(select(Escalation).where(Escalation.lead_id == ann.id)).one()
    session.refresh(ann)
    assert alert.kind == "high_intent" and alert.owner_rep_id == ann.owner_rep_id is not None
    # a week apart is not "twice in 7 days"
    bob = lead(session, "bob")
    fire(session, bob, "Page Viewed", WED, url=PRICING)
    assert fire(session, bob, "Page Viewed", WED + timedelta(days=7, hours=1), url=PRICING) == []


def test_one_active_nurture_sequence_by_priority(session):
    ann = lead(session)
    assert enroll(session, ann.id, "welcome", trigger="t", now=WED).enrolled
    high = enroll(session, ann.id, "high_intent", trigger="t", now=WED)
    assert high.enrolled and high.superseded == [enrollment_of(session, ann.id, "welcome").id]
    assert enrollment_of(session, ann.id, "welcome").exit_reason == "superseded"
    refused = enroll(session, ann.id, "long_nurture", trigger="t", now=WED)
    assert not refused.enrolled and "already in high_intent" in refused.reason
    assert enroll(session, ann.id, "high_intent", trigger="t", now=WED).reason == "already enrolled"
    held = timeline(session, ann.id, "guardrail_held")
    assert any("one active nurture sequence" in e.properties["reason"] for e in held)


def test_reenrollment_follows_each_sequence_policy(session):
    ann = lead(session)
    first = enroll(session, ann.id, "high_intent", trigger="t", now=WED)
    from core.models import Enrollment
    from tools.enrollment import exit_enrollment

    exit_enrollment(session, session.get(Enrollment, first.enrollment_id), "replied", "r", WED)
    again = enroll(session, ann.id, "high_intent", trigger="t", now=WED + timedelta(days=10))
    assert not again.enrolled and "re-enrollment after 30 days" in again.reason
    assert enroll(
        session, ann.id, "high_intent", trigger="t", now=WED + timedelta(days=31)
    ).enrolled


def test_suppressed_leads_are_never_enrolled(session):
    gone = lead(session, "gone")
    gone.consent = "unsubscribed"
    result = enroll(session, gone.id, "welcome", trigger="t", now=WED)
    assert not result.enrolled and result.reason == "suppressed: consent is unsubscribed"
    bulk = enroll_leads(session, [gone.id, lead(session, "ok").id], "welcome")
    assert (bulk.enrolled, bulk.refused) == (1, {"suppressed": 1})


def test_old_events_never_start_a_sequence(session):
    ann = lead(session)
    row = track(session, ann, "Demo Requested", WED)
    assert evaluate_triggers(session, [row.id], now=WED + timedelta(days=8)) == []
    assert (
        evaluate_triggers(session, [row.id], now=WED + timedelta(days=2))[0].rule == "demo_request"
    )


def test_trial_and_demo_offer_clicks(session):
    ann, bob = lead(session), lead(session, "bob")
    assert fire(session, ann, "Trial Started", WED)[0].enrollment.sequence == "trial"
    fired = fire(session, bob, "Email Clicked", WED, url="https://x/demo", link="demo_offer")
    assert [(f.rule, f.enrollment, f.alerted) for f in fired] == [("demo_offer_click", None, True)]


def test_assignment_rules_in_order():
    cfg = load_assignment()
    team = [
        Candidate(1, "Maya", ["US", "CA"], ["core", "analytics"], load=5, owned=50),
        Candidate(2, "Dan", ["US", "MX"], ["enterprise"], load=1, owned=10),
        Candidate(3, "Sofia", ["GB"], ["core"], load=0, owned=0),
        Candidate(4, "Lucas", ["GB", "FR"], ["analytics"], load=0, owned=0),
    ]
    us_small = Lead(country="US", company_size=50, product_interest="analytics")
    assert choose_rep(us_small, team, cfg)[0].name == "Maya"
    us_big = Lead(country="US", company_size=5000, product_interest="analytics")
    assert choose_rep(us_big, team, cfg) == (team[1], "territory + enterprise")
    gb = Lead(country="GB", company_size=10, product_interest="analytics")
    assert choose_rep(gb, team, cfg) == (team[3], "territory + product line")
    nowhere = Lead(country="JP", company_size=10)
    assert choose_rep(nowhere, team, cfg) == (team[2], "round-robin")  # least loaded first


def test_reengagement_sweep_waits_longer_for_enterprise(session):
    small, big = lead(session, "small"), lead(session, "big", company_size=5000)
    for who in (small, big):
        who.last_engaged_at = WED - timedelta(days=40)
    session.flush()
    enrolled = [r.enrollment_id for r in sweep_reengagement(session, WED) if r.enrolled]
    assert enrolled == [enrollment_of(session, small.id).id]
    assert enrollment_of(session, big.id) is None
    later = [r for r in sweep_reengagement(session, WED + timedelta(days=51)) if r.enrolled]
    assert [r.enrollment_id for r in later] == [enrollment_of(session, big.id).id]
    assert sweep_reengagement(session, WED + timedelta(days=52)) == []  # nobody twice


def test_each_rule_selects_in_sql_exactly_the_events_it_fits(session):
    rows = [
        SimpleNamespace(type=t, category=c, asset_type=a, properties=p)
        for t in ("identify", "page_viewed", "content_downloaded", "form_submitted",
                  "demo_requested", "trial_started", "email_clicked", "email_opened")
        for c in (None, "pricing", "blog")
        for a in (None, "whitepaper")
        for p in ({}, {"asset": "guide.pdf"}, {"link": "demo_offer"}, {"link": "blog"})
    ]  # fmt: skip
    values = ", ".join(
        f"({i}, :t{i}, :c{i}, :a{i}, CAST(:p{i} AS jsonb))" for i in range(len(rows))
    )
    params = {}
    for i, r in enumerate(rows):
        params |= {f"t{i}": r.type, f"c{i}": r.category, f"a{i}": r.asset_type}
        params[f"p{i}"] = orjson.dumps(r.properties).decode()
    for rule in load_triggers().rules:
        picked = session.scalars(
            text(
                f"SELECT i FROM (VALUES {values}) AS e(i, type, category, asset_type, properties) "
                f"WHERE {rule.sql()} ORDER BY i"
            ),
            params,
        ).all()
        assert picked == [i for i, r in enumerate(rows) if rule.fits(r)], rule.name
        assert picked, rule.name
