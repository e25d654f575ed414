"""drop two opportunity indexes that sales_0003's covering ones start with

Revision ID: sales_0004
Revises: sales_0003
Create Date: 2026-11-24 10:10:00

(status, closed_at) is the start of ix_sales_opportunity_kpi and
(status, expected_close) the start of ix_sales_opportunity_forecast_cover:
each lookup the short ones served, the long ones serve, and every write of an
opportunity keeps two indexes fewer up to date.
"""

from __future__ import annotations

from alembic import op

revision = 'sales_0004'
down_revision = 'sales_0003'
branch_labels = None
depends_on = None

REDUNDANT = (("ix_sales_opportunity_closed", ["status", "closed_at"]),
             ("ix_sales_opportunity_status_close", ["status", "expected_close"]))


def upgrade() -> None:
    for name, _columns in REDUNDANT:
        op.drop_index(name, table_name="sales_opportunity")


def downgrade() -> None:
    for name, columns in REDUNDANT:
        op.create_index(name, "sales_opportunity", columns)
