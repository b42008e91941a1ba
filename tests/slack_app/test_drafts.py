"""Approval cards: posted to the owner, decided by clicks (owner or approver only), redrawn."""

from __future__ import annotations

import json

from sqlalchemy import select

from core.models import Draft
from tests.slack_app.conftest import (
    block_action,
    make_draft,
    make_lead,
    make_rep,
    post_signed,
    view_submission,
    wait_until,
)


def draft_row(db, draft_id: int) -> Draft:
    with db.session() as session:
        return session.scalars(select(Draft).where(Draft.id == draft_id)).one()


def posted(db, mock_slack, owner_slack="U0OWNER") -> tuple[int, dict]:
    """A pending draft for a lead owned by `owner_slack`, once its card reached Slack."""
    owner = make_rep(db, "Owner", owner_slack)
    draft_id = make_draft(db, make_lead(db, owner))
    [card] = mock_slack.wait_for("chat.postMessage", where=lambda p: p["channel"] == owner_slack)
    wait_until(lambda: draft_row(db, draft_id).slack_ts not in (None, "posting"))
    return draft_id, card


def card_updates(mock_slack) -> list[dict]:
    return mock_slack.of("chat.update")


def test_card_goes_to_the_owner_dm_with_buttons(slack, db, mock_slack):
    draft_id, card = posted(db, mock_slack)
    actions = card["blocks"][-1]
    assert actions["elements"][0]["action_id"] == "draft_approve"
    assert actions["elements"][0]["value"] == str(draft_id)
    row = draft_row(db, draft_id)
    assert row.slack_channel == "D0OWNER" and row.slack_ts.startswith("1700000000.")


def test_owner_approves_and_the_card_updates_in_place(slack, db, mock_slack, fake_agent):
    draft_id, _ = posted(db, mock_slack)
    row = draft_row(db, draft_id)
    body = block_action("U0OWNER", "draft_approve", str(draft_id), ts=row.slack_ts)
    assert post_signed(slack, body).status_code == 200
    [update] = mock_slack.wait_for("chat.update")
    assert fake_agent == [(draft_id, "approve", "U0OWNER", None, None, None, None)]
    assert update["channel"] == "D0OWNER" and update["ts"] == row.slack_ts
    last = update["blocks"][-1]
    assert last["type"] == "context" and "Approved by <@U0OWNER>" in last["elements"][0]["text"]


def test_a_stranger_is_refused_privately_and_nothing_changes(slack, db, mock_slack, fake_agent):
    draft_id, _ = posted(db, mock_slack)
    make_rep(db, "Other", "U0OTHER")
    for user in ("U0OTHER", "U0NOBODY"):  # a rep who does not own the lead; not a rep at all
        assert (
            post_signed(slack, block_action(user, "draft_approve", str(draft_id))).status_code
            == 200
        )
        [note] = mock_slack.wait_for("chat.postEphemeral", where=lambda p, u=user: p["user"] == u)
        assert "owner or an approver" in note["text"]
    assert fake_agent == [] and card_updates(mock_slack) == []
    assert draft_row(db, draft_id).status == "pending"


def test_an_approver_may_act_on_any_lead(slack, db, mock_slack, fake_agent):
    draft_id, _ = posted(db, mock_slack)
    make_rep(db, "Boss", "U0BOSS", approver=True)
    post_signed(slack, block_action("U0BOSS", "draft_approve", str(draft_id)))
    mock_slack.wait_for("chat.update")
    assert fake_agent[0][1:3] == ("approve", "U0BOSS")


def test_double_click_is_harmless(slack, db, mock_slack, fake_agent):
    draft_id, _ = posted(db, mock_slack)
    body = block_action("U0OWNER", "draft_approve", str(draft_id))
    post_signed(slack, body)
    mock_slack.wait_for("chat.update")
    post_signed(slack, body)
    [note] = mock_slack.wait_for("chat.postEphemeral")
    assert "already queued" in note["text"]
    assert len(fake_agent) == 1 and draft_row(db, draft_id).status == "queued"


def test_edit_opens_a_prefilled_modal_and_sends_the_edited_text(slack, db, mock_slack, fake_agent):
    draft_id, _ = posted(db, mock_slack)
    row = draft_row(db, draft_id)
    post_signed(slack, block_action("U0OWNER", "draft_edit", str(draft_id), ts=row.slack_ts))
    [opened] = mock_slack.wait_for("views.open")
    view = opened["view"]
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["body"]["initial_value"] == row.body and opened["trigger_id"] == "trigger-1"
    edited = "Hi Ada,\n\nShort and sweet: 15 minutes Tuesday?"
    submit = view_submission(
        "U0OWNER",
        view["callback_id"],
        {"subject": "Quick question", "body": edited},
        view["private_metadata"],
    )
    response = post_signed(slack, submit)
    assert response.status_code == 200 and response.content in (b"", b"{}")  # modal closes
    [update] = mock_slack.wait_for("chat.update")
    assert fake_agent == [(draft_id, "edit", "U0OWNER", "Quick question", edited, None, None)]
    assert draft_row(db, draft_id).body == edited
    assert "Edited and approved" in json.dumps(update["blocks"])
    assert "15 minutes Tuesday" in json.dumps(update["blocks"])


def test_edit_with_an_empty_body_keeps_the_modal_open(slack, db, mock_slack, fake_agent):
    draft_id, _ = posted(db, mock_slack)
    meta = json.dumps({"draft_id": draft_id, "channel": "D0OWNER", "ts": None})
    body = view_submission("U0OWNER", "draft_edit_modal", {"subject": "x", "body": " "}, meta)
    response = post_signed(slack, body)
    assert response.json()["response_action"] == "errors" and fake_agent == []


def test_reject_asks_for_a_reason(slack, db, mock_slack, fake_agent):
    draft_id, _ = posted(db, mock_slack)
    post_signed(slack, block_action("U0OWNER", "draft_reject", str(draft_id)))
    [opened] = mock_slack.wait_for("views.open")
    meta = opened["view"]["private_metadata"]
    post_signed(
        slack, view_submission("U0OWNER", "draft_reject_modal", {"reason": "too early"}, meta)
    )
    [update] = mock_slack.wait_for("chat.update")
    assert fake_agent[0][1] == "reject" and fake_agent[0][5] == "too early"
    assert "Rejected by <@U0OWNER>" in json.dumps(update["blocks"])


def test_regenerate_passes_the_instruction_and_posts_the_new_draft(
    slack, db, mock_slack, fake_agent
):
    draft_id, _ = posted(db, mock_slack)
    post_signed(slack, block_action("U0OWNER", "draft_regenerate", str(draft_id)))
    [opened] = mock_slack.wait_for("views.open")
    meta = opened["view"]["private_metadata"]
    post_signed(
        slack,
        view_submission("U0OWNER", "draft_regenerate_modal", {"instruction": "shorter"}, meta),
    )
    mock_slack.wait_for("chat.update")
    assert fake_agent[0][1] == "regenerate" and fake_agent[0][6] == "shorter"
    second = mock_slack.wait_for("chat.postMessage", 2, where=lambda p: p["channel"] == "U0OWNER")
    assert "Second try" in second[1]["text"]


def test_approve_all_of_a_batch_from_the_home_tab(slack, db, mock_slack, fake_agent):
    owner = make_rep(db, "Owner", "U0OWNER")
    ids = [make_draft(db, make_lead(db, owner), step=2) for _ in range(3)]
    mock_slack.wait_for("chat.postMessage", 3, where=lambda p: p["channel"] == "U0OWNER")
    value = ",".join(map(str, ids))
    post_signed(slack, block_action("U0OWNER", "drafts_approve_batch", value))
    [note] = mock_slack.wait_for("chat.postEphemeral")
    assert note["text"].startswith("Approved 3 of 3")
    assert sorted(c[0] for c in fake_agent) == ids
    assert len(mock_slack.wait_for("chat.update", 3)) == 3
    mock_slack.wait_for("views.publish")


def test_without_the_agent_nothing_changes(slack, db, mock_slack, monkeypatch):
    from slack_app import review

    def missing():
        raise review.AgentUnavailable("agent/entry.py is not available")

    monkeypatch.setattr(review, "agent_entry", missing)
    draft_id, _ = posted(db, mock_slack)
    post_signed(slack, block_action("U0OWNER", "draft_approve", str(draft_id)))
    [note] = mock_slack.wait_for("chat.postEphemeral")
    assert "not running" in note["text"] and draft_row(db, draft_id).status == "pending"
