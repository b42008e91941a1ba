"""Draft rows: who may review, compare-and-set transitions, edit distance."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.agent.conftest import hot_lead, make_rep
from tools.drafts import NotAllowed, authorize, create_draft, edit_distance, review, transition


def _draft(session, lead):
    return create_draft(
        session,
        lead_id=lead.id,
        thread_id=f"lead-{lead.id}:t:1",
        revision=1,
        trigger="t",
        purpose="decision",
        subject="Hello",
        body="One sentence.\n\nWould a call help?",
    )


def test_only_the_owner_or_an_approver_may_review(session):
    owner = make_rep(session, "owner@nurture.example", slack="U1")
    approver = make_rep(session, "boss@nurture.example", approver=True)
    make_rep(session, "peer@nurture.example")
    inactive = make_rep(session, "gone@nurture.example", approver=True)
    inactive.active = False
    lead, _ = hot_lead(session, owner)

    assert authorize(session, lead, " Owner@Nurture.example ") == owner
    assert authorize(session, lead, "U1") == owner
    assert authorize(session, lead, "boss@nurture.example") == approver
    for actor in ("peer@nurture.example", "gone@nurture.example", "", "u1"):
        with pytest.raises(NotAllowed):
            authorize(session, lead, actor)


def test_create_is_once_per_revision_and_transitions_are_compare_and_set(session):
    lead, _ = hot_lead(session)
    draft = _draft(session, lead)

    assert _draft(session, lead).id == draft.id
    stale_version = draft.version
    assert review(session, draft, "approve", "rep@x")
    assert draft.status == "approved" and draft.version == stale_version + 1
    assert not review(session, draft, "reject", "rep@x", reason="late click")
    session.execute(
        text("UPDATE drafts SET version = version + 1 WHERE id = :id"), {"id": draft.id}
    )
    assert not transition(session, draft, "approved", "queued")  # a concurrent writer won
    assert (draft.status, draft.version) == ("approved", stale_version + 2)


def test_edit_keeps_the_original_and_measures_the_change(session):
    lead, _ = hot_lead(session)
    draft = _draft(session, lead)

    assert review(session, draft, "edit", "rep@x", body="One sentence.\n\nWould a chat help?")
    assert (draft.status, draft.original_body, draft.edit_distance) == (
        "edited",
        "One sentence.\n\nWould a call help?",
        3,
    )


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("", "", 0),
        ("kitten", "sitting", 3),
        ("abc", "", 3),
        ("flaw", "lawn", 2),
        ("same", "same", 0),
    ],
)
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b) == distance == edit_distance(b, a)
