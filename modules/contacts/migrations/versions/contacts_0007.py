"""PostgreSQL: the last-name search index includes the last name

Revision ID: contacts_0007
Revises: contacts_0006
Create Date: 2026-11-24 10:40:00

PostgreSQL reads an index on ``lower(last_name)`` without the table (an
index-only scan) only when ``last_name`` itself is in the index; a search for a
common last name read 10,000 table pages instead (137 ms -> a few ms).
``toolkit.prefix_search_index(..., then=...)`` now adds it; SQLite is unchanged.
"""

from __future__ import annotations

from alembic import op

from core import toolkit

revision = 'contacts_0007'
down_revision = 'contacts_0006'
branch_labels = None
depends_on = None

THEN = ("updated_at", "id")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_contacts_contact_last_name_prefix", table_name="contacts_contact")
        toolkit.prefix_search_index("contacts_contact", "last_name", then=THEN)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_contacts_contact_last_name_prefix", table_name="contacts_contact")
        op.execute('CREATE INDEX "ix_contacts_contact_last_name_prefix" ON "contacts_contact" '
                   '(lower("last_name") text_pattern_ops, "updated_at", "id")')
