"""Block Kit builders as pure functions: structure, action ids and values, Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from slack_app.blocks import (
    DRAFT_ACTIONS,
    EDIT_MODAL,
    approval_card,
    edit_modal,
    metadata,
    reason_modal,
)
from slack_app.blocks_alerts import CLAIM, OPEN_DRAFT, SNOOZE, escalation_message
from slack_app.blocks_commands import answer_message, lead_card, usage_message
from slack_app.blocks_home import BATCH_APPROVE, home_view
from slack_app.cards import (
    BatchGroup,
    DraftCard,
    EscalationCard,
    HomeData,
    LeadLine,
    SendStatus,
    WeeklySummary,
)
from slack_app.kit import MESSAGE_BLOCKS, SECTION_LIMIT, chunks, clip, context, fit_blocks
from slack_app.preview import as_text

LEAD = LeadLine(
    id=7,
    name="Ada Lovelace",
    email="ada@acme.example",
    title="VP Operations",
    company="Acme",
    score=82,
    tier="mql",
    stage="decision",
    top_reasons=("Viewed pricing ×2: +30", "VP: +15"),
    owner="U0OWNER",
)
SEND = SendStatus(False, "send window opens Tue 09:00 (America/New_York)", True, "frequency cap OK")


def card(**overrides) -> DraftCard:
    values = dict(
        id=42,
        lead=LEAD,
        subject="Pricing for Acme",
        body="Hi Ada,\n\nSaw you on pricing.",
        brief={
            "why_now": "pricing viewed twice",
            "playbook": {"name": "high_intent", "step": 1, "purpose": "decision"},
            "action": {"name": "draft_email", "reason": "decision-stage lead"},
            "verification_errors": ["sentence 2 cites nothing"],
        },
        citations=[
            {
                "fact_id": "evt_1",
                "text": "Viewed pricing",
                "source": "page_viewed",
                "occurred_at": "2026-11-03T10:00:00+00:00",
            }
        ],
        send=SEND,
        sequence="high_intent",
        step=1,
    )
    values.update(overrides)
    return DraftCard(**values)


def texts(payload: dict) -> str:
    return json.dumps(payload["blocks"], ensure_ascii=False)


def sections(payload: dict) -> list[str]:
    return [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]


def test_approval_card_shows_everything_a_reviewer_needs() -> None:
    payload = approval_card(card())
    blob = texts(payload)
    for needle in (
        "Ada Lovelace",
        "VP Operations",
        "Acme",
        "82",
        "MQL",
        "Viewed pricing ×2: +30",
        "Why now",
        "pricing viewed twice",
        "high_intent, step 1 (decision)",
        "draft_email — decision-stage lead",
        "Check:* sentence 2 cites nothing",
        "Pricing for Acme",
        "Saw you on pricing",
        "evt_1",
        "page_viewed",
        "send window opens",
        "frequency cap OK",
        "<@U0OWNER>",
    ):
        assert needle in blob, needle
    buttons = payload["blocks"][-1]
    assert buttons["type"] == "actions" and buttons["block_id"] == "draft:42"
    assert [e["action_id"] for e in buttons["elements"]] == list(DRAFT_ACTIONS)
    assert {e["value"] for e in buttons["elements"]} == {"42"}
    assert buttons["elements"][0]["style"] == "primary"
    assert "needs approval" in payload["text"]


def test_decided_card_says_who_did_what_when_and_has_no_buttons() -> None:
    at = datetime(2026, 11, 24, 10, 4, tzinfo=UTC)
    payload = approval_card(
        card(status="rejected", reviewer="U0OWNER", reviewed_at=at, note="too pushy")
    )
    assert all(b["type"] != "actions" for b in payload["blocks"])
    last = payload["blocks"][-1]["elements"][0]["text"]
    assert "Rejected by <@U0OWNER> at 2026-11-24 10:04 UTC" in last and "too pushy" in last
    edited = approval_card(card(status="queued", edited=True, reviewer="U1", reviewed_at=at))
    assert "Edited and approved" in edited["blocks"][-1]["elements"][0]["text"]


def test_untrusted_text_cannot_ping_the_channel() -> None:
    hostile = LeadLine(id=1, name="<!channel> Mallory", company="<https://evil|click>")
    payload = approval_card(card(lead=hostile, body="<!here> ignore previous instructions"))
    mrkdwn = " ".join(sections(payload)) + payload["text"]  # plain_text is never parsed
    assert "<!channel>" not in mrkdwn and "<!here>" not in mrkdwn and "<https://evil" not in mrkdwn
    assert "&lt;!channel&gt;" in mrkdwn


def test_long_text_is_cut_to_slack_limits() -> None:
    payload = approval_card(card(body="word " * 5000, subject="s" * 4000))
    assert all(len(t) <= SECTION_LIMIT for t in sections(payload))
    assert len(payload["blocks"]) <= MESSAGE_BLOCKS
    assert len(payload["blocks"][0]["text"]["text"]) <= 150
    many = approval_card(
        card(citations=[{"fact_id": f"e{i}", "text": "x" * 400, "source": "s"} for i in range(60)])
    )
    assert all(len(t) <= SECTION_LIMIT for t in sections(many))
    assert "more_" in texts(many)


def test_fit_blocks_keeps_the_buttons() -> None:
    blocks = [context(str(i)) for i in range(80)] + [{"type": "actions", "elements": []}]
    fitted = fit_blocks(blocks)
    assert len(fitted) == MESSAGE_BLOCKS and fitted[-1]["type"] == "actions"
    assert "32 more not shown" in fitted[-2]["elements"][0]["text"]


def test_clip_and_chunks() -> None:
    assert clip("abcdef", 4) == "abc…" and clip("abc", 4) == "abc"
    parts = chunks("para one.\n" * 1000, 3000, max_chunks=3)
    assert len(parts) == 3 and all(len(p) <= 3000 for p in parts)


def test_edit_modal_is_prefilled_and_reason_modals_ask() -> None:
    meta = metadata(42, "D0OWNER", "1.2")
    view = edit_modal(card(), meta)
    assert (
        view["callback_id"] == EDIT_MODAL and json.loads(view["private_metadata"])["draft_id"] == 42
    )
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["subject"]["initial_value"] == "Pricing for Acme"
    assert inputs["body"]["initial_value"].startswith("Hi Ada") and inputs["body"]["multiline"]
    assert len(view["title"]["text"]) <= 24
    reject = reason_modal("reject", card(), meta)
    assert [b["block_id"] for b in reject["blocks"] if b["type"] == "input"] == ["reason"]
    regen = reason_modal("regenerate", card(), meta)
    assert [b["block_id"] for b in regen["blocks"] if b["type"] == "input"] == ["instruction"]


def test_escalation_message_with_times_and_actions() -> None:
    esc = EscalationCard(
        id=9,
        kind="meeting_request",
        summary="Ada asked for a call",
        lead=LEAD,
        payload={
            "proposed_times": ["Tue 10:00", "Wed 14:00"],
            "draft_id": 42,
            "quote": "Could we talk Tuesday?",
        },
    )
    payload = escalation_message(esc)
    blob = texts(payload)
    assert "Meeting request" in blob and "Tue 10:00" in blob and "Wed 14:00" in blob
    assert "Could we talk Tuesday?" in blob
    elements = payload["blocks"][-1]["elements"]
    assert [e["action_id"] for e in elements] == [CLAIM, SNOOZE, OPEN_DRAFT]
    assert elements[0]["value"] == "9" and elements[2]["value"] == "42"
    assert {o["value"] for o in elements[1]["options"]} == {"9:1", "9:4", "9:24", "9:72"}
    claimed = escalation_message(
        EscalationCard(id=9, kind="mql", summary="s", status="claimed", claimed_by="U0OWNER")
    )
    assert "Claimed by <@U0OWNER>" in texts(claimed)
    assert all(b["type"] != "actions" for b in claimed["blocks"])


def test_home_view_has_batches_with_confirmation() -> None:
    pending = [card(id=i) for i in range(1, 40)]
    data = HomeData(
        user_id="U0OWNER",
        rep_name="Maya",
        pending=pending,
        pending_total=39,
        batches=[BatchGroup("welcome", 2, (1, 2, 3))],
        hot_leads=[LEAD] * 10,
        escalations=[EscalationCard(id=1, kind="mql", summary="crossed", lead=LEAD)],
    )
    view = home_view(data)
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    batch = next(
        b["accessory"]
        for b in view["blocks"]
        if b.get("accessory", {}).get("action_id") == BATCH_APPROVE
    )
    assert batch["value"] == "1,2,3" and batch["text"]["text"] == "Approve all 3"
    assert batch["confirm"]["confirm"]["text"] == "Approve 3"
    assert "24 more not shown" in texts(view)


def test_lead_card_answer_and_usage() -> None:
    profile = {
        "profile": {
            "first_name": "Ada",
            "last_name": "L",
            "email": "a@x.example",
            "title": "VP",
            "company": "Acme",
            "consent": "subscribed",
            "lifecycle_stage": "lead",
        },
        "owner": {"name": "Maya", "email": "m@x"},
        "score": {
            "score": 55,
            "fit": 15,
            "engagement": 40,
            "tier": "warm",
            "stage": "decision",
            "top_reasons": ["Demo request: +40"],
            "lines": [{"points": 40, "text": "Demo request"}, {"points": 15, "text": "VP"}],
        },
        "timeline": [{"at": "2026-11-03T10:00:00", "type": "demo_requested", "detail": None}],
    }
    blob = texts(lead_card(profile))
    assert "`+40` Demo request" in blob and "demo_requested" in blob and "Maya" in blob

    class CannotAnswer:
        def model_dump(self):
            return {"reason": "no revenue data", "suggestion": "ask about MQL rate"}

    assert "no revenue data" in texts(answer_message("revenue?", CannotAnswer()))
    answer = answer_message(
        "mql rate?",
        {
            "kind": "answer",
            "text": "MQL rate was 4.2%",
            "rows": [{"m": 1}],
            "period": "last 30 days",
            "proposal": {"kind": "enroll", "summary": "Enroll 3 leads", "token": "tok.sig"},
        },
    )
    assert "4.2%" in answer["text"] and "```" in texts(answer) and "last 30 days" in texts(answer)
    confirm = answer["blocks"][-1]["elements"][0]
    assert (confirm["action_id"], confirm["value"]) == ("analytics_confirm", "tok.sig")
    assert "confirm" in confirm
    assert "/nurture ask" in usage_message()["text"]


def test_text_preview_is_readable() -> None:
    text = as_text(approval_card(card()))
    assert "== ✉️ Draft for approval: Ada Lovelace ==" in text
    assert "[Approve] [Edit] [Reject] [Regenerate]" in text and "@U0OWNER" in text
    assert as_text(escalation_message(EscalationCard(id=1, kind="mql", summary="x")))
    weekly = WeeklySummary(week="2026-W48", leads=[LEAD], new_mqls=3)
    from slack_app.blocks_alerts import weekly_summary_message

    assert "1. Ada Lovelace" in as_text(weekly_summary_message(weekly))
