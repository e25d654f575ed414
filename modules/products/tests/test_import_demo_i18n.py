"""CSV import (same checks as form and API, all or nothing), the demo catalog, pages in German and Chinese."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from core import toolkit
from modules.products.tests.helpers import count, field_error, post_form, pricelist, product


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app(("products",))


def _csv(tmp_path: Path, text: str) -> str:
    path = tmp_path / "rows.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_product_import_writes_everything_or_nothing(app: Flask, tmp_path: Path) -> None:
    from modules.products import importer

    product(app, "TAKEN-1", name="Old one")
    bad = _csv(tmp_path, "sku,name,category,list_price,tax_rate\n"
                         "NEW-1,Laptop,Hardware/Laptops,999.00,19\n"
                         "NEW-1,Again,,1.00,19\n"
                         "taken-1,Clash,,5.00,19\n"
                         "NEW-2,Bad,,-3,120\n")
    with app.app_context():
        result = importer.import_products(importer.read_csv(bad))
    assert result.created == 0
    assert (3, "sku", "The SKU NEW-1 is already on line 2 of this file.") in result.errors
    assert (4, "sku", "The SKU TAKEN-1 is already used by the product Old one.") in result.errors
    assert (5, "list_price", "The price cannot be negative.") in result.errors
    assert (5, "tax_rate", "Enter a tax rate from 0 to 100 (percent).") in result.errors
    assert count(app, "Product") == 1 and count(app, "Category") == 0
    good = _csv(tmp_path, "sku,name,category,list_price,active\nnew-1,Laptop,Hardware/Laptops,999.10,yes\n"
                          "NEW-2,Bag,Hardware/Bags,30,no\n")
    with app.app_context():
        result = importer.import_products(importer.read_csv(good))
        assert result.ok and result.created == 2
        rows = toolkit.db.session.execute(toolkit.sa.text(
            "SELECT sku, list_price, active FROM products_product WHERE sku LIKE 'NEW%' ORDER BY sku")).all()
        assert [(r[0], Decimal(str(r[1])).quantize(Decimal("0.01")), bool(r[2])) for r in rows] == [
            ("NEW-1", Decimal("999.10"), True), ("NEW-2", Decimal("30.00"), False)]
    assert count(app, "Category") == 3  # Hardware, Laptops, Bags


def test_price_list_import_checks_overlaps_with_the_database_and_within_the_file(app: Flask, tmp_path: Path) -> None:
    from modules.products import importer

    laptop = product(app, "LAP-1")
    pricelist(app, "Gold 2026", [(laptop, "1", "900.00")], tier="gold")
    head = "pricelist,currency,tier,channel,valid_from,valid_to,sku,min_quantity,unit_price\n"
    clash = _csv(tmp_path, head + "Gold summer,EUR,gold,,2026-06-01,2026-08-31,LAP-1,1,880.00\n")
    with app.app_context():
        result = importer.import_price_lists(importer.read_csv(clash))
    assert result.created == 0 and result.errors[0][:2] == (2, "items")
    assert "Gold 2026, valid Jan 1, 2026 to Dec 31, 2026" in result.errors[0][2]
    twice = _csv(tmp_path, head + "Partner A,EUR,,partner,2027-01-01,,LAP-1,1,800.00\n"
                                  "Partner A,EUR,,partner,2027-01-01,,LAP-1,10,780.00\n"
                                  "Partner B,EUR,,partner,2027-06-01,2027-12-31,LAP-1,10,770.00\n")
    with app.app_context():
        result = importer.import_price_lists(importer.read_csv(twice))
    assert result.created == 0 and "Partner A" in result.errors[0][2]
    assert count(app, "PriceList") == 1 and count(app, "PriceListItem") == 1
    fine = _csv(tmp_path, head + "Partner A,EUR,,partner,2027-01-01,,LAP-1,1,800.00\n"
                                 "Partner A,EUR,,partner,2027-01-01,,LAP-1,10,780.00\n")
    with app.app_context():
        assert importer.import_price_lists(importer.read_csv(fine)).created == 1
        from modules.products.pricing import price_for

        assert price_for(laptop, Decimal(12), channel="partner", on=date(2027, 2, 1)).unit_price == Decimal("780.00")


def test_the_cli_reports_each_problem_and_exits_1(crm_cli: Any, tmp_path: Path) -> None:
    assert crm_cli("modules", "install", "products").exit_code == 0
    bad = _csv(tmp_path, "sku,name,list_price\nA-1,,10\n")
    result = crm_cli("products", "import", bad)
    assert result.exit_code == 1
    assert "line 2, name: This field is required." in result.output
    good = _csv(tmp_path, "sku,name,list_price\nA-1,Thing,10\n")
    result = crm_cli("products", "import", good)
    assert result.exit_code == 0 and "1 products imported." in result.output


def test_demo_catalog(make_app: Any, client_as: Any) -> None:
    from modules.products.catalog import related_products
    from modules.products.models import PriceList, Product
    from modules.products.pricing import price_for

    app = make_app(("products",), demo=True)
    with app.app_context():
        session = toolkit.db.session
        assert 35 <= session.scalar(toolkit.sa.select(toolkit.sa.func.count()).select_from(Product)) <= 50
        lists = {p.name.rsplit(" ", 1)[0]: p for p in session.scalars(toolkit.sa.select(PriceList))}
        assert {"Gold customers", "Partner channel", "Back to school", "Volume discounts"} <= set(lists)
        assert lists["Gold customers"].customer_tier == "gold" and lists["Partner channel"].channel == "partner"
        laptop = session.scalar(toolkit.sa.select(Product).where(Product.sku == "LAP-14-PRO"))
        year = toolkit.utcnow().year
        school = price_for(laptop.id, Decimal(10), on=date(year, 8, 15))
        assert (school.pricelist_name, school.unit_price) == (f"Back to school {year}", Decimal("939.00"))
        gold = price_for(laptop.id, Decimal(1), tier="gold", on=date(year, 3, 1))
        assert gold.unit_price == (laptop.list_price * Decimal("0.92")).quantize(Decimal("0.01"))
        assert {r.kind for r in related_products(laptop.id)} == {"accessory", "upgrade", "substitute"}
    admin = client_as(app, "admin")
    page = admin.get(f"/products/catalog/{laptop.id}").get_data(as_text=True)
    assert "ACC-DOCK-USB-C" in page and "LAP-16-WS" in page


@pytest.mark.parametrize(("locale", "texts"), [
    ("de", ["Produkte und Dienstleistungen", "Artikelnummer", "Die Kosten können nicht negativ sein."]),
    ("zh_CN", ["产品与服务", "成本不能为负数。"]),
])
def test_pages_and_messages_in_german_and_chinese(app: Flask, client_as: Any, locale: str, texts: list[str]) -> None:
    manager = client_as(app, "manager")
    with app.app_context():
        toolkit.db.session.execute(toolkit.sa.update(toolkit.User).where(toolkit.User.id == manager.user.id)
                                   .values(locale=locale))
        toolkit.db.session.commit()
    listing = manager.get("/products/catalog/").get_data(as_text=True)
    response = post_form(manager, "/products/catalog/new", {"sku": "A-1", "name": "A", "list_price": "1",
                                                            "cost": "-1"})
    assert response.status_code == 422
    page = listing + response.get_data(as_text=True)
    for text in texts:
        assert text in page, text
    assert texts[-1] in field_error(response.get_data(as_text=True), "cost")
