"""The conversation row names its dialogue state's latest checkpoint (written with it, in one commit).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 16:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("checkpoint_id", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:  # SQLite drops a column by rebuilding the table
        batch.drop_column("checkpoint_id")
