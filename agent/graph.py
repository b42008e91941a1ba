"""The nurture graph, wiring only: each node is a plain function in agent/nodes/.

START → load_context ──(suppressed)──▶ END
        load_context → score → segment → choose_action
choose_action ──(alert, or a high-intent draft)──▶ alert_owner ──(draft)──▶ retrieve
choose_action ──(draft)──▶ retrieve        choose_action / alert_owner ──(else)──▶ END
retrieve → draft → verify ──(model draft failed: retry once, then offline)──▶ draft
                   verify ──(passed, or offline)──▶ store_draft → request_approval ⏸
request_approval ──(approve | edit)──▶ hand_off → END
                 ──(reject)──▶ record_rejection → END
                 ──(regenerate)──▶ draft (the next revision)
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph

from agent.nodes.alert_owner import alert_owner
from agent.nodes.choose_action import choose_action
from agent.nodes.draft import draft
from agent.nodes.hand_off import hand_off
from agent.nodes.load_context import load_context
from agent.nodes.record_rejection import record_rejection
from agent.nodes.request_approval import request_approval
from agent.nodes.retrieve import retrieve
from agent.nodes.score import score
from agent.nodes.segment import segment
from agent.nodes.store_draft import store_draft
from agent.nodes.verify import verify
from agent.state import NurtureState


def after_context(state: NurtureState) -> str:
    """Suppressed leads stop here."""
    return END if state.get("suppressed") else "score"


def after_choice(state: NurtureState) -> str:
    """High-intent drafts and alerts go through the owner alert first; wait/none end."""
    action = state["action"]["name"]
    if action == "alert_owner" or (action == "draft_email" and state["trigger"]["high_intent"]):
        return "alert_owner"
    return "retrieve" if action == "draft_email" else END


def after_alert(state: NurtureState) -> str:
    """Draft after the alert when the chosen action was a draft."""
    return "retrieve" if state["action"]["name"] == "draft_email" else END


def after_verify(state: NurtureState) -> str:
    """A failed model draft goes back to the drafter (retry, then offline); else to review."""
    if state.get("errors") and state.get("backend") == "openai":
        return "draft"
    return "store_draft"


def after_review(state: NurtureState) -> str:
    """Approve/edit hand off, reject closes, regenerate drafts a new revision."""
    action = (state.get("review") or {}).get("action")
    return {
        "approve": "hand_off",
        "edit": "hand_off",
        "reject": "record_rejection",
        "regenerate": "draft",
    }[action]


def build_graph(checkpointer: Any = None):
    """The compiled graph with the given checkpointer."""
    graph = StateGraph(NurtureState)
    for node in (
        load_context,
        score,
        segment,
        choose_action,
        alert_owner,
        retrieve,
        draft,
        verify,
        store_draft,
        request_approval,
        hand_off,
        record_rejection,
    ):
        graph.add_node(node.__name__, node)
    graph.add_edge(START, "load_context")
    graph.add_conditional_edges("load_context", after_context, ["score", END])
    graph.add_edge("score", "segment")
    graph.add_edge("segment", "choose_action")
    graph.add_conditional_edges("choose_action", after_choice, ["alert_owner", "retrieve", END])
    graph.add_conditional_edges("alert_owner", after_alert, ["retrieve", END])
    graph.add_edge("retrieve", "draft")
    graph.add_edge("draft", "verify")
    graph.add_conditional_edges("verify", after_verify, ["draft", "store_draft"])
    graph.add_edge("store_draft", "request_approval")
    graph.add_conditional_edges(
        "request_approval", after_review, ["hand_off", "record_rejection", "draft"]
    )
    graph.add_edge("hand_off", END)
    graph.add_edge("record_rejection", END)
    return graph.compile(checkpointer=checkpointer)
