"""Opening a turn: the session's lock, the conversation as it stands, and the customer's context.

Two ways, chosen once per engine (`opens_in_one_transaction`):

- In one transaction (PostgreSQL, with the reference backend on the store's database — the default
  scale-out deployment): the turn's read connection opens a transaction whose first round trip
  carries BEGIN, `pg_advisory_xact_lock` on the session's key, the conversation row with the response
  to a repeated `message_id`, and the customer's context reads. The turn's later reads use the same
  connection (autocommit semantics are kept: READ COMMITTED sees each statement's latest commits),
  and its record joins the transaction, so the record's COMMIT — sent with the record, one round trip
  — releases the lock. Two round trips in all for an ordinary turn, where lock, read-ahead,
  conversation, record and unlock took five. A turn that ends any other way (a repeated message, an
  unknown customer, an error) rolls the transaction back, which releases the lock too.
- Step by step (SQLite; a backend of other systems): the context read ahead, then the session lock
  (engine/locks.py), then the conversation; the record commits on a connection of its own.

The transaction writes nothing until the record, so it holds no row locks while the turn runs: a
business action's own write on another connection never waits for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from parley.engine.context import prefetch_together
from parley.engine.runtime import Runtime
from parley.engine.turn import InboundMessage
from parley.store.conversations import ConversationInfo
from parley.store.driver_query import all_together


@dataclass(slots=True)
class OpenedTurn:
    conversation: ConversationInfo | None  # None: a new session
    earlier: dict[str, Any] | None  # the response already given to this message id
    transaction: Any = None  # the connection of the turn's open transaction, for the record to join


def opens_in_one_transaction(runtime: Runtime, locks: Any, atomic_turns: bool) -> bool:
    """Whether the lock, the reads and the record can share one transaction: the store and the backend
    on one PostgreSQL database, a lock that can live in a transaction, and the checkpoint written
    with the record."""
    store_db = getattr(runtime.conversations, "db", None)
    backend = runtime.backend
    return (
        atomic_turns
        and store_db is not None
        and store_db.dialect == "postgresql"
        and getattr(backend, "db", None) is store_db
        and hasattr(backend, "context_queries")
        and hasattr(locks, "hold_in_transaction")
    )


@contextmanager
def opened_in_one_transaction(runtime: Runtime, locks: Any, message: InboundMessage) -> Iterator[OpenedTurn]:
    store, backend = runtime.conversations, cast(Any, runtime.backend)  # a SqlBackend (see above)
    with locks.hold_in_transaction(message.session_id) as (space, key), store.db.turn_transaction() as conn:
        rows = all_together(
            conn,
            [
                store.session_lock_query(space, key),
                store.conversation_and_response_query(message.session_id, message.message_id or None),
                *backend.context_queries(message.customer_id),
            ],
            begin=True,
        )
        backend.keep_context(message.customer_id, rows[2:])
        conversation, earlier = store.conversation_and_response_from(rows[1])
        yield OpenedTurn(conversation, earlier, transaction=conn)


@contextmanager
def opened_step_by_step(runtime: Runtime, locks: Any, message: InboundMessage) -> Iterator[OpenedTurn]:
    if getattr(runtime.backend, "reads_are_local", False):
        # the customer and their context in one round trip, ahead of the session lock: the lock
        # guards the conversation, not the customer's records (see engine/context.py)
        prefetch_together(runtime.backend, message.customer_id)
    with locks.hold(message.session_id):
        conversation, earlier = runtime.conversations.conversation_and_response(
            message.session_id, message.message_id or None
        )
        yield OpenedTurn(conversation, earlier)
