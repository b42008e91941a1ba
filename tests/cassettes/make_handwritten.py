"""Regenerate the hand-written OpenAI cassettes: real SDK request bytes, hand-written responses.

Run from the repository root:  .venv/bin/python -m tests.cassettes.make_handwritten

Each scenario runs the real OpenAIClient against a throwaway HTTP server on 127.0.0.1 that
answers with the hand-written responses below and keeps the exact request bytes the SDK sent.
The cassette pairs those bytes (re-addressed to https://api.openai.com) with the responses, so
replay matches on the real body. Nothing here talks to OpenAI.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import vcr
from pydantic import BaseModel
from vcr.request import Request
from vcr.serialize import serialize
from vcr.serializers import yamlserializer

from agent.draft_schema import Draft
from agent.llm import ModelUnavailable
from agent.llm_openai import OpenAIClient
from tests.cassettes import reply_scenarios as rsc
from tests.cassettes import scenarios as sc
from tests.conftest_vcr import vcr_settings

CASSETTE_DIR = Path(__file__).resolve().parent
CREATED = int(datetime(2026, 11, 22, 17, 5, 12, tzinfo=UTC).timestamp())
KEPT_REQUEST_HEADERS = (  # machine-specific x-stainless-os/arch/runtime headers are left out
    "accept", "content-type", "user-agent", "x-stainless-lang", "x-stainless-package-version",
    "x-stainless-helper-method", "x-stainless-retry-count", "x-stainless-read-timeout",
)  # fmt: skip
HEADER_NOTE = (
    "# Hand-written by tests/cassettes/make_handwritten.py (see README.md); do not edit.\n"
)


def _ident(prefix: str, seed: str, size: int = 24) -> str:
    """A stable fake id (chatcmpl-..., req_..., call_...) derived from a seed."""
    return prefix + hashlib.sha256(seed.encode()).hexdigest()[:size]


def _headers(seed: str, status: int, processing_ms: int) -> dict[str, list[str]]:
    """Response headers shaped like api.openai.com's (account headers omitted)."""
    headers = {
        "date": format_datetime(datetime.fromtimestamp(CREATED, UTC), usegmt=True),
        "content-type": "application/json",
        "access-control-expose-headers": "X-Request-ID",
        "openai-processing-ms": str(processing_ms),
        "openai-version": "2020-10-01",
        "x-ratelimit-limit-requests": "10000",
        "x-ratelimit-limit-tokens": "10000000",
        "x-ratelimit-remaining-requests": "9999" if status != 429 else "9990",
        "x-ratelimit-remaining-tokens": "9998806" if status != 429 else "0",
        "x-ratelimit-reset-requests": "6ms",
        "x-ratelimit-reset-tokens": "7ms" if status != 429 else "205ms",
        "x-request-id": _ident("req_", seed, 32),
        "strict-transport-security": "max-age=31536000; includeSubDomains; preload",
        "x-content-type-options": "nosniff",
        "server": "cloudflare",
        "cf-cache-status": "DYNAMIC",
    }
    return {name: [value] for name, value in headers.items()}


def _chat(seed: str, request: bytes, message: dict, finish: str, cached: int = 0) -> dict:
    """A 200 chat.completion body with realistic usage for the captured request."""
    content = message.get("content") or json.dumps(message.get("tool_calls"))
    prompt, completion = len(request) // 4, max(1, len(content) // 4)
    body = {
        "id": _ident("chatcmpl-", seed, 29),
        "object": "chat.completion",
        "created": CREATED,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", **message, "refusal": None, "annotations": []},
                "logprobs": None,
                "finish_reason": finish,
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": "fp_560af6e559",
    }
    return {"status": 200, "json": body}


def parsed(answer: BaseModel, cached: int = 0) -> Callable[[str, bytes], dict]:
    """A 200 whose assistant content is `answer` as compact JSON (strict structured output)."""
    content = answer.model_dump_json()
    return lambda seed, req: _chat(seed, req, {"content": content}, "stop", cached)


def tool_call(name: str, arguments: dict) -> Callable[[str, bytes], dict]:
    """A 200 where the assistant calls one function tool instead of answering in text."""
    call = {
        "id": _ident("call_", name, 24),
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments, separators=(",", ":"))},
    }
    return lambda seed, req: _chat(seed, req, {"content": None, "tool_calls": [call]}, "tool_calls")


def embeddings(texts: list[str]) -> Callable[[str, bytes], dict]:
    """A 200 embeddings list with deterministic synthetic 384-d float vectors."""
    tokens = sum(len(text.split()) + 2 for text in texts)
    body = {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": sc.synthetic_vector(i)}
            for i in range(len(texts))
        ],
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
    return lambda seed, req: {"status": 200, "json": body}


def rate_limited() -> Callable[[str, bytes], dict]:
    """A 429 tokens-per-minute rate-limit error as the API words it."""
    message = (
        "Rate limit reached for gpt-4o-mini in organization org-nurturetests on tokens per min "
        "(TPM): Limit 200000, Used 199431, Requested 1254. Please try again in 205ms. Visit "
        "https://platform.openai.com/account/rate-limits to learn more."
    )
    error = {"message": message, "type": "tokens", "param": None, "code": "rate_limit_exceeded"}
    return lambda seed, req: {"status": 429, "json": {"error": error}}


def server_error() -> Callable[[str, bytes], dict]:
    """A 500 server_error as the API words it."""
    message = "The server had an error while processing your request. Sorry about that!"
    error = {"message": message, "type": "server_error", "param": None, "code": None}
    return lambda seed, req: {"status": 500, "json": {"error": error}}


def draft_loop(client: OpenAIClient, rounds: int = 2) -> dict:
    """The graph's draft and verify nodes run in turn, as in tests/agent/test_draft_cassettes.py."""
    from contextlib import nullcontext

    from agent.nodes.draft import draft
    from agent.nodes.verify import verify
    from agent.runtime import Runtime
    from core.agent_settings import AgentSettings

    runtime = Runtime(
        sessions=nullcontext,
        checkpointer=None,
        embedder=None,
        client=client,
        settings=AgentSettings(max_body_chars=900, product_name="Nurture", _env_file=None),
    )
    config = runtime.config("cassette")
    state = sc.draft_state()
    for _ in range(rounds):
        state |= draft(state, config)
        state |= verify(state, config)
        if not state["errors"] or state["backend"] != "openai":
            break
    return state


@dataclass
class Scenario:
    """One cassette: the client call to make and the responses to give, in order."""

    call: Callable[[OpenAIClient], Any]
    responses: list[Callable[[str, bytes], dict]]


SCENARIOS: dict[str, Scenario] = {
    "draft_grounded": Scenario(
        lambda c: c.structured("draft", sc.draft_messages(), Draft),
        [parsed(sc.GROUNDED_DRAFT, cached=1024)],
    ),
    "draft_invented": Scenario(
        lambda c: c.structured("draft", sc.draft_messages(), Draft), [parsed(sc.INVENTED_DRAFT)]
    ),
    "choose_action_tool_call": Scenario(
        lambda c: c.structured(
            "choose_action", sc.choose_action_messages(), sc.ActionChoice, tools=sc.ACTION_TOOLS
        ),
        [tool_call("alert_owner", sc.ACTION_ARGUMENTS)],
    ),
    "draft_retry_fixed": Scenario(
        draft_loop, [parsed(sc.INVENTED_DRAFT), parsed(sc.GROUNDED_DRAFT, cached=1024)]
    ),
    "draft_retry_fallback": Scenario(
        lambda c: draft_loop(c, rounds=3), [parsed(sc.INVENTED_DRAFT), parsed(sc.INVENTED_DRAFT)]
    ),
    "embeddings": Scenario(lambda c: c.embed(sc.EMBED_TEXTS), [embeddings(sc.EMBED_TEXTS)]),
    "retry_429_then_200": Scenario(
        lambda c: c.structured(
            "classify", sc.classify_messages(sc.MEETING_REPLY), sc.ReplyClassification
        ),
        [rate_limited(), parsed(sc.MEETING_LABEL)],
    ),
    "retry_500_x4": Scenario(
        lambda c: c.structured(
            "classify", sc.classify_messages(sc.OUTAGE_REPLY), sc.ReplyClassification
        ),
        [server_error()] * 4,
    ),
    "classify_reply_meeting": Scenario(
        lambda c: c.structured("classify", rsc.meeting_messages(), rsc.ClassifiedReply),
        [parsed(rsc.MEETING_ANSWER)],
    ),
    "classify_reply_rules_win": Scenario(
        lambda c: c.structured("classify", rsc.unsubscribe_messages(), rsc.ClassifiedReply),
        [parsed(rsc.INTERESTED_ANSWER)],
    ),
}

_REASONS = {200: "OK", 429: "Too Many Requests", 500: "Internal Server Error"}


class _Capture(BaseHTTPRequestHandler):
    """Stores each request's bytes and answers with the next canned response."""

    def do_POST(self) -> None:
        """Keep the request bytes, answer with the next canned response."""
        state = self.server.state  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers["content-length"]))
        seed = f"{state['name']}:{len(state['requests'])}"
        canned = state["responses"][len(state["requests"])](seed, body)
        headers = dict(self.headers.items())
        state["requests"].append((self.path, headers, body))
        payload = json.dumps(canned["json"], separators=(",", ":")).encode()
        response_headers = _headers(seed, canned["status"], 40 if canned["status"] != 200 else 812)
        state["replies"].append((canned["status"], response_headers, payload))
        self.send_response(canned["status"])
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        """Keep the generator quiet."""


def capture(name: str, scenario: Scenario) -> str:
    """Run one scenario against the local server and return the cassette YAML."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
    server.state = {"name": name, "responses": scenario.responses, "requests": [], "replies": []}  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}/v1"
        client = OpenAIClient(sc.llm_settings(base_url=base), sleep=lambda _s: None)
        with suppress(ModelUnavailable):  # the 500 scenario ends this way by design
            scenario.call(client)
    finally:
        server.shutdown()
        server.server_close()
    state = server.state  # type: ignore[attr-defined]
    assert len(state["requests"]) == len(scenario.responses), f"{name}: request count differs"
    requests, responses = [], []
    for (path, headers, body), (status, response_headers, payload) in zip(
        state["requests"], state["replies"], strict=True
    ):
        lower = {key.lower(): value for key, value in headers.items()}
        kept = {key: lower[key] for key in KEPT_REQUEST_HEADERS if key in lower}
        requests.append(Request("POST", f"https://api.openai.com{path}", body, kept))
        responses.append(
            {
                "status": {"code": status, "message": _REASONS[status]},
                "headers": response_headers,
                "body": {"string": payload},
            }
        )
    return HEADER_NOTE + serialize({"requests": requests, "responses": responses}, yamlserializer)


def check(name: str, scenario: Scenario) -> None:
    """Replay the new cassette the way the tests do: default base URL, every interaction used."""
    path = CASSETTE_DIR / f"{name}.yaml"
    with vcr.use_cassette(str(path), **vcr_settings("none")) as cassette:
        client = OpenAIClient(sc.llm_settings(), sleep=lambda _s: None)
        with suppress(ModelUnavailable):
            scenario.call(client)
        assert cassette.all_played, f"{name}: not every interaction replayed"


def main() -> None:
    """Write every cassette, then prove each one replays."""
    for name, scenario in SCENARIOS.items():
        path = CASSETTE_DIR / f"{name}.yaml"
        path.write_text(capture(name, scenario), encoding="utf-8")
        check(name, scenario)
        print(f"wrote {path.relative_to(CASSETTE_DIR.parents[1])}")


if __name__ == "__main__":
    main()
