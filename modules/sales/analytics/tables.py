"""Tables of the analytics part (migration ``sales_0003``).

- ``WinModelRun``: each training of the win model (when, on how many closed
  deals, its holdout AUC, the counts as JSON). The newest row is the model in use.
- ``CustomerStats``: per customer and currency, what the ``sales.refresh_kpis``
  job found in the orders (count, revenue and cost of the last twelve months,
  first and last order). It feeds the contacts tier, and the profitability,
  repeat-purchase and region widgets, which would otherwise group hundreds of
  thousands of orders per request.
- ``KpiCategoryMonth``: order-line revenue and cost per month, product category,
  salesperson, team and currency (the category widget; lines are the biggest table).
- ``KpiStageMonth``: per month of closing, pipeline, stage, salesperson and team,
  how many closed opportunities reached the stage and how many of them were won
  (conversion by stage, from the stage history).
- ``KpiClosedMonth``: per month of closing, status, currency, salesperson and team: deals, amount and days
  from creation to closing (win rate, deal size, sales cycle).
- ``KpiRefresh``: when the job last ran, shown under the widgets it feeds.

The rollups carry ``owner_id`` and ``department_id`` so the record rules of
orders and opportunities narrow them exactly as they narrow the rows they sum.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from core import toolkit
from core.toolkit import Mapped, mapped_column, sa

db = toolkit.db
_MONEY = sa.Numeric(14, 2)
#: sums of many orders may exceed a single document's Numeric(14, 2)
_TOTAL = sa.Numeric(18, 2)


class WinModelRun(db.Model):
    __tablename__ = "sales_win_model"

    id: Mapped[int] = mapped_column(primary_key=True)
    trained_at: Mapped[datetime] = mapped_column(sa.DateTime, default=toolkit.utcnow, index=True)
    trained_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"), index=True)
    sample_size: Mapped[int] = mapped_column(sa.Integer, default=0)
    won: Mapped[int] = mapped_column(sa.Integer, default=0)
    lost: Mapped[int] = mapped_column(sa.Integer, default=0)
    holdout_size: Mapped[int] = mapped_column(sa.Integer, default=0)
    #: closed_at that splits training (before) and holdout (from) for the AUC
    cutoff: Mapped[datetime | None] = mapped_column(sa.DateTime)
    auc: Mapped[float | None] = mapped_column(sa.Float)
    predicted: Mapped[int] = mapped_column(sa.Integer, default=0)
    seconds: Mapped[float] = mapped_column(sa.Float, default=0.0)
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class CustomerStats(db.Model):
    __tablename__ = "sales_customer_stats"
    __table_args__ = (
        sa.Index("ix_sales_customer_stats_company", "company_id", "currency"),
        sa.Index("ix_sales_customer_stats_contact", "contact_id", "currency"),
        sa.Index("ix_sales_customer_stats_profit", "currency", "profit_12m"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the customer: a company, or a person buying for themselves (company_id NULL)
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts_company.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts_contact.id", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(sa.String(3))
    orders: Mapped[int] = mapped_column(sa.Integer, default=0)
    orders_12m: Mapped[int] = mapped_column(sa.Integer, default=0)
    revenue: Mapped[Decimal] = mapped_column(_TOTAL, default=Decimal("0"))
    revenue_12m: Mapped[Decimal] = mapped_column(_TOTAL, default=Decimal("0"))
    cost_12m: Mapped[Decimal] = mapped_column(_TOTAL, default=Decimal("0"))
    profit_12m: Mapped[Decimal] = mapped_column(_TOTAL, default=Decimal("0"))
    first_order: Mapped[date | None] = mapped_column(sa.Date)
    last_order: Mapped[date | None] = mapped_column(sa.Date)
    #: average days between two orders (NULL with a single order)
    interval_days: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 1))
    #: the customer's region when the statistics were computed (the region widget groups by it)
    region: Mapped[str | None] = mapped_column(sa.String(100))


class KpiCategoryMonth(db.Model):
    __tablename__ = "sales_kpi_category"
    __table_args__ = (sa.Index("ix_sales_kpi_category_month", "month", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date)
    category_id: Mapped[int | None] = mapped_column(sa.Integer)
    owner_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    department_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    currency: Mapped[str] = mapped_column(sa.String(3))
    revenue: Mapped[Decimal] = mapped_column(_TOTAL, default=Decimal("0"))
    cost: Mapped[Decimal] = mapped_column(_TOTAL, default=Decimal("0"))
    lines: Mapped[int] = mapped_column(sa.Integer, default=0)


class KpiStageMonth(db.Model):
    __tablename__ = "sales_kpi_stage"
    __table_args__ = (sa.Index("ix_sales_kpi_stage_month", "month", "pipeline_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date)
    pipeline_id: Mapped[int] = mapped_column(sa.Integer)
    stage_id: Mapped[int] = mapped_column(sa.Integer)
    owner_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    department_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    reached: Mapped[int] = mapped_column(sa.Integer, default=0)
    won: Mapped[int] = mapped_column(sa.Integer, default=0)


class KpiClosedMonth(db.Model):
    __tablename__ = "sales_kpi_closed"
    __table_args__ = (sa.Index("ix_sales_kpi_closed_month", "month", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(10))
    currency: Mapped[str] = mapped_column(sa.String(3))
    owner_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    department_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    deals: Mapped[int] = mapped_column(sa.Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(_TOTAL, default=Decimal("0"))
    #: sum over the deals of the days from creation to closing
    cycle_days: Mapped[float] = mapped_column(sa.Float, default=0.0)


class KpiRefresh(db.Model):
    __tablename__ = "sales_kpi_refresh"

    id: Mapped[int] = mapped_column(primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(sa.DateTime, default=toolkit.utcnow)
    seconds: Mapped[float] = mapped_column(sa.Float, default=0.0)
    customers: Mapped[int] = mapped_column(sa.Integer, default=0)
    tiers_changed: Mapped[int] = mapped_column(sa.Integer, default=0)


def all_models() -> list[type]:
    return [WinModelRun, CustomerStats, KpiCategoryMonth, KpiStageMonth, KpiClosedMonth, KpiRefresh]
