"""Catalog pages and the API cost the same number of SQL statements for a few and for many products."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from core import toolkit
from core.testing import sql_statements
from modules.products.tests.helpers import api_token


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app(("products",))


counted = sql_statements  # every statement the app's engine runs inside the block


def _fill(app: Flask, start: int, how_many: int) -> int:
    """``how_many`` products in a category, each with two related products and two prices on one list."""
    from modules.products.catalog import add_category
    from modules.products.models import PriceList, PriceListItem, Product, RelatedProduct

    with app.app_context():
        session = toolkit.db.session
        root = add_category(f"Root {start}")
        leaf = add_category(f"Leaf {start}", root)
        products = [Product(sku=f"P-{start + n:05d}", name=f"Product {n}", category_id=leaf.id, type="goods",
                            unit="pc", cost=Decimal("1.00"), list_price=Decimal("2.00"), currency="EUR",
                            tax_rate=Decimal("19.00"), active=True) for n in range(how_many)]
        session.add_all(products)
        session.flush()
        for a, b in zip(products, products[1:] + products[:1], strict=True):
            session.add(RelatedProduct(product_id=a.id, related_id=b.id, kind="accessory"))
            session.add(RelatedProduct(product_id=a.id, related_id=b.id, kind="upgrade"))
        pricelist = PriceList(name=f"List {start}", currency="EUR", valid_from=toolkit.utcnow().date())
        pricelist.items = [PriceListItem(product_id=p.id, min_quantity=Decimal(q), unit_price=Decimal("1.50"))
                           for p in products for q in ("1", "10")]
        session.add(pricelist)
        session.commit()
        return root.id


def test_pages_and_api_do_not_grow_with_the_rows(app: Flask, client_as: Any, make_user: Any) -> None:
    manager = client_as(app, "manager")
    headers = api_token(app, make_user(app, "manager"))
    urls = ["/products/catalog/?sort=-list_price", "/products/catalog/?category={root}&active=1",
            "/products/pricelists/", "/api/v1/products?limit=50", "/api/v1/price-lists?limit=50"]

    def costs(root: int) -> list[int]:
        result = []
        for url in urls:
            with counted(app) as statements:
                response = manager.get(url.format(root=root)) if not url.startswith("/api") else \
                    app.test_client().get(url, headers=headers)
                assert response.status_code == 200
            result.append(len(statements))
        return result

    root = _fill(app, 0, 3)
    costs(root)  # first calls do one-time work (the token's "last used", caches)
    few = costs(root)
    root = _fill(app, 1000, 120)
    many = costs(root)
    assert many == few, list(zip(urls, few, many, strict=True))
