"""The PostgreSQL checkpointer: LangGraph's PostgresSaver, one transaction per turn, pruned.

The stock `put` runs in autocommit, so each blob upsert and the checkpoint upsert commit separately,
and every old checkpoint is kept. Here the blobs, the checkpoint and the deletion of the thread's
superseded checkpoints and blobs go in one transaction: one durable commit per turn, constant
storage per conversation. Connections come from a pool, so many worker threads and processes share
the database without one global connection.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    get_serializable_checkpoint_metadata,
)
from langgraph.checkpoint.postgres import PostgresSaver
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from parley.engine.checkpoint import DeferrablePuts, Statement

# The thread's superseded checkpoints, pending writes and blobs, in one statement (data-modifying CTEs all
# run): one statement instead of three costs the client a third of the CPU, per turn.
PRUNE = (
    "WITH superseded AS (DELETE FROM checkpoints "
    "WHERE thread_id = %(thread)s AND checkpoint_ns = %(ns)s AND checkpoint_id <> %(kept)s), "
    "stale_writes AS (DELETE FROM checkpoint_writes WHERE thread_id = %(thread)s AND checkpoint_ns = %(ns)s) "
    "DELETE FROM checkpoint_blobs WHERE thread_id = %(thread)s AND checkpoint_ns = %(ns)s "
    "AND (channel, version) NOT IN (SELECT * FROM unnest(%(channels)s::text[], %(versions)s::text[]))"
)


class PruningPostgresSaver(DeferrablePuts, PostgresSaver):
    pool: ConnectionPool

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        configurable = config["configurable"]
        thread_id = str(configurable["thread_id"])
        checkpoint_ns = configurable["checkpoint_ns"]
        copy = checkpoint.copy()
        copy["channel_values"] = copy["channel_values"].copy()
        blob_values: dict[str, Any] = {}
        for key, value in checkpoint["channel_values"].items():
            if value is None or isinstance(value, str | int | float | bool):
                continue
            blob_values[key] = copy["channel_values"].pop(key)
        versions = checkpoint["channel_versions"]
        statements: list[Statement] = []
        if blob_versions := {k: v for k, v in new_versions.items() if k in blob_values}:
            rows = list(self._dump_blobs(thread_id, checkpoint_ns, blob_values, blob_versions))
            statements.append((self.UPSERT_CHECKPOINT_BLOBS_SQL, rows))  # a list of rows: executemany
        metadata_json = Jsonb(get_serializable_checkpoint_metadata(config, metadata))
        statements += [
            (
                self.UPSERT_CHECKPOINTS_SQL,
                (thread_id, checkpoint_ns, checkpoint["id"], None, Jsonb(copy), metadata_json),
            ),
            (
                PRUNE,
                {
                    "thread": thread_id,
                    "ns": checkpoint_ns,
                    "kept": checkpoint["id"],
                    "channels": list(versions),
                    "versions": [str(v) for v in versions.values()],
                },
            ),
        ]
        if not self._defer(thread_id, checkpoint, json.dumps(metadata_json.obj), statements):
            with self.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                for sql, params in statements:
                    if isinstance(params, list):
                        cur.executemany(sql, params)
                    else:
                        cur.execute(sql, params)
        return {
            "configurable": {
                "thread_id": thread_id,
                "checkpoint_ns": checkpoint_ns,
                "checkpoint_id": checkpoint["id"],
            }
        }

    def reconnect(self) -> None:
        """Replaces the pool's dead connections (each idle one is tried; see `Engine.handle`)."""
        self.pool.check()

    def close_all(self) -> None:
        self.pool.close()


def libpq_url(url: str) -> str:
    """psycopg wants `postgresql://`; SQLAlchemy-style `postgresql+psycopg://` is accepted too."""
    return url.replace("postgresql+psycopg://", "postgresql://").replace("postgres://", "postgresql://", 1)


def pruning_postgres_saver(url: str, max_size: int = 8) -> PruningPostgresSaver:
    pool = ConnectionPool(
        libpq_url(url),
        min_size=1,
        max_size=max_size,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        open=True,
    )
    saver = PruningPostgresSaver(pool)  # type: ignore[arg-type]
    saver.pool = pool
    saver.setup()
    return saver
