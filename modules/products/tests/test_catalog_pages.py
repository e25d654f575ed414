"""Catalog pages: product form errors, SKU uniqueness, category tree and subtree filter, related products,
permissions, optimistic locking."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from core import toolkit
from modules.products.tests.helpers import category, count, field_error, get, post_form, product

GOOD = {"sku": "mon-27", "name": "Monitor 27\"", "type": "goods", "unit": "pc", "cost": "190.00",
        "list_price": "299.00", "currency": "eur", "tax_rate": "19", "active": "1"}


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app(("products",))


@pytest.fixture
def manager(app: Flask, client_as: Any) -> Any:
    return client_as(app, "manager")


def test_product_is_created_with_exact_decimals_and_a_capital_sku(app: Flask, manager: Any) -> None:
    response = post_form(manager, "/products/catalog/new", GOOD)
    assert response.status_code == 302, response.get_data(as_text=True)
    record = get(app, "Product", int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert (record.sku, record.currency, str(record.list_price), str(record.tax_rate)) == \
        ("MON-27", "EUR", "299.00", "19.00")
    page = manager.get(f"/products/catalog/{record.id}").get_data(as_text=True)
    assert "MON-27" in page and "<dd>299.00 EUR</dd>" in page and "<dd>190.00 EUR</dd>" in page


def test_each_bad_field_gets_its_own_message_and_nothing_is_written(app: Flask, manager: Any) -> None:
    response = post_form(manager, "/products/catalog/new", {
        **GOOD, "sku": "HAS SPACE", "name": "n" * 201, "cost": "-1", "list_price": "-0.01", "tax_rate": "100.01",
        "currency": "EURO", "unit": "", "type": "gadget",
    })
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    expected = {
        "sku": "Use letters, digits and - _ . / only (no spaces).",
        "name": "At most 200 characters.",
        "cost": "The cost cannot be negative.",
        "list_price": "The price cannot be negative.",
        "tax_rate": "Enter a tax rate from 0 to 100 (percent).",
        "currency": "Use a three-letter currency code",
        "type": "Choose one of: goods, service, subscription.",
    }
    for field, message in expected.items():
        assert message in field_error(page, field), field
    assert count(app, "Product") == 0


def test_more_than_two_decimals_are_refused_not_rounded(app: Flask, manager: Any) -> None:
    response = post_form(manager, "/products/catalog/new", {**GOOD, "list_price": "299.999"})
    assert response.status_code == 422
    assert "At most 2 decimal places." in field_error(response.get_data(as_text=True), "list_price")
    assert count(app, "Product") == 0


def test_duplicate_sku_names_the_product_that_has_it(app: Flask, manager: Any) -> None:
    product(app, "MON-27", name="Monitor 27 QHD")
    response = post_form(manager, "/products/catalog/new", {**GOOD, "sku": " mon-27 "})
    assert response.status_code == 422
    assert "The SKU MON-27 is already used by the product Monitor 27 QHD." in field_error(
        response.get_data(as_text=True), "sku")
    assert count(app, "Product") == 1
    # editing the product itself keeps its SKU
    own = product(app, "MON-24")
    response = post_form(manager, f"/products/catalog/{own}/edit", {**GOOD, "sku": "MON-24", "version": "1"})
    assert response.status_code == 302


def test_category_filter_includes_the_subtree(app: Flask, manager: Any) -> None:
    hardware = category(app, "Hardware")
    computers = category(app, "Computers", hardware)
    laptops = category(app, "Laptops", computers)
    software = category(app, "Software")
    product(app, "LAP-1", category_id=laptops)
    product(app, "SW-1", category_id=software)
    product(app, "NONE-1")
    page = manager.get(f"/products/catalog/?category={hardware}").get_data(as_text=True)
    assert "LAP-1" in page and "SW-1" not in page and "NONE-1" not in page
    page = manager.get(f"/products/catalog/?category={software}").get_data(as_text=True)
    assert "SW-1" in page and "LAP-1" not in page
    assert get(app, "Category", laptops).path == f"{hardware}/{computers}/{laptops}/"
    page = manager.get("/products/catalog/?q=lap").get_data(as_text=True)
    assert "LAP-1" in page and "SW-1" not in page
    lap = manager.get("/products/catalog/?q=LAP-1").get_data(as_text=True)
    detail = manager.get(lap[lap.index('href="/products/catalog/', lap.index("<tbody")):].split('"')[1])
    assert "<dd>Hardware / Computers / Laptops</dd>" in detail.get_data(as_text=True)


def test_moving_a_category_moves_its_subtree_and_never_under_itself(app: Flask, manager: Any) -> None:
    hardware = category(app, "Hardware")
    computers = category(app, "Computers", hardware)
    laptops = category(app, "Laptops", computers)
    office = category(app, "Office")
    response = post_form(manager, f"/products/categories/{hardware}/edit",
                         {"name": "Hardware", "parent_id": str(laptops),
                          "version": str(get(app, "Category", hardware).version)})
    assert response.status_code == 422
    assert "cannot be placed inside itself" in field_error(response.get_data(as_text=True), "parent_id")
    response = post_form(manager, f"/products/categories/{computers}/edit",
                         {"name": "Computers", "parent_id": str(office),
                          "version": str(get(app, "Category", computers).version)})
    assert response.status_code == 302
    assert get(app, "Category", laptops).path == f"{office}/{computers}/{laptops}/"
    assert get(app, "Category", hardware).path == f"{hardware}/"
    response = post_form(manager, "/products/categories/new", {"name": "computers", "parent_id": str(office)})
    assert response.status_code == 422
    assert "There is already a category computers" in field_error(response.get_data(as_text=True), "name")


def test_related_products_on_the_product_page(app: Flask, manager: Any) -> None:
    from modules.products.catalog import related_products

    laptop = product(app, "LAP-1")
    bag = product(app, "BAG-1", price="30.00")
    pro = product(app, "LAP-2", price="1500.00")
    product(app, "OLD-1", active=False)
    assert post_form(manager, f"/products/catalog/{laptop}", {"sku": "bag-1", "kind": "accessory"}).status_code \
        == 405  # the add form posts to its own address
    for sku, kind in (("BAG-1", "accessory"), ("LAP-2", "upgrade")):
        response = manager.post(f"/products/catalog/{laptop}/related", data={
            "sku": sku, "kind": kind, "csrf_token": _token(manager, laptop)})
        assert response.status_code == 302
    response = manager.post(f"/products/catalog/{laptop}/related", data={
        "sku": "LAP-1", "kind": "substitute", "csrf_token": _token(manager, laptop)}, follow_redirects=True)
    assert "A product cannot be related to itself." in response.get_data(as_text=True)
    response = manager.post(f"/products/catalog/{laptop}/related", data={
        "sku": "NOPE", "kind": "substitute", "csrf_token": _token(manager, laptop)}, follow_redirects=True)
    assert "There is no product with the SKU NOPE." in response.get_data(as_text=True)
    page = manager.get(f"/products/catalog/{laptop}").get_data(as_text=True)
    assert "BAG-1" in page and "LAP-2" in page
    with app.app_context():
        assert [(r.sku, r.kind) for r in related_products(laptop)] == [("BAG-1", "accessory"), ("LAP-2", "upgrade")]
        assert [r.product_id for r in related_products(laptop, "upgrade")] == [pro]
        assert related_products(bag) == []
    response = manager.post(f"/products/catalog/{laptop}/related/{bag}/accessory/delete",
                            data={"csrf_token": _token(manager, laptop)})
    assert response.status_code == 302
    with app.app_context():
        assert [r.sku for r in related_products(laptop)] == ["LAP-2"]


def _token(client: Any, product_id: int) -> str:
    from core.testing import csrf_token

    return csrf_token(client, f"/products/catalog/{product_id}")


def test_users_read_the_catalog_but_cannot_change_it(app: Flask, client_as: Any) -> None:
    laptop = product(app, "LAP-1")
    user = client_as(app, "user")
    assert user.get("/products/catalog/").status_code == 200
    assert user.get(f"/products/catalog/{laptop}").status_code == 200
    assert user.get("/products/pricelists/").status_code == 200
    assert user.get("/products/catalog/new").status_code == 403
    assert user.get(f"/products/catalog/{laptop}/edit").status_code == 403
    token = _token(user, laptop)
    assert user.post("/products/catalog/new", data={**GOOD, "csrf_token": token}).status_code == 403
    assert user.post(f"/products/catalog/{laptop}/related",
                     data={"sku": "LAP-1", "kind": "upgrade", "csrf_token": token}).status_code == 403
    assert user.post(f"/products/catalog/{laptop}/delete", data={"csrf_token": token}).status_code == 403
    assert "Edit" not in user.get(f"/products/catalog/{laptop}").get_data(as_text=True).split("detail-actions")[1][:300]
    assert count(app, "Product") == 1


def test_second_saver_gets_a_conflict_and_nothing_is_overwritten(app: Flask, manager: Any, client_as: Any) -> None:
    laptop = product(app, "LAP-1", name="Laptop")
    other = client_as(app, "manager")
    assert post_form(other, f"/products/catalog/{laptop}/edit",
                     {**GOOD, "sku": "LAP-1", "name": "Laptop (first)", "version": "1"}).status_code == 302
    response = post_form(manager, f"/products/catalog/{laptop}/edit",
                         {**GOOD, "sku": "LAP-1", "name": "Laptop (second)", "version": "1"})
    assert response.status_code == 409
    assert get(app, "Product", laptop).name == "Laptop (first)"
    with app.app_context():
        assert toolkit.db.session.get(toolkit.User, manager.user.id) is not None


def test_a_category_with_subcategories_cannot_be_deleted(app: Flask, manager: Any) -> None:
    hardware = category(app, "Hardware")
    laptops = category(app, "Laptops", hardware)
    laptop = product(app, "LAP-1", category_id=laptops)
    response = post_form(manager, f"/products/categories/{hardware}/delete", {})
    assert response.status_code == 302
    assert get(app, "Category", hardware) is not None and count(app, "Category") == 2
    # a leaf category can go; its products stay, without a category
    assert post_form(manager, f"/products/categories/{laptops}/delete", {}).status_code == 302
    assert count(app, "Category") == 1 and get(app, "Product", laptop).category_id is None


def test_global_search_finds_products_by_sku_and_name(app: Flask, client_as: Any) -> None:
    product(app, "LAP-1", name="Laptop Pro")
    product(app, "BAG-1", name="Bag for laptops")
    user = client_as(app, "user")
    page = user.get("/search?q=lap").get_data(as_text=True)
    assert "LAP-1 · Laptop Pro" in page and "BAG-1" not in page
    page = user.get("/search?q=bag").get_data(as_text=True)
    assert "BAG-1 · Bag for laptops" in page
