"""Reply actions against the real database: one table, each label's effect, the review path."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.models import Draft, Escalation, Lead
from tests.reply_factories import (
    RECEIVED,
    counts,
    enrollment_states,
    escalation_kinds,
    events_of_type,
    nurtured_lead,
    paused_until,
    stored_reply,
    verdict,
)
from tools.classify import classify_reply_offline
from tools.guardrails import check_send
from tools.leads import explain
from tools.reply_actions import ACTIONS, IRREVERSIBLE, act_on_reply
from tools.reply_schema import LABELS, ReplyInput

LATER = RECEIVED + timedelta(hours=1)


def run(session, reply, result):
    """Act on a reply the way the graph's act node does."""
    return act_on_reply(session, reply, result, classifier="test", now=LATER)


def test_one_action_per_label_and_the_irreversible_ones_are_named():
    assert set(ACTIONS) == set(LABELS)
    assert sorted(IRREVERSIBLE) == ["bounce", "not_interested", "referral", "unsubscribe"]


def test_unsubscribe_suppresses_at_once_and_exits_every_enrollment(session):
    lead = nurtured_lead(session)
    body = "Please remove me from your mailing list."
    reply = stored_reply(session, lead, body)
    result = classify_reply_offline(ReplyInput(id="r", body=body, received_at=RECEIVED))
    assert result.label == "unsubscribe" and not result.needs_review

    name, outcome = run(session, reply, result)

    session.refresh(lead)
    decision = check_send(session, lead, LATER + timedelta(days=1))
    assert decision.suppressed and "unsubscribed" in decision.reason
    assert enrollment_states(session, lead.id) == [("exited", "unsubscribed")]
    assert [e.type for e in events_of_type(session, lead.id, "email_unsubscribed")]
    assert name == "unsubscribe" and reply.action == "unsubscribe"
    assert reply.action_result == outcome and outcome["consent"] == "unsubscribed"
    assert outcome["suppressed"] == "consent is unsubscribed"


def test_bounce_marks_the_address_bounced(session):
    lead = nurtured_lead(session)
    reply = stored_reply(session, lead, "550 5.1.1 user unknown", "Undeliverable: hello")
    run(session, reply, verdict("bounce", 0.99, source="rules"))
    session.refresh(lead)
    assert lead.consent == "bounced"
    assert check_send(session, lead, LATER).suppressed
    assert enrollment_states(session, lead.id) == [("exited", "bounced")]


def test_out_of_office_pauses_until_the_return_date_in_the_lead_timezone(session):
    lead = nurtured_lead(session)
    reply = stored_reply(session, lead, "I am out of the office until 24 March.")
    _, outcome = run(session, reply, verdict("out_of_office", follow_up_date=date(2026, 3, 24)))
    session.refresh(lead)
    expected = datetime(2026, 3, 24, tzinfo=ZoneInfo("America/New_York"))
    assert lead.snoozed_until == expected
    assert paused_until(session, lead.id) == [("active", expected, True)]  # the worker resumes it
    assert outcome["until_from"] == "date from the reply"
    assert check_send(session, lead, LATER).code == "paused"


def test_out_of_office_without_a_date_pauses_fourteen_days(session):
    lead = nurtured_lead(session)
    reply = stored_reply(session, lead, "I am away with limited access to email.")
    _, outcome = run(session, reply, verdict("out_of_office"))
    session.refresh(lead)
    assert lead.snoozed_until == RECEIVED + timedelta(days=14)
    assert outcome["until_from"] == "default 14 days"


def test_not_now_snoozes_to_the_date(session):
    lead = nurtured_lead(session)
    reply = stored_reply(session, lead, "Check back in June.")
    run(session, reply, verdict("not_now", follow_up_date=date(2026, 6, 1)))
    session.refresh(lead)
    assert lead.snoozed_until.astimezone(UTC).date() == date(2026, 6, 1)
    assert paused_until(session, lead.id) == [("active", lead.snoozed_until, True)]


def test_referral_creates_the_lead_and_a_pending_intro_citing_the_referrer(session):
    lead = nurtured_lead(session)
    body = "I'm not the right person. Please talk to Priya Raman (priya.raman@brightline.example)."
    reply = stored_reply(session, lead, body)
    result = verdict("referral", referral_name="Priya Raman",
                     referral_email="priya.raman@brightline.example")  # fmt: skip

    _, outcome = run(session, reply, result)

    referred = session.scalars(
        select(Lead).where(Lead.email == "priya.raman@brightline.example")
    ).one()
    assert outcome["referred_lead_id"] == referred.id and not outcome["matched_existing"]
    assert (referred.source, referred.first_name) == ("referral", "Priya")
    assert referred.last_name == "Raman"
    assert referred.traits["referred_by"] == lead.email
    assert referred.owner_rep_id == lead.owner_rep_id
    draft = session.get(Draft, outcome["draft_id"])
    assert (draft.status, draft.purpose) == ("pending", "referral_intro")
    assert draft.lead_id == referred.id
    assert "Dana Whitfield at Brightline Logistics suggested" in draft.body
    assert f"reply-{reply.id}" in draft.citations
    assert draft.sentences[0]["fact_ids"] == [f"reply-{reply.id}"]
    assert escalation_kinds(session, lead.id) == ["referral"]


def test_referral_to_a_known_lead_matches_it_without_changing_its_source(session):
    lead = nurtured_lead(session)
    known = nurtured_lead(session, source="webinar")
    reply = stored_reply(session, lead, f"Please contact {known.email} instead.")
    _, outcome = run(session, reply, verdict("referral", referral_email=known.email))
    session.refresh(known)
    assert outcome["referred_lead_id"] == known.id and outcome["matched_existing"]
    assert known.source == "webinar" and known.traits["referred_by"] == lead.email


def test_meeting_request_alerts_the_rep_with_the_proposed_times(session):
    lead = nurtured_lead(session)
    reply = stored_reply(session, lead, "Could we talk Tuesday at 3pm or Wednesday at 10am?")
    times = ["Tuesday at 3pm", "Wednesday at 10am"]
    run(session, reply, verdict("meeting_request", proposed_times=times))
    [alert] = session.scalars(select(Escalation).where(Escalation.lead_id == lead.id)).all()
    assert alert.kind == "meeting_request" and alert.payload["proposed_times"] == times
    assert "Tuesday at 3pm; Wednesday at 10am" in alert.summary
    assert alert.owner_rep_id == lead.owner_rep_id


def test_question_drafts_an_answer_for_approval_and_escalates(session):
    lead = nurtured_lead(session)
    question = "Do you support single sign-on with Okta?"
    reply = stored_reply(session, lead, question)
    _, outcome = run(session, reply, verdict("question", question=question))
    draft = session.get(Draft, outcome["draft_id"])
    assert draft.status == "pending" and draft.purpose == "answer_question"
    assert question in draft.body and draft.sentences[0]["fact_ids"] == [f"reply-{reply.id}"]
    assert escalation_kinds(session, lead.id) == ["question"]


def test_objection_notes_the_competitor_and_drafts_a_response(session):
    lead = nurtured_lead(session)
    reply = stored_reply(session, lead, "We already use HubSpot for this, thanks.")
    _, outcome = run(session, reply, verdict("objection", competitor="HubSpot"))
    session.refresh(lead)
    assert lead.traits["competitor"] == "HubSpot"
    [classified] = events_of_type(session, lead.id, "reply_classified")
    assert classified.properties["competitor"] == "HubSpot"
    draft = session.get(Draft, outcome["draft_id"])
    assert draft.purpose == "handle_objection" and "HubSpot" in draft.body


def test_not_interested_stops_the_sequence(session):
    lead = nurtured_lead(session)
    reply = stored_reply(session, lead, "Not interested, thanks.")
    run(session, reply, verdict("not_interested"))
    assert enrollment_states(session, lead.id) == [("exited", "not_interested")]
    session.refresh(lead)
    assert lead.consent == "subscribed"  # a no is not an unsubscribe


def test_interested_alerts_the_rep_and_asks_for_the_decision_track(session):
    lead = nurtured_lead(session)
    reply = stored_reply(session, lead, "This looks great, send me more.")
    _, outcome = run(session, reply, verdict("interested"))
    assert escalation_kinds(session, lead.id) == ["positive_reply"]
    assert outcome["decision_track"]["enrolled"], outcome
    assert enrollment_states(session, lead.id) == [("exited", "superseded"), ("active", None)]
    assert outcome["decision_track"]["sequence"] == "high_intent"


def test_the_reply_intent_adds_a_visible_score_line(session):
    lead = nurtured_lead(session)
    before = explain(session, lead).score
    reply = stored_reply(session, lead, "Can we meet Thursday at 10am?")
    run(session, reply, verdict("meeting_request", proposed_times=["Thursday at 10am"]))
    breakdown = explain(session, lead, RECEIVED + timedelta(days=1))
    assert any(line.text.startswith("Replied asking for a meeting") for line in breakdown.lines)
    assert breakdown.score >= before + 30
    session.refresh(lead)
    assert lead.score == explain(session, lead).score  # rescored inline


@pytest.mark.parametrize("label", sorted(IRREVERSIBLE))
def test_low_confidence_escalates_the_guess_and_does_nothing_irreversible(session, label):
    lead = nurtured_lead(session)
    reply = stored_reply(session, lead, "hmm, maybe. tell jo@else.example? stop? not sure")
    before = counts(session)
    result = verdict(label, 0.4, needs_review=True, referral_email="jo@else.example")

    name, outcome = run(session, reply, result)

    session.refresh(lead)
    assert name == "needs_review" and outcome["guess"] == label
    assert lead.consent == "subscribed" and not check_send(session, lead, LATER).suppressed
    assert all(status != "exited" for status, _ in enrollment_states(session, lead.id))
    after = counts(session)
    assert after["leads"] == before["leads"] and after["drafts"] == before["drafts"]
    [alert] = session.scalars(select(Escalation).where(Escalation.lead_id == lead.id)).all()
    assert alert.kind == "low_confidence" and alert.payload["guess"] == label
    [classified] = events_of_type(session, lead.id, "reply_classified")
    assert classified.properties["label"] is None  # no score line for an unconfirmed guess
    assert classified.properties["guess"] == label
    if label in ("bounce", "unsubscribe", "not_interested"):  # a likely opt-out is held, reversibly
        assert paused_until(session, lead.id) == [("active", lead.snoozed_until, True)]
        assert check_send(session, lead, LATER).code == "paused"


def test_a_reply_without_a_lead_is_only_tagged(session):
    reply = stored_reply(session, None, "Who is this?")
    before = counts(session)
    name, outcome = run(session, reply, verdict("other"))
    assert (name, reply.label, outcome["tagged"]) == ("tag", "other", True)
    assert counts(session) == before
