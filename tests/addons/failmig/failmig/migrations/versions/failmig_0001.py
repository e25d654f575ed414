"""failmig: creates a table, then fails: nothing may be left behind."""

import sqlalchemy as sa
from alembic import op

revision = "failmig_0001"
down_revision = None
branch_labels = ("failmig",)
depends_on = None


def upgrade() -> None:
    op.create_table("failmig_thing", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("INSERT INTO failmig_thing (id) VALUES (1)")
    op.execute("INSERT INTO failmig_no_such_table (id) VALUES (1)")


def downgrade() -> None:
    op.drop_table("failmig_thing")
