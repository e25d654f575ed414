"""Catalog pages, declared on the platform's generic views.

``crud_blueprint`` gives products, categories and price lists their list
(search, filters, sort, keyset pages, export), create/edit form, detail page
and delete, all behind ``products.<object>.<action>``. What is special here:
the category pickers (filled per request), the category filter that includes
the subtree, the price lines of a price list form, and the related products
(cross-selling) on the product page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, has_request_context, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue

from core import toolkit
from core.toolkit import _, _l, sa
from modules.products import catalog, choices, validation
from modules.products.models import Category, PriceList, PriceListItem, Product
from modules.products.schemas import CategorySchema, PriceListFormSchema, ProductSchema

Column = toolkit.Column
db = toolkit.db


def _money(value: Any) -> str:
    return toolkit.format_number(value, "#,##0.00") if isinstance(value, Decimal) else ""


def _percent(value: Any) -> str:
    return f"{toolkit.format_number(value, '0.##')} %" if isinstance(value, Decimal) else ""


@dataclasses.dataclass(frozen=True)
class CategoryFilter(toolkit.RelatedFilter):
    """Products of a category *and of every category below it* (``?category=4``)."""

    def condition(self, model: type, args: Mapping[str, Any]) -> Any:
        value = self.value(args)
        return None if value is None else catalog.in_category(value)


class CatalogForm(toolkit.FormView):
    """``toolkit.FormView`` whose category inputs are select boxes filled per request."""

    pickers = ("category_id", "parent_id")

    @property
    def specs(self) -> list[toolkit.FieldSpec]:
        if not has_request_context():
            return self._specs
        options: list[tuple[Any, Any]] | None = None
        result = []
        for spec in self._specs:
            if spec.name in self.pickers:
                options = options if options is not None else list(catalog.category_options())
                spec = dataclasses.replace(spec, widget="select", choices=options)
            result.append(spec)
        return result

    @specs.setter
    def specs(self, value: list[toolkit.FieldSpec]) -> None:
        self._specs = value


class PriceListForm(CatalogForm):
    """The price list form: header fields plus its prices as lines of text."""

    def initial(self, record: Any | None) -> dict[str, str]:
        values = super().initial(record)
        values["items_text"] = price_lines(record) if record is not None else ""
        return values


def price_lines(record: PriceList) -> str:
    skus = dict(db.session.execute(
        sa.select(Product.id, Product.sku).where(Product.id.in_({i.product_id for i in record.items}))
    ).all()) if record.items else {}
    return "\n".join(
        f"{skus.get(i.product_id, i.product_id)} {validation.quantity_text(i.min_quantity)} {i.unit_price}"
        for i in sorted(record.items, key=lambda i: (skus.get(i.product_id, ""), i.min_quantity))
    )


# -- declarations -----------------------------------------------------------------------------------------

product_list = toolkit.ListView(
    model=Product,
    object="products.product",
    title=_l("Products and services"),
    columns=[
        Column("sku", _l("SKU"), sortable=True, link=True),
        Column("name", _l("Name"), sortable=True),
        Column("category.name", _l("Category")),
        Column("type", _l("Type"), choices=choices.PRODUCT_TYPES),
        Column("unit", _l("Unit")),
        Column("cost", _l("Cost"), visible=False, format=_money),
        Column("list_price", _l("List price"), sortable=True, format=_money),
        Column("currency", _l("Currency")),
        Column("tax_rate", _l("Tax rate"), format=_percent, visible=False),
        Column("active", _l("Active")),
        Column("updated_at", _l("Last changed"), sortable=True, visible=False),
    ],
    search=[toolkit.Search("sku", "prefix"), toolkit.Search("name", "prefix")],
    filters=[
        CategoryFilter("category", _l("Category"), column="category_id", options=catalog.category_options),
        toolkit.ChoiceFilter("type", _l("Type"), choices=choices.PRODUCT_TYPES),
        toolkit.BoolFilter("active", _l("Active")),
    ],
    default_sort="sku",
    bulk_actions=[
        toolkit.BulkAction.set_value("deactivate", _l("Stop selling (inactive)"), "active", False),
        toolkit.BulkAction.set_value("activate", _l("Sell again (active)"), "active", True),
    ],
)

category_list = toolkit.ListView(
    model=Category,
    object="products.category",
    title=_l("Product categories"),
    columns=[
        Column("name", _l("Name"), sortable=True, link=True),
        Column("parent.name", _l("Parent category")),
        Column("path", _l("Position in the tree"), sortable=True, visible=False),
    ],
    search=[toolkit.Search("name", "prefix")],
    filters=[toolkit.RelatedFilter("parent", _l("Parent category"), column="parent_id",
                                   options=catalog.category_options)],
    default_sort="name",
)

pricelist_list = toolkit.ListView(
    model=PriceList,
    object="products.pricelist",
    title=_l("Price lists"),
    columns=[
        Column("name", _l("Name"), sortable=True, link=True),
        Column("currency", _l("Currency")),
        Column("customer_tier", _l("Customer tier"), choices=choices.TIERS),
        Column("channel", _l("Channel"), choices=choices.CHANNELS),
        Column("valid_from", _l("Valid from"), sortable=True),
        Column("valid_to", _l("Valid to"), sortable=True),
        Column("active", _l("Active")),
        Column("updated_at", _l("Last changed"), sortable=True, visible=False),
    ],
    search=[toolkit.Search("name", "prefix")],
    filters=[
        toolkit.ChoiceFilter("customer_tier", _l("Customer tier"), choices=choices.TIERS),
        toolkit.ChoiceFilter("channel", _l("Channel"), choices=choices.CHANNELS),
        toolkit.BoolFilter("active", _l("Active")),
        toolkit.DateRangeFilter("valid_from", _l("Valid from")),
    ],
    default_sort="-valid_from",
)

product_form = CatalogForm(
    model=Product, object="products.product", schema=ProductSchema,
    fields=["sku", "name", "category_id", "type", "unit", "cost", "list_price", "currency", "tax_rate", "active",
            "description"],
)
category_form = CatalogForm(model=Category, object="products.category", schema=CategorySchema,
                            fields=["name", "parent_id"], prepare=catalog.prepare_category)
pricelist_form = PriceListForm(
    model=PriceList, object="products.pricelist", schema=PriceListFormSchema,
    fields=["name", "currency", "customer_tier", "channel", "valid_from", "valid_to", "active", "items_text"],
)


# -- detail pages -----------------------------------------------------------------------------------------


def product_detail(record: Product) -> dict[str, Any]:
    related = catalog.related_products(record.id, include_inactive=True)
    groups = [(kind, choices.RELATION_HEADINGS[kind], [r for r in related if r.kind == kind])
              for kind in choices.RELATION_KINDS]
    category = db.session.get(Category, record.category_id) if record.category_id is not None else None
    trail = []
    if category is not None:
        ids = [int(p) for p in category.path.strip("/").split("/") if p.isdigit()]
        names = dict(db.session.execute(
            sa.select(Category.id, Category.name).where(Category.id.in_(ids))).all())
        trail = [(i, names.get(i, "")) for i in ids]
    prices = db.session.execute(
        sa.select(PriceList.id, PriceList.name, PriceList.customer_tier, PriceList.channel, PriceList.valid_from,
                  PriceList.valid_to, PriceList.active, PriceList.currency, PriceListItem.min_quantity,
                  PriceListItem.unit_price)
        .join(PriceListItem, PriceListItem.pricelist_id == PriceList.id)
        .where(PriceListItem.product_id == record.id)
        .order_by(PriceList.valid_from.desc(), PriceList.name, PriceListItem.min_quantity)
        .limit(200)
    ).all()
    # money keeps its two decimals and its currency on the page (the generic detail drops trailing zeros)
    labels = {spec.name: str(spec.label) for spec in product_form.specs}
    exact = {
        labels["cost"]: f"{_money(record.cost)} {record.currency}",
        labels["list_price"]: f"{_money(record.list_price)} {record.currency}",
        labels["tax_rate"]: _percent(record.tax_rate),
    }
    return {
        "exact_values": exact,
        "related_groups": groups,
        "relation_kinds": list(choices.RELATION_KINDS.items()),
        "category_trail": trail,
        "prices": prices,
        "tiers": choices.TIERS,
        "channels": choices.CHANNELS,
        "can_edit_related": toolkit.can("products.product.write"),
        "money": _money,
        "quantity_text": validation.quantity_text,
    }


def pricelist_detail(record: PriceList) -> dict[str, Any]:
    ids = {i.product_id for i in record.items}
    products = {p.id: p for p in db.session.scalars(sa.select(Product).where(Product.id.in_(ids)))} if ids else {}
    lines = sorted(((products.get(i.product_id), i) for i in record.items),
                   key=lambda pair: (pair[0].sku if pair[0] else "", pair[1].min_quantity))
    return {"lines": lines, "money": _money, "quantity_text": validation.quantity_text,
            "dates": validation.dates_text(record.valid_from, record.valid_to)}


def category_detail(record: Category) -> dict[str, Any]:
    children = db.session.execute(
        sa.select(Category.id, Category.name).where(Category.parent_id == record.id).order_by(Category.name)
    ).all()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Product).where(catalog.in_category(record.id)))
    return {"children": children, "product_count": count}


# -- related products (cross-selling) ---------------------------------------------------------------------

related_bp = Blueprint("products_related", __name__, url_prefix="/products/catalog")


@related_bp.post("/<int:id>/related")
@toolkit.require("products.product.write")
def add_related(id: int) -> ResponseReturnValue:  # noqa: A002
    product = toolkit.get_or_404(Product, id, "products.product", "write")
    back = url_for("products_catalog.detail", id=id)
    sku = (request.form.get("sku") or "").strip().upper()[:40]
    kind = request.form.get("kind") or ""
    if kind not in choices.RELATION_KINDS:
        flash(_("Choose one of: %(choices)s.", choices=", ".join(map(str, choices.RELATION_KINDS.values()))), "error")
        return redirect(back)
    other = db.session.scalar(sa.select(Product.id).where(Product.sku == sku)) if sku else None
    if other is None:
        flash(_("There is no product with the SKU %(sku)s.", sku=sku), "error")
        return redirect(back)
    rows = [{"related_id": r.related_id, "kind": r.kind} for r in product.related_links]
    rows.append({"related_id": other, "kind": kind})
    problems = validation.product_problems(product.id, None, None, rows)
    if problems:
        flash(" ".join(problems["related"]), "error")
        return redirect(back)
    product.related_rows = rows
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(back)


@related_bp.post("/<int:id>/related/<int:related_id>/<kind>/delete")
@toolkit.require("products.product.write")
def remove_related(id: int, related_id: int, kind: str) -> ResponseReturnValue:  # noqa: A002
    product = toolkit.get_or_404(Product, id, "products.product", "write")
    product.related_rows = [{"related_id": r.related_id, "kind": r.kind} for r in product.related_links
                            if (r.related_id, r.kind) != (related_id, kind)]
    db.session.commit()
    flash(_("Removed."), "success")
    return redirect(url_for("products_catalog.detail", id=id))


# -- price check (quote forms, telesales: the price for a quantity, tier, channel and day) ------------------


@related_bp.get("/<int:id>/price")
@toolkit.require("products.product.read")
def price_check(id: int) -> ResponseReturnValue:  # noqa: A002
    """``price_for`` as JSON: ``?quantity=10&tier=gold&channel=partner&currency=EUR&on=2026-06-01&pricelist=3``.

    Answers the price (amounts as strings) or 422 with ``{"errors": {field: [message]}}``.
    """
    from datetime import date

    from modules.products.pricing import PricingError, price_for

    toolkit.get_or_404(Product, id, "products.product", "read")
    args = request.args
    day = None
    if args.get("on"):
        try:
            day = date.fromisoformat(args["on"][:10])
        except ValueError:
            return jsonify(errors={"on": [_("Enter a date (YYYY-MM-DD).")]}), 422
    pricelist_id = args.get("pricelist") or None
    try:
        price = price_for(id, args.get("quantity", "1"), currency=args.get("currency") or None,
                          tier=args.get("tier") or None, channel=args.get("channel") or None, on=day,
                          pricelist_id=pricelist_id)  # type: ignore[arg-type]
    except PricingError as exc:
        return jsonify(errors={exc.field: [exc.message]}), 422
    return jsonify({
        "product_id": price.product_id, "unit_price": str(price.unit_price), "list_price": str(price.list_price),
        "currency": price.currency, "tax_rate": str(price.tax_rate), "pricelist_id": price.pricelist_id,
        "pricelist_name": price.pricelist_name,
        "min_quantity": None if price.min_quantity is None else str(price.min_quantity),
    })


# -- hooks' answers ---------------------------------------------------------------------------------------


def blueprints() -> list[Blueprint]:
    return [
        toolkit.crud_blueprint("products", "catalog", list_view=product_list, form_view=product_form,
                               label=lambda p: f"{p.sku} · {p.name}",
                               detail_template="products/product_detail.html", detail_context=product_detail),
        toolkit.crud_blueprint("products", "categories", list_view=category_list, form_view=category_form,
                               label="name", detail_template="products/category_detail.html",
                               detail_context=category_detail),
        toolkit.crud_blueprint("products", "pricelists", list_view=pricelist_list, form_view=pricelist_form,
                               label="name", detail_template="products/pricelist_detail.html",
                               detail_context=pricelist_detail),
        related_bp,
    ]


def menu_items() -> list[toolkit.MenuItem]:
    item = toolkit.MenuItem
    return [
        item("products", _l("Catalog"), order=40, icon="box"),
        item("products.catalog", _l("Products and services"), endpoint="products_catalog.list",
             permission="products.product.read", parent="products", order=10),
        item("products.categories", _l("Categories"), endpoint="products_categories.list",
             permission="products.category.read", parent="products", order=20),
        item("products.pricelists", _l("Price lists"), endpoint="products_pricelists.list",
             permission="products.pricelist.read", parent="products", order=30),
    ]
