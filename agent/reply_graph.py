"""The reply graph: load reply → classify → act → done, and its entry point `handle_reply`.

Wiring only; the nodes live in agent/reply_nodes/. The inbound pipeline stores a `replies` row
and calls `handle_reply(db, reply_id)`; a second call for the same reply changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langgraph.graph import END, START, StateGraph

from agent.reply_nodes.act import act
from agent.reply_nodes.classify import classify
from agent.reply_nodes.load_reply import load_reply
from agent.reply_nodes.state import ReplyRuntime, ReplyState

if TYPE_CHECKING:
    from agent.llm import ModelClient
    from core.db import Database
    from core.llm_settings import LLMSettings


@dataclass(frozen=True)
class ReplyOutcome:
    """What handling one reply did: its label, the action taken and that action's result."""

    reply_id: int
    status: str  # acted | handled_before | missing
    lead_id: int | None = None
    label: str | None = None
    confidence: float | None = None
    needs_review: bool = False
    action: str | None = None
    action_result: dict[str, Any] = field(default_factory=dict)
    classifier: str | None = None


def after_load(state: ReplyState) -> str:
    """Only a freshly loaded reply goes on to classification."""
    return "classify" if state.get("status") == "loaded" else END


def build_reply_graph(checkpointer: Any = None):
    """The compiled reply graph (a checkpointer is optional: nothing here waits on a human)."""
    graph = StateGraph(ReplyState)
    for node in (load_reply, classify, act):
        graph.add_node(node.__name__, node)
    graph.add_edge(START, "load_reply")
    graph.add_conditional_edges("load_reply", after_load, ["classify", END])
    graph.add_edge("classify", "act")
    graph.add_edge("act", END)
    return graph.compile(checkpointer=checkpointer)


def run_reply(rt: ReplyRuntime, reply_id: int, *, checkpointer: Any = None) -> ReplyOutcome:
    """handle_reply on an explicit runtime (tests and the worker pass their own sessions)."""
    final = build_reply_graph(checkpointer).invoke({"reply_id": reply_id}, rt.config(reply_id))
    result = final.get("classification") or {}
    return ReplyOutcome(
        reply_id=reply_id,
        status=final.get("status", "missing"),
        lead_id=final.get("lead_id"),
        label=result.get("label"),
        confidence=result.get("confidence"),
        needs_review=bool(result.get("needs_review")),
        action=final.get("action"),
        action_result=final.get("action_result") or {},
        classifier=final.get("classifier"),
    )


def handle_reply(
    db: Database,
    reply_id: int,
    *,
    settings: LLMSettings | None = None,
    client: ModelClient | None = None,
) -> ReplyOutcome:
    """Classify a stored reply and run the one action its label maps to (idempotent)."""
    return run_reply(ReplyRuntime(db.session, settings, client), reply_id)
