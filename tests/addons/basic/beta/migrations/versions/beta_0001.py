"""beta: notes on alpha items"""

import sqlalchemy as sa
from alembic import op

revision = "beta_0001"
down_revision = None
branch_labels = ("beta",)
depends_on = "alpha_0001"


def upgrade() -> None:
    op.create_table(
        "beta_note",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("alpha_item.id", name="fk_beta_note_item_id_alpha_item"), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("beta_note")
