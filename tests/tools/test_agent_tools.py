"""The agent's tools: their own guardrails, and no fake results when a module is missing."""

from __future__ import annotations

import sys
import types

import pytest

from tests.agent.conftest import hot_lead
from tools.agent_tools import (
    NotAvailable,
    ToolRefused,
    classify_reply,
    enroll_in_sequence,
    lookup_segment,
    score_lead,
)
from tools.reply_schema import ReplyInput


def test_score_lead_explains_the_score(session):
    lead, _ = hot_lead(session)

    scored = score_lead(session, lead.id)

    assert scored.stage == "decision" and scored.score > 0
    assert any("pricing" in reason.lower() for reason in scored.top_reasons)
    with pytest.raises(ToolRefused):
        score_lead(session, 10**12)


def test_lookup_segment_lists_names(session):
    from tools.segments import ensure_builtins

    ensure_builtins(session)
    lead, _ = hot_lead(session)

    names = lookup_segment(session, lead.id)
    # two pricing views this week and a whitepaper download, so these built-ins hold, others not
    assert {"pricing_2x_7d", "high_intent", "whitepaper_downloaders"} <= set(names)
    assert "inactive_30d" not in names and "demo_requests" not in names
    assert names == sorted(names)


def test_enroll_without_the_sequences_module_is_not_available(session, monkeypatch):
    lead, _ = hot_lead(session)
    monkeypatch.setitem(sys.modules, "tools.enrollment", None)  # as if it were not installed

    with pytest.raises(NotAvailable, match=r"tools\.enrollment"):
        enroll_in_sequence(session, lead.id, "welcome", trigger="test")


def test_enroll_refuses_a_suppressed_lead_before_calling_the_module(session, monkeypatch):
    calls = []
    fake = types.ModuleType("tools.enrollment")
    fake.enroll = lambda *args, **kwargs: calls.append((args, kwargs)) or "enrolled"
    monkeypatch.setitem(sys.modules, "tools.enrollment", fake)
    lead, _ = hot_lead(session)

    assert enroll_in_sequence(session, lead.id, "welcome", trigger="t", trigger_event_id=7) == (
        "enrolled"
    )
    assert calls[0][1] == {"trigger": "t", "trigger_event_id": 7}
    lead.consent = "bounced"
    with pytest.raises(ToolRefused, match="consent is bounced"):
        enroll_in_sequence(session, lead.id, "welcome", trigger="t")
    assert len(calls) == 1


def test_classify_reply_calls_the_offline_classifier_with_a_bounded_body(monkeypatch):
    seen = []
    fake = types.ModuleType("tools.classify")
    fake.classify_reply_offline = lambda reply: seen.append(reply) or "classified"
    monkeypatch.setitem(sys.modules, "tools.classify", fake)
    reply = ReplyInput(id="r1", body="Please remove me from your list. " + "x" * 30_000)

    assert classify_reply(reply) == "classified"
    assert seen[0].id == "r1" and len(seen[0].body) == 20_000
    monkeypatch.setitem(sys.modules, "tools.classify", None)  # as if it were not installed
    with pytest.raises(NotAvailable, match=r"reply classification"):
        classify_reply(reply)
