"""loyalty: cards of contacts"""

import sqlalchemy as sa
from alembic import op

revision = "loyalty_0001"
down_revision = None
branch_labels = ("loyalty",)
depends_on = "contacts_0001"


def upgrade() -> None:
    op.create_table(
        "loyalty_card",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("contact_id", sa.Integer, sa.ForeignKey("contacts_contact.id", ondelete="CASCADE",
                                                          name="fk_loyalty_card_contact_id_contacts_contact"),
                  nullable=False),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("holder", sa.String(100), nullable=False),
        sa.Column("points", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_loyalty_card_contact_id", "loyalty_card", ["contact_id"])


def downgrade() -> None:
    op.drop_table("loyalty_card")
