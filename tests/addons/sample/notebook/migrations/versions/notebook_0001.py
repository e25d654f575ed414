"""notebook: notes"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core import toolkit

revision = "notebook_0001"
down_revision = None
branch_labels = ("notebook",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notebook_note",
        *toolkit.record_columns(),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(10), nullable=False, server_default="open"),
        sa.Column("due", sa.Date, nullable=True),
        sa.Column("amount", sa.Numeric(12, 2), nullable=True),
        sa.Column("tags", sa.JSON, nullable=True),
    )
    op.create_index("ix_notebook_note_status", "notebook_note", ["status"])
    op.create_index("ix_notebook_note_updated_at_id", "notebook_note", ["updated_at", "id"])
    op.create_index("ix_notebook_note_title_id", "notebook_note", ["title", "id"])
    toolkit.prefix_search_index("notebook_note", "title")


def downgrade() -> None:
    op.drop_table("notebook_note")
