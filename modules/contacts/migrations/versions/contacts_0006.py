"""search indexes carry the list's sort key and id

Revision ID: contacts_0006
Revises: contacts_0005
Create Date: 2026-11-24 09:40:00

A search matching a few thousand people sorted all of their rows to show 50:
thousands of table reads. The lists now find a searched page's ids first
(``ListView._ids_first``); with ``updated_at`` and ``id`` after the key in
the search indexes, that step reads the index alone.
"""

from __future__ import annotations

from alembic import op

from core import toolkit

revision = 'contacts_0006'
down_revision = 'contacts_0005'
branch_labels = None
depends_on = None

TABLES = ("contacts_company", "contacts_contact")
KEYS = ("name_key", "email_key", "phone_key")
THEN = ("updated_at", "id")


def upgrade() -> None:
    for table in TABLES:
        for column in KEYS:
            op.drop_index(f"ix_{table}_{column}", table_name=table)
            toolkit.key_search_index(table, column, then=THEN)
    op.drop_index("ix_contacts_contact_last_name_prefix", table_name="contacts_contact")
    toolkit.prefix_search_index("contacts_contact", "last_name", then=THEN)


def downgrade() -> None:
    for table in TABLES:
        for column in KEYS:
            op.drop_index(f"ix_{table}_{column}", table_name=table)
            toolkit.key_search_index(table, column)
    op.drop_index("ix_contacts_contact_last_name_prefix", table_name="contacts_contact")
    toolkit.prefix_search_index("contacts_contact", "last_name")
