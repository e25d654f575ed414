"""upmod: things"""

import sqlalchemy as sa
from alembic import op

revision = "upmod_0001"
down_revision = None
branch_labels = ("upmod",)
depends_on = None


def upgrade() -> None:
    op.create_table("upmod_thing", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(40)))


def downgrade() -> None:
    op.drop_table("upmod_thing")
