"""Pipelines and their stages, opportunities with product lines and stage history, quotas, sales records.

The column names are a contract with the documents and analytics parts of
sales (see /docs/sales.md). The indexes follow the pages that read most:

- kanban: one ``GROUP BY stage_id`` over ``(pipeline_id, status, stage_id, amount)``
  for the column counts and totals, and per column the first cards in
  ``(stage_id, status, kanban_rank, id)`` order;
- forecast: ``(pipeline_id, status, expected_close)``, ``(status, expected_close)``,
  per owner ``(owner_id, status, expected_close)``, per team
  ``(department_id, status, expected_close)``; won amounts by ``(status, closed_at)``;
- the opportunity list: ``(updated_at, id)``, ``(expected_close, id)``, ``(amount, id)``, name.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import column_property

from core import toolkit
from core.toolkit import Mapped, RecordMixin, mapped_column, relationship, sa
from modules.contacts.models import Company, Contact

db = toolkit.db

CHANNELS = ("telesales", "mobile", "ecommerce", "partner", "field", "web")
STATUSES = ("open", "won", "lost")
FORECAST_CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")


class Pipeline(db.Model):
    """A sales process: its ordered stages and the currency its totals are shown in."""

    __tablename__ = "sales_pipeline"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    sequence: Mapped[int] = mapped_column(sa.Integer, default=10, index=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)
    #: pipelines belong to nobody: under an "own" record rule (given by an administrator) none is visible
    owner_id: Mapped[int | None] = column_property(sa.cast(sa.null(), sa.Integer))

    stages: Mapped[list[Stage]] = relationship(
        "modules.sales.pipeline.models.Stage", back_populates="pipeline", lazy="raise",
        order_by="(modules.sales.pipeline.models.Stage.sequence, modules.sales.pipeline.models.Stage.id)",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.name


class Stage(db.Model):
    """A column of the kanban: default probability, forecast category, won/lost flags (closed stages)."""

    __tablename__ = "sales_stage"
    __table_args__ = (sa.Index("ix_sales_stage_pipeline", "pipeline_id", "sequence", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_pipeline.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(100))
    sequence: Mapped[int] = mapped_column(sa.Integer, default=10)
    probability: Mapped[int] = mapped_column(sa.Integer, default=0)
    forecast_category: Mapped[str] = mapped_column(sa.String(20), default="pipeline")
    is_won: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    is_lost: Mapped[bool] = mapped_column(sa.Boolean, default=False)

    pipeline: Mapped[Pipeline] = relationship(
        "modules.sales.pipeline.models.Pipeline", back_populates="stages", lazy="raise"
    )

    @property
    def closed(self) -> bool:
        return self.is_won or self.is_lost

    def __str__(self) -> str:
        return self.name


def _first_open_stage(context: Any) -> int | None:
    """Default of ``stage_id``: the first open stage of the opportunity's pipeline (the services set it anyway)."""
    pipeline_id = context.get_current_parameters().get("pipeline_id")
    stage = sa.table("sales_stage", sa.column("id"), sa.column("pipeline_id"), sa.column("sequence"),
                     sa.column("is_won"), sa.column("is_lost"))
    return context.connection.execute(
        sa.select(stage.c.id).where(stage.c.pipeline_id == pipeline_id, stage.c.is_won.is_(False),
                                    stage.c.is_lost.is_(False)).order_by(stage.c.sequence, stage.c.id).limit(1)
    ).scalar()


class Opportunity(RecordMixin, db.Model):
    """A possible sale to a customer; ``owner_id`` is the salesperson, ``department_id`` the team."""

    __tablename__ = "sales_opportunity"
    __table_args__ = (
        sa.Index("ix_sales_opportunity_board", "pipeline_id", "status", "stage_id", "amount"),
        sa.Index("ix_sales_opportunity_column", "stage_id", "status", "kanban_rank", "id"),
        sa.Index("ix_sales_opportunity_forecast", "pipeline_id", "status", "expected_close"),
        sa.Index("ix_sales_opportunity_owner", "owner_id", "status", "expected_close"),
        sa.Index("ix_sales_opportunity_team", "department_id", "status", "expected_close"),
        # covering indexes of the analytics part (made by sales_0003; they also serve the plain
        # (status, closed_at) and (status, expected_close) lookups, whose own indexes sales_0004 drops)
        sa.Index("ix_sales_opportunity_kpi", "status", "closed_at", "currency", "amount", "created_at",
                 "owner_id", "department_id"),
        sa.Index("ix_sales_opportunity_stage_closed", "stage_id", "status", "closed_at", "amount"),
        sa.Index("ix_sales_opportunity_forecast_cover", "status", "expected_close", "stage_id", "owner_id",
                 "department_id", "pipeline_id", "amount", "weighted_amount"),
        sa.Index("ix_sales_opportunity_updated", "updated_at", "id"),
        sa.Index("ix_sales_opportunity_expected", "expected_close", "id"),
        sa.Index("ix_sales_opportunity_amount", "amount", "id"),
        sa.Index("ix_sales_opportunity_name", "name", "id"),
        sa.CheckConstraint("company_id IS NOT NULL OR contact_id IS NOT NULL", name="customer"),
    )

    name: Mapped[str] = mapped_column(sa.String(200))
    pipeline_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_pipeline.id", ondelete="RESTRICT"))
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_stage.id", ondelete="RESTRICT"),
                                          default=_first_open_stage)
    company_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts_company.id", ondelete="RESTRICT"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts_contact.id", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal("0.00"))
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    expected_close: Mapped[date | None] = mapped_column(sa.Date)
    probability: Mapped[int] = mapped_column(sa.Integer, default=0)
    probability_manual: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    weighted_amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal("0.00"))
    learned_probability: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    channel: Mapped[str | None] = mapped_column(sa.String(20))
    source: Mapped[str | None] = mapped_column(sa.String(100))
    priority: Mapped[int] = mapped_column(sa.Integer, default=0)
    tags: Mapped[str | None] = mapped_column(sa.String(200))
    next_step: Mapped[str | None] = mapped_column(sa.String(200))
    next_step_date: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    lost_reason: Mapped[str | None] = mapped_column(sa.String(200))
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime)
    stage_entered_at: Mapped[datetime] = mapped_column(sa.DateTime, default=toolkit.utcnow)
    kanban_rank: Mapped[float] = mapped_column(sa.Float, default=0.0)

    pipeline: Mapped[Pipeline] = relationship("modules.sales.pipeline.models.Pipeline", lazy="raise")
    stage: Mapped[Stage] = relationship("modules.sales.pipeline.models.Stage", lazy="raise")
    company: Mapped[Any] = relationship(Company, lazy="raise", viewonly=True)
    contact: Mapped[Any] = relationship(Contact, lazy="raise", viewonly=True)
    owner: Mapped[Any] = relationship(lambda: toolkit.User, lazy="raise", viewonly=True)
    lines: Mapped[list[OpportunityLine]] = relationship(
        "modules.sales.pipeline.models.OpportunityLine", back_populates="opportunity", lazy="raise",
        cascade="all, delete-orphan", order_by="modules.sales.pipeline.models.OpportunityLine.id",
    )

    def recompute(self) -> None:
        """``weighted_amount`` from amount and probability (kept stored for sums)."""
        amount = self.amount if self.amount is not None else Decimal("0")
        self.weighted_amount = (Decimal(amount) * Decimal(self.probability or 0) / Decimal(100)).quantize(
            Decimal("0.01")
        )

    def __str__(self) -> str:
        return self.name


class OpportunityLine(db.Model):
    """A product the customer may buy, priced from the products module's price lists."""

    __tablename__ = "sales_opportunity_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sales_opportunity.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products_product.id", ondelete="RESTRICT"), index=True)
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(14, 3), default=Decimal("1"))
    unit_price: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal("0.00"))
    discount: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("0.00"))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal("0.00"))

    opportunity: Mapped[Opportunity] = relationship(
        "modules.sales.pipeline.models.Opportunity", back_populates="lines", lazy="raise"
    )


class StageHistory(db.Model):
    """One stage change; ``seconds_in_from_stage`` is how long the opportunity stayed in the stage it left."""

    __tablename__ = "sales_stage_history"
    __table_args__ = (
        sa.Index("ix_sales_stage_history_opportunity", "opportunity_id", "changed_at"),
        sa.Index("ix_sales_stage_history_from", "from_stage_id", "changed_at"),
        sa.Index("ix_sales_stage_history_to", "to_stage_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_opportunity.id", ondelete="CASCADE"))
    from_stage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales_stage.id", ondelete="SET NULL"))
    to_stage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales_stage.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime, default=toolkit.utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("core_user.id", ondelete="SET NULL"), index=True
    )
    seconds_in_from_stage: Mapped[int | None] = mapped_column(sa.Integer)


class Quota(db.Model):
    """A sales target for one salesperson (``user_id``) or one team (``department_id``) over a period."""

    __tablename__ = "sales_quota"
    __table_args__ = (
        sa.Index("ix_sales_quota_user", "user_id", "period_start"),
        sa.Index("ix_sales_quota_team", "department_id", "period_start"),
        sa.Index("ix_sales_quota_period", "period_start", "period_end"),
        sa.CheckConstraint("(user_id IS NULL) <> (department_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="CASCADE"))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_department.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    version: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)

    user: Mapped[Any] = relationship(lambda: toolkit.User, lazy="raise", viewonly=True)
    department: Mapped[Any] = relationship(lambda: toolkit.Department, lazy="raise", viewonly=True)

    __mapper_args__ = {"version_id_col": version}


class SalesRecord(RecordMixin, db.Model):
    """A sale as a salesperson reports it (who, when, how much, notes); ``order_ref`` when it came from an order."""

    __tablename__ = "sales_record"
    __table_args__ = (
        sa.Index("ix_sales_record_sold", "sold_on", "id"),
        sa.Index("ix_sales_record_owner", "owner_id", "sold_on"),
        sa.Index("ix_sales_record_company", "company_id", "sold_on"),
        sa.Index("ix_sales_record_contact", "contact_id", "sold_on"),
        sa.Index("ix_sales_record_order", "order_ref"),
    )

    sold_on: Mapped[date] = mapped_column(sa.Date)
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts_company.id", ondelete="RESTRICT"))
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts_contact.id", ondelete="RESTRICT"))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    order_ref: Mapped[str | None] = mapped_column(sa.String(40))

    company: Mapped[Any] = relationship(Company, lazy="raise", viewonly=True)
    contact: Mapped[Any] = relationship(Contact, lazy="raise", viewonly=True)
    owner: Mapped[Any] = relationship(lambda: toolkit.User, lazy="raise", viewonly=True)


def all_models() -> list[type]:
    return [Pipeline, Stage, Opportunity, OpportunityLine, StageHistory, Quota, SalesRecord]
