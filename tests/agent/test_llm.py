"""The model seam against hand-written cassettes: parsing, tools, embeddings, usage, retries."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agent.draft_schema import Draft
from agent.llm import CallRecorder, ModelUnavailable, ToolCall, Usage, get_client
from agent.llm_openai import OpenAIClient
from agent.verify import verify_draft
from tests.cassettes import scenarios as sc


@pytest.fixture
def calls():
    """Every CallRecord the client emits, plus the backoff sleeps it asked for."""
    return {"records": [], "sleeps": []}


@pytest.fixture
def model_client(model_settings, calls) -> OpenAIClient:
    """An OpenAIClient with recorded calls, captured (not slept) backoff and seeded jitter."""
    return OpenAIClient(
        model_settings,
        recorder=CallRecorder([calls["records"].append]),
        sleep=calls["sleeps"].append,
        rng=random.Random(7),
    )


def _verify(draft: Draft) -> list[str]:
    """Verification error codes with locations for the Dana scenario."""
    errors = verify_draft(
        draft,
        sc.FACTS_BY_ID,
        stage="decision",
        lead_first_name=sc.LEAD_FIRST_NAME,
        sender_name=sc.SENDER_NAME,
        max_body_chars=900,
    )
    return [f"{e.code}@{e.location}" for e in errors]


def _answer(vcr) -> dict:
    """The JSON body of the cassette's last response: what the server said, recorded or written."""
    return json.loads(vcr.responses[-1]["body"]["string"])


@pytest.mark.vcr
@pytest.mark.default_cassette("draft_grounded")
def test_structured_draft_is_parsed_usage_recorded_and_verified(model_client, calls, vcr):
    result = model_client.structured("draft", sc.draft_messages(), Draft)

    answer = _answer(vcr)
    assert result.parsed == Draft.model_validate_json(answer["choices"][0]["message"]["content"])
    assert (result.backend, result.model, result.attempts) == ("openai", answer["model"], 1)
    sent = json.loads(vcr.requests[0].body)
    assert sent["model"] == "gpt-4o-mini"
    assert sent["response_format"]["json_schema"]["name"] == "Draft"
    assert sent["response_format"]["json_schema"]["strict"] is True
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    usage = answer["usage"]
    assert result.usage == Usage(
        prompt_tokens=usage["prompt_tokens"],
        completion_tokens=usage["completion_tokens"],
        total_tokens=usage["total_tokens"],
        cached_tokens=usage["prompt_tokens_details"]["cached_tokens"],
    )
    [record] = calls["records"]
    assert (record.purpose, record.kind, record.ok, record.attempts) == ("draft", "chat", True, 1)
    assert (record.prompt_tokens, record.completion_tokens, record.cached_tokens) == (
        result.usage.prompt_tokens,
        result.usage.completion_tokens,
        result.usage.cached_tokens,
    )
    assert _verify(result.parsed) == []  # a re-recorded draft must be grounded too


@pytest.mark.vcr
@pytest.mark.default_cassette("draft_invented")
def test_invented_figures_in_a_model_draft_are_rejected(model_client):
    result = model_client.structured("draft", sc.draft_messages(), Draft)

    assert result.parsed == sc.INVENTED_DRAFT
    assert _verify(result.parsed) == [
        "unsupported_claim@sentences[1]",
        "uncited_claim@sentences[2]",
        "unsupported_claim@subject",
    ]


@pytest.mark.vcr
@pytest.mark.default_cassette("choose_action_tool_call")
def test_tool_call_is_returned_instead_of_a_parsed_object(model_client, vcr):
    result = model_client.structured(
        "choose_action", sc.choose_action_messages(), sc.ActionChoice, tools=sc.ACTION_TOOLS
    )

    assert result.parsed is None
    [call] = result.tool_calls
    [expected] = _answer(vcr)["choices"][0]["message"]["tool_calls"]
    assert call == ToolCall(
        id=expected["id"],
        name=expected["function"]["name"],
        arguments=json.loads(expected["function"]["arguments"]),
    )
    sc.ACTION_MODELS[call.name].model_validate(call.arguments)  # strict tools: arguments fit
    sent = json.loads(vcr.requests[0].body)
    assert [t["function"]["name"] for t in sent["tools"]] == list(sc.ACTION_MODELS)
    assert all(t["function"]["strict"] for t in sent["tools"])
    assert sent["parallel_tool_calls"] is False


@pytest.mark.vcr
@pytest.mark.default_cassette("embeddings")
def test_embeddings_are_384_floats_per_text(model_client, calls, vcr):
    vectors = model_client.embed(sc.EMBED_TEXTS)

    recorded = sorted(_answer(vcr)["data"], key=lambda item: item["index"])
    assert [len(v) for v in vectors] == [384, 384, 384]
    assert vectors == [item["embedding"] for item in recorded]
    sent = json.loads(vcr.requests[0].body)
    assert (sent["dimensions"], sent["encoding_format"]) == (384, "float")
    assert sent["input"] == sc.EMBED_TEXTS
    [record] = calls["records"]
    assert (record.kind, record.purpose, record.ok) == ("embed", "embed", True)
    assert record.model.startswith("text-embedding-3-small")
    assert record.prompt_tokens == _answer(vcr)["usage"]["prompt_tokens"]


@pytest.mark.vcr
@pytest.mark.default_cassette("retry_429_then_200")
def test_rate_limit_is_retried_once_then_succeeds(model_client, calls):
    result = model_client.structured(
        "classify", sc.classify_messages(sc.MEETING_REPLY), sc.ReplyClassification
    )

    assert result.parsed == sc.MEETING_LABEL
    assert result.attempts == 2
    [delay] = calls["sleeps"]
    assert 0.25 <= delay <= 0.5  # first backoff: base 0.5 s with equal jitter
    [record] = calls["records"]
    assert (record.ok, record.attempts) == (True, 2)


@pytest.mark.vcr
@pytest.mark.default_cassette("retry_500_x4")
def test_repeated_server_errors_end_in_model_unavailable(model_client, calls):
    with pytest.raises(ModelUnavailable) as failure:
        model_client.structured(
            "classify", sc.classify_messages(sc.OUTAGE_REPLY), sc.ReplyClassification
        )

    assert failure.value.attempts == 4  # 1 try + NURTURE_LLM_MAX_RETRIES (3)
    assert failure.value.reason.startswith("http_500")
    assert failure.value.reason.endswith("after 4 attempts")
    ceilings = [0.5, 1.0, 2.0]
    assert len(calls["sleeps"]) == 3
    assert all(c / 2 <= s <= c for s, c in zip(calls["sleeps"], ceilings, strict=True))
    [record] = calls["records"]
    assert (record.ok, record.attempts, record.prompt_tokens) == (False, 4, 0)
    assert record.error == failure.value.reason


def test_importing_the_seam_creates_no_client_or_http_stack():
    code = (
        "import sys, agent.llm, agent.embeddings, agent.verify, prompts.loader;"
        "print(sorted(m for m in ('openai', 'httpx2', 'httpx') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_factory_returns_none_offline_and_a_client_with_a_key():
    assert get_client(sc.llm_settings(api_key="")) is None
    client = get_client(sc.llm_settings())
    assert isinstance(client, OpenAIClient)
    assert client._sdk.max_retries == 0  # our loop counts retries, not the SDK's
    assert client._sdk.timeout == 30


# ---- timeouts: a real local socket that stalls past the client timeout ----
def _classify(client: OpenAIClient):
    """One classify call with the test schema."""
    return client.structured("classify", sc.classify_messages("Hi"), sc.ReplyClassification)


@pytest.fixture
def slow_then_fast_server():
    """A 127.0.0.1 server that stalls its first request past the client timeout, then answers."""
    release = threading.Event()
    seen: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            seen.append(time.monotonic())
            if len(seen) == 1:
                release.wait(5)  # outlives the 0.3 s client timeout; released at teardown
            answer = sc.chat_completion_body(sc.MEETING_LABEL.model_dump_json())
            payload = json.dumps(answer).encode()
            try:
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client already gave up on this connection

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v1", seen
    release.set()
    server.shutdown()
    server.server_close()


def test_timeout_is_retried_against_a_real_socket(slow_then_fast_server, calls, caplog):
    base_url, seen = slow_then_fast_server
    settings = sc.llm_settings(base_url=base_url).model_copy(update={"llm_timeout": 0.3})
    client = OpenAIClient(
        settings, recorder=CallRecorder([calls["records"].append]), sleep=calls["sleeps"].append
    )

    result = _classify(client)

    assert result.parsed == sc.MEETING_LABEL
    assert (result.attempts, len(seen), len(calls["sleeps"])) == (2, 2, 1)
    assert "failed (timeout), retry 1/3" in caplog.text
