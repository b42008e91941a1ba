"""The batch trigger path decides exactly as firing the rules one by one through `enroll`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.models import Enrollment, Escalation, Event, Lead, Rep
from tests.tools.sequence_kit import FULL, WED
from tests.tools.test_triggers import PRICING, reps
from tools.assignment import assign_owner
from tools.enrollment import enroll, lock_leads
from tools.escalations import escalate
from tools.ingest import store
from tools.ingest_schema import parse_batch
from tools.triggers import evaluate_triggers

NOW = WED + timedelta(hours=2)
PEOPLE = [  # (user, country, company size, unsubscribed)
    ("us-1", "US", 120, False),
    ("us-2", "US", 5000, False),
    ("gb-1", "GB", 50, False),
    ("gb-2", "GB", 50, False),
    ("se-1", "SE", 80, True),
    ("ca-1", "CA", 40, False),
]


def _messages() -> list[dict]:
    """New leads that download, request demos, view pricing twice and click the demo offer."""
    msgs = []
    for n, (user, country, size, unsubscribed) in enumerate(PEOPLE):
        at = WED + timedelta(minutes=n)
        traits = {**FULL, "email": f"{user}@acme.example", "country": country}
        msgs.append(
            {
                "type": "identify",
                "userId": user,
                "messageId": f"id-{user}",
                "timestamp": at.isoformat(),
                "traits": {**traits, "company_size": size},
            }
        )
        if unsubscribed:
            msgs.append(_track(user, "Email Unsubscribed", at, 1))
    msgs += [
        _track("us-1", "Demo Requested", WED, 10),
        _track("gb-1", "Content Downloaded", WED, 11, asset="guide", asset_type="ebook"),
        _track("gb-2", "Page Viewed", WED, 12, url=PRICING),
        _track("gb-2", "Page Viewed", WED, 13, url=PRICING),
        _track("se-1", "Demo Requested", WED, 14),
        _track("ca-1", "Email Clicked", WED, 15, link="demo_offer"),
        _track("us-2", "Trial Started", WED, 16),
        _track("us-2", "Demo Requested", WED, 17),
    ]
    return msgs


def _track(user: str, event: str, base, minute: int, **props) -> dict:
    at = base + timedelta(minutes=minute)
    return {
        "type": "track",
        "userId": user,
        "event": event,
        "messageId": f"{user}-{minute}",
        "timestamp": at.isoformat(),
        "properties": props,
    }


def _plan(session, fired) -> list[tuple[str, str, str | None]]:
    """What fired, by names that survive a rollback: rule, event message id, sequence."""
    return [
        (
            f.rule,
            session.get(Event, f.event_id).message_id,
            f.enrollment.sequence if f.enrollment else None,
        )
        for f in fired
    ]


def _one_by_one(session, plan) -> list[tuple]:
    """The rules the batch fired, replayed one at a time through enroll / assign_owner."""
    rows = [session.scalars(select(Event).where(Event.message_id == m)).one() for _, m, _ in plan]
    lock_leads(session, [row.lead_id for row in rows])
    out = []
    for (rule, _, sequence), row in zip(plan, rows, strict=True):
        result = None
        if sequence is not None:
            result = enroll(
                session,
                row.lead_id,
                sequence,
                trigger=rule,
                trigger_event_id=row.id,
                now=row.occurred_at,
            )
        alerted = False
        if rule in ("pricing_twice_in_7_days", "demo_request", "demo_offer_click"):
            assign_owner(session, session.get(Lead, row.lead_id), row.occurred_at)
            what = (row.properties or {}).get("url") or row.type.replace("_", " ")
            alerted = (
                escalate(
                    session,
                    kind="high_intent",
                    lead_id=row.lead_id,
                    dedupe_key=f"high_intent:{row.lead_id}:{row.occurred_at:%Y-%m-%d}",
                    summary=f"high intent: {rule.replace('_', ' ')} ({what})",
                )
                is not None
            )
        out.append(_fired(session, rule, row.lead_id, result, alerted))
    return out


def _fired(session, rule, lead_id, result, alerted) -> tuple:
    email = session.get(Lead, lead_id).email
    if result is None:
        return rule, email, None, alerted
    return rule, email, (result.enrolled, result.reason, len(result.superseded)), alerted


def _state(session) -> dict:
    """Owners, enrollments, escalations and refusals by email (ids differ between runs)."""
    session.expire_all()
    names = {r.id: r.name for r in session.scalars(select(Rep))}
    leads = {lead.id: lead for lead in session.scalars(select(Lead))}
    return {
        "owners": sorted((lead.email, names.get(lead.owner_rep_id)) for lead in leads.values()),
        "enrollments": sorted(
            (leads[e.lead_id].email, e.sequence, e.status, e.exit_reason, e.trigger, e.next_due_at)
            for e in session.scalars(select(Enrollment))
        ),
        "escalations": sorted(
            (leads[e.lead_id].email, e.kind, names.get(e.owner_rep_id), e.summary)
            for e in session.scalars(select(Escalation))
        ),
        "timeline": sorted(
            (leads[e.lead_id].email, e.type, e.properties.get("reason"), e.occurred_at)
            for e in session.scalars(
                select(Event).where(Event.source == "nurture", Event.type != "escalated")
            )
        ),
    }


def test_batch_triggers_match_enrolling_one_by_one(session):
    reps(session)
    session.flush()
    batch = session.begin_nested()
    result = store(session, parse_batch({"batch": _messages()}))
    fired = evaluate_triggers(session, result.event_ids, now=NOW)
    in_batch = [_fired(session, f.rule, f.lead_id, f.enrollment, f.alerted) for f in fired]
    plan = _plan(session, fired)
    after_batch = _state(session)
    batch.rollback()

    again = session.begin_nested()
    result = store(session, parse_batch({"batch": _messages()}))
    one_by_one = _one_by_one(session, plan)
    assert in_batch == one_by_one
    assert after_batch == _state(session)
    again.rollback()
    # the scenario exercises what the batch must get right
    rules = [f.rule for f in fired]
    assert rules.count("new_lead") == 6 and "pricing_twice_in_7_days" in rules
    assert any(f.enrollment and f.enrollment.superseded for f in fired)  # welcome → high intent
    assert any(f.enrollment and f.enrollment.reason.startswith("suppressed") for f in fired)
    owners = dict(after_batch["owners"])
    assert owners["gb-1@acme.example"] == "Sofia" != owners["gb-2@acme.example"]  # capacity 1
    assert owners["us-2@acme.example"] == "Dan"  # enterprise
