"""Price lists through the form: price lines, overlapping rules refused with the other list and its dates,
nothing written half-way."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask

from modules.products.tests.helpers import count, field_error, get, post_form, pricelist, product

HEADER = {"name": "Gold 2026", "currency": "EUR", "customer_tier": "gold", "channel": "", "valid_from": "2026-01-01",
          "valid_to": "2026-12-31", "active": "1"}


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app(("products",))


@pytest.fixture
def manager(app: Flask, client_as: Any) -> Any:
    return client_as(app, "manager")


def test_price_lines_are_saved_as_quantity_breaks(app: Flask, manager: Any) -> None:
    laptop = product(app, "LAP-1")
    product(app, "BAG-1", price="30.00")
    response = post_form(manager, "/products/pricelists/new", {
        **HEADER, "items_text": "lap-1 1 950.00\nLAP-1 10 899.50\n\nBAG-1 25,00\n"})
    assert response.status_code == 302, response.get_data(as_text=True)
    record = get(app, "PriceList", int(response.headers["Location"].rsplit("/", 1)[1]))
    assert sorted((i.product_id, str(i.min_quantity), str(i.unit_price)) for i in record.items)[:2] == [
        (laptop, "1.000", "950.00"), (laptop, "10.000", "899.50")]
    assert len(record.items) == 3
    form = manager.get(f"/products/pricelists/{record.id}/edit").get_data(as_text=True)
    assert "LAP-1 10 899.50" in form and "BAG-1 1 25.00" in form
    # editing keeps rows whose product and quantity stay, changes their price, drops the rest
    response = post_form(manager, f"/products/pricelists/{record.id}/edit", {
        **HEADER, "items_text": "LAP-1 1 940.00\nLAP-1 10 899.50", "version": str(record.version)})
    assert response.status_code == 302
    again = get(app, "PriceList", record.id)
    assert sorted(str(i.unit_price) for i in again.items) == ["899.50", "940.00"]
    assert again.version == record.version + 1
    page = manager.get(f"/products/pricelists/{record.id}").get_data(as_text=True)
    assert "940.00" in page and "LAP-1" in page


def test_bad_lines_are_each_reported_and_nothing_is_written(app: Flask, manager: Any) -> None:
    product(app, "LAP-1")
    response = post_form(manager, "/products/pricelists/new", {
        **HEADER, "valid_to": "2025-12-31", "name": "n" * 101, "items_text":
        "LAP-1 0 900\nNOPE 1 10\nLAP-1 1 -5\nLAP-1 1 9.999\nLAP-1\nLAP-1 2 900\nLAP-1 2 890"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    items = field_error(page, "items_text")
    for message in ("Line 1: the quantity must be a number above 0", "Line 2: there is no product with the SKU NOPE.",
                    "Line 3: the price must be a number of 0 or more", "Line 4: the price must be",
                    "Line 5: write SKU, from quantity and unit price."):
        assert message in page, message
    assert "Line 1" in items
    assert "At most 100 characters." in field_error(page, "name")
    assert count(app, "PriceList") == 0 and count(app, "PriceListItem") == 0
    response = post_form(manager, "/products/pricelists/new", {
        **HEADER, "valid_to": "2025-12-31", "items_text": "LAP-1 2 900\nLAP-1 2.000 890"})
    page = response.get_data(as_text=True)
    assert "The end date cannot be before the start date." in field_error(page, "valid_to")
    assert "LAP-1 has two prices from quantity 2." in field_error(page, "items_text")
    assert count(app, "PriceList") == 0


def test_overlapping_rule_is_refused_naming_the_other_list_and_its_dates(app: Flask, manager: Any) -> None:
    laptop = product(app, "LAP-1")
    pricelist(app, "Gold spring", [(laptop, "10", "880.00")], tier="gold", start=date(2026, 3, 1),
              end=date(2026, 5, 31))
    response = post_form(manager, "/products/pricelists/new", {**HEADER, "items_text": "LAP-1 1 900\nLAP-1 10 870"})
    assert response.status_code == 422
    assert ("LAP-1 from quantity 10 is already priced by the price list Gold spring, valid Mar 1, 2026 to "
            "May 31, 2026, for the same currency, tier and channel; the dates overlap.") in \
        field_error(response.get_data(as_text=True), "items_text")
    assert count(app, "PriceList") == 1 and count(app, "PriceListItem") == 1


@pytest.mark.parametrize("change", [
    {"customer_tier": "silver"},          # another tier
    {"customer_tier": ""},                # "any tier" is its own value
    {"channel": "partner"},               # another channel
    {"currency": "USD"},                  # another currency
    {"valid_from": "2026-06-01"},         # the dates do not meet
    {"items_text": "LAP-1 11 870"},       # another quantity break
])
def test_lists_that_differ_in_one_respect_do_not_overlap(app: Flask, manager: Any, change: dict[str, str]) -> None:
    laptop = product(app, "LAP-1")
    pricelist(app, "Gold spring", [(laptop, "10", "880.00")], tier="gold", start=date(2026, 3, 1),
              end=date(2026, 5, 31))
    response = post_form(manager, "/products/pricelists/new", {**HEADER, "items_text": "LAP-1 10 870", **change})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert count(app, "PriceList") == 2


def test_open_ended_lists_overlap_everything_after_their_start(app: Flask, manager: Any) -> None:
    laptop = product(app, "LAP-1")
    pricelist(app, "Standing offer", [(laptop, "1", "980.00")], start=date(2024, 1, 1), end=None)
    response = post_form(manager, "/products/pricelists/new", {
        **HEADER, "customer_tier": "", "valid_from": "2030-01-01", "valid_to": "", "items_text": "LAP-1 1 970"})
    assert response.status_code == 422
    assert "Standing offer, valid from Jan 1, 2024 on" in field_error(response.get_data(as_text=True), "items_text")
    # editing a list never clashes with itself
    own = pricelist(app, "Gold 2026", [(laptop, "1", "930.00")], tier="gold")
    response = post_form(manager, f"/products/pricelists/{own}/edit", {
        **HEADER, "items_text": "LAP-1 1 925", "version": str(get(app, "PriceList", own).version)})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_users_cannot_create_price_lists(app: Flask, client_as: Any) -> None:
    product(app, "LAP-1")
    user = client_as(app, "user")
    assert user.get("/products/pricelists/new").status_code == 403
    from core.testing import csrf_token

    token = csrf_token(user, "/products/pricelists/")
    response = user.post("/products/pricelists/new", data={**HEADER, "items_text": "LAP-1 1 9", "csrf_token": token})
    assert response.status_code == 403
    assert count(app, "PriceList") == 0
