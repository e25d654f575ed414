"""hello: the greeting table (first revision of the "hello" branch)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core import toolkit

revision = "hello_0001"
down_revision = None
branch_labels = ("hello",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hello_greeting",
        *toolkit.record_columns(),
        sa.Column("text", sa.String(200), nullable=False),
        sa.Column("email", sa.String(200), nullable=True),
        sa.Column("contact_id", sa.Integer, nullable=True, index=True),
    )


def downgrade() -> None:
    op.drop_table("hello_greeting")
