"""people's indexes cost an import less

Revision ID: contacts_0008
Revises: contacts_0007
Create Date: 2026-11-24 14:10:00

An import of 100,000 people into a million wrote 16 indexes per row, four of
them (name, e-mail, phone and last-name keys) at random places; that, not the
checks, held it near 14,000 rows/s. Measured with a plain ``executemany`` /
``COPY`` of the same rows into a million people on this machine:

- the key indexes hold the key alone (no ``updated_at, id`` after it):
  SQLite 14,200 -> 19,200 rows/s, PostgreSQL 14,300 -> 18,400; PostgreSQL
  keeps ``id`` in them (``INCLUDE``, as good as free), so counting a search's
  matches still reads the indexes alone (a search for "wang" counted in 63 ms
  from the table, in a few from the index);
- ``last_interaction_at`` and ``company_id`` are indexed only where set (a
  new person has no interaction and often no company);
- PostgreSQL drops the per-value dashboard indexes (tier, source, country,
  completeness): its dashboard counts in one pass over the table and never
  used them; SQLite keeps them for its index-only counts.

Searches that match many people then read the list's sort index rather than
sorting every match (``core.ui.lists.DENSE_SEARCH``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core import toolkit

revision = 'contacts_0008'
down_revision = 'contacts_0007'
branch_labels = None
depends_on = None

TABLE = "contacts_contact"
KEYS = ("name_key", "email_key", "phone_key")
THEN = ("updated_at", "id")
PARTIAL = (("last_interaction", "last_interaction_at"), ("company_id", "company_id"))
DASHBOARD = (("tier", "tier"), ("source", "source_channel"), ("country", "country"),
             ("completeness", "completeness"))


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    for column in KEYS:
        op.drop_index(f"ix_{TABLE}_{column}", table_name=TABLE)
        toolkit.key_search_index(TABLE, column, ids=True)
    op.drop_index(f"ix_{TABLE}_last_name_prefix", table_name=TABLE)
    toolkit.prefix_search_index(TABLE, "last_name", ids=True)
    for name, column in PARTIAL:
        op.drop_index(f"ix_{TABLE}_{name}", table_name=TABLE)
        op.create_index(f"ix_{TABLE}_{name}", TABLE, [column], sqlite_where=sa.text(f"{column} IS NOT NULL"),
                        postgresql_where=sa.text(f"{column} IS NOT NULL"))
    if _postgresql():
        for name, _column in DASHBOARD:
            op.drop_index(f"ix_{TABLE}_{name}", table_name=TABLE)


def downgrade() -> None:
    if _postgresql():
        for name, column in DASHBOARD:
            op.create_index(f"ix_{TABLE}_{name}", TABLE, [column])
    for name, column in PARTIAL:
        op.drop_index(f"ix_{TABLE}_{name}", table_name=TABLE)
        op.create_index(f"ix_{TABLE}_{name}", TABLE, [column])
    op.drop_index(f"ix_{TABLE}_last_name_prefix", table_name=TABLE)
    toolkit.prefix_search_index(TABLE, "last_name", then=THEN)
    for column in KEYS:
        op.drop_index(f"ix_{TABLE}_{column}", table_name=TABLE)
        toolkit.key_search_index(TABLE, column, then=THEN)
