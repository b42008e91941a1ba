"""The graph's OpenAI path over a mock HTTP transport: tool choice, usage, failures -> offline."""

from __future__ import annotations

import json
import re

import httpx2
import pytest
from sqlalchemy import select

from agent.entry import run_event
from agent.llm import CallRecorder
from agent.llm_openai import OpenAIClient
from core.models import Draft, LlmCall
from tests.agent.conftest import hot_lead, make_rep, session_runtime
from tests.cassettes import scenarios as sc

_FACT_LINE = re.compile(r"^\[([^\]]+)\] \((event|content|profile), [^,]+, ([^)]+)\)", re.M)


def _tool_call_body(name: str, arguments: dict) -> dict:
    """A chat.completion whose assistant calls one tool."""
    body = sc.chat_completion_body(None)
    body["choices"][0]["message"]["tool_calls"] = [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)},
        }
    ]
    body["choices"][0]["finish_reason"] = "tool_calls"
    return body


def _grounded_answer(prompt: str) -> dict:
    """A draft citing the pricing-view fact it was given (as a well-behaved model would)."""
    pricing = next(fid for fid, kind, src in _FACT_LINE.findall(prompt) if "pricing" in src)
    draft = {
        "subject": "Dana, a short path to a decision",
        "sentences": [
            {"text": "You came back to our pricing page this week.", "fact_ids": [pricing]},
            {"text": "Here is the shortest way to judge the fit for your team.", "fact_ids": []},
        ],
        "call_to_action": "Would a short call this week help you decide?",
    }
    return sc.chat_completion_body(json.dumps(draft))


def _client(handler) -> OpenAIClient:
    """An OpenAIClient over a mock transport, with instant backoff."""
    return OpenAIClient(
        sc.llm_settings(),
        recorder=CallRecorder(),
        sleep=lambda _s: None,
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )


@pytest.fixture
def trigger(session):
    """A hot lead's whitepaper download: not high intent, so the model chooses the action."""
    owner = make_rep(session, "olivia@nurture.example")
    _, events = hot_lead(session, owner)
    return events[0].id


def test_the_model_chooses_by_tool_call_and_drafts_with_usage_recorded(session, trigger):
    sent = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        sent.append(body)
        if "tools" in body:
            assert [t["function"]["name"] for t in body["tools"]] == ["draft_email", "wait", "none"]
            return httpx2.Response(
                200,
                json=_tool_call_body(
                    "draft_email", {"reason": "pricing twice this week", "angle": "pricing"}
                ),
            )
        return httpx2.Response(200, json=_grounded_answer(body["messages"][1]["content"]))

    outcome = run_event(session_runtime(session, _client(handler)), trigger)

    row = session.get(Draft, outcome.draft_id)
    assert (outcome.status, outcome.backend, outcome.fallback_reason) == ("pending", "openai", None)
    assert (row.model, row.verification) == ("gpt-4o-mini", [])
    assert row.prompt_version.startswith("draft_email@v1:")
    assert row.brief["action"]["chosen_by"] == "model"
    assert row.brief["action"]["reason"] == "pricing twice this week"
    assert len(sent) == 2  # one action choice, one draft: within the two-call budget
    calls = session.scalars(select(LlmCall).where(LlmCall.draft_id == row.id)).all()
    assert sorted(c.purpose for c in calls) == ["choose_action", "draft"]
    assert all(c.ok and c.prompt_tokens == 10 for c in calls)
    assert '<lead_profile untrusted="true">\nFirst name: Dana' in sent[1]["messages"][1]["content"]


@pytest.mark.parametrize("failure", ["http_500", "http_429", "timeout"])
def test_model_failures_are_retried_then_fall_back_offline(session, trigger, failure):
    attempts = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        attempts.append(request)
        if failure == "timeout":
            raise httpx2.ReadTimeout("timed out", request=request)
        status = 500 if failure == "http_500" else 429
        error = {"message": "busy", "type": "server_error", "param": None, "code": None}
        return httpx2.Response(status, json={"error": error})

    outcome = run_event(session_runtime(session, _client(handler)), trigger)

    row = session.get(Draft, outcome.draft_id)
    assert (outcome.status, outcome.backend) == ("pending", "offline")
    assert outcome.fallback_reason.startswith(f"model unavailable: {failure}")
    assert row.fallback_reason == outcome.fallback_reason
    assert row.brief["fallback_reason"] == outcome.fallback_reason
    assert (
        row.brief["action"]["chosen_by"] == "policy" and "fell back" in row.brief["action"]["note"]
    )
    assert len(attempts) == 8  # (1 try + 3 retries) for the action, and again for the draft
    calls = session.scalars(select(LlmCall).where(LlmCall.draft_id == row.id)).all()
    assert [c.ok for c in calls] == [False, False]
