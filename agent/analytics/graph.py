"""The analytics graph, wiring only: model ⇄ tools, or grammar → execute; then compose.

START ─┬─ model ─┬─ model_tools ─→ model      (the model picks typed tools, several turns)
       │         ├─ grammar                   (model unavailable: offline fallback)
       │         └─ compose
       └─ grammar ─┬─ execute ─→ compose      (offline: the grammar picks the same tools)
                   └─ compose ─→ END
"""

from __future__ import annotations

from functools import lru_cache

from langgraph.graph import END, START, StateGraph

from agent.analytics import nodes


@lru_cache(maxsize=1)
def build_graph():
    """The compiled graph (built once per process; it holds no state between runs)."""
    graph = StateGraph(nodes.AskState, context_schema=nodes.AskContext)
    graph.add_node("model", nodes.model)
    graph.add_node("model_tools", nodes.model_tools)
    graph.add_node("grammar", nodes.grammar)
    graph.add_node("execute", nodes.execute)
    graph.add_node("compose", nodes.compose)
    graph.add_conditional_edges(START, nodes.start_route, ["model", "grammar"])
    graph.add_conditional_edges("model", nodes.after_model, ["model_tools", "grammar", "compose"])
    graph.add_edge("model_tools", "model")
    graph.add_conditional_edges("grammar", nodes.after_grammar, ["execute", "compose"])
    graph.add_edge("execute", "compose")
    graph.add_edge("compose", END)
    return graph.compile()
