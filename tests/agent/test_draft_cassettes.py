"""The draft -> verify loop against hand-written OpenAI cassettes: retry with errors, fallback."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from agent.draft_schema import Draft
from agent.llm_openai import OpenAIClient
from agent.nodes.draft import draft, facts_of
from agent.nodes.verify import verify
from agent.verify import verify_draft
from core.models import LlmCall
from tests.agent.conftest import session_runtime
from tests.cassettes import scenarios as sc


def _loop(session, rounds: int) -> tuple[dict, list[list[str]], list[LlmCall]]:
    """Run the draft and verify nodes in turn, as the graph does; return state, errors, calls."""
    rt = session_runtime(session, OpenAIClient(sc.llm_settings(), sleep=lambda _s: None))
    config = rt.config("cassette")
    state, seen = sc.draft_state(), []
    for _ in range(rounds):
        state |= draft(state, config)
        state |= verify(state, config)
        seen.append(state["errors"])
        if not state["errors"] or state["backend"] != "openai":
            break
    calls = session.scalars(select(LlmCall).where(LlmCall.id.in_(state["llm_call_ids"]))).all()
    return state, seen, calls


@pytest.mark.vcr
@pytest.mark.default_cassette("draft_retry_fixed")
def test_an_invented_draft_is_retried_with_its_errors_and_the_fix_passes(session, vcr):
    state, seen, calls = _loop(session, rounds=2)

    first = seen[0]
    assert any("number 40" in e and "[unsupported_claim]" in e for e in first)
    assert any("1200" in e and "[uncited_claim]" in e for e in first)
    retry = json.loads(vcr.requests[1].body)["messages"]
    assert retry[2] == {"role": "assistant", "content": sc.INVENTED_DRAFT.model_dump_json()}
    assert all(error in retry[3]["content"] for error in first)  # the errors went back
    assert Draft(**state["draft"]) == sc.GROUNDED_DRAFT
    assert (state["backend"], state["attempts"], state["errors"]) == ("openai", 2, [])
    assert state["fallback_reason"] is None
    assert state["prompt_version"].startswith("draft_email@v1:")
    assert [c.ok for c in calls] == [True, True]
    assert sum(c.prompt_tokens for c in calls) == state["prompt_tokens"] > 0


@pytest.mark.vcr
@pytest.mark.default_cassette("draft_retry_fallback")
def test_a_second_invented_draft_falls_back_to_a_grounded_offline_draft(session):
    state, seen, calls = _loop(session, rounds=3)

    assert len(seen) == 3 and seen[0] and seen[1]  # model, corrective retry, offline
    assert state["backend"] == "offline"
    assert state["fallback_reason"].startswith("model draft failed verification 2 times")
    assert "uncited_claim" in state["fallback_reason"]
    written = Draft(**state["draft"])
    facts = {f.fact_id: f for f in facts_of(state)}
    assert written.cited_fact_ids and set(written.cited_fact_ids) <= set(facts)
    errors = verify_draft(
        written,
        facts,
        stage="decision",
        lead_first_name="Dana",
        sender_name=sc.SENDER_NAME,
        max_body_chars=900,
    )
    assert errors == []
    assert len(calls) == 2  # nothing lost: both model calls are on record
