"""Failure paths of the model seam over httpx2 mock transports: what is retried and what is not."""

from __future__ import annotations

import socket

import httpx2
import pytest

from agent.llm import CallRecorder, ModelUnavailable
from agent.llm_openai import OpenAIClient
from tests.cassettes import scenarios as sc

LABEL_JSON = sc.MEETING_LABEL.model_dump_json()


@pytest.fixture
def calls():
    """Every CallRecord the client emits, plus the backoff sleeps it asked for."""
    return {"records": [], "sleeps": []}


def _mock_client(calls, responses: list, **settings_update) -> OpenAIClient:
    """A client whose HTTP layer answers from `responses` in order (status, body, headers)."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        status, body, headers = responses.pop(0)
        return httpx2.Response(status, json=body, headers=headers)

    settings = sc.llm_settings().model_copy(update=settings_update)
    return OpenAIClient(
        settings,
        recorder=CallRecorder([calls["records"].append]),
        sleep=calls["sleeps"].append,
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )


def _classify(client: OpenAIClient):
    """One classify call with the test schema."""
    return client.structured("classify", sc.classify_messages("Hi"), sc.ReplyClassification)


def test_connection_refused_gives_up_after_the_retry_budget(calls):
    with socket.socket() as probe:  # a port that was free a moment ago refuses connections
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = sc.llm_settings(base_url=f"http://127.0.0.1:{port}/v1").model_copy(
        update={"llm_max_retries": 1}
    )
    client = OpenAIClient(
        settings, recorder=CallRecorder([calls["records"].append]), sleep=calls["sleeps"].append
    )

    with pytest.raises(ModelUnavailable, match="connection_error after 2 attempts"):
        _classify(client)
    assert len(calls["sleeps"]) == 1


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (
            401,
            {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}},
            "http_401",
        ),
        (
            429,
            {"error": {"message": "You exceeded your current quota", "code": "insufficient_quota"}},
            "quota_exhausted",
        ),
        (
            400,
            {"error": {"message": "Invalid schema for response_format", "code": None}},
            "http_400",
        ),
    ],
)
def test_permanent_errors_are_not_retried(calls, status, body, reason):
    client = _mock_client(calls, [(status, body, {})])

    with pytest.raises(ModelUnavailable) as failure:
        _classify(client)
    assert failure.value.reason.startswith(reason)
    assert (failure.value.attempts, calls["sleeps"]) == (1, [])


def test_retry_after_header_sets_the_wait(calls):
    busy = (
        429,
        {"error": {"message": "slow down", "code": "rate_limit_exceeded"}},
        {"retry-after-ms": "1500"},
    )
    client = _mock_client(calls, [busy, (200, sc.chat_completion_body(LABEL_JSON), {})])

    assert _classify(client).attempts == 2
    assert calls["sleeps"] == [1.5]


def test_refusal_and_invalid_output_become_model_unavailable(calls):
    client = _mock_client(
        calls,
        [
            (200, sc.chat_completion_body(None, refusal="I can't help with that."), {}),
            (200, sc.chat_completion_body('{"label": "maybe"}'), {}),
        ],
    )

    with pytest.raises(ModelUnavailable, match=r"^refusal: I can't help"):
        _classify(client)
    with pytest.raises(ModelUnavailable, match=r"^invalid_output"):
        _classify(client)
    assert [r.ok for r in calls["records"]] == [False, False]
    assert calls["records"][0].prompt_tokens == 10  # a refusal still costs tokens


def test_a_failing_recorder_hook_does_not_fail_the_call(calls, caplog):
    client = _mock_client(calls, [(200, sc.chat_completion_body(LABEL_JSON), {})])

    def broken(record):
        raise RuntimeError("metrics database is down")

    client.recorder.subscribe(broken)
    assert _classify(client).parsed == sc.MEETING_LABEL
    assert len(calls["records"]) == 1
    assert "metrics database is down" in caplog.text
