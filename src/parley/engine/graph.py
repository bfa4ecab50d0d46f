"""The dialogue graph: perceive (load_context, understand) -> reply (decide, [act], respond).

The five stages are separate, separately tested functions (`engine/nodes.py`); the graph runs them
as two LangGraph steps. Each step costs LangGraph bookkeeping (task preparation, an in-memory
checkpoint, channel updates: ~0.2 ms each here, measured in benchmarks/README.md), and nothing is
gained by more steps: with `durability="exit"` only the final state is persisted, and no stage runs
in parallel with another. The boundary that matters is kept: everything before `reply` only reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime as GraphRuntime

from parley.engine import nodes
from parley.engine.state import ConversationState
from parley.engine.turn import Turn

Stage = Callable[[ConversationState, GraphRuntime[Turn]], dict[str, Any]]


def run_stages(state: ConversationState, runtime: GraphRuntime[Turn], stages: list[Stage]) -> dict[str, Any]:
    """Runs stages in order, each seeing the state as updated by the ones before; returns all updates."""
    updates: dict[str, Any] = {}
    view: dict[str, Any] = dict(state)
    for stage in stages:
        update = stage(view, runtime)  # type: ignore[arg-type]
        updates.update(update)
        view.update(update)
    return updates


def perceive(state: ConversationState, runtime: GraphRuntime[Turn]) -> dict[str, Any]:
    return run_stages(state, runtime, [nodes.load_context, nodes.understand])


def reply(state: ConversationState, runtime: GraphRuntime[Turn]) -> dict[str, Any]:
    updates = run_stages(state, runtime, [nodes.decide])
    later: list[Stage] = [nodes.act, nodes.respond] if runtime.context.plan_has_actions else [nodes.respond]
    updates.update(run_stages({**state, **updates}, runtime, later))  # type: ignore[typeddict-item]
    return updates


def build_graph(checkpointer: Any) -> Any:
    graph = StateGraph(ConversationState, context_schema=Turn)
    graph.add_node("perceive", perceive)
    graph.add_node("reply", reply)
    graph.add_edge(START, "perceive")
    graph.add_edge("perceive", "reply")
    graph.add_edge("reply", END)
    return graph.compile(checkpointer=checkpointer)
