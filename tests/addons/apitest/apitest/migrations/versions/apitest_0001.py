"""apitest: things and their tags"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core import toolkit

revision = "apitest_0001"
down_revision = None
branch_labels = ("apitest",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "apitest_thing",
        *toolkit.record_columns(),
        sa.Column("name", sa.String(80), nullable=False, index=True),
        sa.Column("note", sa.Text),
        sa.Column("score", sa.Integer, index=True),
        sa.Column("done", sa.Boolean, nullable=False),
        sa.Column("due", sa.Date),
    )
    op.create_table(
        "apitest_tag",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "thing_id", sa.Integer, sa.ForeignKey("apitest_thing.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("label", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("apitest_tag")
    op.drop_table("apitest_thing")
