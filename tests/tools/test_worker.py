"""The worker end to end on the test transaction: due step -> guardrails -> draft -> send."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.models import Draft, Outbox
from tests.tools.sequence_kit import (
    WED,
    Agent,
    Recorder,
    enrollment_of,
    lead,
    reviewer,
    settings_for,
    timeline,
)
from tools.enrollment import enroll
from tools.sender import send_due
from tools.worker import process_due, resolve_reviews


def test_a_due_step_is_drafted_approved_sent_and_the_next_one_scheduled(session, tmp_path, db_url):
    agent, transport = Agent(session), Recorder()
    reviewer(session)
    ann = lead(session)
    result = enroll(session, ann.id, "welcome", trigger="test", now=WED)
    assert result.enrolled
    report = process_due(session, agent.draft, now=WED)
    assert (report.claimed, report.drafted) == (1, 1)
    enrollment = enrollment_of(session, ann.id)
    assert enrollment.next_due_at is None and enrollment.waiting_thread_id
    draft = session.scalars(select(Draft).where(Draft.lead_id == ann.id)).one()
    assert (draft.status, draft.sequence, draft.step, draft.purpose) == (
        "pending",
        "welcome",
        1,
        "deliver_asset",
    )
    row = agent.approve(draft.id)
    assert row is not None and row.status == "queued"
    sent = send_due(
        session, transport, settings_for(tmp_path, db_url), now=WED + timedelta(minutes=5)
    )
    assert sent.sent == 1, sent.details
    assert len(transport.to("ann@acme.example")) == 1
    session.refresh(enrollment)
    assert enrollment.current_step == 1 and enrollment.waiting_thread_id is None
    assert enrollment.next_due_at == WED + timedelta(minutes=5) + timedelta(days=3)
    assert enrollment.last_message_id == row.message_id
    assert [e.properties["sequence"] for e in timeline(session, ann.id, "email_sent")] == [
        "welcome"
    ]


def _through_step(session, agent, ann, sequence, at, tmp_path, db_url, steps):
    """Run `steps` steps of `sequence` for `ann`, approving and sending each, from `at`."""
    settings = settings_for(tmp_path, db_url)
    transport = Recorder()
    now = at
    for _ in range(steps):
        enrollment = enrollment_of(session, ann.id, sequence)
        now = max(now, enrollment.next_due_at)
        process_due(session, agent.draft, now=now)
        agent.approve_pending()
        report = send_due(session, transport, settings, now=now)
        while report.sent == 0 and report.held:  # wait for the window / cap like a real worker
            now = session.scalar(select(Outbox.next_attempt_at).where(Outbox.status == "queued"))
            report = send_due(session, transport, settings, now=now)
        assert report.sent == 1, report.details
    return now, transport


def test_frequency_cap_holds_the_step_and_says_why(session, tmp_path, db_url):
    agent = Agent(session)
    reviewer(session)
    ann = lead(session)
    enroll(session, ann.id, "welcome", trigger="test", now=WED)
    _through_step(session, agent, ann, "welcome", WED, tmp_path, db_url, 1)
    enroll(session, ann.id, "trial", trigger="test", now=WED + timedelta(hours=1))  # supersedes
    report = process_due(session, agent.draft, now=WED + timedelta(hours=1))
    assert report.held == 1 and report.details[0]["code"] == "frequency_cap"
    trial = enrollment_of(session, ann.id, "trial")
    assert trial.next_due_at == WED + timedelta(hours=48)
    held = timeline(session, ann.id, "guardrail_held")
    assert any("at most one email per 48 hours" in e.properties["reason"] for e in held)


def test_a_reply_exits_before_the_next_step(session, tmp_path, db_url):
    from tests.factories import track

    agent = Agent(session)
    reviewer(session)
    ann = lead(session)
    enroll(session, ann.id, "high_intent", trigger="test", now=WED)
    now, _ = _through_step(session, agent, ann, "high_intent", WED, tmp_path, db_url, 1)
    track(session, ann, "Reply Received", now + timedelta(hours=5), reply_id=None)
    enrollment = enrollment_of(session, ann.id)
    report = process_due(session, agent.draft, now=enrollment.next_due_at)
    assert report.exited == 1
    session.refresh(enrollment)
    assert (enrollment.status, enrollment.exit_reason) == ("exited", "replied")
    assert "replied on" in timeline(session, ann.id, "sequence_exited")[0].properties["reason"]


def test_an_out_of_office_reply_does_not_exit(session, tmp_path, db_url):
    from tests.factories import track

    agent = Agent(session)
    reviewer(session)
    ann = lead(session)
    enroll(session, ann.id, "high_intent", trigger="test", now=WED)
    now, _ = _through_step(session, agent, ann, "high_intent", WED, tmp_path, db_url, 1)
    track(session, ann, "Reply Received", now + timedelta(hours=5), auto_reply=True)
    enrollment = enrollment_of(session, ann.id)
    report = process_due(session, agent.draft, now=enrollment.next_due_at + timedelta(days=1))
    assert report.drafted == 1 and enrollment_of(session, ann.id).status == "active"


def test_a_rejected_draft_skips_the_step(session):
    agent = Agent(session)
    reviewer(session)
    ann = lead(session)
    enroll(session, ann.id, "welcome", trigger="test", now=WED)
    process_due(session, agent.draft, now=WED)
    draft = session.scalars(select(Draft).where(Draft.lead_id == ann.id)).one()
    agent.reject(draft.id)
    assert resolve_reviews(session, WED + timedelta(hours=1)) == 1
    enrollment = enrollment_of(session, ann.id)
    assert enrollment.current_step == 1 and enrollment.waiting_thread_id is None
    assert enrollment.next_due_at == WED + timedelta(hours=1, days=3)
    skipped = timeline(session, ann.id, "sequence_step_skipped")
    assert "rejected by the reviewer (off tone)" in skipped[0].properties["reason"]


def run_until(session, agent, start, end, settings, transport, *, before_hour=None):
    """Run the whole system from `start` to `end` like a worker would, jumping to the next due
    time: steps, approvals (all approved at once), sends."""
    from sqlalchemy import func

    from core.models import Enrollment

    now = start
    while now <= end:
        if before_hour:
            before_hour(now)
        process_due(session, agent.draft, now=now)
        agent.approve_pending()
        send_due(session, transport, settings, now=now)
        due = session.scalar(
            select(func.min(Enrollment.next_due_at)).where(Enrollment.status == "active")
        )
        queued = session.scalar(
            select(func.min(Outbox.next_attempt_at)).where(Outbox.status == "queued")
        )
        later = [t for t in (due, queued) if t is not None]
        now = max(min(later, default=end + timedelta(hours=1)), now + timedelta(minutes=1))


def test_welcome_branches_on_clicks(session, tmp_path, db_url):
    from tests.factories import track

    agent, transport = Agent(session), Recorder()
    reviewer(session)
    clicker, silent = lead(session, "clicker"), lead(session, "silent")
    for who in (clicker, silent):
        enroll(session, who.id, "welcome", trigger="test", now=WED)
    clicked = []

    def click_after_third(now):
        if not clicked and len(transport.to("clicker@")) == 3:
            track(session, clicker, "Email Clicked", now, url="https://x.example")
            clicked.append(now)

    run_until(
        session,
        agent,
        WED,
        WED + timedelta(days=30),
        settings_for(tmp_path, db_url),
        transport,
        before_hour=click_after_third,
    )
    assert clicked
    assert enrollment_of(session, clicker.id).track == "decision"
    assert enrollment_of(session, silent.id).track == "education"
    reasons = [e.properties["reason"] for e in timeline(session, clicker.id, "sequence_branched")]
    assert reasons == ["clicked_or_silent: track decision, because email_clicks_10d >= 1"]
    sent_steps = {
        who.id: [e.properties["step"] for e in timeline(session, who.id, "email_sent")]
        for who in (clicker, silent)
    }
    assert sent_steps[clicker.id][:4] == [1, 2, 3, 4]  # decision track: step 4 at once
    assert sent_steps[silent.id][:4] == [1, 2, 3, 6]  # education track: step 6, a week later
    branched = timeline(session, silent.id, "sequence_branched")[0].occurred_at
    sixth = timeline(session, silent.id, "email_sent")[3].occurred_at
    assert sixth - branched >= timedelta(days=7)


def test_drafting_failure_retries_with_backoff(session):
    calls = []

    def broken(enrollment_id, **kw):
        calls.append(enrollment_id)
        raise RuntimeError("model down")

    ann = lead(session)
    enroll(session, ann.id, "welcome", trigger="test", now=WED)
    report = process_due(session, broken, now=WED)
    assert (report.claimed, report.failed, len(calls)) == (1, 1, 1)
    enrollment = enrollment_of(session, ann.id)
    assert enrollment.step_attempts == 1 and enrollment.next_due_at == WED + timedelta(minutes=10)
    assert process_due(session, broken, now=WED + timedelta(minutes=9)).claimed == 0


def test_a_periodic_job_runs_once_per_period_whoever_asks(session):
    from tools.sweeps import claim_job

    hour = timedelta(hours=1)
    assert claim_job(session, "reengagement", hour, WED)  # first worker wins
    assert not claim_job(session, "reengagement", hour, WED + timedelta(minutes=59))
    assert claim_job(session, "reengagement", hour, WED + hour)
    assert claim_job(session, "reengagement", hour, WED - timedelta(days=1))  # clock went back
