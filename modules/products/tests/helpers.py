"""Shared helpers of the products tests: rows through the ORM, forms with CSRF, API tokens."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import Flask

from core import toolkit
from core.testing import csrf_token


def product(app: Flask, sku: str = "LAP-14", price: str = "1000.00", **values: Any) -> int:
    from modules.products.models import Product

    values.setdefault("name", f"Product {sku}")
    values.setdefault("cost", Decimal("600.00"))
    with app.app_context():
        record = Product(sku=sku, list_price=Decimal(price), type=values.pop("type", "goods"),
                         unit=values.pop("unit", "pc"), currency=values.pop("currency", "EUR"),
                         tax_rate=values.pop("tax_rate", Decimal("19.00")), active=values.pop("active", True),
                         **values)
        toolkit.db.session.add(record)
        toolkit.db.session.commit()
        return record.id


def category(app: Flask, name: str, parent: int | None = None) -> int:
    from modules.products.catalog import add_category
    from modules.products.models import Category

    with app.app_context():
        up = toolkit.db.session.get(Category, parent) if parent is not None else None
        record = add_category(name, up)
        toolkit.db.session.commit()
        return record.id


def pricelist(app: Flask, name: str, items: list[tuple[int, str, str]], *, tier: str | None = None,
              channel: str | None = None, start: date = date(2026, 1, 1), end: date | None = date(2026, 12, 31),
              currency: str = "EUR", active: bool = True) -> int:
    from modules.products.models import PriceList, PriceListItem

    with app.app_context():
        record = PriceList(name=name, currency=currency, customer_tier=tier, channel=channel, valid_from=start,
                           valid_to=end, active=active)
        record.items = [PriceListItem(product_id=p, min_quantity=Decimal(q), unit_price=Decimal(u))
                        for p, q, u in items]
        toolkit.db.session.add(record)
        toolkit.db.session.commit()
        return record.id


def count(app: Flask, model_name: str) -> int:
    from modules.products import models

    with app.app_context():
        return toolkit.db.session.scalar(
            toolkit.sa.select(toolkit.sa.func.count()).select_from(getattr(models, model_name)))


def get(app: Flask, model_name: str, record_id: int) -> Any:
    from modules.products import models

    with app.app_context():
        record = toolkit.db.session.get(getattr(models, model_name), record_id)
        if record is not None:
            toolkit.db.session.expunge(record)
        return record


def post_form(client: Any, url: str, data: dict[str, Any]) -> Any:
    """POST a page's form with the session's CSRF token (read from the page itself)."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)})


def api_token(app: Flask, user: Any) -> dict[str, str]:
    from core.security.tokens import create_token

    with app.app_context():
        _row, token = create_token(toolkit.db.session.get(toolkit.User, user.id), "test")
        toolkit.db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def field_error(page: str, field: str) -> str:
    """The text after a form field's error marker (where its message is)."""
    start = page.index(f'id="field-{field}-error"')
    return page[start:start + 600]
