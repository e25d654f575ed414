"""The price of a product: what sales (quotes, orders, opportunity lines) calls.

``price_for(product_id, quantity, currency=..., tier=..., channel=..., on=..., pricelist_id=...)``
returns a :class:`Price` (all amounts ``Decimal``) or raises :class:`PricingError`
naming the input that is wrong (``field``) with a translated ``message``.

Without ``pricelist_id`` the price comes from the most specific price list that
is active, in the currency, valid on the day and prices the product for the
quantity: a list for the customer's tier and channel beats one for the tier
only, which beats one for the channel only, which beats one for everybody.
Within the same specificity the highest quantity break not above the quantity
wins. When no list applies, the product's list price is the price
(``pricelist_id`` None) -- only in the product's own currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core import toolkit
from core.toolkit import _, sa
from modules.products.models import PriceList, PriceListItem, Product

db = toolkit.db

PRICING_FIELDS = ("product", "quantity", "pricelist", "currency")


@dataclass(frozen=True)
class Price:
    product_id: int
    unit_price: Decimal
    list_price: Decimal
    currency: str
    tax_rate: Decimal
    cost: Decimal
    pricelist_id: int | None
    pricelist_name: str | None
    min_quantity: Decimal | None


class PricingError(ValueError):
    """The price cannot be given; ``field`` is 'product', 'quantity', 'pricelist' or 'currency'."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return self.message


def as_quantity(value: Any) -> Decimal:
    """``value`` as a positive finite Decimal, or PricingError(field='quantity')."""
    if isinstance(value, bool) or value is None:
        raise PricingError("quantity", _("Enter a quantity greater than zero."))
    try:
        quantity = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise PricingError("quantity", _("Enter a quantity greater than zero.")) from None
    if not quantity.is_finite() or quantity <= 0:
        raise PricingError("quantity", _("Enter a quantity greater than zero."))
    return quantity


def _product(product_id: Any) -> Product:
    try:
        key = int(product_id)
    except (TypeError, ValueError):
        key = None
    product = db.session.get(Product, key) if key is not None else None
    if product is None:
        raise PricingError("product", _("There is no product with the id %(id)s.", id=product_id))
    if not product.active:
        raise PricingError("product", _("The product %(sku)s is no longer sold (inactive).", sku=product.sku))
    return product


def _dates(pricelist: PriceList) -> str:
    start = toolkit.format_date(pricelist.valid_from)
    if pricelist.valid_to is None:
        return _("from %(start)s on", start=start)
    return _("%(start)s to %(end)s", start=start, end=toolkit.format_date(pricelist.valid_to))


def _explicit(pricelist_id: Any, currency: str, tier: str | None, channel: str | None, on: date) -> PriceList:
    try:
        key = int(pricelist_id)
    except (TypeError, ValueError):
        key = None
    pricelist = db.session.get(PriceList, key) if key is not None else None
    if pricelist is None:
        raise PricingError("pricelist", _("There is no price list with the id %(id)s.", id=pricelist_id))
    if not pricelist.active:
        raise PricingError("pricelist", _("The price list %(name)s (valid %(dates)s) is inactive.",
                                          name=pricelist.name, dates=_dates(pricelist)))
    if not pricelist.valid_on(on):
        if on < pricelist.valid_from:
            message = _("The price list %(name)s is not valid yet on %(day)s: it is valid %(dates)s.",
                        name=pricelist.name, day=toolkit.format_date(on), dates=_dates(pricelist))
        else:
            message = _("The price list %(name)s has expired on %(day)s: it was valid %(dates)s.",
                        name=pricelist.name, day=toolkit.format_date(on), dates=_dates(pricelist))
        raise PricingError("pricelist", message)
    if pricelist.currency != currency:
        raise PricingError("pricelist", _(
            "The price list %(name)s (valid %(dates)s) is in %(list_currency)s, not in %(currency)s.",
            name=pricelist.name, dates=_dates(pricelist), list_currency=pricelist.currency, currency=currency))
    if pricelist.customer_tier is not None and tier is not None and pricelist.customer_tier != tier:
        raise PricingError("pricelist", _("The price list %(name)s is for %(tier)s customers only.",
                                          name=pricelist.name, tier=pricelist.customer_tier))
    if pricelist.channel is not None and channel is not None and pricelist.channel != channel:
        raise PricingError("pricelist", _("The price list %(name)s is for the %(channel)s channel only.",
                                          name=pricelist.name, channel=pricelist.channel))
    return pricelist


def price_for(
    product_id: int,
    quantity: Decimal,
    *,
    currency: str | None = None,
    tier: str | None = None,
    channel: str | None = None,
    on: date | None = None,
    pricelist_id: int | None = None,
) -> Price:
    """The unit price of ``quantity`` of a product (see the module docstring for the rules).

    ``currency`` defaults to the product's currency, ``on`` to today (UTC).
    With ``pricelist_id`` only that list is used; it must be active, valid on
    the day, in the currency and for the tier/channel (when those are given);
    a product or quantity it does not price falls back to the list price.
    """
    qty = as_quantity(quantity)
    product = _product(product_id)
    currency = (currency or product.currency).strip().upper()
    day = on or toolkit.utcnow().date()
    if isinstance(day, datetime):
        day = day.date()

    item = PriceListItem
    pl = PriceList
    specificity = (
        sa.case((pl.customer_tier.is_not(None), 2), else_=0) + sa.case((pl.channel.is_not(None), 1), else_=0)
    )
    query = (
        sa.select(item.unit_price, item.min_quantity, pl.id, pl.name)
        .join(pl, pl.id == item.pricelist_id)
        .where(item.product_id == product.id, item.min_quantity <= qty)
    )
    if pricelist_id is not None:
        chosen = _explicit(pricelist_id, currency, tier, channel, day)
        query = query.where(pl.id == chosen.id)
    else:
        query = query.where(
            pl.active.is_(True),
            pl.currency == currency,
            pl.valid_from <= day,
            sa.or_(pl.valid_to.is_(None), pl.valid_to >= day),
            pl.customer_tier.is_(None) if tier is None else sa.or_(pl.customer_tier.is_(None), pl.customer_tier == tier),
            pl.channel.is_(None) if channel is None else sa.or_(pl.channel.is_(None), pl.channel == channel),
        )
    query = query.order_by(specificity.desc(), item.min_quantity.desc(), pl.valid_from.desc(), pl.id.desc()).limit(1)
    found = db.session.execute(query).first()
    if found is not None:
        unit_price, min_quantity, list_id, list_name = found
        return Price(product.id, Decimal(unit_price), product.list_price, currency, product.tax_rate, product.cost,
                     list_id, list_name, Decimal(min_quantity))
    if currency != product.currency:
        raise PricingError("currency", _(
            "%(sku)s has no price in %(currency)s: its list price is in %(product_currency)s and no price list "
            "in %(currency)s prices it.", sku=product.sku, currency=currency, product_currency=product.currency))
    return Price(product.id, product.list_price, product.list_price, product.currency, product.tax_rate,
                 product.cost, None, None, None)
