"""The catalog's rules that need the database, in one place (schemas call them for forms, API and imports).

Each function returns ``{field: [message, ...]}`` (empty when all is well) and
writes nothing.

Two price lists *overlap* when they have the same currency, the same customer
tier (no tier counts as its own value), the same channel (likewise), their
date ranges intersect (an open end runs forever) and they price the same
product at the same ``min_quantity``. Such a pair would make the price
ambiguous, so the second one is refused, naming the first and its dates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError

from core import toolkit
from core.toolkit import _, sa

#: most prices one price list holds (a form or request with more is refused)
MAX_ITEMS = 5000


def _id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31 else None


# -- categories --------------------------------------------------------------------------------------------


def category_problems(record_id: int | None, name: str | None, parent_id: Any) -> dict[str, list[str]]:
    from modules.products.models import Category

    errors: dict[str, list[str]] = {}
    parent = None
    if parent_id is not None:
        key = _id(parent_id)
        parent = toolkit.db.session.get(Category, key) if key is not None else None
        if parent is None:
            errors["parent_id"] = [_("There is no category with the number %(id)s.", id=parent_id)]
        elif record_id is not None:
            own = toolkit.db.session.get(Category, record_id)
            if own is not None and (parent.id == own.id or parent.path.startswith(own.path)):
                errors["parent_id"] = [_("A category cannot be placed inside itself or one of its subcategories.")]
    if name and "parent_id" not in errors:
        stmt = sa.select(Category.id).where(
            sa.func.lower(Category.name) == name.strip().lower(),
            Category.parent_id.is_(None) if parent is None else Category.parent_id == parent.id,
        )
        if record_id is not None:
            stmt = stmt.where(Category.id != record_id)
        if toolkit.db.session.scalar(stmt.limit(1)) is not None:
            errors["name"] = [_("There is already a category %(name)s at this place of the tree.", name=name)]
    return errors


# -- products ---------------------------------------------------------------------------------------------


def product_problems(record_id: int | None, sku: str | None, category_id: Any,
                     related: list[dict[str, Any]] | None) -> dict[str, Any]:
    from modules.products.models import Category, Product

    errors: dict[str, Any] = {}
    session = toolkit.db.session
    if sku:
        stmt = sa.select(Product.id, Product.name).where(Product.sku == sku.strip().upper())
        if record_id is not None:
            stmt = stmt.where(Product.id != record_id)
        taken = session.execute(stmt.limit(1)).first()
        if taken is not None:
            errors["sku"] = [_("The SKU %(sku)s is already used by the product %(name)s.",
                               sku=sku.strip().upper(), name=taken.name)]
    if category_id is not None:
        key = _id(category_id)
        if key is None or session.get(Category, key) is None:
            errors["category_id"] = [_("There is no category with the number %(id)s.", id=category_id)]
    if related:
        messages: list[str] = []
        ids = {_id(row.get("related_id")) for row in related} - {None}
        known = set(session.scalars(sa.select(Product.id).where(Product.id.in_(ids)))) if ids else set()
        seen: set[tuple[int, str]] = set()
        for row in related:
            other = _id(row.get("related_id"))
            if other is None or other not in known:
                messages.append(_("There is no product with the number %(id)s.", id=row.get("related_id")))
            elif record_id is not None and other == record_id:
                messages.append(_("A product cannot be related to itself."))
            elif (other, row["kind"]) in seen:
                messages.append(_("The product %(id)s is listed twice as %(kind)s.", id=other, kind=row["kind"]))
            seen.add((other or 0, row.get("kind", "")))
        if messages:
            errors["related"] = messages
    return errors


# -- price lists ------------------------------------------------------------------------------------------


def dates_text(start: date, end: date | None) -> str:
    if end is None:
        return _("from %(start)s on", start=toolkit.format_date(start))
    return _("%(start)s to %(end)s", start=toolkit.format_date(start), end=toolkit.format_date(end))


def quantity_text(value: Decimal) -> str:
    """``10.000`` as ``10``, ``2.500`` as ``2.5``."""
    return format(value.normalize(), "f")


def pricelist_problems(record_id: int | None, values: dict[str, Any], rows: list[dict[str, Any]],
                       field: str = "items") -> dict[str, list[str]]:
    """Dates in order, prices for existing products, no product twice at one quantity, no overlap."""
    from modules.products.models import PriceList, PriceListItem, Product

    errors: dict[str, list[str]] = {}
    session = toolkit.db.session
    start, end = values.get("valid_from"), values.get("valid_to")
    if isinstance(start, date) and isinstance(end, date) and end < start:
        errors["valid_to"] = [_("The end date cannot be before the start date.")]
    if len(rows) > MAX_ITEMS:
        errors[field] = [_("At most %(max)s prices.", max=MAX_ITEMS)]
        return errors
    ids = {_id(row.get("product_id")) for row in rows} - {None}
    skus = dict(session.execute(sa.select(Product.id, Product.sku).where(Product.id.in_(ids))).all()) if ids else {}
    messages: list[str] = []
    seen: set[tuple[int, Decimal]] = set()
    for row in rows:
        product_id = _id(row.get("product_id"))
        if product_id is None or product_id not in skus:
            messages.append(_("There is no product with the number %(id)s.", id=row.get("product_id")))
            continue
        key = (product_id, Decimal(row["min_quantity"]))
        if key in seen:
            messages.append(_("%(sku)s has two prices from quantity %(quantity)s.",
                              sku=skus[product_id], quantity=quantity_text(key[1])))
        seen.add(key)
    if messages:
        errors[field] = messages
    currency = values.get("currency")
    if errors or not seen or not isinstance(start, date) or not currency:
        return errors
    # the other lists of the same currency, tier and channel whose dates intersect ours
    pl, item = PriceList, PriceListItem
    tier, channel = values.get("customer_tier"), values.get("channel")
    stmt = (
        sa.select(pl.id, pl.name, pl.valid_from, pl.valid_to, item.product_id, item.min_quantity)
        .join(item, item.pricelist_id == pl.id)
        .where(
            pl.currency == currency,
            pl.customer_tier.is_(None) if tier is None else pl.customer_tier == tier,
            pl.channel.is_(None) if channel is None else pl.channel == channel,
            sa.or_(pl.valid_to.is_(None), pl.valid_to >= start),
            item.product_id.in_({p for p, _q in seen}),
        )
        .order_by(pl.valid_from, pl.id, item.product_id, item.min_quantity)
    )
    if isinstance(end, date):
        stmt = stmt.where(pl.valid_from <= end)
    if record_id is not None:
        stmt = stmt.where(pl.id != record_id)
    clashes: list[str] = []
    for other in session.execute(stmt):
        if (other.product_id, Decimal(other.min_quantity)) not in seen:
            continue
        clashes.append(_(
            "%(sku)s from quantity %(quantity)s is already priced by the price list %(name)s, valid %(dates)s, "
            "for the same currency, tier and channel; the dates overlap.",
            sku=skus[other.product_id], quantity=quantity_text(Decimal(other.min_quantity)), name=other.name,
            dates=dates_text(other.valid_from, other.valid_to)))
        if len(clashes) >= 10:
            break
    if clashes:
        errors[field] = clashes
    return errors


_SPLIT = re.compile(r"[\s;]+")


def parse_item_lines(text: str | None) -> list[dict[str, Any]]:
    """The form's price lines (``SKU [from-quantity] unit-price`` each) as item rows.

    Raises ValidationError listing every bad line (by number), so one save
    reports them all.
    """
    from modules.products.models import Product

    lines = [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), start=1) if line.strip()]
    if len(lines) > MAX_ITEMS:
        raise ValidationError(_("At most %(max)s prices.", max=MAX_ITEMS))
    parts = [(n, _SPLIT.split(line)) for n, line in lines]
    skus = {p[0].upper() for _n, p in parts}
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(skus), 500):
        found.update(toolkit.db.session.execute(
            sa.select(Product.sku, Product.id).where(Product.sku.in_(chunk))).all())
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, tokens in parts:
        if len(tokens) not in (2, 3):
            problems.append(_("Line %(line)s: write SKU, from quantity and unit price.", line=number))
            continue
        sku = tokens[0].upper()
        quantity_raw, price_raw = (tokens[1], tokens[2]) if len(tokens) == 3 else ("1", tokens[1])
        if sku not in found:
            problems.append(_("Line %(line)s: there is no product with the SKU %(sku)s.", line=number, sku=sku))
            continue
        quantity = _decimal(quantity_raw, 3)
        price = _decimal(price_raw, 2)
        if quantity is None or quantity <= 0:
            problems.append(_("Line %(line)s: the quantity must be a number above 0 with at most 3 decimals.",
                              line=number))
            continue
        if price is None or price < 0:
            problems.append(_("Line %(line)s: the price must be a number of 0 or more with at most 2 decimals.",
                              line=number))
            continue
        if quantity > Decimal("99999999999.999") or price > Decimal("999999999999.99"):
            problems.append(_("Line %(line)s: the number is too large.", line=number))
            continue
        rows.append({"product_id": found[sku], "min_quantity": quantity, "unit_price": price})
    if problems:
        raise ValidationError(problems)
    return rows


def _decimal(text: str, places: int) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value != value.quantize(Decimal(1).scaleb(-places)):
        return None
    return value.quantize(Decimal(1).scaleb(-places))


def _chunks(values: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
