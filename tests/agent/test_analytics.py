"""The analytics agent: periods, the grammar, ask() end to end, the model path, proposals."""

from __future__ import annotations

import sys
import types
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from agent.analytics.answer import Answer, CannotAnswer
from agent.analytics.ask import ask, confirm
from agent.analytics.grammar import Plan, parse
from agent.analytics.grammar_vocab import Vocabulary
from agent.analytics.periods import PeriodError, parse_period
from agent.analytics.proposals import InvalidToken, sign, unsign
from agent.llm import ModelUnavailable, StructuredResult, ToolCall, Usage
from core.models import Segment
from tests.factories import identify, track

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday
SECRET = "test-secret"


def d(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("phrase", "start", "end"),
    [
        ("this month", d(2026, 11, 1), d(2026, 12, 1)),
        ("last month", d(2026, 10, 1), d(2026, 11, 1)),
        ("this quarter", d(2026, 10, 1), d(2027, 1, 1)),
        ("last week", d(2026, 11, 9), d(2026, 11, 16)),
        ("in October", d(2026, 10, 1), d(2026, 11, 1)),
        ("in December", d(2025, 12, 1), d(2026, 1, 1)),  # not started yet this year
        ("Q3", d(2026, 7, 1), d(2026, 10, 1)),
        ("2026-01-01..2026-01-31", d(2026, 1, 1), d(2026, 2, 1)),
        ("last 7 days", NOW - timedelta(days=7), NOW),
    ],
)
def test_periods(phrase, start, end):
    period = parse_period(phrase, NOW)
    assert (period.start, period.end) == (start, end)


def test_period_edges():
    assert parse_period("all time", NOW) is None
    with pytest.raises(PeriodError):
        parse_period("next month", NOW)
    october = parse_period("last month", NOW).previous()
    assert (october.start, october.end) == (d(2026, 9, 1), d(2026, 10, 1))
    rolling = parse_period("last 30 days", NOW).previous()
    assert rolling.end - rolling.start == timedelta(days=30) and rolling.end == NOW - timedelta(30)


VOCAB = Vocabulary(segments=["high_intent", "inactive_30d"])


@pytest.mark.parametrize(
    ("question", "tool", "args"),
    [
        (
            "How many webinar leads became MQL this month, compared with last month?",
            "mql_count",
            {
                "filters": {"source": "webinar"},
                "period": "this month",
                "compare_with": "last month",
            },
        ),
        (
            "Which fintech leads went quiet after the pricing email?",
            "went_quiet",
            {"campaign": "pricing", "filters": {"industry": "fintech"}},
        ),
        ("top 10 leads by score", "top_leads", {"n": 10, "order_by": "score"}),
        (
            "open rate by campaign in October",
            "email_performance",
            {"period": "in october", "metric": "open_rate", "by_campaign": True},
        ),
        ("How many leads are in the high intent segment?", "segment_size", {"name": "high_intent"}),
        (
            "how many founders from Germany requested a demo",
            "count_leads",
            {"filters": {"persona": "founder", "country": "DE", "did": ["requested_demo"]}},
        ),
        ("why is jane@acme.io scored so high", "explain_score", {"lead": "jane@acme.io"}),
    ],
)
def test_grammar_maps_questions_to_tools(question, tool, args):
    plan = parse(question, VOCAB, NOW)
    assert isinstance(plan, Plan)
    assert (plan.steps[0].tool, plan.steps[0].args) == (tool, args)


def test_grammar_refuses_rather_than_guessing():
    refusal = parse("How many leads from Germany became MQL by revenue?", VOCAB, NOW)
    assert isinstance(refusal, CannotAnswer) and "'revenue'" in refusal.reason
    assert refusal.examples  # it says what it can answer
    assert isinstance(parse("fintech and saas leads", VOCAB, NOW), CannotAnswer)


def test_grammar_resolves_these_from_the_previous_question():
    previous = "Which fintech leads went quiet after the pricing email?"
    plan = parse("enroll these in sequence welcome", VOCAB, NOW, previous)
    step = plan.steps[0]
    assert step.tool == "propose_enrollment"
    leads = {"filters": {"industry": "fintech"}, "quiet_after": "pricing"}
    assert step.args == {"sequence": "welcome", "leads": leads}
    assert isinstance(parse("save these as a segment", VOCAB, NOW), CannotAnswer)


@pytest.fixture
def world(session):
    """A, B (webinar, MQL in November) and C (webinar, MQL in October) got the pricing email on
    Nov 11; A only opened it and did nothing since; B clicked it; C browsed on Nov 12. D is an
    ebook lead from October, never emailed. A, C and D are fintech; B is saas."""
    leads = {}
    for name, created, traits in (
        ("A", d(2026, 11, 2), {"source": "webinar", "industry": "fintech"}),
        ("B", d(2026, 11, 3), {"source": "webinar", "industry": "saas"}),
        ("C", d(2026, 10, 3), {"source": "webinar", "industry": "fintech"}),
        ("D", d(2026, 10, 5), {"source": "ebook", "industry": "fintech"}),
    ):
        lead = identify(session, email=f"{name.lower()}@analytics-co.io", **traits)
        lead.created_at = created
        leads[name] = lead
    sent = d(2026, 11, 11, 10)
    for name, steps in (("A", ["Opened"]), ("B", ["Opened", "Clicked"]), ("C", [])):
        ids = {"campaign": "pricing-20261111", "email_id": f"p{name}"}
        track(session, leads[name], "Email Sent", sent, **ids)
        track(session, leads[name], "Email Delivered", sent + timedelta(minutes=1), **ids)
        for i, step in enumerate(steps, start=2):
            track(session, leads[name], f"Email {step}", sent + timedelta(minutes=i), **ids)
    track(session, leads["C"], "Page Viewed", d(2026, 11, 12), url="https://nurture.example/blog")
    for name, when in (("A", d(2026, 11, 12)), ("B", d(2026, 11, 13)), ("C", d(2026, 10, 10))):
        track(session, leads[name], "Mql Reached", when)
    session.flush()
    return {k: v.id for k, v in leads.items()}


def ask_offline(session, question, **kw):
    return ask(session, question, backend="offline", now=NOW, secret=SECRET, **kw)


def test_ask_answers_with_numbers_sql_and_records(session, world):
    answer = ask_offline(
        session, "How many webinar leads became MQL this month, compared with last month?"
    )
    assert isinstance(answer, Answer) and answer.backend == "offline"
    assert (answer.value, answer.numbers["mql_previous"], answer.numbers["change"]) == (2, 1, 1)
    assert set(answer.record_ids) == {world["A"], world["B"]}
    assert sorted(answer.links) == sorted(f"/v1/leads/{world[k]}" for k in "AB")
    assert (
        answer.text.startswith("2 webinar leads reached MQL this month") and "up 1" in answer.text
    )
    call = answer.tool_calls[0]
    assert call.name == "mql_count" and call.args["filters"] == {"source": "webinar"}
    assert len(call.sql) == 2 and all("mql_reached" in sql for sql in answer.sql)


def test_ask_went_quiet_rate_and_refusal(session, world):
    quiet = ask_offline(session, "Which fintech leads went quiet after the pricing email?")
    assert quiet.record_ids == [world["A"]] and quiet.numbers["received"] == 2  # A and C
    rate = ask_offline(session, "What is the MQL rate this month vs last month?")
    assert (rate.value, rate.numbers["mql_rate_previous"]) == (1.0, 0.5)  # A+B of A, B; C of C, D
    refusal = ask_offline(session, "What is our bounce rate?")
    assert isinstance(refusal, CannotAnswer) and "'bounce'" in refusal.reason
    missing = ask_offline(session, "Which leads went quiet after the webinar invite email?")
    assert isinstance(missing, CannotAnswer) and "pricing" in missing.reason  # names what exists


def test_ask_never_persists_writes(session, world, monkeypatch):
    """Even a tool that wrote would leave nothing behind: ask runs in a rolled-back savepoint."""
    from agent.analytics import tools

    real = tools.run_tool

    def writing_tool(ctx, name, arguments):
        ctx.session.execute(text("UPDATE leads SET score = 999"))
        return real(ctx, name, arguments)

    monkeypatch.setattr("agent.analytics.nodes.run_tool", writing_tool)
    assert ask_offline(session, "How many fintech leads are there?").value == 3
    assert session.execute(text("SELECT max(score) FROM leads")).scalar() == 0


def test_proposal_to_save_a_segment_is_confirmed_then_saved(session, world):
    answer = ask_offline(session, "save fintech leads as a segment called fintech_all")
    proposal = answer.proposal
    assert proposal.kind == "save_segment" and proposal.params["filter"] == "industry = 'fintech'"
    assert set(proposal.lead_ids) == {world[k] for k in "ACD"}
    assert session.scalars(select(Segment).where(Segment.name == "fintech_all")).first() is None
    done = confirm(session, proposal.token, secret=SECRET, now=NOW)
    assert done.ok and done.details["size"] == 3
    assert confirm(session, proposal.token, secret="other", now=NOW).kind == "invalid"


def test_enroll_proposal_uses_enrollment_when_available(session, world, monkeypatch):
    previous = "Which fintech leads went quiet after the pricing email?"
    answer = ask_offline(session, "enroll these in the welcome sequence", previous=previous)
    assert answer.proposal.kind == "enroll" and answer.proposal.lead_ids == [world["A"]]
    monkeypatch.setitem(sys.modules, "tools.enrollment", None)  # not written yet
    missing = confirm(session, answer.proposal.token, secret=SECRET, now=NOW)
    assert not missing.ok and "sequences not available" in missing.message
    calls = []
    fake = types.ModuleType("tools.enrollment")
    fake.enroll_leads = lambda s, ids, seq: calls.append((ids, seq)) or {"enrolled": len(ids)}
    monkeypatch.setitem(sys.modules, "tools.enrollment", fake)
    done = confirm(session, answer.proposal.token, secret=SECRET, now=NOW)
    assert done.ok and calls == [([world["A"]], "welcome")]
    assert done.details["result"] == {"enrolled": 1}


def test_tokens_are_signed_and_expire():
    token = sign({"kind": "enroll", "exp": (NOW + timedelta(hours=1)).isoformat()}, SECRET)
    assert unsign(token, SECRET, NOW)["kind"] == "enroll"
    body, mac = token.split(".")
    with pytest.raises(InvalidToken, match="signature"):
        unsign(body[:-2] + "xx." + mac, SECRET, NOW)
    with pytest.raises(InvalidToken, match="expired"):
        unsign(token, SECRET, NOW + timedelta(hours=2))


class ScriptedClient:
    """A ModelClient that replays scripted turns: tool calls, a final reply, or an exception."""

    backend = "openai"

    def __init__(self, *turns):
        self.turns, self.requests = list(turns), []

    def structured(self, purpose, messages, schema, *, tools=None):
        self.requests.append({"purpose": purpose, "messages": list(messages), "tools": tools})
        turn = self.turns.pop(0)
        if isinstance(turn, Exception):
            raise turn
        calls = turn if isinstance(turn, list) else []
        parsed = None if calls else schema(**turn)
        return StructuredResult(parsed, calls, Usage(), "fake-model", "openai", 1)

    def embed(self, texts):
        raise NotImplementedError


MQL_CALL = ToolCall(
    "call-1",
    "mql_count",
    {"filters": {"source": "webinar"}, "period": "this month", "compare_with": "last month"},
)
QUESTION = "How many webinar leads became MQL this month, compared with last month?"


def test_model_picks_tools_and_numbers_come_from_them(session, world):
    reply = {
        "text": "2 webinar leads reached MQL this month, 1 more than the 1 last month.",
        "cannot_answer": False,
        "reason": None,
    }
    client = ScriptedClient([MQL_CALL], reply)
    answer = ask(session, QUESTION, backend=client, now=NOW, secret=SECRET)
    offline = ask_offline(session, QUESTION)
    assert answer.backend == "openai" and answer.text == reply["text"]
    assert answer.numbers == offline.numbers and answer.record_ids == offline.record_ids
    assert "mql_count" in {t["function"]["name"] for t in client.requests[0]["tools"]}
    tool_turn = client.requests[1]["messages"][-1]
    assert tool_turn["role"] == "tool" and tool_turn["tool_call_id"] == "call-1"


def test_model_prose_with_an_invented_number_is_replaced(session, world):
    made_up = {"text": "57 webinar leads reached MQL.", "cannot_answer": False, "reason": None}
    answer = ask(
        session, QUESTION, backend=ScriptedClient([MQL_CALL], made_up), now=NOW, secret=SECRET
    )
    assert answer.text.startswith("2 webinar leads") and "57" not in answer.text
    assert any("no tool returned" in note for note in answer.notes)


def test_model_failure_falls_back_to_the_grammar(session, world):
    client = ScriptedClient(ModelUnavailable("http_503: down", purpose="analytics"))
    answer = ask(session, QUESTION, backend=client, now=NOW, secret=SECRET)
    assert answer.backend == "offline" and answer.value == 2
    assert any("answered offline: http_503" in note for note in answer.notes)
    refusal = ask(
        session,
        "What is the weather?",
        now=NOW,
        secret=SECRET,
        backend=ScriptedClient(
            {"text": "", "cannot_answer": True, "reason": "not about the funnel"}
        ),
    )
    assert isinstance(refusal, CannotAnswer) and refusal.reason == "not about the funnel"


def test_a_model_that_keeps_calling_tools_is_cut_off(session, world):
    from agent.analytics.model import MAX_TURNS

    client = ScriptedClient(*[[MQL_CALL]] * MAX_TURNS)
    answer = ask(session, QUESTION, backend=client, now=NOW, secret=SECRET)
    assert len(client.requests) == MAX_TURNS and not client.turns
    assert len(answer.tool_calls) == MAX_TURNS - 1 and answer.value == 2
    assert answer.text.startswith("2 webinar leads")  # the tools' own words: no final prose


@pytest.fixture(scope="module")
def demo_engine(pg_root):
    """A database holding the deterministic 200-lead demo, loaded and scored once."""
    from core.db import make_engine
    from core.demo_data import generate
    from tests.conftest import clone_database, drop_database
    from tools.demo_loader import load_demo
    from tools.rescore import rescore
    from tools.segments import ensure_builtins

    name = f"t_demo_{uuid.uuid4().hex[:8]}"
    engine = make_engine(clone_database(pg_root, name))
    with Session(engine) as session:
        ensure_builtins(session)
        load_demo(session, generate(seed=7, n_leads=200))
        rescore(session, None)
        session.commit()
    yield engine
    engine.dispose()
    drop_database(pg_root, name)


def test_eval_over_the_demo_data(demo_engine):
    from evals.analytics_eval import load_items, run

    with Session(demo_engine) as session:
        report = run(session, load_items())
    assert len(report.items) >= 60
    assert report.accuracy >= 0.95, report.summary()
