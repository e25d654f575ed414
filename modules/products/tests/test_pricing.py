"""price_for: the most specific valid price list, quantity breaks, dates, fallback, and each bad input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from core import toolkit
from modules.products.models import PriceList, PriceListItem, Product
from modules.products.pricing import Price, PricingError, price_for

D = Decimal
DAY = date(2026, 6, 15)


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app(("products",))


def _product(sku: str = "LAP-14", price: str = "1000.00", active: bool = True) -> int:
    product = Product(sku=sku, name=f"Product {sku}", type="goods", unit="pc", cost=D("600.00"),
                      list_price=D(price), currency="EUR", tax_rate=D("19.00"), active=active)
    toolkit.db.session.add(product)
    toolkit.db.session.flush()
    return product.id


def _pricelist(name: str, items: list[tuple[int, str, str]], *, tier: str | None = None, channel: str | None = None,
               start: date = date(2026, 1, 1), end: date | None = None, currency: str = "EUR",
               active: bool = True) -> int:
    pricelist = PriceList(name=name, currency=currency, customer_tier=tier, channel=channel, valid_from=start,
                          valid_to=end, active=active)
    pricelist.items = [PriceListItem(product_id=p, min_quantity=D(q), unit_price=D(u)) for p, q, u in items]
    toolkit.db.session.add(pricelist)
    toolkit.db.session.flush()
    return pricelist.id


def test_list_price_without_price_lists(app: Flask) -> None:
    with app.app_context():
        pid = _product()
        price = price_for(pid, D("3"), on=DAY)
        assert price == Price(pid, D("1000.00"), D("1000.00"), "EUR", D("19.00"), D("600.00"), None, None, None)
        assert isinstance(price.unit_price, Decimal)


def test_most_specific_list_and_highest_quantity_break(app: Flask) -> None:
    with app.app_context():
        pid = _product()
        _pricelist("Everyone", [(pid, "1", "990.00"), (pid, "10", "950.00")])
        _pricelist("Partner", [(pid, "1", "940.00")], channel="partner")
        gold = _pricelist("Gold", [(pid, "1", "930.00"), (pid, "5", "900.00")], tier="gold")
        gold_partner = _pricelist("Gold partner", [(pid, "20", "850.00")], tier="gold", channel="partner")

        assert price_for(pid, D("1"), on=DAY).unit_price == D("990.00")
        assert price_for(pid, D("10"), on=DAY).unit_price == D("950.00")
        assert price_for(pid, D("9.999"), on=DAY).unit_price == D("990.00")
        assert price_for(pid, D("1"), channel="partner", on=DAY).pricelist_name == "Partner"
        assert price_for(pid, D("1"), tier="gold", channel="web", on=DAY).unit_price == D("930.00")
        five = price_for(pid, D("5"), tier="gold", channel="partner", on=DAY)
        assert (five.unit_price, five.pricelist_id, five.min_quantity) == (D("900.00"), gold, D("5.000"))
        twenty = price_for(pid, D("20"), tier="gold", channel="partner", on=DAY)
        assert (twenty.unit_price, twenty.pricelist_id) == (D("850.00"), gold_partner)
        # a silver customer gets the lists for everybody only
        assert price_for(pid, D("5"), tier="silver", on=DAY).pricelist_name == "Everyone"


def test_dates_inactive_lists_and_other_currencies_are_ignored(app: Flask) -> None:
    with app.app_context():
        pid = _product()
        _pricelist("Summer", [(pid, "1", "800.00")], start=date(2026, 6, 1), end=date(2026, 8, 31))
        _pricelist("Off", [(pid, "1", "700.00")], active=False)
        _pricelist("Dollars", [(pid, "1", "1100.00")], currency="USD")
        assert price_for(pid, D("1"), on=date(2026, 6, 1)).unit_price == D("800.00")
        assert price_for(pid, D("1"), on=date(2026, 8, 31)).unit_price == D("800.00")
        assert price_for(pid, D("1"), on=date(2026, 9, 1)).pricelist_id is None
        assert price_for(pid, D("1"), on=date(2026, 5, 31)).unit_price == D("1000.00")
        usd = price_for(pid, D("1"), currency="usd", on=DAY)
        assert (usd.unit_price, usd.currency) == (D("1100.00"), "USD")


def test_bad_inputs_name_the_field(app: Flask) -> None:
    with app.app_context():
        pid = _product()
        old = _pricelist("Spring 2025", [(pid, "1", "900.00")], start=date(2025, 3, 1), end=date(2025, 5, 31))
        for quantity in (D("0"), D("-1"), "abc", None, D("NaN")):
            with pytest.raises(PricingError) as error:
                price_for(pid, quantity, on=DAY)  # type: ignore[arg-type]
            assert error.value.field == "quantity"
            assert "greater than zero" in error.value.message
        with pytest.raises(PricingError) as error:
            price_for(999999, D("1"), on=DAY)
        assert (error.value.field, error.value.message) == ("product", "There is no product with the id 999999.")
        inactive = _product("OLD-1", active=False)
        with pytest.raises(PricingError) as error:
            price_for(inactive, D("1"), on=DAY)
        assert error.value.field == "product" and "OLD-1" in error.value.message
        with pytest.raises(PricingError) as error:
            price_for(pid, D("1"), on=DAY, pricelist_id=old)
        assert error.value.field == "pricelist"
        assert "Spring 2025" in error.value.message and "expired" in error.value.message
        assert error.value.message == ("The price list Spring 2025 has expired on Jun 15, 2026: "
                                       "it was valid Mar 1, 2025 to May 31, 2025.")
        with pytest.raises(PricingError) as error:
            price_for(pid, D("1"), currency="CHF", on=DAY)
        assert error.value.field == "currency" and "CHF" in error.value.message


def test_an_explicit_price_list_must_be_usable(app: Flask) -> None:
    with app.app_context():
        pid = _product()
        other = _product("BAG-1", "30.00")
        later = _pricelist("Autumn", [(pid, "1", "950.00")], start=date(2026, 9, 1), end=None)
        off = _pricelist("Paused", [(pid, "1", "940.00")], active=False)
        usd = _pricelist("Dollars", [(pid, "1", "1100.00")], currency="USD")
        gold = _pricelist("Gold", [(pid, "1", "900.00")], tier="gold")
        cases = [
            (later, {}, "The price list Autumn is not valid yet on Jun 15, 2026: it is valid from Sep 1, 2026 on."),
            (off, {}, "The price list Paused (valid from Jan 1, 2026 on) is inactive."),
            (usd, {}, "The price list Dollars (valid from Jan 1, 2026 on) is in USD, not in EUR."),
            (gold, {"tier": "silver"}, "The price list Gold is for gold customers only."),
            (123456, {}, "There is no price list with the id 123456."),
        ]
        for list_id, extra, message in cases:
            with pytest.raises(PricingError) as error:
                price_for(pid, D("1"), on=DAY, pricelist_id=list_id, **extra)
            assert (error.value.field, error.value.message) == ("pricelist", message)
        chosen = price_for(pid, D("2"), on=DAY, pricelist_id=gold, tier="gold")
        assert (chosen.unit_price, chosen.pricelist_name) == (D("900.00"), "Gold")
        # a product the chosen list does not price costs its list price
        fallback = price_for(other, D("2"), on=DAY, pricelist_id=gold)
        assert (fallback.unit_price, fallback.pricelist_id) == (D("30.00"), None)
        # without asking for it, the gold list is not used for a customer of unknown tier
        assert price_for(pid, D("1"), on=DAY).unit_price == D("1000.00")


def test_quantities_may_be_given_as_int_or_text(app: Flask) -> None:
    with app.app_context():
        pid = _product()
        _pricelist("Breaks", [(pid, "2.5", "980.00")])
        assert price_for(pid, 3, on=DAY).unit_price == D("980.00")  # type: ignore[arg-type]
        assert price_for(pid, "2.5", on=DAY).unit_price == D("980.00")  # type: ignore[arg-type]
        assert price_for(pid, D("2.499"), on=DAY).unit_price == D("1000.00")


def test_price_check_page_answers_json(app: Flask, client_as: Any) -> None:
    with app.app_context():
        pid = _product()
        old = _pricelist("Spring 2025", [(pid, "1", "900.00")], start=date(2025, 3, 1), end=date(2025, 5, 31))
        _pricelist("Partner", [(pid, "5", "880.50")], channel="partner")
        toolkit.db.session.commit()
    user = client_as(app, "user")
    body = user.get(f"/products/catalog/{pid}/price?quantity=5&channel=partner&on=2026-06-15").get_json()
    assert body == {"product_id": pid, "unit_price": "880.50", "list_price": "1000.00", "currency": "EUR",
                    "tax_rate": "19.00", "pricelist_id": body["pricelist_id"], "pricelist_name": "Partner",
                    "min_quantity": "5.000"}
    response = user.get(f"/products/catalog/{pid}/price?quantity=-2")
    assert response.status_code == 422
    assert response.get_json() == {"errors": {"quantity": ["Enter a quantity greater than zero."]}}
    response = user.get(f"/products/catalog/{pid}/price?quantity=1&on=2026-06-15&pricelist={old}")
    assert response.status_code == 422 and "Spring 2025 has expired" in response.get_json()["errors"]["pricelist"][0]
    assert user.get("/products/catalog/999999/price").status_code == 404
