"""Checkpointers that keep one checkpoint per conversation, written in one commit.

LangGraph's savers keep every checkpoint of every step forever. Parley runs its graph with
`durability="exit"` (one checkpoint per turn, written when the run ends) and these subclasses
delete the thread's older checkpoints in the same transaction as the insert of the new one. So a
turn costs one checkpoint commit, storage per conversation stays constant, and nothing is lost:
the latest checkpoint is all a conversation needs to continue, and the full transcript lives in
the append-only store table.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import ChannelVersions, Checkpoint, CheckpointMetadata, get_checkpoint_metadata
from langgraph.checkpoint.sqlite import SqliteSaver


class PruningSqliteSaver(SqliteSaver):
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
        with self.cursor() as cur:
            cur.execute(
                "DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ?",
                (thread_id, checkpoint_ns),
            )
            cur.execute(
                "DELETE FROM writes WHERE thread_id = ? AND checkpoint_ns = ?", (thread_id, checkpoint_ns)
            )
            cur.execute(
                "INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, "
                "type, checkpoint, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (thread_id, checkpoint_ns, checkpoint["id"], None, type_, serialized, meta),
            )
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


@contextmanager
def closing_saver(saver: Any) -> Iterator[Any]:
    try:
        yield saver
    finally:
        close = getattr(saver, "close_all", None)
        if close:
            close()
