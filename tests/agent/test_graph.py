"""The nurture graph offline, on the test transaction with an in-memory checkpointer."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from agent.entry import NotAllowed, run_event, run_review, run_step
from agent.graph import after_verify, build_graph
from core.models import Draft, Enrollment, Escalation, Event, Outbox
from tests.agent.conftest import hot_lead, make_rep


@pytest.fixture
def owner(session):
    """The owner rep of the test leads."""
    return make_rep(session, "olivia@nurture.example", slack="U0OWNER")


@pytest.fixture
def pending(session, runtime, owner):
    """A hot lead's trigger run to the approval interrupt: (outcome, lead)."""
    lead, events = hot_lead(session, owner)
    return run_event(runtime, events[-1].id), lead


def _outbox_count(session, draft_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(Outbox).where(Outbox.draft_id == draft_id)
    )


def test_a_trigger_runs_to_the_approval_interrupt_with_a_brief(session, runtime, pending):
    outcome, lead = pending
    row = session.get(Draft, outcome.draft_id)

    assert (outcome.status, outcome.backend, outcome.lead_id) == ("pending", "offline", lead.id)
    assert outcome.thread_id.startswith(f"lead-{lead.id}:pricing_streak:")
    snapshot = build_graph(runtime.checkpointer).get_state(runtime.config(outcome.thread_id))
    assert [i.value["draft_id"] for i in snapshot.interrupts] == [row.id]
    brief = row.brief
    assert "pricing page 2 times in 7 days" in brief["why_now"]
    assert brief["playbook"]["name"] == "high_intent"
    assert brief["score"]["stage"] == "decision" and brief["score"]["top_reasons"]
    cited = {c["fact_id"] for c in brief["citations"]}
    assert cited == set(row.citations) and all(c["source"] for c in brief["citations"])
    assert f"ev-{row.trigger_event_id}" in cited  # the why-now rests on the trigger event
    assert row.verification == [] and row.prompt_version.startswith("offline_drafts@v1:")
    escalation = session.scalars(select(Escalation).where(Escalation.lead_id == lead.id)).one()
    assert escalation.kind == "high_intent"  # the high-intent playbook alerts the owner too


def test_the_same_trigger_again_returns_the_waiting_draft(session, runtime, pending):
    outcome, lead = pending
    again = run_event(runtime, session.get(Draft, outcome.draft_id).trigger_event_id)

    assert again == outcome
    assert (
        session.scalar(select(func.count()).select_from(Draft).where(Draft.lead_id == lead.id)) == 1
    )


def test_a_suppressed_lead_gets_no_draft_and_the_reason_on_its_timeline(session, runtime, owner):
    lead, events = hot_lead(session, owner, user="gone")
    lead.consent = "unsubscribed"
    session.flush()

    outcome = run_event(runtime, events[-1].id)

    assert (outcome.status, outcome.draft_id) == ("suppressed", None)
    assert (
        session.scalar(select(func.count()).select_from(Draft).where(Draft.lead_id == lead.id)) == 0
    )
    held = session.scalars(
        select(Event).where(Event.lead_id == lead.id, Event.type == "guardrail_held")
    ).one()
    assert held.properties["reason"] == "consent is unsubscribed"


def test_double_approval_queues_one_email(session, runtime, pending):
    outcome, _ = pending

    first = run_review(runtime, outcome.draft_id, "approve", "olivia@nurture.example")
    second = run_review(runtime, outcome.draft_id, "approve", "U0OWNER")

    assert (first.status, first.applied) == ("queued", True)
    assert (second.status, second.applied, second.outbox_id) == ("queued", False, first.outbox_id)
    assert _outbox_count(session, outcome.draft_id) == 1
    email = session.get(Outbox, first.outbox_id)
    assert (
        email.text_body.startswith("Hi Dana,\n\n") and email.from_email == "olivia@nurture.example"
    )
    assert email.idempotency_key == outcome.thread_id


def test_an_unauthorized_actor_changes_nothing(session, runtime, pending):
    outcome, _ = pending
    make_rep(session, "mallory@nurture.example")
    before = session.get(Draft, outcome.draft_id).version

    for actor in ("mallory@nurture.example", "nobody@example.com", "U0UNKNOWN"):
        with pytest.raises(NotAllowed):
            run_review(runtime, outcome.draft_id, "approve", actor)

    row = session.get(Draft, outcome.draft_id)
    assert (row.status, row.version, row.reviewer) == ("pending", before, None)
    snapshot = build_graph(runtime.checkpointer).get_state(runtime.config(outcome.thread_id))
    assert snapshot.interrupts  # still waiting for a real reviewer
    assert _outbox_count(session, outcome.draft_id) == 0


def test_an_approver_who_is_not_the_owner_may_approve(session, runtime, pending):
    outcome, _ = pending
    make_rep(session, "ann@nurture.example", approver=True)

    assert (
        run_review(runtime, outcome.draft_id, "approve", "ann@nurture.example").status == "queued"
    )


def test_edit_stores_original_edited_body_and_distance(session, runtime, pending):
    outcome, _ = pending
    original = session.get(Draft, outcome.draft_id).body
    edited = original.replace("Would a short call", "Would a quick call")

    result = run_review(runtime, outcome.draft_id, "edit", "olivia@nurture.example", body=edited)

    row = session.get(Draft, outcome.draft_id)
    assert (row.original_body, row.body, row.edit_distance) == (original, edited, 5)
    assert result.status == "queued"
    assert edited in session.get(Outbox, result.outbox_id).text_body


def test_reject_records_the_reason_and_sends_nothing(session, runtime, pending):
    outcome, lead = pending

    result = run_review(runtime, outcome.draft_id, "reject", "U0OWNER", reason="talked by phone")

    row = session.get(Draft, outcome.draft_id)
    assert (result.status, row.reject_reason, row.reviewer) == (
        "rejected",
        "talked by phone",
        "olivia@nurture.example",
    )
    assert _outbox_count(session, outcome.draft_id) == 0
    reviewed = session.scalars(
        select(Event).where(Event.lead_id == lead.id, Event.type == "draft_reviewed")
    ).one()
    assert reviewed.properties["reason"] == "talked by phone"


def test_regenerate_creates_a_new_revision_with_the_instruction(session, runtime, pending):
    outcome, _ = pending
    old = session.get(Draft, outcome.draft_id)

    result = run_review(
        runtime, old.id, "regenerate", "U0OWNER", instruction="lead with the case study"
    )

    new = session.get(Draft, result.new_draft_id)
    assert (result.status, old.status, old.instruction) == (
        "regenerated",
        "regenerated",
        "lead with the case study",
    )
    assert (new.revision, new.status, new.instruction) == (2, "pending", "lead with the case study")
    assert new.thread_id == old.thread_id and new.body != old.body
    assert run_review(runtime, new.id, "approve", "U0OWNER").status == "queued"
    assert run_review(runtime, old.id, "approve", "U0OWNER").applied is False


def test_a_second_trigger_waits_while_a_draft_is_pending(session, runtime, pending):
    _, lead = pending
    from tests.agent.conftest import NOW
    from tests.factories import track

    demo = track(session, lead, "Demo Requested", NOW)
    second = run_event(runtime, demo.id)

    assert (second.status, second.draft_id) == ("alert_owner", None)


def test_a_sequence_step_drafts_with_its_purpose_and_step_key(session, runtime, owner):
    lead, _ = hot_lead(session, owner, user="seq")
    enrollment = Enrollment(
        lead_id=lead.id,
        sequence="welcome",
        current_step=2,
        last_message_id="<nurture.prev@mail.nurture.example>",
    )
    session.add(enrollment)
    session.flush()

    outcome = run_step(runtime, enrollment.id, purpose="proof", sequence="welcome", step=3)
    result = run_review(runtime, outcome.draft_id, "approve", "U0OWNER")

    row = session.get(Draft, outcome.draft_id)
    assert (row.sequence, row.step, row.purpose, row.trigger) == (
        "welcome",
        3,
        "proof",
        "sequence_step",
    )
    email = session.get(Outbox, result.outbox_id)
    assert re.fullmatch(rf"lead-{lead.id}:welcome:enr-\d+:step-3", email.idempotency_key)
    assert email.in_reply_to == "<nurture.prev@mail.nurture.example>"


def test_an_event_that_triggers_nothing_returns_none(session, runtime, owner):
    _, events = hot_lead(session, owner, user="quiet")

    assert run_event(runtime, events[1].id) is None  # one pricing view is not a streak


def test_the_verify_node_and_its_router(runtime):
    from tests.cassettes import scenarios as sc

    state = sc.draft_state() | {"draft": sc.INVENTED_DRAFT.model_dump(), "backend": "openai"}

    update = build_graph().nodes["verify"].invoke(state, runtime.config("node-test"))

    codes = [error.rsplit("[", 1)[1] for error in update["errors"]]
    assert codes == ["unsupported_claim]", "uncited_claim]", "unsupported_claim]"]
    assert after_verify(state | update) == "draft"  # retry (or fall back) through the drafter
    assert after_verify(state | update | {"backend": "offline"}) == "store_draft"
    assert after_verify(state | {"errors": []}) == "store_draft"
