"""The dialogue graph: load_context -> understand -> decide -> [act] -> respond."""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph

from parley.engine import nodes
from parley.engine.state import ConversationState
from parley.engine.turn import Turn


def build_graph(checkpointer: Any) -> Any:
    graph = StateGraph(ConversationState, context_schema=Turn)
    graph.add_node("load_context", nodes.load_context)
    graph.add_node("understand", nodes.understand)
    graph.add_node("decide", nodes.decide)
    graph.add_node("act", nodes.act)
    graph.add_node("respond", nodes.respond)
    graph.add_edge(START, "load_context")
    graph.add_edge("load_context", "understand")
    graph.add_edge("understand", "decide")
    graph.add_conditional_edges("decide", nodes.needs_action, {"act": "act", "respond": "respond"})
    graph.add_edge("act", "respond")
    graph.add_edge("respond", END)
    return graph.compile(checkpointer=checkpointer)
