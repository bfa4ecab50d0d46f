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

The latest checkpoint, served from the process: the turn's record also writes the new checkpoint's
id on the conversation row, which the engine reads anyway at the start of the next turn. When that
id is the one this process put last for the thread, `get_tuple` answers from memory instead of the
database (on PostgreSQL a round trip and the blobs' decoding, ~0.3 ms a turn). The id is the proof:
a turn of another worker process, a turn whose record was rolled back, or a restart all leave the
row naming a checkpoint this process does not hold, and the database answers as before. Only
deferred puts are remembered — a put that commits on its own does not move the row's id, so it
could not be vouched for.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_checkpoint_metadata,
)
from langgraph.checkpoint.sqlite import SqliteSaver

# One SQL statement in the driver's own parameter style; a list of parameter tuples means executemany.
Statement = tuple[str, Sequence[Any] | Mapping[str, Any]]
# Threads whose latest checkpoint a process keeps (a few KiB each: the state is a bounded window).
REMEMBERED_THREADS = 2048


@dataclass(slots=True)
class DeferredCheckpoint:
    """A turn's checkpoint, collected for the store's transaction instead of committed on its own.

    `current`: the checkpoint id the conversation row names at the start of the turn (None: unknown).
    """

    current: str | None = None
    statements: list[Statement] = field(default_factory=list)
    checkpoint_id: str | None = None  # the id of the checkpoint the statements write


@dataclass(frozen=True, slots=True)
class _Remembered:
    checkpoint_id: str
    checkpoint: tuple[str, bytes]  # the serializer's typed dump: every get decodes a fresh copy
    metadata: str  # JSON, as stored


class DeferrablePuts:
    """Lets a caller collect a thread's checkpoint writes instead of committing them, and serves a
    thread's latest checkpoint from memory when the caller vouches for it (see module doc)."""

    serde: Any

    def _deferrals(self) -> dict[str, DeferredCheckpoint]:
        if not hasattr(self, "_deferred"):
            self._deferred: dict[str, DeferredCheckpoint] = {}
            self._remembered: OrderedDict[str, _Remembered] = OrderedDict()
            self._deferred_lock = threading.Lock()
        return self._deferred

    @contextmanager
    def deferring(self, thread_id: str, current: str | None = None) -> Iterator[DeferredCheckpoint]:
        """Within the block, `put` for this thread adds its statements to the yielded record.

        `current`: the id of the thread's latest committed checkpoint, as the store's conversation row
        says; a remembered checkpoint with that id is served without a database read.
        """
        pending = DeferredCheckpoint(current=current)
        deferrals = self._deferrals()
        with self._deferred_lock:
            deferrals[thread_id] = pending
        try:
            yield pending
        finally:
            with self._deferred_lock:
                deferrals.pop(thread_id, None)

    def deferred(self, thread_id: str) -> DeferredCheckpoint | None:
        deferrals = self._deferrals()
        with self._deferred_lock:
            return deferrals.get(thread_id)

    def _defer(
        self,
        thread_id: str,
        checkpoint: Checkpoint,
        metadata_json: str,
        statements: list[Statement],
        typed: tuple[str, bytes] | None = None,
    ) -> bool:
        """Hands a put's statements to the thread's deferral, if there is one, and remembers the
        checkpoint; False when the caller must write them itself."""
        pending = self.deferred(thread_id)
        if pending is None:
            self._forget(thread_id)
            return False
        pending.statements.extend(statements)
        pending.checkpoint_id = checkpoint["id"]
        remembered = _Remembered(checkpoint["id"], typed or self.serde.dumps_typed(checkpoint), metadata_json)
        with self._deferred_lock:
            self._remembered[thread_id] = remembered
            self._remembered.move_to_end(thread_id)
            while len(self._remembered) > REMEMBERED_THREADS:
                self._remembered.popitem(last=False)
        return True

    def _forget(self, thread_id: str) -> None:
        self._deferrals()
        with self._deferred_lock:
            self._remembered.pop(thread_id, None)

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        remembered = self._vouched_for(config)
        if remembered is None:
            return super().get_tuple(config)  # type: ignore[misc, no-any-return]
        thread_id = str(config["configurable"]["thread_id"])
        return CheckpointTuple(
            config={
                "configurable": {
                    "thread_id": thread_id,
                    "checkpoint_ns": "",
                    "checkpoint_id": remembered.checkpoint_id,
                }
            },
            checkpoint=self.serde.loads_typed(remembered.checkpoint),
            metadata=json.loads(remembered.metadata),
            parent_config=None,
            pending_writes=[],
        )

    def _vouched_for(self, config: RunnableConfig) -> _Remembered | None:
        """The remembered latest checkpoint, if the running turn's conversation row names it."""
        configurable = config.get("configurable") or {}
        if configurable.get("checkpoint_id") or configurable.get("checkpoint_ns"):
            return None  # a particular or a nested checkpoint: the database knows
        thread_id = str(configurable.get("thread_id"))
        pending = self.deferred(thread_id)
        if pending is None or pending.current is None:
            return None
        with self._deferred_lock:
            remembered = self._remembered.get(thread_id)
        return remembered if remembered is not None and remembered.checkpoint_id == pending.current else None

    def put_writes(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = ""
    ) -> None:
        """Pending writes belong to a checkpoint the memory does not hold: the database answers next."""
        self._forget(str(config["configurable"]["thread_id"]))
        super().put_writes(config, writes, task_id, task_path)  # type: ignore[misc]

    # The engine runs its graph with `ainvoke` on an event loop of the turn's own thread
    # (engine/turn_loop.py): the async loop needs no thread of its own per turn, the sync one does. These run
    # the savers' synchronous methods in that thread: the turn waits for its checkpoint either way.
    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self.get_tuple(config)

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return self.put(config, checkpoint, metadata, new_versions)  # type: ignore[attr-defined, no-any-return]

    async def aput_writes(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = ""
    ) -> None:
        self.put_writes(config, writes, task_id, task_path)


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
        if not self._defer(thread_id, checkpoint, meta.decode("utf-8"), statements, (type_, serialized)):
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
