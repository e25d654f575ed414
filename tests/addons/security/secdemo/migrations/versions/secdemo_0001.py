"""secdemo: notes"""

import sqlalchemy as sa
from alembic import op

from core.toolkit import record_columns

revision = "secdemo_0001"
down_revision = None
branch_labels = ("secdemo",)
depends_on = None


def upgrade() -> None:
    op.create_table("secdemo_note", *record_columns(), sa.Column("title", sa.String(80), nullable=False))


def downgrade() -> None:
    op.drop_table("secdemo_note")
