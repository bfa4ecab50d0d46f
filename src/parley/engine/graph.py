"""The dialogue graph: one LangGraph step, `turn`, running the five stages in order.

The stages (load_context, understand, decide, [act], respond) are separate, separately tested
functions (`engine/nodes.py`); the graph runs them as ONE step. Every LangGraph step costs
bookkeeping — task preparation, an in-memory checkpoint, channel updates and a stream event — and
nothing is gained by more steps here: with `durability="exit"` only the final state is persisted, no
stage runs in parallel with another, and a failed turn is retried whole (the engine answers a repeated
`message_id` from the store). Measured in benchmarks/README.md ("Dialogue turns"): two steps cost
~0.2-0.4 ms more per turn than one. The boundary that matters is kept in code: the stages before
`decide` only read.
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

READ_ONLY_STAGES: list[Stage] = [nodes.load_context, nodes.understand]


def run_stages(state: ConversationState, runtime: GraphRuntime[Turn], stages: list[Stage]) -> dict[str, Any]:
    """Runs stages in order, each seeing the state as updated by the ones before; returns all updates."""
    updates: dict[str, Any] = {}
    view: dict[str, Any] = dict(state)
    for stage in stages:
        update = stage(view, runtime)  # type: ignore[arg-type]
        updates.update(update)
        view.update(update)
    return updates


def turn(state: ConversationState, runtime: GraphRuntime[Turn]) -> dict[str, Any]:
    """The whole turn: perceive, decide, then act only when the plan holds an action, and respond."""
    updates = run_stages(state, runtime, [*READ_ONLY_STAGES, nodes.decide])
    later: list[Stage] = [nodes.act, nodes.respond] if runtime.context.plan_has_actions else [nodes.respond]
    updates.update(run_stages({**state, **updates}, runtime, later))  # type: ignore[typeddict-item]
    return updates


async def turn_node(state: ConversationState, runtime: GraphRuntime[Turn]) -> dict[str, Any]:
    """`turn` as the graph's node. The engine runs the graph with `ainvoke` (engine/turn_loop.py), and
    LangGraph would hand a synchronous node to a thread pool there; the stages block on the store, which is
    what the turn's private event loop is for."""
    return turn(state, runtime)


def build_graph(checkpointer: Any) -> Any:
    graph = StateGraph(ConversationState, context_schema=Turn)
    graph.add_node("turn", turn_node)
    graph.add_edge(START, "turn")
    graph.add_edge("turn", END)
    return graph.compile(checkpointer=checkpointer)
