"""Quotes, sales orders, contracts, invoices and payments (tables ``sales_quote`` ... ``sales_payment``).

Money is ``Numeric(14, 2)``, quantities ``Numeric(14, 3)``, percentages
``Numeric(5, 2)``. Amounts on documents are stored (computed from the lines by
``modules.sales.documents.totals``), so lists and reports read them without
touching the lines. ``sales_counter`` holds the last number given per kind of
document and year; invoice numbers come from it inside the issuing transaction,
so they have no gaps.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from core import toolkit
from core.toolkit import Mapped, RecordMixin, mapped_column, relationship, sa

db = toolkit.db

QUOTE_STATES = ("draft", "sent", "accepted", "rejected", "superseded")
ORDER_STATES = ("confirmed", "in_delivery", "delivered", "cancelled")
#: allowed order status changes: from -> to
ORDER_TRANSITIONS = {
    "confirmed": ("in_delivery", "cancelled"),
    "in_delivery": ("delivered", "cancelled"),
    "delivered": (),
    "cancelled": (),
}
CONTRACT_STATES = ("active", "cancelled")
INVOICE_STATES = ("draft", "sent", "paid", "overdue", "cancelled")
CHANNELS = ("telesales", "mobile", "ecommerce", "partner", "field", "web")
PAYMENT_METHODS = ("transfer", "card", "cash", "cheque", "other")

_MONEY = sa.Numeric(14, 2)
_QTY = sa.Numeric(14, 3)
_PCT = sa.Numeric(5, 2)
_ZERO = Decimal("0.00")


def _today() -> date:
    """Column default for dates the services fill in (so the API does not ask for them)."""
    return toolkit.utcnow().date()



class Quote(RecordMixin, db.Model):
    """An offer to a customer. Revising it copies it into a new row with ``revision + 1``; the old
    one stays readable with status ``superseded`` and ``superseded_by_id`` pointing at the new one."""

    __tablename__ = "sales_quote"
    __table_args__ = (
        sa.UniqueConstraint("number", "revision", name="uq_sales_quote_number_revision"),
        sa.Index("ix_sales_quote_updated", "updated_at", "id"),
    )

    number: Mapped[str] = mapped_column(sa.String(30), index=True)
    revision: Mapped[int] = mapped_column(sa.Integer, default=1)
    opportunity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sales_opportunity.id", ondelete="SET NULL"), index=True, nullable=True
    )
    company_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts_company.id", ondelete="SET NULL"), index=True, nullable=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts_contact.id", ondelete="SET NULL"), index=True, nullable=True
    )
    channel: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    pricelist_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("products_pricelist.id", ondelete="SET NULL"), index=True, nullable=True
    )
    quote_date: Mapped[date] = mapped_column(sa.Date, index=True, default=_today)
    valid_until: Mapped[date] = mapped_column(sa.Date, index=True, default=_today)
    status: Mapped[str] = mapped_column(sa.String(20), default="draft", index=True)
    superseded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sales_quote.id", ondelete="SET NULL"), index=True, nullable=True
    )
    notes: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    amount_untaxed: Mapped[Decimal] = mapped_column(_MONEY, default=_ZERO)
    amount_tax: Mapped[Decimal] = mapped_column(_MONEY, default=_ZERO)
    amount_total: Mapped[Decimal] = mapped_column(_MONEY, default=_ZERO)
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    #: the sales order made when it was accepted
    order_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True, index=True)

    #: what the API was sent, read by its ``prepare`` (not stored)
    line_rows = None

    lines: Mapped[list[QuoteLine]] = relationship(
        "modules.sales.documents.models.QuoteLine", back_populates="quote", lazy="selectin",
        cascade="all, delete-orphan", order_by="modules.sales.documents.models.QuoteLine.sequence",
    )

    @property
    def reference(self) -> str:
        return self.number if self.revision == 1 else f"{self.number}-R{self.revision}"

    def expired(self, today: date | None = None) -> bool:
        return self.valid_until < (today or date.today())

    # read-only links for list columns (joined into the page query, never loaded row by row)
    company = relationship("modules.contacts.models.Company", lazy="raise", viewonly=True)
    contact = relationship("modules.contacts.models.Contact", lazy="raise", viewonly=True)

    def __str__(self) -> str:
        return self.reference


class _LineMixin:
    """Columns every document line has; amounts computed by ``totals.compute_line``."""

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(sa.Integer, default=0)
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    quantity: Mapped[Decimal] = mapped_column(_QTY)
    unit_price: Mapped[Decimal] = mapped_column(_MONEY)
    discount: Mapped[Decimal] = mapped_column(_PCT, default=_ZERO)
    tax_rate: Mapped[Decimal] = mapped_column(_PCT, default=_ZERO)
    subtotal: Mapped[Decimal] = mapped_column(_MONEY, default=_ZERO)
    tax_amount: Mapped[Decimal] = mapped_column(_MONEY, default=_ZERO)
    total: Mapped[Decimal] = mapped_column(_MONEY, default=_ZERO)


class QuoteLine(_LineMixin, db.Model):
    __tablename__ = "sales_quote_line"

    quote_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_quote.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products_product.id", ondelete="RESTRICT"), index=True)
    #: the unit price was typed in rather than taken from the price list
    price_overridden: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    pricelist_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)

    quote: Mapped[Quote] = relationship("modules.sales.documents.models.Quote", back_populates="lines", lazy="raise")


class SalesOrder(RecordMixin, db.Model):
    """A confirmed sale; created by accepting a quote (or directly)."""

    __tablename__ = "sales_order"
    __table_args__ = (
        sa.Index("ix_sales_order_updated", "updated_at", "id"),
        sa.Index("ix_sales_order_date_id", "order_date", "id"),
        # the analytics part's revenue widgets read this index alone (made by sales_0003)
        sa.Index("ix_sales_order_kpi", "order_date", "currency", "status", "channel", "owner_id", "department_id",
                 "amount_untaxed"),
    )

    number: Mapped[str] = mapped_column(sa.String(30), unique=True)
    quote_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sales_quote.id", ondelete="SET NULL"), index=True, nullable=True
    )
    opportunity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sales_opportunity.id", ondelete="SET NULL"), index=True, nullable=True
    )
    company_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts_company.id", ondelete="SET NULL"), index=True, nullable=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts_contact.id", ondelete="SET NULL"), index=True, nullable=True
    )
    channel: Mapped[str | None] = mapped_column(sa.String(20), nullable=True, index=True)
    order_date: Mapped[date] = mapped_column(sa.Date, index=True, default=_today)
    status: Mapped[str] = mapped_column(sa.String(20), default="confirmed", index=True)
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    amount_untaxed: Mapped[Decimal] = mapped_column(_MONEY, default=_ZERO)
    amount_tax: Mapped[Decimal] = mapped_column(_MONEY, default=_ZERO)
    amount_total: Mapped[Decimal] = mapped_column(_MONEY, default=_ZERO, index=True)
    notes: Mapped[str | None] = mapped_column(sa.Text, nullable=True)

    #: what the API was sent, read by its ``prepare`` (not stored)
    status_note = None
    line_rows = None

    lines: Mapped[list[OrderLine]] = relationship(
        "modules.sales.documents.models.OrderLine", back_populates="order", lazy="selectin",
        cascade="all, delete-orphan", order_by="modules.sales.documents.models.OrderLine.sequence",
    )

    # read-only links for list columns (joined into the page query, never loaded row by row)
    company = relationship("modules.contacts.models.Company", lazy="raise", viewonly=True)
    contact = relationship("modules.contacts.models.Contact", lazy="raise", viewonly=True)

    def __str__(self) -> str:
        return self.number


class OrderLine(_LineMixin, db.Model):
    __tablename__ = "sales_order_line"

    order_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_order.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products_product.id", ondelete="RESTRICT"), index=True)
    #: unit cost of the product when the order was placed (profitability reports)
    cost: Mapped[Decimal] = mapped_column(_MONEY, default=_ZERO)
    #: quantity on invoices that are not cancelled (drafts included: they reserve it)
    quantity_invoiced: Mapped[Decimal] = mapped_column(_QTY, default=Decimal("0"))

    order: Mapped[SalesOrder] = relationship(
        "modules.sales.documents.models.SalesOrder", back_populates="lines", lazy="raise"
    )

    @property
    def quantity_remaining(self) -> Decimal:
        return (self.quantity or Decimal(0)) - (self.quantity_invoiced or Decimal(0))


class OrderStatusChange(db.Model):
    """One status change of an order: who, when, from what to what."""

    __tablename__ = "sales_order_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_order.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(sa.String(20))
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime, default=toolkit.utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("core_user.id", ondelete="SET NULL"), index=True, nullable=True
    )
    note: Mapped[str | None] = mapped_column(sa.String(500), nullable=True)


class Contract(RecordMixin, db.Model):
    """A contract with a customer; a reminder task is created ``reminder_days`` before ``renewal_date``."""

    __tablename__ = "sales_contract"
    __table_args__ = (sa.Index("ix_sales_contract_updated", "updated_at", "id"),)

    name: Mapped[str] = mapped_column(sa.String(200))
    order_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sales_order.id", ondelete="SET NULL"), index=True, nullable=True
    )
    company_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts_company.id", ondelete="SET NULL"), index=True, nullable=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts_contact.id", ondelete="SET NULL"), index=True, nullable=True
    )
    start_date: Mapped[date] = mapped_column(sa.Date, index=True)
    end_date: Mapped[date | None] = mapped_column(sa.Date, index=True, nullable=True)
    value: Mapped[Decimal] = mapped_column(_MONEY, default=_ZERO)
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    renewal_date: Mapped[date | None] = mapped_column(sa.Date, index=True, nullable=True)
    reminder_days: Mapped[int] = mapped_column(sa.Integer, default=30)
    #: the renewal date a reminder was created for (so each renewal is reminded of once)
    reminded_for: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="active", index=True)
    notes: Mapped[str | None] = mapped_column(sa.Text, nullable=True)

    # read-only links for list columns (joined into the page query, never loaded row by row)
    company = relationship("modules.contacts.models.Company", lazy="raise", viewonly=True)
    contact = relationship("modules.contacts.models.Contact", lazy="raise", viewonly=True)

    def __str__(self) -> str:
        return self.name


class Invoice(RecordMixin, db.Model):
    """An invoice for (part of) an order. ``number`` is given when it is issued (draft -> sent)."""

    __tablename__ = "sales_invoice"
    __table_args__ = (
        sa.Index("ix_sales_invoice_updated", "updated_at", "id"),
        sa.Index("ix_sales_invoice_status_due", "status", "due_on"),
    )

    number: Mapped[str | None] = mapped_column(sa.String(30), unique=True, nullable=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_order.id", ondelete="RESTRICT"), index=True)
    company_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts_company.id", ondelete="SET NULL"), index=True, nullable=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts_contact.id", ondelete="SET NULL"), index=True, nullable=True
    )
    status: Mapped[str] = mapped_column(sa.String(20), default="draft", index=True)
    issued_on: Mapped[date | None] = mapped_column(sa.Date, index=True, nullable=True)
    due_on: Mapped[date | None] = mapped_column(sa.Date, index=True, nullable=True)
    payment_days: Mapped[int] = mapped_column(sa.Integer, default=30)
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    amount_untaxed: Mapped[Decimal] = mapped_column(_MONEY, default=_ZERO)
    amount_tax: Mapped[Decimal] = mapped_column(_MONEY, default=_ZERO)
    amount_total: Mapped[Decimal] = mapped_column(_MONEY, default=_ZERO)
    amount_paid: Mapped[Decimal] = mapped_column(_MONEY, default=_ZERO)
    paid_on: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    notes: Mapped[str | None] = mapped_column(sa.Text, nullable=True)

    #: what the API was sent, read by its ``prepare`` (not stored)
    line_rows = None
    new_payment = None

    lines: Mapped[list[InvoiceLine]] = relationship(
        "modules.sales.documents.models.InvoiceLine", back_populates="invoice", lazy="selectin",
        cascade="all, delete-orphan", order_by="modules.sales.documents.models.InvoiceLine.sequence",
    )

    @property
    def amount_due(self) -> Decimal:
        return (self.amount_total or _ZERO) - (self.amount_paid or _ZERO)

    @property
    def reference(self) -> str:
        return self.number or f"#{self.id}"

    # read-only links for list columns (joined into the page query, never loaded row by row)
    company = relationship("modules.contacts.models.Company", lazy="raise", viewonly=True)
    contact = relationship("modules.contacts.models.Contact", lazy="raise", viewonly=True)

    def __str__(self) -> str:
        return self.reference


class InvoiceLine(_LineMixin, db.Model):
    __tablename__ = "sales_invoice_line"

    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_invoice.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sales_order_line.id", ondelete="RESTRICT"), index=True
    )
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products_product.id", ondelete="RESTRICT"), index=True)

    invoice: Mapped[Invoice] = relationship(
        "modules.sales.documents.models.Invoice", back_populates="lines", lazy="raise"
    )


class Payment(db.Model):
    """Money received for an invoice."""

    __tablename__ = "sales_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_invoice.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(_MONEY)
    paid_on: Mapped[date] = mapped_column(sa.Date, index=True)
    method: Mapped[str] = mapped_column(sa.String(20), default="transfer")
    reference: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=toolkit.utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("core_user.id", ondelete="SET NULL"), index=True, nullable=True
    )


class Counter(db.Model):
    """The last number given for one kind of document (``invoice``, ``order``, ``quote``) in one year."""

    __tablename__ = "sales_counter"

    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    last: Mapped[int] = mapped_column(sa.Integer, default=0)


MODELS = [Quote, QuoteLine, SalesOrder, OrderLine, OrderStatusChange, Contract, Invoice, InvoiceLine, Payment, Counter]
