"""alpha: items"""

import sqlalchemy as sa
from alembic import op

revision = "alpha_0001"
down_revision = None
branch_labels = ("alpha",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alpha_item",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("owner_id", sa.Integer),
    )


def downgrade() -> None:
    op.drop_table("alpha_item")
