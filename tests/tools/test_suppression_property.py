"""Property: a suppressed or unsubscribed lead receives nothing, whatever the path or the moment.

Paths: the sequence running on, a draft approved after suppression, a regenerated draft, a batch
send with other leads, re-enrollment. Moments: before enrolling, after drafting, after approval.
Other leads in the same runs do get their emails, so the property is not vacuous.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from agent.entry import run_review
from core.models import DoNotContact, Draft, Outbox
from tests.factories import track
from tests.tools.sequence_kit import REVIEWER, WED, Agent, Recorder, lead, reviewer, settings_for
from tools.email_events import unsubscribe
from tools.enrollment import enroll, enroll_leads
from tools.sender import send_due
from tools.tokens import sign
from tools.triggers import evaluate_triggers, sweep_reengagement
from tools.worker import process_due, resolve_reviews

HOW = (
    "unsubscribed",
    "bounced",
    "complained",
    "customer",
    "opportunity",
    "closed_lost",
    "dnc_email",
    "dnc_domain",
    "incomplete",
    "flag",
    "one_click",
)
PATHS = ("sequence", "approve", "regenerate", "batch", "reenroll")
MOMENTS = ("before_enroll", "after_draft", "after_approve")
_n = itertools.count()


def suppress(session, who, how: str, at, app_settings) -> None:
    """Suppress `who` the way the product would learn it."""
    events = {
        "unsubscribed": "Email Unsubscribed",
        "bounced": "Email Bounced",
        "complained": "Email Complained",
    }
    if how in events:
        track(session, who, events[how], at)
    elif how in ("customer", "opportunity", "closed_lost"):
        track(session, who, "Crm Stage Changed", at, stage=how)
    elif how.startswith("dnc"):
        value = who.email if how == "dnc_email" else who.email.split("@")[1]
        session.add(DoNotContact(value=value, reason="legal"))
    elif how == "incomplete":
        who.missing_key_fields = 3
    elif how == "flag":
        who.do_not_contact = True
    else:
        token = sign(app_settings.unsubscribe_secret, "unsubscribe", who.id, 0)
        unsubscribe(session, app_settings, token, "one-click")
    session.flush()
    session.refresh(who)


def cycle(session, agent, transport, app_settings, now, *, regenerate: bool = False) -> None:
    """One worker hour: due steps, reviews (approve, or regenerate then approve), sends."""
    process_due(session, agent.draft, now=now)
    resolve_reviews(session, now)
    for draft_id in session.scalars(select(Draft.id).where(Draft.status == "pending")).all():
        if regenerate and session.get(Draft, draft_id).revision == 1:
            run_review(agent.runtime, draft_id, "regenerate", REVIEWER, instruction="shorter")
            continue
        agent.approve(draft_id)
    send_due(session, transport, app_settings, now=now, limit=100)


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(how=st.sampled_from(HOW), path=st.sampled_from(PATHS), moment=st.sampled_from(MOMENTS))
def test_nothing_reaches_a_suppressed_lead(session, tmp_path, db_url, how, path, moment):
    app_settings, transport = settings_for(tmp_path, db_url), Recorder()
    agent = Agent(session)
    reviewer(session)
    n = next(_n)
    target = lead(session, f"target{n}", email=f"target{n}@d{n}.example")
    others = [lead(session, f"other{n}x{i}") for i in range(2 if path == "batch" else 0)]
    now = WED
    if path == "reenroll":  # an earlier enrollment ended; the lead then became suppressed
        first = enroll(session, target.id, "high_intent", trigger="t", now=now - timedelta(days=60))
        session.execute(
            text("UPDATE enrollments SET status = 'exited' WHERE id = :i"),
            {"i": first.enrollment_id},
        )
    if moment == "before_enroll" or path == "reenroll":
        suppress(session, target, how, now - timedelta(hours=1), app_settings)
    for who in [target, *others]:
        enroll(session, who.id, "high_intent", trigger="t", now=now)
    if path == "reenroll":
        enroll_leads(session, [target.id], "welcome")
        sweep_reengagement(session, now + timedelta(days=60))
        download = track(session, target, "Content Downloaded", now, asset="x", asset_type="ebook")
        evaluate_triggers(session, [download.id], now=now)
    process_due(session, agent.draft, now=now)
    if moment == "after_draft":
        suppress(session, target, how, now, app_settings)
    if moment == "after_approve":
        if path == "regenerate":
            cycle(
                session,
                agent,
                Recorder(result=transport.result),
                app_settings,
                now,
                regenerate=True,
            )
        agent.approve_pending()
        suppress(session, target, how, now, app_settings)
    hours = 24 * 12 if path in ("sequence", "reenroll") else 2
    for hour in range(hours):
        cycle(
            session,
            agent,
            transport,
            app_settings,
            now + timedelta(hours=hour),
            regenerate=path == "regenerate",
        )
    assert transport.to(target.email) == []
    sent_to_target = select(Outbox).where(Outbox.lead_id == target.id, Outbox.status == "sent")
    assert session.scalars(sent_to_target).first() is None
    for who in others:
        assert len(transport.to(who.email)) >= 1  # the same run delivers to everyone else
    session.execute(text("UPDATE enrollments SET status = 'exited' WHERE status = 'active'"))
    session.execute(text("UPDATE outbox SET status = 'cancelled' WHERE status = 'queued'"))
    session.execute(text("UPDATE drafts SET status = 'rejected' WHERE status = 'pending'"))
