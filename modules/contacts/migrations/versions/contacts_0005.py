"""one index per normalised key (exact lookups and prefix search), no duplicate owner index

Revision ID: contacts_0005
Revises: contacts_0004
Create Date: 2026-11-24 09:20:00

Each ``*_key`` column had two indexes: a plain one for dedupe's exact lookups
and a case-folding one for the lists' prefix search. The keys are stored
normalised already, so one index serves both (``toolkit.key_search_index``):
six fewer indexes to keep up on every insert, and ``owner_id`` of contacts
loses its own index, which ``ix_contacts_contact_owner_updated`` covers.
"""

from __future__ import annotations

from alembic import op

from core import toolkit

revision = 'contacts_0005'
down_revision = 'contacts_0004'
branch_labels = None
depends_on = None

TABLES = ("contacts_company", "contacts_contact")
KEYS = ("name_key", "email_key", "phone_key")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        for column in KEYS:
            op.drop_index(f"ix_{table}_{column}_prefix", table_name=table)
            if postgres:  # SQLite keeps its plain index: it already is the key index there
                op.drop_index(f"ix_{table}_{column}", table_name=table)
                toolkit.key_search_index(table, column)
    op.drop_index("ix_contacts_contact_owner_id", table_name="contacts_contact")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_index("ix_contacts_contact_owner_id", "contacts_contact", ["owner_id"])
    for table in TABLES:
        for column in KEYS:
            if postgres:
                op.drop_index(f"ix_{table}_{column}", table_name=table)
                op.create_index(f"ix_{table}_{column}", table, [column])
            toolkit.prefix_search_index(table, column)
