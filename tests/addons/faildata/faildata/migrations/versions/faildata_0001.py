"""faildata: a table that must not survive the failed install."""

import sqlalchemy as sa
from alembic import op

revision = "faildata_0001"
down_revision = None
branch_labels = ("faildata",)
depends_on = None


def upgrade() -> None:
    op.create_table("faildata_log", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("faildata_log")
