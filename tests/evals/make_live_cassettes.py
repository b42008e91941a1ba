"""Synthesize evals/cassettes/{drafts,replies}_live.yaml: real SDK request bytes, made-up answers.

Run from the repository root (no suite named: both):
    .venv/bin/python -m tests.evals.make_live_cassettes [drafts] [replies]

The drafts suite's live subset runs through the real agent graph and the real OpenAIClient,
pointed at a throwaway server on 127.0.0.1 that answers in the Chat Completions wire format:
choose_action gets a `draft_email` tool call, draft_email gets a draft built by quoting the
request's own <facts> lines (each sentence cites the fact it copies), and the judge gets fixed
rubric scores (one answer is invalid on purpose, to exercise the corrective retry). vcrpy records
the exchange; the script re-addresses it to https://api.openai.com/v1, keeps only stable request
headers, gives responses api.openai.com-shaped headers, and replays it once offline to prove it
matches. Nothing here talks to OpenAI: the answers measure the plumbing, not a model.

The replies suite's live subset (evals/datasets/replies_live.yaml) goes through the product's
LLM classification path (agent/classify.py -> agent/classify_llm.py, prompts/classify_reply.yaml,
strict `json_schema` for `ClassifiedReply`); each request is answered with the dataset's gold
label and gold extractions for the reply it carries, so a replay scores 1.0 by construction.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from evals.live import CASSETTES
from evals.replies_metrics import DEFAULT_DATASET, load_dataset, to_input
from tests.cassettes.make_handwritten import _REASONS, KEPT_REQUEST_HEADERS, _chat, _headers, _ident
from tools.reply_schema import LABELS

NOTES = {  # the first line must start with "# SYNTHESIZED" (evals/live.py LiveSession.synthesized)
    "drafts": (
        "# SYNTHESIZED by tests/evals/make_live_cassettes.py (see evals/cassettes/README.md), not\n"
        "# recorded from a model: the answers measure the plumbing, not a model. Do not edit.\n"
    ),
    "replies": (
        "# SYNTHESIZED by tests/evals/make_live_cassettes.py: synthesized, not recorded (see\n"
        "# evals/cassettes/README.md). Request bytes are the real SDK's; every answer is the\n"
        "# dataset's gold label and extractions, so a replay measures the plumbing, not a model.\n"
        "# Do not edit: regenerate or re-record.\n"
    ),
}
_FACT = re.compile(r"^\[(?P<id>[^\]]+)\] \((?P<kind>\w+), [^,]+, (?P<source>[^)]*)\) (?P<text>.+)$")
_ASKY = re.compile(
    r"\?|\b(book|schedule|click|register|sign up|download|reply|let me know|check out|take a look"
    r"|demo|call|meeting|pricing|price|trial|buy|purchase|contract|discount)\b",
    re.IGNORECASE,
)
CTA = {  # the offline drafter's stage asks (prompts/templates/offline_drafts.yaml)
    "awareness": "Is this something your team is working through right now?",
    "consideration": "Would it help if I sent over the full case study?",
    "decision": "Would a short call this week help you decide?",
}


def _user_text(request: dict) -> str:
    return next(m["content"] for m in request["messages"] if m["role"] == "user")


def _field(text: str, label: str) -> str:
    found = re.search(rf"^{label}: (.+)$", text, re.MULTILINE)
    return found.group(1).strip() if found else ""


def draft_answer(request: dict) -> dict:
    """A Draft that quotes up to three retrieved facts verbatim, each citing its own id."""
    text = _user_text(request)
    block = text.split("<facts>", 1)[1].split("</facts>", 1)[0]
    facts = [m.groupdict() for line in block.splitlines() if (m := _FACT.match(line.strip()))]
    usable = [f for f in facts if not _ASKY.search(f["text"]) and len(f["text"]) < 240]
    events = [f for f in usable if f["kind"] == "event"][:2]
    content = [f for f in usable if f["kind"] == "content"][:1]
    chosen = (events + content) or usable[:2]
    sentences = [{"text": f["text"].rstrip(".") + ".", "fact_ids": [f["id"]]} for f in chosen]
    stage = _field(text, "Buying stage") or "awareness"
    first = _field(text, "First name")
    subject = f"{first}, a note on your recent visit" if first else "A note on your recent visit"
    return {
        "subject": subject[:60],
        "sentences": sentences,
        "call_to_action": CTA.get(stage, CTA["awareness"]),
    }


def judge_answer(request: dict, seen: int) -> dict:
    """Fixed rubric scores; the second judge request of the run is invalid on purpose."""
    fixing = "<errors>" in request["messages"][-1]["content"]
    reasons = ["synthesized answer for replay, not a model's judgement"]
    if seen == 1 and not fixing:  # overall above min(relevance, tone) + 1: sent back once
        return {"verdict": {"kind": "scores", "relevance": 4, "tone": 2, "overall": 5,
                            "reasons": reasons}}  # fmt: skip
    stage = _field(_user_text(request), "Buying stage")
    relevance = 5 if stage == "decision" else 4
    return {"verdict": {"kind": "scores", "relevance": relevance, "tone": 4, "overall": 4,
                        "reasons": reasons}}  # fmt: skip


GOLD_CONFIDENCE = 0.93


def classify_answer(request: dict) -> dict:
    """A ClassifiedReply with the gold label and extractions of the reply the request carries."""
    from agent.classify_llm import prompt_text

    text = _user_text(request)
    block = text.split('<reply untrusted="true">', 1)[1].rsplit("</reply>", 1)[0]
    rows = [r for r in load_dataset(DEFAULT_DATASET) if prompt_text(to_input(r)) in block]
    if len(rows) != 1:
        raise ValueError(f"{len(rows)} dataset rows match the reply in this request")
    row = rows[0]
    label = row["label"]
    rest = round((1 - GOLD_CONFIDENCE) / (len(LABELS) - 1), 3)
    return {
        "label": label,
        "confidence": GOLD_CONFIDENCE,
        "labels": [
            {"label": name, "confidence": GOLD_CONFIDENCE if name == label else rest}
            for name in LABELS
        ],
        "follow_up_date": row.get("follow_up_date"),
        "referral_name": row.get("referral_name"),
        "referral_email": row.get("referral_email"),
        "proposed_times": list(row.get("proposed_times") or []),
        "competitor": row.get("competitor"),
        "question": row.get("question"),
        "rationale": f"synthesized: the gold label of {row['id']}, not a model's answer",
    }


def answer(request: dict, state: dict) -> dict:
    """The assistant message for one chat request, by what the request asks for."""
    if request.get("tools"):
        names = [tool["function"]["name"] for tool in request["tools"]]
        name = "draft_email" if "draft_email" in names else names[0]
        arguments = json.dumps({"reason": "synthesized: draft for the trigger"})
        call = {"id": _ident("call_", f"{state['n']}", 24), "type": "function",
                "function": {"name": name, "arguments": arguments}}  # fmt: skip
        return {"message": {"content": None, "tool_calls": [call]}, "finish": "tool_calls"}
    schema = request["response_format"]["json_schema"]["name"]
    if schema == "Draft":
        content = draft_answer(request)
    elif schema == "JudgeAnswer":
        content = judge_answer(request, state["judged"])
        state["judged"] += 1
    elif schema == "ClassifiedReply":
        content = classify_answer(request)
    else:
        raise ValueError(f"no synthesized answer for response format {schema!r}")
    return {"message": {"content": json.dumps(content, separators=(",", ":"))}, "finish": "stop"}


class _Server(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        """Answer one chat completion in the wire format."""
        state = self.server.state  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers["content-length"]))
        reply = answer(json.loads(raw), state)
        seed = f"{state['name']}:{state['n']}"
        body = _chat(seed, raw, reply["message"], reply["finish"])["json"]
        state["n"] += 1
        payload = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        """Quiet."""


def _suite(suite: str):
    from evals.suites import drafts, replies

    return {"drafts": drafts, "replies": replies}[suite]


def _run_suite(suite: str) -> None:
    result = _suite(suite).run("openai", record=True)
    failing = [(c.id, c.failures) for c in result.failing]
    print(f"recorded {len(result.cases)} {suite} cases; metrics {result.metrics}; "
          f"failing {failing}")  # fmt: skip


def tidy(path: Path, base: str, suite: str = "drafts") -> None:
    """Re-address to api.openai.com, keep stable request headers, api-shaped response headers."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for n, interaction in enumerate(data["interactions"]):
        request, response = interaction["request"], interaction["response"]
        request["uri"] = request["uri"].replace(base, "https://api.openai.com/v1")
        headers = {k.lower(): v for k, v in request["headers"].items()}
        request["headers"] = {k: headers[k] for k in KEPT_REQUEST_HEADERS if k in headers}
        status = response["status"]["code"]
        response["status"]["message"] = _REASONS[status]
        response["headers"] = _headers(f"{path.stem}:{n}", status, 812)
    text = yaml.dump(data, Dumper=yaml.SafeDumper, sort_keys=True, allow_unicode=False)
    path.write_text(NOTES[suite] + text, encoding="utf-8")


def main(suites: list[str] | None = None) -> None:
    """Synthesize each suite's cassette (default: drafts and replies)."""
    for suite in suites or list(NOTES):
        if suite not in NOTES:
            raise SystemExit(f"unknown suite {suite!r}; choose from {', '.join(NOTES)}")
        synthesize(suite)


def synthesize(suite: str) -> None:
    """Record a suite's live subset against the local server, tidy it, then replay it offline."""
    name = f"{suite}_live"
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    server.state = {"n": 0, "judged": 0, "name": name}  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/v1"
    saved = {k: os.environ.get(k) for k in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    pinned = {"NURTURE_MODEL_DRAFT": "gpt-4o-mini", "NURTURE_EMBEDDER": "lexical"}
    for key in ("NURTURE_MODEL_CLASSIFY", "NURTURE_MODEL_JUDGE", "NURTURE_MODEL_ANALYTICS"):
        os.environ.pop(key, None)
    os.environ.update(pinned | {"OPENAI_API_KEY": "sk-synthesize", "OPENAI_BASE_URL": base})
    try:
        _run_suite(suite)
    finally:
        server.shutdown()
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    path = CASSETTES / f"{name}.yaml"
    tidy(path, base, suite)
    print(f"wrote {path}")
    replay(suite)


def replay(suite: str = "drafts") -> None:
    """Replay the cassette offline on a fresh eval database, as `make test` does."""
    from evals import suite_db

    suite_db.close()
    saved = os.environ.pop("OPENAI_API_KEY", None), os.environ.pop("OPENAI_BASE_URL", None)
    try:
        result = _suite(suite).run("openai")
    finally:
        for key, value in zip(("OPENAI_API_KEY", "OPENAI_BASE_URL"), saved, strict=True):
            if value is not None:
                os.environ[key] = value
    print(f"replayed: {result.details['notes'][0]}; metrics {result.metrics}")


if __name__ == "__main__":
    main(sys.argv[1:])
