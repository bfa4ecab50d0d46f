"""`ConversationStore`: the conversation rows, the append-only transcript, the action log, message
idempotency and the escalation queue — what the dialogue engine persists besides its checkpoint.

A turn is written by `record_turn` in ONE transaction: the conversation row is updated with
`RETURNING` the new message count (so numbering the transcript rows costs no extra query), then the
transcript rows, action rows and the processed-message response are inserted. Reads never commit.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Integer, String, Table, bindparam, func, insert, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from parley import clock
from parley.store.db import Database
from parley.store.driver_query import DriverQuery, DriverWrite
from parley.store.models import (
    CONVERSATION_STATUSES,
    ESCALATION_PRIORITIES,
    ESCALATION_STATUSES,
    TRANSCRIPT_ROLES,
    ActionLog,
    Conversation,
    Escalation,
    ProcessedMessage,
    TranscriptMessage,
)
from parley.store.types import iso, parse_instant

OPEN_STATUSES = ("open", "assigned")

# Statements every turn runs, built once (building a statement costs SQLAlchemy more than SQLite
# takes to run it; a prebuilt one goes straight to the engine's compiled cache).
_conversations = cast(Table, Conversation.__table__)
_processed = cast(Table, ProcessedMessage.__table__)
_CONVERSATION = DriverQuery(
    select(_conversations).where(_conversations.c.session_id == bindparam("session_id"))
)
_PROCESSED = DriverQuery(
    select(_processed.c.response).where(
        _processed.c.session_id == bindparam("session_id"), _processed.c.message_id == bindparam("message_id")
    )
)
# What a turn checks first, in one statement: the conversation, and the response its message id already got
# (NULL when the id is new or absent). On PostgreSQL every statement is a round trip.
_CONVERSATION_AND_RESPONSE = DriverQuery(
    select(
        _conversations,
        select(_processed.c.response)
        .where(
            _processed.c.session_id == bindparam("session_id"),
            _processed.c.message_id == bindparam("message_id"),
        )
        .scalar_subquery()
        .label("earlier_response"),
    ).where(_conversations.c.session_id == bindparam("session_id"))
)
_SESSION_LOCK = DriverQuery(
    select(
        func.pg_advisory_xact_lock(
            sql_cast(bindparam("space"), Integer), sql_cast(bindparam("key"), Integer)
        ).label("locked")
    )
)
_COUNT_TURN_STATEMENT = (
    update(_conversations)
    .where(_conversations.c.session_id == bindparam("sid"))
    .values(
        updated_at=bindparam("now"),
        turn_count=_conversations.c.turn_count + 1,
        message_count=_conversations.c.message_count + bindparam("added", type_=Integer),
        status=func.coalesce(bindparam("new_status", type_=String), _conversations.c.status),
        language=func.coalesce(bindparam("new_language", type_=String), _conversations.c.language),
        checkpoint_id=bindparam("checkpoint_id", type_=String),
    )
)
_COUNT_TURN = DriverWrite(
    _COUNT_TURN_STATEMENT.returning(
        _conversations.c.message_count, _conversations.c.turn_count, _conversations.c.customer_id
    )
)
# The same update when the caller already knows the counters (it read the row under the session lock):
# nothing to wait for, so the whole record goes out in one round trip.
_COUNT_TURN_KNOWN = DriverWrite(_COUNT_TURN_STATEMENT)
_INSERT_TRANSCRIPT = DriverWrite(insert(cast(Table, TranscriptMessage.__table__)).inline())
_PRIORITY_RANK = {name: rank for rank, name in enumerate(ESCALATION_PRIORITIES)}


def _now_iso() -> str:
    return clock.now().isoformat()


@dataclass(slots=True)
class ConversationInfo:
    session_id: str
    customer_id: str
    channel: str
    status: str
    language: str | None
    created_at: str
    updated_at: str = ""
    turn_count: int = 0
    checkpoint_id: str | None = None  # the dialogue state's latest checkpoint (see models.Conversation)
    message_count: int = 0


@dataclass(slots=True)
class TranscriptEntry:
    role: str  # customer | agent | operator | system
    text: str
    at: str = field(default_factory=_now_iso)

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "text": self.text, "at": self.at}


@dataclass(slots=True)
class ActionEntry:
    action: str
    params: dict[str, Any]
    success: bool
    data: dict[str, Any] = field(default_factory=dict)
    at: str = field(default_factory=_now_iso)
    idempotency_key: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The CONTRACT §2 `completed_actions` item (the idempotency key stays internal)."""
        return {
            "action": self.action,
            "params": self.params,
            "success": self.success,
            "data": self.data,
            "at": self.at,
        }


def _info(row: Any) -> ConversationInfo:
    return ConversationInfo(
        session_id=row.session_id,
        customer_id=row.customer_id,
        channel=row.channel,
        status=row.status,
        language=row.language,
        created_at=iso(row.created_at) or "",
        updated_at=iso(row.updated_at) or "",
        turn_count=row.turn_count,
        checkpoint_id=row.checkpoint_id,
        message_count=row.message_count,
    )


def _entry(row: TranscriptMessage) -> TranscriptEntry:
    return TranscriptEntry(role=row.role, text=row.text, at=iso(row.at) or "")


def _action(row: ActionLog) -> ActionEntry:
    return ActionEntry(
        action=row.action,
        params=dict(row.params or {}),
        success=row.success,
        data=dict(row.data or {}),
        at=iso(row.at) or "",
        idempotency_key=row.idempotency_key,
    )


def _instant(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else parse_instant(value)


def _check(value: str, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r} (expected one of {', '.join(allowed)})")


class ConversationStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- conversations

    def ensure_conversation(self, session_id: str, customer_id: str, channel: str) -> ConversationInfo:
        """The conversation, created if missing (no write at all when it exists)."""
        with self.db.read() as s:
            row = s.get(Conversation, session_id)
            if row is not None:
                return _info(row)
        now = clock.now()
        with self.db.session() as s:
            _insert_ignore(
                s,
                Conversation,
                [
                    {
                        "session_id": session_id,
                        "customer_id": customer_id,
                        "channel": channel,
                        "status": "active",
                        "language": None,
                        "created_at": now,
                        "updated_at": now,
                        "turn_count": 0,
                        "message_count": 0,
                    }
                ],
            )
            created = s.get(Conversation, session_id, populate_existing=True)
            assert created is not None
            return _info(created)

    def get_conversation(self, session_id: str) -> ConversationInfo | None:
        with self.db.reading() as c:  # a Core read: this runs on every turn
            row = _CONVERSATION.first(c, {"session_id": session_id})
            return _info(row) if row else None

    def conversation_and_response(
        self, session_id: str, message_id: str | None
    ) -> tuple[ConversationInfo | None, dict[str, Any] | None]:
        """The conversation and the response already given to `message_id` (None if new), in one read.

        The engine's first look at a turn: `get_conversation` plus `processed_response` without the
        second statement. A processed message always has its conversation, so (None, None) is all a new
        session can return.
        """
        query, params = self.conversation_and_response_query(session_id, message_id)
        with self.db.reading() as c:
            return self.conversation_and_response_from(query.all(c, params))

    @staticmethod
    def conversation_and_response_query(
        session_id: str, message_id: str | None
    ) -> tuple[DriverQuery, dict[str, Any]]:
        """The statement of `conversation_and_response`, for a caller that sends it with others in one
        round trip (the engine's opening of a turn on PostgreSQL); read its rows with the next method."""
        return _CONVERSATION_AND_RESPONSE, {"session_id": session_id, "message_id": message_id}

    @staticmethod
    def session_lock_query(space: int, key: int) -> tuple[DriverQuery, dict[str, Any]]:
        """PostgreSQL's transaction-level advisory lock (space, key): the session's lock for a turn that
        runs in one transaction (engine/opening.py), released when the transaction ends."""
        return _SESSION_LOCK, {"space": space, "key": key}

    @staticmethod
    def conversation_and_response_from(
        rows: Sequence[Any],
    ) -> tuple[ConversationInfo | None, dict[str, Any] | None]:
        if not rows:
            return None, None
        earlier = rows[0].earlier_response
        return _info(rows[0]), (dict(earlier) if earlier is not None else None)

    def set_conversation_status(self, session_id: str, status: str) -> None:
        _check(status, CONVERSATION_STATUSES, "conversation status")
        with self.db.session() as s:
            s.execute(
                update(Conversation)
                .where(Conversation.session_id == session_id)
                .values(status=status, updated_at=clock.now())
            )

    # -- one turn

    def processed_response(self, session_id: str, message_id: str) -> dict[str, Any] | None:
        """The response already given to this message id, if it was processed."""
        with self.db.reading() as c:
            row = _PROCESSED.first(c, {"session_id": session_id, "message_id": message_id})
            return dict(row.response) if row else None

    def record_turn(
        self,
        session_id: str,
        *,
        messages: list[TranscriptEntry],
        actions: list[ActionEntry],
        status: str | None,
        language: str | None,
        message_id: str | None,
        response: dict[str, Any] | None,
        also: Sequence[tuple[str, Any]] = (),
        checkpoint_id: str | None = None,
        known: ConversationInfo | None = None,
        joining: Connection | None = None,
    ) -> None:
        """Everything a turn produced, in one commit (the conversation must exist).

        `known`: the conversation as read under the session lock at the start of the turn. Its
        counters number the transcript rows without waiting for the row's `UPDATE ... RETURNING`, so on
        PostgreSQL the whole record and its COMMIT are one round trip. Counters that were stale (a
        record written outside the session lock) cannot commit: the transcript's unique (session, seq)
        rows collide and the transaction fails whole.

        `also` are driver-level statements (SQL in the driver's parameter style, params a tuple or a
        list of tuples for executemany) written in the same transaction: the engine passes the turn's
        checkpoint here, so the dialogue state and the turn's record become durable together.
        `checkpoint_id` is that checkpoint's id, kept on the conversation row (None when the
        checkpoint is not among `also`: the row then vouches for no checkpoint).

        `joining` (PostgreSQL): the connection of the turn's own open transaction, which holds the
        session lock (engine/opening.py); the record is written in it, and its COMMIT — sent with the
        record, as always — ends the transaction and releases the lock.
        """
        for message in messages:
            _check(message.role, TRANSCRIPT_ROLES, "transcript role")
        if status is not None:
            _check(status, CONVERSATION_STATUSES, "conversation status")
        now = clock.now()
        counting = {
            "sid": session_id,
            "now": now,
            "added": len(messages),
            "new_status": status,
            "new_language": language,
            "checkpoint_id": checkpoint_id,
        }
        # Core only: one commit, no ORM unit of work
        with self.db.write_connection(joining) as s, _pipelined(s):
            # On PostgreSQL the transaction's BEGIN (unless it is the turn's, already open) travels with
            # this UPDATE. Without `known`, the fetch of its RETURNING row is a round trip of its own.
            if known is not None:
                _COUNT_TURN_KNOWN.execute(s, counting)
                message_count = known.message_count + len(messages)
                turn, customer_id = known.turn_count + 1, known.customer_id
            else:
                counters = _COUNT_TURN.execute(s, counting)
                if counters is None:
                    raise LookupError(
                        f"conversation {session_id} does not exist; call ensure_conversation first"
                    )
                message_count, turn, customer_id = counters
            first_seq = message_count - len(messages) + 1
            # on PostgreSQL: the rest of the turn's writes in the second round trip
            if messages:
                # A Core bulk insert: the ORM unit of work costs more than the rows themselves here.
                _INSERT_TRANSCRIPT.execute_many(
                    s,
                    [
                        {
                            "session_id": session_id,
                            "seq": first_seq + i,
                            "turn": turn,
                            "role": m.role,
                            "text": m.text,
                            "at": _instant(m.at),
                        }
                        for i, m in enumerate(messages)
                    ],
                )
            if actions:
                # A repeated idempotency key means the action was already logged: keep the first row.
                _insert_ignore(
                    s,
                    ActionLog,
                    [
                        {
                            "session_id": session_id,
                            "customer_id": customer_id,
                            "action": a.action,
                            "params": a.params,
                            "success": a.success,
                            "data": a.data,
                            "at": _instant(a.at),
                            "idempotency_key": a.idempotency_key,
                        }
                        for a in actions
                    ],
                )
            if message_id is not None and response is not None:
                processed = {"session_id": session_id, "message_id": message_id, "response": response}
                _insert_ignore(s, ProcessedMessage, [{**processed, "at": now}])
            if also:
                _run_driver_statements(s, also)

    def transcript(self, session_id: str, limit: int | None = None) -> list[TranscriptEntry]:
        """Oldest first; with `limit`, the last `limit` messages."""
        with self.db.read() as s:
            query = select(TranscriptMessage).where(TranscriptMessage.session_id == session_id)
            if limit is None:
                rows = list(s.scalars(query.order_by(TranscriptMessage.seq)))
            else:
                rows = list(s.scalars(query.order_by(TranscriptMessage.seq.desc()).limit(limit)))
                rows.reverse()
            return [_entry(r) for r in rows]

    def completed_actions(self, session_id: str) -> list[ActionEntry]:
        """Every action executed in the session (successful or not), oldest first."""
        with self.db.read() as s:
            rows = s.scalars(
                select(ActionLog).where(ActionLog.session_id == session_id).order_by(ActionLog.id)
            )
            return [_action(r) for r in rows]

    def customer_history(
        self, customer_id: str, limit: int = 5, *, exclude_session: str | None = None, last_messages: int = 4
    ) -> list[dict[str, Any]]:
        """The customer's previous sessions, newest first, with what was done and how each ended."""
        with self.db.read() as s:
            query = select(Conversation).where(Conversation.customer_id == customer_id)
            if exclude_session is not None:
                query = query.where(Conversation.session_id != exclude_session)
            conversations = list(
                s.scalars(
                    query.order_by(Conversation.updated_at.desc(), Conversation.session_id.desc()).limit(
                        limit
                    )
                )
            )
            if not conversations:
                return []
            ids = [c.session_id for c in conversations]
            actions: dict[str, list[dict[str, Any]]] = {sid: [] for sid in ids}
            for row in s.scalars(
                select(ActionLog).where(ActionLog.session_id.in_(ids)).order_by(ActionLog.id)
            ):
                actions[row.session_id].append(
                    {
                        "action": row.action,
                        "params": dict(row.params or {}),
                        "success": row.success,
                        "at": iso(row.at),
                    }
                )
            history = []
            for conv in conversations:
                tail = list(
                    s.scalars(
                        select(TranscriptMessage)
                        .where(TranscriptMessage.session_id == conv.session_id)
                        .order_by(TranscriptMessage.seq.desc())
                        .limit(last_messages)
                    )
                )
                tail.reverse()
                history.append(
                    {
                        "session_id": conv.session_id,
                        "channel": conv.channel,
                        "status": conv.status,
                        "language": conv.language,
                        "started_at": iso(conv.created_at),
                        "updated_at": iso(conv.updated_at),
                        "turns": conv.turn_count,
                        "actions": actions[conv.session_id],
                        "last_messages": [_entry(m).as_dict() for m in tail],
                    }
                )
            return history

    # -- escalations

    def create_escalation(
        self, session_id: str, customer_id: str, reason: str, priority: str, summary: str
    ) -> dict[str, Any]:
        """Queues the session for a human and marks the conversation escalated.

        A session already waiting keeps its place: the open escalation is returned (its priority
        raised if the new one is higher) instead of queueing the customer twice.
        """
        _check(priority, ESCALATION_PRIORITIES, "priority")
        now = clock.now()
        with self.db.session() as s:
            row = s.scalar(
                select(Escalation)
                .where(Escalation.session_id == session_id, Escalation.status.in_(OPEN_STATUSES))
                .order_by(Escalation.id.desc())
                .limit(1)
            )
            if row is None:
                row = Escalation(
                    session_id=session_id,
                    customer_id=customer_id,
                    reason=reason,
                    priority=priority,
                    status="open",
                    summary=summary,
                    created_at=now,
                    updated_at=now,
                )
                s.add(row)
            elif _PRIORITY_RANK[priority] > _PRIORITY_RANK[row.priority]:
                row.priority = priority
                row.updated_at = now
            s.flush()
            s.execute(
                update(Conversation)
                .where(Conversation.session_id == session_id)
                .values(status="escalated", updated_at=now)
                .execution_options(synchronize_session=False)
            )
            return self._escalation_dict(s, row)

    def open_escalation(self, session_id: str) -> dict[str, Any] | None:
        """The session's escalation waiting for or being handled by an operator, if any."""
        with self.db.read() as s:
            row = s.scalar(
                select(Escalation)
                .where(Escalation.session_id == session_id, Escalation.status.in_(OPEN_STATUSES))
                .order_by(Escalation.id.desc())
                .limit(1)
            )
            return self._escalation_dict(s, row) if row else None

    def get_escalation(self, escalation_id: int) -> dict[str, Any] | None:
        with self.db.read() as s:
            row = s.get(Escalation, escalation_id)
            return self._escalation_dict(s, row) if row else None

    def list_escalations(self, status: str | None = None) -> list[dict[str, Any]]:
        """Oldest first; open ones carry their queue position."""
        if status is not None:
            _check(status, ESCALATION_STATUSES, "escalation status")
        with self.db.read() as s:
            query = select(Escalation).order_by(Escalation.id)
            if status is not None:
                query = query.where(Escalation.status == status)
            result = []
            position = 0
            # Positions are counted over all open rows, so a filtered list still shows true positions.
            open_ids = list(
                s.scalars(select(Escalation.id).where(Escalation.status == "open").order_by(Escalation.id))
            )
            positions = {eid: i + 1 for i, eid in enumerate(open_ids)}
            for row in s.scalars(query):
                position = positions.get(row.id, 0)
                result.append(_escalation_row(row, position))
            return result

    def set_escalation_status(
        self, escalation_id: int, status: str, *, assigned_to: str | None = None
    ) -> dict[str, Any] | None:
        """Moves an escalation along; the conversation follows (returned -> active, resolved -> resolved)."""
        _check(status, ESCALATION_STATUSES, "escalation status")
        now = clock.now()
        with self.db.session() as s:
            row = s.get(Escalation, escalation_id)
            if row is None:
                return None
            row.status = status
            row.updated_at = now
            if assigned_to is not None:
                row.assigned_to = assigned_to
            conversation_status = {"returned": "active", "resolved": "resolved"}.get(status)
            if conversation_status is not None:
                s.execute(
                    update(Conversation)
                    .where(Conversation.session_id == row.session_id)
                    .values(status=conversation_status, updated_at=now)
                    .execution_options(synchronize_session=False)
                )
            s.flush()
            return self._escalation_dict(s, row)

    @staticmethod
    def _escalation_dict(s: Session, row: Escalation) -> dict[str, Any]:
        position = 0
        if row.status == "open":
            ahead = s.scalar(select(func.count()).where(Escalation.status == "open", Escalation.id < row.id))
            position = int(ahead or 0) + 1
        return _escalation_row(row, position)


def _escalation_row(row: Escalation, queue_position: int) -> dict[str, Any]:
    """`queue_position` is 1 for the next in line; 0 once an operator has it (or it is closed)."""
    return {
        "id": row.id,
        "session_id": row.session_id,
        "customer_id": row.customer_id,
        "reason": row.reason,
        "priority": row.priority,
        "status": row.status,
        "summary": row.summary,
        "assigned_to": row.assigned_to,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "queue_position": queue_position,
    }


@contextmanager
def _pipelined(conn: Connection) -> Iterator[None]:
    """psycopg's pipeline mode: statements are sent without waiting for each result; a fetch (the
    counters' RETURNING row) and the end of the block each cost one round trip. The transaction's BEGIN
    goes out with the first statement, and the turn's inserts and checkpoint statements, which depend on
    nothing they return, share the last round trip — with the COMMIT itself, sent as a statement when
    the block succeeds (the connection's own `commit()` afterwards finds nothing to commit; a failed
    statement aborts the pipeline, so the COMMIT never runs and the caller's rollback does).
    Other drivers run the statements one by one and commit as usual."""
    driver = conn.connection.driver_connection
    pipeline = getattr(driver, "pipeline", None) if conn.dialect.name == "postgresql" else None
    if pipeline is None:
        yield
        return
    with pipeline():
        yield
        driver.execute("COMMIT")  # type: ignore[union-attr]


def _run_driver_statements(conn: Connection, statements: Sequence[tuple[str, Any]]) -> None:
    """Runs driver-level SQL on the DBAPI cursor of `conn`, inside its transaction.

    The statements are already in the driver's own parameter style (the checkpointer wrote them), so
    SQLAlchemy has nothing to add; its per-statement bookkeeping would cost more than the statements.
    """
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for sql, params in statements:
            if isinstance(params, list):
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params)
    finally:
        cursor.close()


def _insert_ignore(s: Session | Connection, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on either database (a plain connection: on the driver cursor)."""
    if not rows:
        return
    if isinstance(s, Connection):
        _insert_ignore_statement(s.dialect.name, model.__table__).execute_many(s, rows)
    else:
        s.execute(_insert_ignore_statement(s.get_bind().dialect.name, model.__table__).statement, rows)


@functools.cache
def _insert_ignore_statement(dialect_name: str, table: Table) -> DriverWrite:
    """Built once per dialect and table: the action log and processed messages take one per turn."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return DriverWrite(pg_insert(table).on_conflict_do_nothing().inline())
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return DriverWrite(sqlite_insert(table).on_conflict_do_nothing().inline())
