"""Returns of part of an order: the item names returned (NULL for the whole order).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 13:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("returns", sa.Column("items", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("returns") as batch:  # SQLite drops a column by rebuilding the table
        batch.drop_column("items")
