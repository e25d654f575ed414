"""REST resources /api/v1/products, /api/v1/price-lists, /api/v1/product-categories: CRUD, 422 naming the
field, exact decimals, overlapping price lists, permissions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from modules.products.tests.helpers import api_token, count, get, pricelist, product

LAPTOP = {"sku": "lap-14", "name": "Laptop 14", "type": "goods", "unit": "pc", "cost": "690.10",
          "list_price": "1049.90", "currency": "EUR", "tax_rate": "19.00"}


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app(("products",))


def _caller(app: Flask, headers: dict[str, str]) -> Any:
    client = app.test_client()

    def call(method: str, path: str, **kwargs: Any) -> Any:
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


@pytest.fixture
def api(app: Flask, make_user: Any) -> Any:
    return _caller(app, api_token(app, make_user(app, "manager")))


def test_product_crud_with_money_as_exact_strings(app: Flask, api: Any) -> None:
    created = api("POST", "/products", json=LAPTOP)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["sku"], body["list_price"], body["cost"], body["tax_rate"], body["active"]) == \
        ("LAP-14", "1049.90", "690.10", "19.00", True)
    pid = body["id"]
    changed = api("PATCH", f"/products/{pid}", json={"list_price": 999.99, "description": "Light"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["list_price"] == "999.99" and changed.get_json()["name"] == "Laptop 14"
    record = get(app, "Product", pid)
    assert record.list_price == Decimal("999.99") and isinstance(record.cost, Decimal)
    listed = api("GET", "/products?q=LAP").get_json()
    assert [p["sku"] for p in listed["data"]] == ["LAP-14"]
    assert api("DELETE", f"/products/{pid}").status_code == 204
    assert count(app, "Product") == 0


@pytest.mark.parametrize("value", ["0.10", "0.01", "999999999999.99", "123456789012.34", "1E+1"])
def test_decimals_round_trip_exactly(app: Flask, api: Any, value: str) -> None:
    response = api("POST", "/products", json={**LAPTOP, "list_price": value})
    assert response.status_code == 201, response.get_json()
    expected = format(Decimal(value).quantize(Decimal("0.01")), "f")
    assert response.get_json()["list_price"] == expected
    assert api("GET", f"/products/{response.get_json()['id']}").get_json()["list_price"] == expected
    assert get(app, "Product", response.get_json()["id"]).list_price == Decimal(value)


def test_bad_input_is_a_422_naming_each_field_and_writes_nothing(app: Flask, api: Any) -> None:
    product(app, "LAP-14", name="Laptop 14 (old)")
    response = api("POST", "/products", json={
        **LAPTOP, "name": "x" * 201, "cost": "-1", "list_price": "1.005", "tax_rate": 100.5, "type": "gadget",
        "currency": "EURO", "related": [{"related_id": 999, "kind": "accessory"}], "id": 5,
    })
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) >= {"name", "cost", "list_price", "tax_rate", "type", "currency", "id"}
    assert errors["cost"] == ["The cost cannot be negative."]
    assert errors["list_price"] == ["At most 2 decimal places."]
    assert errors["tax_rate"] == ["Enter a tax rate from 0 to 100 (percent)."]
    response = api("POST", "/products", json=LAPTOP)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"sku": ["The SKU LAP-14 is already used by the product Laptop 14 (old)."]}
    assert "sku" in response.get_json()["detail"]
    response = api("POST", "/products", json={**LAPTOP, "sku": "NEW-1", "related": [
        {"related_id": 999, "kind": "accessory"}]})
    assert response.get_json()["errors"] == {"related": ["There is no product with the number 999."]}
    assert count(app, "Product") == 1 and count(app, "RelatedProduct") == 0


def test_related_products_through_the_api(app: Flask, api: Any) -> None:
    bag = product(app, "BAG-1")
    created = api("POST", "/products", json={**LAPTOP, "related": [{"related_id": bag, "kind": "accessory"}]})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["related"] == [{"related_id": bag, "kind": "accessory"}]
    pid = created.get_json()["id"]
    response = api("PATCH", f"/products/{pid}", json={"related": [{"related_id": pid, "kind": "upgrade"}]})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"related": ["A product cannot be related to itself."]}
    assert count(app, "RelatedProduct") == 1


def test_price_list_with_nested_items(app: Flask, api: Any) -> None:
    laptop = product(app, "LAP-1")
    body = {"name": "Partner 2026", "currency": "eur", "channel": "partner", "valid_from": "2026-01-01",
            "valid_to": "2026-12-31", "items": [{"product_id": laptop, "min_quantity": "1", "unit_price": "850.00"},
                                                 {"product_id": laptop, "min_quantity": 10, "unit_price": 820.5}]}
    created = api("POST", "/price-lists", json=body)
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert data["currency"] == "EUR" and data["customer_tier"] is None
    assert [(i["min_quantity"], i["unit_price"]) for i in data["items"]] == [("1.000", "850.00"), ("10.000", "820.50")]
    # a PATCH without items keeps them
    patched = api("PATCH", f"/price-lists/{data['id']}", json={"name": "Partner 2026 (revised)"})
    assert patched.status_code == 200 and len(patched.get_json()["items"]) == 2
    assert count(app, "PriceListItem") == 2


def test_overlapping_price_list_is_a_422_naming_items_and_writes_nothing(app: Flask, api: Any) -> None:
    laptop = product(app, "LAP-1")
    pricelist(app, "Gold H1", [(laptop, "1", "900.00")], tier="gold", start=date(2026, 1, 1), end=date(2026, 6, 30))
    later = pricelist(app, "Gold H2", [(laptop, "1", "910.00")], tier="gold", start=date(2026, 7, 1),
                      end=date(2026, 12, 31))
    response = api("POST", "/price-lists", json={
        "name": "Gold Q2", "currency": "EUR", "customer_tier": "gold", "valid_from": "2026-04-01",
        "valid_to": "2026-09-30", "items": [{"product_id": laptop, "unit_price": "890.00"}]})
    assert response.status_code == 422
    messages = response.get_json()["errors"]["items"]
    assert len(messages) == 2
    assert "Gold H1, valid Jan 1, 2026 to Jun 30, 2026" in messages[0]
    assert "Gold H2, valid Jul 1, 2026 to Dec 31, 2026" in messages[1]
    # stretching H2 back into H1's dates through a PATCH is checked as the whole record
    response = api("PATCH", f"/price-lists/{later}", json={"valid_from": "2026-06-30"})
    assert response.status_code == 422
    assert "Gold H1" in response.get_json()["errors"]["items"][0]
    assert get(app, "PriceList", later).valid_from == date(2026, 7, 1)
    response = api("PATCH", f"/price-lists/{later}", json={"valid_to": "2026-06-01"})
    assert response.get_json()["errors"] == {"valid_to": ["The end date cannot be before the start date."]}
    assert count(app, "PriceList") == 2 and count(app, "PriceListItem") == 2


def test_bad_items_name_the_field(app: Flask, api: Any) -> None:
    response = api("POST", "/price-lists", json={
        "name": "X", "currency": "EUR", "valid_from": "2026-01-01",
        "items": [{"product_id": 42, "min_quantity": "0", "unit_price": "-1"}]})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["items"]["0"]["min_quantity"] == ["A quantity break starts above 0."]
    assert errors["items"]["0"]["unit_price"] == ["The price cannot be negative."]
    response = api("POST", "/price-lists", json={"name": "X", "currency": "EUR", "valid_from": "2026-01-01",
                                                 "items": [{"product_id": 42, "unit_price": "1"}]})
    assert response.get_json()["errors"] == {"items": ["There is no product with the number 42."]}
    assert count(app, "PriceList") == 0


def test_categories_through_the_api_keep_the_tree(app: Flask, api: Any) -> None:
    root = api("POST", "/product-categories", json={"name": "Hardware"}).get_json()
    child = api("POST", "/product-categories", json={"name": "Laptops", "parent_id": root["id"]})
    assert child.status_code == 201 and child.get_json()["path"] == f"{root['id']}/{child.get_json()['id']}/"
    response = api("PATCH", f"/product-categories/{root['id']}", json={"parent_id": child.get_json()["id"]})
    assert response.status_code == 422 and "parent_id" in response.get_json()["errors"]


def test_users_read_but_cannot_write(app: Flask, make_user: Any) -> None:
    laptop = product(app, "LAP-1")
    user = _caller(app, api_token(app, make_user(app, "user")))
    assert user("GET", "/products").status_code == 200
    assert user("GET", f"/products/{laptop}").status_code == 200
    assert user("POST", "/products", json={**LAPTOP, "sku": "NEW"}).status_code == 403
    assert user("PATCH", f"/products/{laptop}", json={"list_price": "1"}).status_code == 403
    assert user("DELETE", f"/products/{laptop}").status_code == 403
    assert user("POST", "/price-lists", json={"name": "X", "currency": "EUR", "valid_from": "2026-01-01"}) \
        .status_code == 403
    assert count(app, "Product") == 1 and get(app, "Product", laptop).list_price == Decimal("1000.00")
