"""upmod: things get a colour"""

import sqlalchemy as sa
from alembic import op

revision = "upmod_0002"
down_revision = "upmod_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("upmod_thing") as batch:
        batch.add_column(sa.Column("colour", sa.String(20), server_default="red", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("upmod_thing") as batch:
        batch.drop_column("colour")
