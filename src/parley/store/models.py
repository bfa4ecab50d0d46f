"""Tables Parley itself owns (independent of which company backend is plugged in).

No foreign keys point from here into the reference backend's tables: a deployment with an HTTP
backend adapter keeps its customers elsewhere, and Parley's store must still work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parley.store.base import Base
from parley.store.types import UtcDateTime

CONVERSATION_STATUSES = ("active", "escalated", "resolved", "closed")
TRANSCRIPT_ROLES = ("customer", "agent", "operator", "system")
ESCALATION_PRIORITIES = ("low", "normal", "high", "urgent")
ESCALATION_STATUSES = ("open", "assigned", "resolved", "returned")


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_customer_updated", "customer_id", "updated_at"),)

    session_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="active")
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Counters kept on the row we update every turn anyway, so that numbering transcript rows
    # costs no extra query.
    turn_count: Mapped[int] = mapped_column(Integer, default=0)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    # The dialogue state's latest checkpoint, written in the same commit as the checkpoint itself: a
    # process that put that very checkpoint may serve it from memory (engine/checkpoint.py).
    checkpoint_id: Mapped[str | None] = mapped_column(String(64))


class TranscriptMessage(Base):
    """The full, append-only transcript; the dialogue state only keeps a bounded window."""

    __tablename__ = "transcript_messages"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("conversations.session_id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(Integer)
    turn: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class ActionLog(Base):
    __tablename__ = "action_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(128), index=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    success: Mapped[bool] = mapped_column(Boolean)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class ProcessedMessage(Base):
    """The response given to a (session, message id): a redelivered message gets it again."""

    __tablename__ = "processed_messages"

    session_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(128), index=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    status: Mapped[str] = mapped_column(String(16), default="open")
    summary: Mapped[str] = mapped_column(Text, default="")
    assigned_to: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OutboundMessage(Base):
    """The outbox: proactive messages and deferred replies, claimed by dispatchers with SKIP LOCKED."""

    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_messages_status_next", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    session_id: Mapped[str | None] = mapped_column(String(128))
    trigger: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(254))
    text: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|sent|suppressed|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class UnlockAttempt(Base):
    """Code-word attempts, counted across sessions (CONTRACT §4: 3 wrong ones in 24 h escalate)."""

    __tablename__ = "unlock_attempts"
    __table_args__ = (Index("ix_unlock_attempts_lookup", "customer_id", "msisdn", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    msisdn: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    success: Mapped[bool] = mapped_column(Boolean)
