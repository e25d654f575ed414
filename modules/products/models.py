"""Catalog and price lists: categories, products and services, related products, price lists and their items.

Money is ``Decimal`` (``Numeric(14, 2)``), quantities ``Numeric(14, 3)``, tax
rates ``Numeric(5, 2)`` in percent. Sales and other modules read these tables
(``products_product`` is referenced by opportunity, quote, order and invoice
lines); the column names are a contract (see docs/products.md).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from core import toolkit
from core.toolkit import Mapped, RecordMixin, mapped_column, relationship, sa

db = toolkit.db

PRODUCT_TYPES = ("goods", "service", "subscription")
RELATION_KINDS = ("accessory", "substitute", "upgrade")
#: the tiers of contacts (products does not depend on contacts, so the values are repeated here)
TIERS = ("standard", "silver", "gold", "platinum")
CHANNELS = ("telesales", "mobile", "ecommerce", "partner", "field", "web")


class Category(RecordMixin, db.Model):
    """A node of the category tree. ``path`` is the ids from the root down, e.g. ``"1/4/9/"``:
    the subtree of a category is every row whose path starts with the category's path."""

    __tablename__ = "products_category"

    name: Mapped[str] = mapped_column(sa.String(100), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("products_category.id", ondelete="RESTRICT"), index=True
    )
    path: Mapped[str] = mapped_column(sa.String(255), default="", index=True)

    parent: Mapped[Category | None] = relationship(
        "modules.products.models.Category", remote_side="modules.products.models.Category.id", lazy="raise"
    )

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 1, 0)

    def __str__(self) -> str:
        return self.name


class Product(RecordMixin, db.Model):
    """A product or a service that can be sold."""

    __tablename__ = "products_product"
    __table_args__ = (
        sa.Index("ix_products_product_updated", "updated_at", "id"),
        sa.Index("ix_products_product_type", "type"),
        sa.Index("ix_products_product_active", "active"),
        sa.Index("ix_products_product_list_price", "list_price"),
        sa.Index("ix_products_product_currency", "currency"),
    )

    sku: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("products_category.id", ondelete="SET NULL"), index=True
    )
    type: Mapped[str] = mapped_column(sa.String(20), default="goods")
    unit: Mapped[str] = mapped_column(sa.String(20), default="pc")
    cost: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal("0.00"))
    list_price: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=Decimal("0.00"))
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    tax_rate: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("19.00"))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    description: Mapped[str | None] = mapped_column(sa.Text)

    category: Mapped[Category | None] = relationship("modules.products.models.Category", lazy="raise")
    related_links: Mapped[list[RelatedProduct]] = relationship(
        "modules.products.models.RelatedProduct", foreign_keys="modules.products.models.RelatedProduct.product_id",
        lazy="selectin", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(modules.products.models.RelatedProduct.kind, modules.products.models.RelatedProduct.id)",
    )

    @property
    def related_rows(self) -> list[RelatedProduct]:
        return list(self.related_links)

    @related_rows.setter
    def related_rows(self, rows: list[dict[str, Any]] | None) -> None:
        """Replace the related products by ``[{"related_id", "kind"}]``, keeping rows that stay."""
        wanted = {(row["related_id"], row["kind"]) for row in rows or []}
        keep = [link for link in self.related_links if (link.related_id, link.kind) in wanted]
        have = {(link.related_id, link.kind) for link in keep}
        for row in rows or []:
            key = (row["related_id"], row["kind"])
            if key not in have:
                keep.append(RelatedProduct(related_id=row["related_id"], kind=row["kind"]))
                have.add(key)
        if len(keep) != len(self.related_links) or any(
                a is not b for a, b in zip(keep, self.related_links, strict=False)):
            self.related_links = keep
            self.updated_at = toolkit.utcnow()  # a change of the product: new version

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class RelatedProduct(db.Model):
    """``related_id`` is an accessory of, a substitute for, or an upgrade of ``product_id``."""

    __tablename__ = "products_related"
    __table_args__ = (sa.UniqueConstraint("product_id", "related_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products_product.id", ondelete="CASCADE"), index=True)
    related_id: Mapped[int] = mapped_column(sa.ForeignKey("products_product.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))

    related: Mapped[Product] = relationship(
        "modules.products.models.Product", foreign_keys=[related_id], lazy="raise"
    )


class PriceList(RecordMixin, db.Model):
    """Prices for a currency, optionally only for one customer tier and/or one channel, valid from
    ``valid_from`` to ``valid_to`` (both inclusive; no ``valid_to``: open-ended)."""

    __tablename__ = "products_pricelist"
    __table_args__ = (
        sa.Index("ix_products_pricelist_lookup", "currency", "active", "valid_from"),
        # the list's filters and sorts
        sa.Index("ix_products_pricelist_valid_from", "valid_from", "id"),
        sa.Index("ix_products_pricelist_valid_to", "valid_to", "id"),
        sa.Index("ix_products_pricelist_updated", "updated_at", "id"),
        sa.Index("ix_products_pricelist_tier", "customer_tier"),
        sa.Index("ix_products_pricelist_channel", "channel"),
        sa.Index("ix_products_pricelist_active", "active"),
    )

    name: Mapped[str] = mapped_column(sa.String(100), index=True)
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    customer_tier: Mapped[str | None] = mapped_column(sa.String(20))
    channel: Mapped[str | None] = mapped_column(sa.String(20))
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    items: Mapped[list[PriceListItem]] = relationship(
        "modules.products.models.PriceListItem", back_populates="pricelist", lazy="selectin",
        cascade="all, delete-orphan", order_by="(modules.products.models.PriceListItem.product_id, "
        "modules.products.models.PriceListItem.min_quantity)",
    )

    @property
    def item_rows(self) -> list[PriceListItem]:
        return list(self.items)

    @item_rows.setter
    def item_rows(self, rows: list[dict[str, Any]] | None) -> None:
        """Replace the prices by ``[{"product_id", "min_quantity", "unit_price"}]``.

        A price for the same product and quantity keeps its row (its price is
        updated), so replacing never deletes and re-inserts the same key.
        """
        wanted = {(row["product_id"], Decimal(row["min_quantity"])): Decimal(row["unit_price"]) for row in rows or []}
        keep = []
        changed = False
        for item in self.items:
            key = (item.product_id, Decimal(item.min_quantity))
            if key in wanted:
                price = wanted.pop(key)
                if item.unit_price != price:
                    item.unit_price = price
                    changed = True
                keep.append(item)
        for (product_id, quantity), price in wanted.items():
            keep.append(PriceListItem(product_id=product_id, min_quantity=quantity, unit_price=price))
        if changed or len(keep) != len(self.items) or any(a is not b for a, b in zip(keep, self.items, strict=False)):
            self.items = keep
            self.updated_at = toolkit.utcnow()  # a change of the price list: new version

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def __str__(self) -> str:
        return self.name


class PriceListItem(db.Model):
    """The unit price of a product on a price list from ``min_quantity`` on (a quantity break)."""

    __tablename__ = "products_pricelist_item"
    __table_args__ = (
        sa.UniqueConstraint("pricelist_id", "product_id", "min_quantity"),
        sa.Index("ix_products_pricelist_item_product", "product_id", "min_quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pricelist_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products_pricelist.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products_product.id", ondelete="CASCADE"))
    min_quantity: Mapped[Decimal] = mapped_column(sa.Numeric(14, 3), default=Decimal("1"))
    unit_price: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))

    pricelist: Mapped[PriceList] = relationship(
        "modules.products.models.PriceList", back_populates="items", lazy="raise"
    )
    product: Mapped[Product] = relationship("modules.products.models.Product", lazy="raise")

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "product_id": self.product_id, "min_quantity": self.min_quantity,
                "unit_price": self.unit_price}
