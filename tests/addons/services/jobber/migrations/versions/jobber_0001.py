"""jobber: notes"""

import sqlalchemy as sa
from alembic import op

from core import toolkit

revision = "jobber_0001"
down_revision = None
branch_labels = ("jobber",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobber_note",
        *toolkit.record_columns(),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("secret_token", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("jobber_note")
