"""Graph nodes of the analytics agent: plain functions of the state and the run context."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from langgraph.runtime import Runtime
from sqlalchemy.orm import Session

from agent.analytics.answer import Answer, AskResult, CannotAnswer, ToolCallRecord, lead_links
from agent.analytics.grammar import Plan, parse
from agent.analytics.grammar_vocab import load_vocabulary
from agent.analytics.model import (
    MAX_TURNS,
    assistant_message,
    first_messages,
    grounded,
    model_turn,
    tool_message,
)
from agent.analytics.tools import ToolContext, ToolOutput, run_tool, specs
from agent.llm import ModelUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AskContext:
    """Per-run dependencies: the session, the model client (None offline), secret and clock."""

    session: Session
    client: Any
    secret: str
    now: datetime


class AskState(TypedDict, total=False):
    """What flows through the graph."""

    question: str
    previous: str | None
    plan: Plan | None
    cannot: CannotAnswer | None
    outputs: list[ToolOutput]
    messages: list[dict]
    pending: list[tuple[str, str, dict]]
    model_text: str | None
    turns: int
    fallback: str | None
    backend: str
    result: AskResult


def _tools(runtime: Runtime[AskContext]) -> ToolContext:
    ctx = runtime.context
    return ToolContext(session=ctx.session, now=ctx.now, secret=ctx.secret)


def grammar(state: AskState, runtime: Runtime[AskContext]) -> AskState:
    """Parse the question offline into a plan (or a CannotAnswer)."""
    vocab = load_vocabulary(runtime.context.session)
    parsed = parse(state["question"], vocab, runtime.context.now, state.get("previous"))
    if isinstance(parsed, CannotAnswer):
        return {"cannot": parsed, "plan": None, "backend": "offline"}
    return {"plan": parsed, "cannot": None, "backend": "offline"}


def execute(state: AskState, runtime: Runtime[AskContext]) -> AskState:
    """Run the plan's tool calls in order."""
    ctx = _tools(runtime)
    outputs = [run_tool(ctx, step.tool, step.args) for step in state["plan"].steps]
    return {"outputs": outputs}


def model(state: AskState, runtime: Runtime[AskContext]) -> AskState:
    """One model turn: it asks for tool calls, or gives its final reply."""
    ctx = runtime.context
    messages = state.get("messages") or first_messages(
        state["question"], ctx.now, state.get("previous")
    )
    try:
        turn = model_turn(ctx.client, messages, specs())
    except ModelUnavailable as exc:
        log.warning("analytics model unavailable (%s); answering offline", exc.reason)
        return {"fallback": exc.reason, "messages": messages}
    turns = state.get("turns", 0) + 1
    if turn.calls and turns >= MAX_TURNS:  # out of turns: answer with what the tools returned
        return {"pending": [], "turns": turns, "backend": "openai"}
    if turn.calls:
        return {"pending": turn.calls, "messages": messages, "turns": turns, "backend": "openai"}
    reply = turn.reply
    if reply is None or (not reply.cannot_answer and not state.get("outputs")):
        return {"fallback": "the model answered without calling a tool", "messages": messages}
    if reply.cannot_answer:
        cannot = CannotAnswer(
            question=state["question"], reason=reply.reason or reply.text, backend="openai"
        )
        return {"cannot": cannot, "pending": [], "turns": turns, "backend": "openai"}
    return {"model_text": reply.text, "pending": [], "turns": turns, "backend": "openai"}


def model_tools(state: AskState, runtime: Runtime[AskContext]) -> AskState:
    """Run the tool calls the model asked for and hand the results back to it."""
    ctx = _tools(runtime)
    messages = [*state["messages"], assistant_message(state["pending"])]
    outputs = list(state.get("outputs") or [])
    for call_id, name, args in state["pending"]:
        output = run_tool(ctx, name, args)
        outputs.append(output)
        messages.append(tool_message(call_id, output))
    return {"messages": messages, "outputs": outputs, "pending": []}


def compose(state: AskState, runtime: Runtime[AskContext]) -> AskState:
    """The typed result: numbers, SQL and records from the tool outputs, never from the model."""
    question, backend = state["question"], state.get("backend", "offline")
    outputs = state.get("outputs") or []
    calls = [_record(o) for o in outputs]
    if state.get("cannot") is not None:
        cannot = state["cannot"].model_copy(update={"tool_calls": calls})
        return {"result": cannot}
    good = [o for o in outputs if o.cannot is None]
    if not good:
        reasons = "; ".join(o.cannot for o in outputs if o.cannot) or "no tool answered"
        return {
            "result": CannotAnswer(
                question=question, reason=reasons, tool_calls=calls, backend=backend
            )
        }
    main = good[0]
    notes = [n for o in good for n in o.notes]
    notes += [f"{o.name}: {o.cannot}" for o in outputs if o.cannot]
    notes += state["plan"].notes if state.get("plan") else []
    if state.get("fallback"):
        notes.append(f"answered offline: {state['fallback']}")
    text = " ".join(o.sentence for o in good)
    model_text = state.get("model_text")
    if model_text and grounded(model_text, good, question):
        text = model_text
    elif model_text:
        notes.append("the model's wording cited a number no tool returned; showing the tools' own")
    numbers = dict(main.numbers)
    for other in good[1:]:
        numbers.update({f"{other.name}.{k}": v for k, v in other.numbers.items()})
    with_records = next((o for o in good if o.record_ids), main)
    answer = Answer(
        question=question,
        text=text,
        value=main.value,
        numbers=numbers,
        rows=main.rows,
        period=main.period,
        tool_calls=calls,
        sql=list(dict.fromkeys(s for o in good for r in o.results if (s := r.sql))),
        record_kind=with_records.record_kind,
        record_ids=with_records.record_ids,
        record_count=with_records.record_count,
        links=lead_links(with_records.record_ids) if with_records.record_kind == "lead" else [],
        chart=main.chart,
        notes=notes,
        proposal=next((o.proposal for o in good if o.proposal), None),
        backend=backend,
    )
    return {"result": answer}


def _record(output: ToolOutput) -> ToolCallRecord:
    return ToolCallRecord(
        name=output.name,
        args=output.args,
        sql=[r.sql for r in output.results if r.sql],
        params=[r.params for r in output.results if r.sql],
    )


def start_route(state: AskState, runtime: Runtime[AskContext]) -> str:
    """With a model client, the model picks tools; without one, the grammar does."""
    return "model" if runtime.context.client is not None else "grammar"


def after_grammar(state: AskState) -> str:
    """A plan runs; a CannotAnswer goes straight to compose."""
    return "execute" if state.get("plan") else "compose"


def after_model(state: AskState) -> str:
    """Tool calls run; a failure falls back to the grammar; a final reply is composed."""
    if state.get("fallback"):
        return "grammar"
    return "model_tools" if state.get("pending") else "compose"
