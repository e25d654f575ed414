"""The global search box: products by SKU or name (from the start), through the product list's own search."""

from __future__ import annotations

from typing import Any

from flask import url_for

from core import toolkit
from core.toolkit import _l


def _products(query: str, user: Any, limit: int) -> list[toolkit.SearchHit]:
    from modules.products.models import Product
    from modules.products.views import product_list

    stmt = (
        product_list.base(product_list.state({"q": query}))
        .with_only_columns(Product.id, Product.sku, Product.name, Product.list_price, Product.currency,
                           Product.active)
        .order_by(Product.sku).limit(limit)
    )
    return [
        toolkit.SearchHit(f"{row.sku} · {row.name}", url_for("products_catalog.detail", id=row.id), kind="product",
                          detail=f"{toolkit.format_currency(row.list_price, row.currency)}"
                                 + ("" if row.active else f" · {toolkit._('inactive')}"))
        for row in toolkit.db.session.execute(stmt)
    ]


def providers() -> list[toolkit.SearchProvider]:
    return [toolkit.SearchProvider("products.products", _l("Products and services"), _products,
                                   permission="products.product.read")]
