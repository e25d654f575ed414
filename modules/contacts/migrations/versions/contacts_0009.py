"""a seller's own list counts its stage filter from an index

Revision ID: contacts_0009
Revises: contacts_0008
Create Date: 2026-11-24 16:00:00

A user whose record rule shows only their own customers opens the contacts
list filtered by lifecycle stage. The page counts the matches (up to 1,001)
with ``owner_id = ? AND lifecycle_stage = ?``. With the stage outside
``ix_contacts_contact_owner_updated`` each candidate was read from the table:
at a million people, PostgreSQL chose a table scan (12.9 ms) and SQLite read a
row per index entry (6 ms). With ``lifecycle_stage`` as the last column the
count reads the index alone: 0.5 ms on PostgreSQL, 0.2 ms on SQLite. It comes
after the unique ``id``, so the list's sort (``updated_at, id``) still walks
the index.
"""

from __future__ import annotations

from alembic import op

revision = 'contacts_0009'
down_revision = 'contacts_0008'
branch_labels = None
depends_on = None

TABLE = "contacts_contact"
NAME = "ix_contacts_contact_owner_updated"


def upgrade() -> None:
    op.drop_index(NAME, table_name=TABLE)
    op.create_index(NAME, TABLE, ["owner_id", "updated_at", "id", "lifecycle_stage"])


def downgrade() -> None:
    op.drop_index(NAME, table_name=TABLE)
    op.create_index(NAME, TABLE, ["owner_id", "updated_at", "id"])
