"""The batch drafting path: the single path's drafts, the same guarantees, reviews that resume."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from agent.entry import run_review, run_step, run_steps
from core.models import Draft, Enrollment, Event, Outbox
from tests.agent.conftest import hot_lead, session_runtime
from tests.factories import track
from tests.tools.sequence_kit import REVIEWER, WED, Agent, lead, reviewer
from tools.enrollment import enroll
from tools.worker import PlannedStep, process_due

PURPOSES = ["deliver_asset", "problem_context", "proof", "decision", "break_up"]


def _steps(session) -> list[PlannedStep]:
    """Five leads of varied history enrolled in welcome, each with a different step purpose."""
    reviewer(session)
    people = [lead(session, "ann"), lead(session, "bo", first_name="Bo", industry="logistics")]
    people += [hot_lead(session, user=name)[0] for name in ("dana", "eli")]
    people.append(lead(session, "cy", first_name=None, title=None))
    track(session, people[0], "Page Viewed", WED - timedelta(days=2), category="case_study",
          url="https://nurture.example/customers/acme")  # fmt: skip
    steps = []
    for number, (who, purpose) in enumerate(zip(people, PURPOSES, strict=True), 1):
        assert enroll(session, who.id, "welcome", trigger="test", now=WED).enrolled
        enrollment = session.scalars(select(Enrollment).where(Enrollment.lead_id == who.id)).one()
        steps.append(PlannedStep(enrollment.id, purpose, "welcome", number))
    session.flush()
    return steps


def _made(session) -> dict[str, tuple]:
    """Each thread's draft as (subject, body, citations, brief, status)."""
    rows = session.scalars(select(Draft).order_by(Draft.thread_id)).all()
    return {d.thread_id: (d.subject, d.body, d.citations, d.brief, d.status) for d in rows}


def test_batch_and_single_paths_write_the_same_drafts(session):
    steps = _steps(session)
    savepoint = session.begin_nested()
    batch = run_steps(session_runtime(session), steps)
    assert [o.status for o in batch] == ["pending"] * len(steps)
    from_batch = _made(session)
    savepoint.rollback()
    rt = session_runtime(session)
    single = [
        run_step(rt, s.enrollment_id, purpose=s.purpose, sequence=s.sequence, step=s.step)
        for s in steps
    ]
    from_single = _made(session)
    assert [o.thread_id for o in single] == [o.thread_id for o in batch]
    assert len(from_single) == len(steps)
    for thread_id, (subject, body, citations, brief, status) in from_single.items():
        b_subject, b_body, b_citations, b_brief, b_status = from_batch[thread_id]
        assert (b_subject, b_body, b_citations, b_status) == (subject, body, citations, status)
        assert b_brief == brief, thread_id
    assert any(c.startswith("doc-") for _, _, cites, _, _ in from_single.values() for c in cites)


def test_a_rerun_after_a_crash_finds_the_drafts_instead_of_drafting_again(session):
    steps = _steps(session)
    rt = session_runtime(session)
    first = run_steps(rt, steps)
    again = run_steps(rt, steps)
    assert [o.draft_id for o in again] == [o.draft_id for o in first]
    assert session.scalar(select(func.count()).select_from(Draft)) == len(steps)
    created = session.scalar(select(func.count()).where(Event.type == "draft_created"))
    assert created == len(steps)
    drafts = {d.id: d for d in session.scalars(select(Draft))}
    for event in session.scalars(select(Event).where(Event.type == "draft_created")):
        draft = drafts[event.properties["draft_id"]]
        assert event.message_id == f"draft:{draft.id}:created"
        assert event.properties == {"draft_id": draft.id, "revision": 1, "subject": draft.subject}
        assert (event.lead_id, event.source) == (draft.lead_id, "nurture")


def test_a_suppressed_lead_is_not_drafted_and_the_worker_exits_it(session):
    steps = _steps(session)
    gone = session.get(Enrollment, steps[1].enrollment_id)
    agent = Agent(session)
    from core.models import Lead

    session.get(Lead, gone.lead_id).consent = "unsubscribed"
    session.flush()
    outcomes = run_steps(agent.runtime, steps)
    assert outcomes[1].status == "suppressed" and outcomes[1].draft_id is None
    assert [o.status for i, o in enumerate(outcomes) if i != 1] == ["pending"] * 4
    held = session.scalars(
        select(Event).where(Event.lead_id == gone.lead_id, Event.type == "guardrail_held")
    ).all()
    assert held and "unsubscribed" in held[0].properties["reason"]


def test_the_worker_drafts_a_batch_and_falls_back_one_by_one_when_it_fails(session):
    reviewer(session)
    agent = Agent(session)
    people = [lead(session, f"p{i}") for i in range(4)]
    for who in people:
        enroll(session, who.id, "welcome", trigger="test", now=WED)
    calls = []

    def batch(steps):
        calls.append(len(steps))
        return run_steps(agent.runtime, steps)

    report = process_due(session, agent.draft, now=WED, batch_drafter=batch)
    assert (report.claimed, report.drafted, calls) == (4, 4, [4])
    waiting = session.scalars(select(Enrollment.waiting_thread_id)).all()
    assert all(waiting) and len(set(waiting)) == 4
    other = lead(session, "q")
    enroll(session, other.id, "welcome", trigger="test", now=WED)

    def broken(steps):
        raise RuntimeError("batch lost its connection")

    report = process_due(session, agent.draft, now=WED, batch_drafter=broken)
    assert (report.claimed, report.drafted) == (1, 1)


def _batch_draft(session) -> Draft:
    reviewer(session)
    ann = lead(session)
    enroll(session, ann.id, "welcome", trigger="test", now=WED)
    enrollment = session.scalars(select(Enrollment).where(Enrollment.lead_id == ann.id)).one()
    rt = session_runtime(session)
    (outcome,) = run_steps(rt, [PlannedStep(enrollment.id, "deliver_asset", "welcome", 1)])
    return session.get(Draft, outcome.draft_id)


def test_approving_a_batch_draft_starts_its_thread_and_queues_it(session):
    draft = _batch_draft(session)
    rt = session_runtime(session)  # another process: no checkpoint in memory
    result = run_review(rt, draft.id, "approve", REVIEWER)
    assert result.status == "queued" and result.outbox_id is not None
    outbox = session.get(Outbox, result.outbox_id)
    assert outbox.subject == draft.subject
    again = run_review(rt, draft.id, "approve", REVIEWER)
    assert not again.applied
    assert session.scalar(select(func.count()).select_from(Outbox)) == 1


def test_editing_rejecting_and_regenerating_batch_drafts(session):
    draft = _batch_draft(session)
    rt = session_runtime(session)
    edited = run_review(rt, draft.id, "edit", REVIEWER, body="A shorter note.\n\nWorth a look?")
    assert edited.status == "queued"
    assert session.get(Outbox, edited.outbox_id).text_body.count("A shorter note.") == 1

    other = lead(session, "bo")
    enroll(session, other.id, "welcome", trigger="test", now=WED)
    enrollment = session.scalars(select(Enrollment).where(Enrollment.lead_id == other.id)).one()
    second, third = run_steps(
        rt,
        [
            PlannedStep(enrollment.id, "deliver_asset", "welcome", 1),
            PlannedStep(enrollment.id, "proof", "welcome", 2),
        ],
    )
    rejected = run_review(rt, second.draft_id, "reject", REVIEWER, reason="off tone")
    assert rejected.status == "rejected" and rejected.outbox_id is None
    redone = run_review(rt, third.draft_id, "regenerate", REVIEWER, instruction="shorter")
    assert redone.status == "regenerated" and redone.new_draft_id is not None
    new = session.get(Draft, redone.new_draft_id)
    assert (new.revision, new.status, new.thread_id) == (2, "pending", third.thread_id)
    assert new.subject != session.get(Draft, third.draft_id).subject
    assert run_review(rt, new.id, "approve", REVIEWER).status == "queued"


def test_only_the_owner_or_an_approver_may_review_a_batch_draft(session):
    import pytest

    from agent.entry import NotAllowed

    draft = _batch_draft(session)
    with pytest.raises(NotAllowed):
        run_review(session_runtime(session), draft.id, "approve", "stranger@nurture.example")
    assert session.get(Draft, draft.id).status == "pending"
