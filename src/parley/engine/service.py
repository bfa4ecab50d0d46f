"""The engine's front door: one customer message in, one contract-shaped response out.

Per turn: open it (engine/opening.py: the session's lock, the conversation, the customer and their
context — one round trip on PostgreSQL, in the turn's own transaction) and validate the customer;
answer a repeated `message_id` from the store; run the graph
(`durability="exit"`: one checkpoint, at the end; the checkpoint this process wrote last is served from
memory when the conversation row names it); append the transcript, the action log, the response and —
when the checkpointer shares the store's database, the default — the checkpoint itself in one store
commit, numbered from the conversation row read under the lock (on PostgreSQL that commit ends the
turn's transaction and releases the lock). One durable commit per ordinary turn;
an action that changes the company's systems adds that system's own write.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from typing import Any

from parley.clock import now
from parley.engine.checkpoint import DeferredCheckpoint
from parley.engine.graph import build_graph
from parley.engine.locks import SessionLocks
from parley.engine.opening import opened_in_one_transaction, opened_step_by_step, opens_in_one_transaction
from parley.engine.runtime import Runtime
from parley.engine.turn import InboundMessage, Turn
from parley.engine.turn_loop import run_in_this_thread
from parley.store.db import connection_lost

log = logging.getLogger(__name__)

PUBLIC_DIALOG_KEYS = (
    "task",
    "expecting",
    "focus_order_id",
    "focus_msisdn",
    "focus_service",
    "suspended",
    "flow",
)


class UnknownCustomer(LookupError):
    pass


class SessionOwnedElsewhere(PermissionError):
    """The session id belongs to another customer; the caller must not learn anything about it."""


class Engine:
    def __init__(
        self, runtime: Runtime, checkpointer: Any, locks: SessionLocks, *, atomic_turns: bool
    ) -> None:
        """`atomic_turns`: the checkpointer and the store share one database, so a turn's checkpoint is
        committed in the store's transaction for the turn (see engine/checkpoint.py)."""
        self.runtime = runtime
        self.checkpointer = checkpointer
        self.locks = locks
        self.atomic_turns = atomic_turns
        self.graph = build_graph(checkpointer)
        self._opened = (
            opened_in_one_transaction
            if opens_in_one_transaction(runtime, locks, atomic_turns)
            else opened_step_by_step
        )

    def handle(self, message: InboundMessage) -> dict[str, Any]:
        """One turn; run a second time, on fresh connections, if a database connection was lost.

        Connections die together when the server restarts, and a pool learns it one failed statement
        at a time. Running the turn again is safe: nothing of it is recorded unless all of it is (one
        commit), a repeated `message_id` is answered from the store, and the company systems' writers
        are idempotent by the key the turn gives them (the confirmation's id), so an action that
        already ran returns its first result.
        """
        try:
            with self.runtime.shared_reads():
                return self._handle(message)
        except Exception as error:
            if not connection_lost(error):
                raise
            log.warning("database connection lost in a turn of session %s; reconnecting", message.session_id)
        self.reconnect()
        with self.runtime.shared_reads():
            return self._handle(message)

    def reconnect(self) -> None:
        """Drops every pooled connection that may be dead: after a server restart, all of them are."""
        for db in self.runtime.databases():
            db.dispose()
        for owner in (self.checkpointer, self.locks):
            reconnect = getattr(owner, "reconnect", None)
            if reconnect is not None:
                reconnect()

    def _handle(self, message: InboundMessage) -> dict[str, Any]:
        rt = self.runtime
        with self._opened(rt, self.locks, message) as opened:
            customer = rt.backend.get_customer(message.customer_id)
            if customer is None:
                raise UnknownCustomer(message.customer_id)
            store, conversation = rt.conversations, opened.conversation
            if conversation is not None and conversation.customer_id != customer.id:
                raise SessionOwnedElsewhere(message.session_id)
            if opened.earlier is not None:
                return opened.earlier
            if conversation is None:
                conversation = store.ensure_conversation(message.session_id, customer.id, message.channel)
            turn = Turn(message=message, runtime=rt, at=now().isoformat())
            rt.remember_customer(customer)
            deferral = (
                self.checkpointer.deferring(message.session_id, conversation and conversation.checkpoint_id)
                if self.atomic_turns
                else nullcontext(DeferredCheckpoint())
            )
            try:
                with deferral as checkpoint:
                    state = run_in_this_thread(
                        self.graph.ainvoke(
                            {"customer_id": customer.id},
                            # one node, so nothing runs in parallel
                            config={"configurable": {"thread_id": message.session_id}, "max_concurrency": 1},
                            context=turn,
                            durability="exit",
                        )
                    )
            finally:
                rt.remember_customer(None)
            response = self._response(message.session_id, state, turn)
            store.record_turn(
                message.session_id,
                messages=self._transcript(turn),
                actions=self._action_entries(turn),
                status=self._status(state, turn),
                language=turn.language,
                message_id=message.message_id,
                response=response,
                also=checkpoint.statements,
                checkpoint_id=checkpoint.checkpoint_id,
                known=conversation,  # read under this turn's session lock
                joining=opened.transaction,
            )
            return response

    # ------------------------------------------------------------------ shaping
    @staticmethod
    def _response(session_id: str, state: dict[str, Any], turn: Turn) -> dict[str, Any]:
        nlu = turn.nlu
        pending = (state.get("pending_confirmations") or [None])[0]
        escalation = None
        if state.get("escalated"):
            escalation = turn.escalation or {
                "reason": state.get("escalation_reason"),
                "priority": state.get("escalation_priority"),
                "queue_position": (state.get("dialog_context") or {}).get("queue_position"),
            }
        return {
            "session_id": session_id,
            "replies": turn.texts,
            "language": turn.language,
            "intent": nlu.intent if nlu else None,
            "confidence": round(nlu.confidence, 4) if nlu else None,
            "entities": {k: v for k, v in (nlu.entities if nlu else {}).items() if k != "code_word"},
            "pending_confirmation": {"action": pending["action"], "params": pending["params"]}
            if pending
            else None,
            "actions": [
                {"action": a["action"], "params": a["params"], "success": a["success"], "data": a["data"]}
                for a in turn.executed
            ],
            "escalated": bool(state.get("escalated")),
            "escalation": escalation,
        }

    @staticmethod
    def _transcript(turn: Turn) -> list[Any]:
        from parley.store.conversations import TranscriptEntry

        entries = [TranscriptEntry(role="customer", text=turn.customer_text, at=turn.at)]
        entries += [TranscriptEntry(role="agent", text=t["text"], at=turn.at) for t in turn.texts]
        return entries

    @staticmethod
    def _action_entries(turn: Turn) -> list[Any]:
        from parley.store.conversations import ActionEntry

        return [
            ActionEntry(
                action=a["action"],
                params=a["params"],
                success=a["success"],
                data=a["data"],
                at=a["at"],
                idempotency_key=a.get("idempotency_key") or None,
            )
            for a in turn.executed
        ]

    @staticmethod
    def _status(state: dict[str, Any], turn: Turn) -> str:
        if state.get("escalated"):
            return "escalated"
        dialog = state.get("dialog_context") or {}
        # served as a farewell (not merely classified as one: "the first one" can read like a goodbye)
        said_goodbye = state.get("current_intent") == "farewell"
        if said_goodbye and not state.get("pending_confirmations") and not dialog.get("task"):
            return "resolved"
        return "active"

    # ------------------------------------------------------------------ reading a conversation
    def conversation(self, session_id: str) -> dict[str, Any] | None:
        store = self.runtime.conversations
        info = store.get_conversation(session_id)
        if info is None:
            return None
        snapshot = self.graph.get_state({"configurable": {"thread_id": session_id}})
        state: dict[str, Any] = dict(snapshot.values or {})
        pending = (state.get("pending_confirmations") or [None])[0]
        dialog = state.get("dialog_context") or {}
        return {
            "session_id": session_id,
            "customer_id": info.customer_id,
            "channel": info.channel,
            "language": state.get("language") or info.language,
            "messages": [{"role": m.role, "text": m.text, "at": m.at} for m in store.transcript(session_id)],
            "current_intent": state.get("current_intent"),
            "dialog_context": {k: dialog[k] for k in PUBLIC_DIALOG_KEYS if dialog.get(k)},
            "pending_confirmation": {"action": pending["action"], "params": pending["params"]}
            if pending
            else None,
            "completed_actions": [
                {"action": a.action, "params": a.params, "success": a.success, "data": a.data, "at": a.at}
                for a in store.completed_actions(session_id)
            ],
            "escalated": bool(state.get("escalated")),
            "escalation": {
                "reason": state.get("escalation_reason"),
                "priority": state.get("escalation_priority"),
                "queue_position": dialog.get("queue_position"),
            }
            if state.get("escalated")
            else None,
            "status": info.status,
        }
