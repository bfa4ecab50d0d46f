"""Checkpointers that keep one checkpoint per conversation, written with the turn's own record.

LangGraph's savers keep every checkpoint of every step forever. Parley runs its graph with
`durability="exit"` (one checkpoint per turn, written when the run ends) and these subclasses
delete the thread's older checkpoints together with the insert of the new one, so storage per
conversation stays constant: the latest checkpoint is all a conversation needs to continue, and the
full transcript lives in the append-only store table.

Deferral: while the engine runs a turn inside `deferring(session_id)`, `put` does not commit; it
hands its SQL to the engine, which executes it in the store's transaction for the turn. The new
dialogue state and the transcript, action log and idempotency record of the same turn then become
durable together, in one commit — or not at all. Outside a deferral `put` commits on its own.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import ChannelVersions, Checkpoint, CheckpointMetadata, get_checkpoint_metadata
from langgraph.checkpoint.sqlite import SqliteSaver

# One SQL statement in the driver's own parameter style; a list of parameter tuples means executemany.
Statement = tuple[str, Sequence[Any]]


class DeferrablePuts:
    """Lets a caller collect a thread's checkpoint writes instead of committing them (see module doc)."""

    def _deferrals(self) -> dict[str, list[Statement]]:
        if not hasattr(self, "_deferred"):
            self._deferred: dict[str, list[Statement]] = {}
            self._deferred_lock = threading.Lock()
        return self._deferred

    @contextmanager
    def deferring(self, thread_id: str) -> Iterator[list[Statement]]:
        """Within the block, `put` for this thread appends its statements to the yielded list."""
        pending: list[Statement] = []
        deferrals = self._deferrals()
        with self._deferred_lock:
            deferrals[thread_id] = pending
        try:
            yield pending
        finally:
            with self._deferred_lock:
                deferrals.pop(thread_id, None)

    def deferred_list(self, thread_id: str) -> list[Statement] | None:
        deferrals = self._deferrals()
        with self._deferred_lock:
            return deferrals.get(thread_id)


class PruningSqliteSaver(DeferrablePuts, SqliteSaver):
    """SqliteSaver whose `put` replaces the thread's previous checkpoints atomically."""

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        thread_id = str(config["configurable"]["thread_id"])
        checkpoint_ns = config["configurable"]["checkpoint_ns"]
        type_, serialized = self.serde.dumps_typed(checkpoint)
        meta = json.dumps(get_checkpoint_metadata(config, metadata), ensure_ascii=False).encode(
            "utf-8", "ignore"
        )
        statements: list[Statement] = [
            ("DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ?", (thread_id, checkpoint_ns)),
            ("DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns = ?", (thread_id, checkpoint_ns)),
            (
                "INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, "
                "type, checkpoint, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (thread_id, checkpoint_ns, checkpoint["id"], None, type_, serialized, meta),
            ),
        ]
        deferred = self.deferred_list(thread_id)
        if deferred is not None:
            deferred.extend(statements)
        else:
            with self.cursor() as cur:
                for sql, params in statements:
                    cur.execute(sql, params)
        return {
            "configurable": {
                "thread_id": thread_id,
                "checkpoint_ns": checkpoint_ns,
                "checkpoint_id": checkpoint["id"],
            }
        }


def sqlite_saver(path: str) -> PruningSqliteSaver:
    conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    saver = PruningSqliteSaver(conn)
    saver.setup()
    return saver


def postgres_saver(url: str) -> Any:
    from parley.engine.checkpoint_pg import pruning_postgres_saver

    return pruning_postgres_saver(url)


def make_checkpointer(database_url: str) -> Any:
    """The checkpointer for a database URL: SQLite file (default) or PostgreSQL."""
    if database_url.startswith(("postgresql", "postgres")):
        return postgres_saver(database_url)
    if database_url.startswith("sqlite"):
        path = database_url.split(":///", 1)[1] if ":///" in database_url else ":memory:"
        return sqlite_saver(path or ":memory:")
    raise ValueError(f"unsupported database URL scheme: {database_url.split(':', 1)[0]}")
