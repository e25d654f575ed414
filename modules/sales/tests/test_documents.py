"""Quotes → orders → contracts → invoices through the pages and the services, on a real database.

Helpers at the top (``catalog``, ``quote_via_api`` ...) are shared with the other
``test_documents_*`` files.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from core import toolkit
from core.testing import csrf_token
from core.toolkit import sa

D = Decimal


# -- helpers -------------------------------------------------------------------------------------------------------


def catalog(app: Flask) -> dict[str, int]:
    """Two products, a gold/field price list with a quantity break, and an expired list."""
    from modules.products.models import PriceList, PriceListItem, Product

    with app.app_context():
        db = toolkit.db
        widget = Product(sku="W-1", name="Widget", type="goods", unit="pc", cost=D("4.00"), list_price=D("10.00"),
                         currency="EUR", tax_rate=D("19.00"), active=True)
        service = Product(sku="S-1", name="Setup service", type="service", unit="h", cost=D("30.00"),
                          list_price=D("80.00"), currency="EUR", tax_rate=D("7.00"), active=True)
        old = Product(sku="OLD-1", name="Retired", type="goods", unit="pc", cost=D("1"), list_price=D("2"),
                      currency="EUR", tax_rate=D("19.00"), active=False)
        db.session.add_all([widget, service, old])
        db.session.flush()
        gold = PriceList(name="Gold field", currency="EUR", customer_tier="gold", channel="field",
                         valid_from=date(2020, 1, 1), active=True)
        expired = PriceList(name="Spring promo", currency="EUR", valid_from=date(2020, 3, 1),
                            valid_to=date(2020, 5, 31), active=True)
        db.session.add_all([gold, expired])
        db.session.flush()
        db.session.add_all([
            PriceListItem(pricelist_id=gold.id, product_id=widget.id, min_quantity=D("1"), unit_price=D("9.00")),
            PriceListItem(pricelist_id=gold.id, product_id=widget.id, min_quantity=D("10"), unit_price=D("8.50")),
            PriceListItem(pricelist_id=expired.id, product_id=widget.id, min_quantity=D("1"), unit_price=D("5.00")),
        ])
        db.session.commit()
        return {"widget": widget.id, "service": service.id, "inactive": old.id, "gold": gold.id,
                "expired": expired.id}


def api_headers(app: Flask, user: Any) -> dict[str, str]:
    from core.security.tokens import create_token

    with app.app_context():
        _row, token = create_token(toolkit.db.session.get(toolkit.User, user.id), "test")
        toolkit.db.session.commit()
    return {"Authorization": f"Bearer {token}"}


class Api:
    def __init__(self, app: Flask, user: Any) -> None:
        self.client = app.test_client()
        self.headers = api_headers(app, user)
        self.user = user

    def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.client.open(f"/api/v1{path}", method=method, headers=self.headers, **kwargs)


def count(app: Flask, model: type, *where: Any) -> int:
    with app.app_context():
        stmt = sa.select(sa.func.count()).select_from(model)
        for condition in where:
            stmt = stmt.where(condition)
        return int(toolkit.db.session.scalar(stmt) or 0)


def quote_via_api(api: Api, company_id: int, lines: list[dict[str, Any]], **header: Any) -> dict[str, Any]:
    response = api("POST", "/quotes", json={"company_id": company_id, "lines": lines, **header})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def accepted_order(api: Api, quote: dict[str, Any]) -> dict[str, Any]:
    response = api("PATCH", f"/quotes/{quote['id']}", json={"version": quote["version"], "status": "accepted"})
    assert response.status_code == 200, response.get_json()
    order = api("GET", f"/orders/{response.get_json()['order_id']}")
    return order.get_json()


class EventCatcher:
    """Hears every committed domain event (what webhooks and timelines get)."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    @toolkit.hookimpl
    def crm_event_published(self, event: Any) -> None:
        self.events.append(event)

    def names(self) -> list[str]:
        return [event.name for event in self.events]


def catch_events(app: Flask) -> EventCatcher:
    catcher = EventCatcher()
    app.extensions["crm"].pm.register(catcher, name=f"s2-catcher-{id(catcher)}")
    return catcher


def make_setup(sales_app: Flask, sales: Any, make_user: Any) -> dict[str, Any]:
    """The catalog, a manager, a gold and a standard customer, and the manager's API client."""
    ids = catalog(sales_app)
    manager = make_user(sales_app, "manager")
    ids["gold_company"] = sales.company("Goldhaus GmbH", tier="gold", owner_id=manager.id)
    ids["plain_company"] = sales.company("Plain Ltd", tier="standard", owner_id=manager.id)
    ids["manager"] = manager
    ids["api"] = Api(sales_app, manager)
    return ids


@pytest.fixture
def setup(sales_app: Flask, sales: Any, make_user: Any) -> dict[str, Any]:
    return make_setup(sales_app, sales, make_user)


# -- totals --------------------------------------------------------------------------------------------------------


def test_line_amounts_round_half_up_to_cents_per_line() -> None:
    from modules.sales.documents.totals import line_amounts

    # 3 × 0.335 = 1.005 → 1.01 (half up, not banker's 1.00); tax 19 % of 1.01 = 0.1919 → 0.19
    assert line_amounts(D("3"), D("0.335"), D("0"), D("19")) == (D("1.01"), D("0.19"), D("1.20"))
    # 10 % off 12.25 × 1 = 11.025 → 11.03; 7 % tax = 0.7721 → 0.77
    assert line_amounts(D("1"), D("12.25"), D("10"), D("7")) == (D("11.03"), D("0.77"), D("11.80"))
    assert line_amounts(D("2.5"), D("4.00"), D("100"), D("19")) == (D("0.00"), D("0.00"), D("0.00"))


# -- quotes --------------------------------------------------------------------------------------------------------


def test_quote_prices_come_from_the_tier_and_channel_list_with_quantity_breaks(sales_app: Flask, setup: Any) -> None:
    api = setup["api"]
    quote = quote_via_api(api, setup["gold_company"], [
        {"product_id": setup["widget"], "quantity": "12", "discount": "10"},
        {"product_id": setup["service"], "quantity": "1.5"},
        {"product_id": setup["widget"], "quantity": "2", "unit_price": "7.25"},
    ], channel="field")
    lines = quote["lines"]
    assert [line["unit_price"] for line in lines] == ["8.50", "80.00", "7.25"]
    assert [line["price_overridden"] for line in lines] == [False, False, True]
    assert [line["tax_rate"] for line in lines] == ["19.00", "7.00", "19.00"]
    # 12 × 8.50 − 10 % = 91.80; 1.5 × 80 = 120.00; 2 × 7.25 = 14.50
    assert [line["subtotal"] for line in lines] == ["91.80", "120.00", "14.50"]
    assert quote["amount_untaxed"] == "226.30"
    # tax: 17.44 + 8.40 + 2.76 = 28.60
    assert quote["amount_tax"] == "28.60" and quote["amount_total"] == "254.90"
    assert quote["status"] == "draft" and quote["number"].startswith("Q-") and quote["revision"] == 1
    # the same widget for a standard customer on the web: no list applies, the list price
    plain = quote_via_api(api, setup["plain_company"], [{"product_id": setup["widget"], "quantity": "12"}],
                          channel="web")
    assert plain["lines"][0]["unit_price"] == "10.00"


BAD_LINES = [
    ({"quantity": "-1"}, "quantity", "greater than zero"),
    ({"quantity": "0"}, "quantity", "greater than zero"),
    ({"product_id": 999999}, "product_id", "no product"),
    ({"product_id": "inactive"}, "product_id", "no longer sold"),
    ({"discount": "100.5"}, "discount", "0 to 100"),
]


@pytest.mark.parametrize(("change", "field", "words"), BAD_LINES)
def test_bad_quote_lines_are_refused_naming_the_line_and_field_and_nothing_is_written(
    sales_app: Flask, setup: Any, change: dict[str, Any], field: str, words: str,
) -> None:
    from modules.sales.documents.models import Quote, QuoteLine

    line = {"product_id": setup["widget"], "quantity": "1", **change}
    if line["product_id"] == "inactive":
        line["product_id"] = setup["inactive"]
    good = {"product_id": setup["service"], "quantity": "1"}
    response = setup["api"]("POST", "/quotes", json={"company_id": setup["gold_company"], "lines": [good, line]})
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert list(errors["lines"]) == ["1"] and list(errors["lines"]["1"]) == [field]
    assert words in " ".join(errors["lines"]["1"][field])
    assert count(sales_app, Quote) == 0 and count(sales_app, QuoteLine) == 0


def test_an_expired_price_list_is_refused_with_its_dates(sales_app: Flask, setup: Any) -> None:
    from modules.sales.documents.models import Counter, Quote

    response = setup["api"]("POST", "/quotes", json={
        "company_id": setup["plain_company"], "pricelist_id": setup["expired"],
        "lines": [{"product_id": setup["widget"], "quantity": "1"}]})
    assert response.status_code == 422
    message = " ".join(response.get_json()["errors"]["pricelist_id"])
    assert "Spring promo" in message and "expired" in message
    assert count(sales_app, Quote) == 0 and count(sales_app, Counter) == 0


def test_two_people_saving_the_same_quote_the_second_gets_a_conflict(sales_app: Flask, setup: Any,
                                                                     make_user: Any) -> None:
    api = setup["api"]
    quote = quote_via_api(api, setup["gold_company"], [{"product_id": setup["widget"], "quantity": "1"}])
    first = api("PATCH", f"/quotes/{quote['id']}", json={"version": quote["version"], "notes": "mine",
                                                        "lines": [{"product_id": setup["widget"], "quantity": "3"}]})
    assert first.status_code == 200, first.get_json()
    second = api("PATCH", f"/quotes/{quote['id']}", json={"version": quote["version"], "notes": "theirs",
                                                         "lines": [{"product_id": setup["service"], "quantity": "9"}]})
    assert second.status_code == 409
    assert "changed by someone else" in second.get_json()["detail"]
    stored = api("GET", f"/quotes/{quote['id']}").get_json()
    assert stored["notes"] == "mine" and [line["quantity"] for line in stored["lines"]] == ["3.000"]

    # the same through the page: the second form (older version) is refused with 409, nothing saved
    client = _login(sales_app, setup["manager"])
    page = client.post(f"/sales/quotes/{quote['id']}/edit", data={
        "csrf_token": csrf_token(client, f"/sales/quotes/{quote['id']}/edit"), "version": str(quote["version"]),
        "company_id": str(setup["gold_company"]), "currency": "EUR", "line_count": "1",
        "line-0-product": "S-1", "line-0-quantity": "5", "notes": "from the page",
    })
    assert page.status_code == 409
    assert "Someone else changed this quote" in page.get_data(as_text=True)
    assert api("GET", f"/quotes/{quote['id']}").get_json()["notes"] == "mine"


def _login(app: Flask, user: Any) -> Any:
    from core.testing import login

    client = app.test_client()
    assert login(client, user.email, user.password).status_code == 302
    return client


def test_quote_form_creates_a_quote_and_shows_line_errors_without_saving(sales_app: Flask, setup: Any) -> None:
    from modules.sales.documents.models import Quote

    client = _login(sales_app, setup["manager"])
    token = csrf_token(client, "/sales/quotes/new")
    base = {"csrf_token": token, "company_id": str(setup["gold_company"]), "currency": "EUR", "channel": "field",
            "quote_date": "", "valid_until": "", "line_count": "3"}
    bad = client.post("/sales/quotes/new", data={**base, "line-0-product": "W-1", "line-0-quantity": "-2",
                                                 "line-1-product": "NOPE", "line-1-quantity": "1",
                                                 "line-2-product": "S-1", "line-2-quantity": "1",
                                                 "line-2-discount": "120"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Enter a quantity greater than zero." in text and "Unknown product: NOPE." in text
    assert "120" in text and "0 to 100" in text
    assert count(sales_app, Quote) == 0
    good = client.post("/sales/quotes/new", data={**base, "line-0-product": "W-1", "line-0-quantity": "2"})
    assert good.status_code == 302
    detail = client.get(good.headers["Location"])
    page = detail.get_data(as_text=True)
    assert detail.status_code == 200 and "Widget" in page and "€18.00" in page.replace("\xa0", "")


def test_revision_copies_the_quote_and_supersedes_the_old_one(sales_app: Flask, setup: Any) -> None:
    api = setup["api"]
    quote = quote_via_api(api, setup["gold_company"], [{"product_id": setup["widget"], "quantity": "4"}])
    response = api("PATCH", f"/quotes/{quote['id']}", json={"version": quote["version"], "status": "superseded"})
    assert response.status_code == 200, response.get_json()
    old = response.get_json()
    assert old["status"] == "superseded" and old["superseded_by_id"]
    new = api("GET", f"/quotes/{old['superseded_by_id']}").get_json()
    assert (new["number"], new["revision"], new["status"]) == (quote["number"], 2, "draft")
    assert new["lines"][0]["quantity"] == "4.000" and new["amount_total"] == quote["amount_total"]
    # the old one stays readable, but can no longer be changed or accepted
    client = _login(sales_app, setup["manager"])
    assert client.get(f"/sales/quotes/{quote['id']}").status_code == 200
    refused = api("PATCH", f"/quotes/{quote['id']}", json={"version": old["version"], "status": "accepted"})
    assert refused.status_code == 422 and "superseded" in refused.get_json()["errors"]["status"][0]


def test_an_expired_quote_cannot_be_accepted(sales_app: Flask, setup: Any) -> None:
    from modules.sales.documents.models import SalesOrder

    api = setup["api"]
    past = date.today() - timedelta(days=40)
    quote = quote_via_api(api, setup["gold_company"], [{"product_id": setup["widget"], "quantity": "1"}],
                          quote_date=past.isoformat(), valid_until=(past + timedelta(days=10)).isoformat())
    response = api("PATCH", f"/quotes/{quote['id']}", json={"version": quote["version"], "status": "accepted"})
    assert response.status_code == 422
    assert "expired" in response.get_json()["errors"]["valid_until"][0]
    client = _login(sales_app, setup["manager"])
    page = client.post(f"/sales/quotes/{quote['id']}/accept",
                       data={"csrf_token": csrf_token(client, f"/sales/quotes/{quote['id']}"),
                             "version": str(quote["version"])}, follow_redirects=True)
    assert "expired" in page.get_data(as_text=True)
    assert count(sales_app, SalesOrder) == 0


def test_accepting_makes_a_confirmed_order_a_sales_record_and_publishes_order_confirmed(
    sales_app: Flask, setup: Any,
) -> None:
    from modules.sales.documents.models import OrderStatusChange
    from modules.sales.pipeline.models import SalesRecord

    catcher = catch_events(sales_app)
    api = setup["api"]
    quote = quote_via_api(api, setup["gold_company"], [{"product_id": setup["widget"], "quantity": "10"},
                                                       {"product_id": setup["service"], "quantity": "2"}],
                          channel="field")
    order = accepted_order(api, quote)
    assert order["status"] == "confirmed" and order["number"].startswith("SO-")
    assert order["amount_total"] == quote["amount_total"] and order["quote_id"] == quote["id"]
    assert [line["cost"] for line in order["lines"]] == ["4.00", "30.00"]
    assert api("GET", f"/quotes/{quote['id']}").get_json()["status"] == "accepted"
    assert "order.confirmed" in catcher.names()
    event = next(e for e in catcher.events if e.name == "order.confirmed")
    assert event.payload["number"] == order["number"] and event.payload["company_id"] == setup["gold_company"]
    with sales_app.app_context():
        record = toolkit.db.session.scalars(sa.select(SalesRecord)).one()
        assert record.order_ref == order["number"] and record.amount == D(order["amount_untaxed"])
        assert record.owner_id == setup["manager"].id
    assert count(sales_app, OrderStatusChange) == 1


# -- orders --------------------------------------------------------------------------------------------------------


def test_order_status_moves_only_along_allowed_transitions_with_history(sales_app: Flask, setup: Any) -> None:
    from modules.sales.documents.models import OrderStatusChange

    api = setup["api"]
    order = accepted_order(api, quote_via_api(api, setup["gold_company"],
                                              [{"product_id": setup["widget"], "quantity": "1"}]))
    jump = api("PATCH", f"/orders/{order['id']}", json={"version": order["version"], "status": "delivered"})
    assert jump.status_code == 422
    assert "cannot become delivered" in jump.get_json()["errors"]["status"][0]
    step = api("PATCH", f"/orders/{order['id']}", json={"version": order["version"], "status": "in_delivery",
                                                       "status_note": "truck 4"})
    assert step.status_code == 200 and step.get_json()["status"] == "in_delivery"
    client = _login(sales_app, setup["manager"])
    done = client.post(f"/sales/orders/{order['id']}/status", data={
        "csrf_token": csrf_token(client, f"/sales/orders/{order['id']}"), "status": "delivered",
        "version": str(step.get_json()["version"])}, follow_redirects=True)
    assert "is now delivered" in done.get_data(as_text=True)
    back = client.post(f"/sales/orders/{order['id']}/status", data={
        "csrf_token": csrf_token(client, f"/sales/orders/{order['id']}"), "status": "cancelled"},
        follow_redirects=True)
    assert "cannot change its status any more" in back.get_data(as_text=True)
    with sales_app.app_context():
        history = toolkit.db.session.execute(
            sa.select(OrderStatusChange.from_status, OrderStatusChange.to_status, OrderStatusChange.note)
            .order_by(OrderStatusChange.id)).all()
    assert [tuple(row) for row in history] == [(None, "confirmed", None), ("confirmed", "in_delivery", "truck 4"),
                                               ("in_delivery", "delivered", None)]
    page = client.get(f"/sales/orders/{order['id']}").get_data(as_text=True)
    assert "truck 4" in page


def test_orders_list_filters_by_customer_product_date_and_status(sales_app: Flask, setup: Any) -> None:
    api = setup["api"]
    with_widget = accepted_order(api, quote_via_api(api, setup["gold_company"],
                                                    [{"product_id": setup["widget"], "quantity": "1"}]))
    with_service = accepted_order(api, quote_via_api(api, setup["plain_company"],
                                                     [{"product_id": setup["service"], "quantity": "1"}]))
    api("PATCH", f"/orders/{with_service['id']}", json={"version": with_service["version"], "status": "cancelled"})
    client = _login(sales_app, setup["manager"])

    def listed(query: str) -> set[str]:
        text = client.get(f"/sales/orders/?{query}").get_data(as_text=True)
        return {number for number in (with_widget["number"], with_service["number"]) if number in text}

    assert listed("") == {with_widget["number"], with_service["number"]}
    assert listed("product=W-1") == {with_widget["number"]}
    assert listed("product=setup") == {with_service["number"]}
    assert listed("customer=goldhaus") == {with_widget["number"]}
    assert listed("status=cancelled") == {with_service["number"]}
    today = date.today().isoformat()
    assert listed(f"order_date_from={today}&order_date_to={today}") == {with_widget["number"], with_service["number"]}
    assert listed("order_date_to=2001-01-01") == set()


# -- invoices ------------------------------------------------------------------------------------------------------


def test_partial_invoices_and_invoicing_beyond_the_order_is_refused(sales_app: Flask, setup: Any) -> None:
    from modules.sales.documents.models import Invoice

    api = setup["api"]
    order = accepted_order(api, quote_via_api(api, setup["gold_company"],
                                              [{"product_id": setup["widget"], "quantity": "10"},
                                               {"product_id": setup["service"], "quantity": "2"}]))
    widget_line, service_line = (line["id"] for line in order["lines"])
    first = api("POST", "/invoices", json={"order_id": order["id"], "lines": [
        {"order_line_id": widget_line, "quantity": "6"}]})
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["status"] == "draft" and first.get_json()["number"] is None
    too_much = api("POST", "/invoices", json={"order_id": order["id"], "lines": [
        {"order_line_id": widget_line, "quantity": "5"}, {"order_line_id": service_line, "quantity": "1"}]})
    assert too_much.status_code == 422
    message = " ".join(too_much.get_json()["errors"][f"quantity_{widget_line}"])
    assert "Widget" in message and "only 4 of 10 remain" in message
    assert count(sales_app, Invoice) == 1
    # the rest of everything: 4 widgets and 2 hours
    rest = api("POST", "/invoices", json={"order_id": order["id"]})
    assert rest.status_code == 201
    assert [line["quantity"] for line in rest.get_json()["lines"]] == ["4.000", "2.000"]
    nothing = api("POST", "/invoices", json={"order_id": order["id"]})
    assert nothing.status_code == 422 and "Nothing is left" in nothing.get_json()["errors"]["lines"][0]
    # cancelling an invoice gives its quantities back
    first_body = first.get_json()
    cancel = api("PATCH", f"/invoices/{first_body['id']}", json={"version": first_body["version"],
                                                                 "status": "cancelled"})
    assert cancel.status_code == 200
    again = api("POST", "/invoices", json={"order_id": order["id"], "lines": [
        {"order_line_id": widget_line, "quantity": "6"}]})
    assert again.status_code == 201
    lines = api("GET", f"/orders/{order['id']}").get_json()["lines"]
    assert [line["quantity_invoiced"] for line in lines] == ["10.000", "2.000"]


def test_invoice_numbers_are_given_at_issue_without_gaps_and_payments_mark_it_paid(
    sales_app: Flask, setup: Any, make_user: Any,
) -> None:
    catcher = catch_events(sales_app)
    api = setup["api"]
    order = accepted_order(api, quote_via_api(api, setup["gold_company"],
                                              [{"product_id": setup["service"], "quantity": "1"}]))
    line = order["lines"][0]["id"]
    drafts = [api("POST", "/invoices", json={"order_id": order["id"], "lines": [
        {"order_line_id": line, "quantity": "0.25"}]}).get_json() for _ in range(3)]
    year = date.today().year
    # the second is issued first: numbers follow the order of issuing, not of creation
    issued = []
    for draft in (drafts[1], drafts[0]):
        response = api("PATCH", f"/invoices/{draft['id']}", json={"version": draft["version"], "status": "sent"})
        assert response.status_code == 200, response.get_json()
        issued.append(response.get_json())
    assert [inv["number"] for inv in issued] == [f"INV-{year}-00001", f"INV-{year}-00002"]
    assert issued[0]["due_on"] == (date.today() + timedelta(days=30)).isoformat()
    # a failed issue (wrong state) uses no number
    again = api("PATCH", f"/invoices/{issued[0]['id']}", json={"version": issued[0]["version"], "status": "sent"})
    assert again.status_code == 200  # unchanged status is not a move
    inv = again.get_json()
    total = D(inv["amount_total"])  # 0.25 h × 80.00 = 20.00 + 7 % = 21.40
    assert total == D("21.40")
    over = api("PATCH", f"/invoices/{inv['id']}", json={"version": inv["version"], "payment": {"amount": "21.41"}})
    assert over.status_code == 422 and "more than" in over.get_json()["errors"]["payment"]["amount"][0]
    part = api("PATCH", f"/invoices/{inv['id']}", json={"version": inv["version"], "payment": {"amount": "20"}})
    assert part.status_code == 200 and part.get_json()["status"] == "sent"
    assert part.get_json()["amount_paid"] == "20.00" and "invoice.paid" not in catcher.names()
    rest = api("PATCH", f"/invoices/{inv['id']}", json={"version": part.get_json()["version"],
                                                       "payment": {"amount": "1.40", "method": "card"}})
    assert rest.status_code == 200 and rest.get_json()["status"] == "paid"
    assert catcher.names().count("invoice.paid") == 1
    # paid and overdue cannot be set by hand
    hand = api("PATCH", f"/invoices/{drafts[2]['id']}", json={"version": drafts[2]["version"], "status": "paid"})
    assert hand.status_code == 422
    # a salesperson (no sales.payments) may not record payments
    seller = Api(sales_app, make_user(sales_app, "user"))
    client = _login(sales_app, seller.user)
    refused = client.post(f"/sales/invoices/{issued[1]['id']}/payment",
                          data={"csrf_token": csrf_token(client, "/sales/invoices/"), "amount": "1"})
    assert refused.status_code == 403
    assert seller("PATCH", f"/invoices/{issued[1]['id']}", json={"payment": {"amount": "1"}}).status_code in (403, 404)


def test_daily_job_marks_overdue_and_contract_reminders_are_made_once(sales_app: Flask, setup: Any) -> None:
    from modules.contacts.models import Task
    from modules.sales.documents import jobs
    from modules.sales.documents.models import Contract, Invoice

    api = setup["api"]
    order = accepted_order(api, quote_via_api(api, setup["gold_company"],
                                              [{"product_id": setup["widget"], "quantity": "1"}]))
    draft = api("POST", "/invoices", json={"order_id": order["id"], "payment_days": 14, "status": "sent"}).get_json()
    assert draft["status"] == "sent"
    contract = api("POST", "/contracts", json={
        "name": "Maintenance 2027", "company_id": setup["gold_company"], "order_id": order["id"],
        "start_date": date.today().isoformat(), "end_date": (date.today() + timedelta(days=365)).isoformat(),
        "value": "1200.00", "renewal_date": (date.today() + timedelta(days=20)).isoformat(), "reminder_days": 30})
    assert contract.status_code == 201, contract.get_json()
    bad = api("POST", "/contracts", json={"name": "Backwards", "company_id": setup["gold_company"],
                                          "start_date": "2026-05-01", "end_date": "2026-04-01", "value": "1"})
    assert bad.status_code == 422 and "end_date" in bad.get_json()["errors"]
    with sales_app.app_context():
        later = (date.today() + timedelta(days=15)).isoformat()
        assert jobs.mark_overdue(later) == 1
        assert jobs.mark_overdue(later) == 0
        assert toolkit.db.session.get(Invoice, draft["id"]).status == "overdue"
        assert jobs.renewal_reminders() == 1
        assert jobs.renewal_reminders() == 0  # once, not every day
        task = toolkit.db.session.scalars(sa.select(Task)).one()
        assert "Maintenance 2027" in task.title and task.owner_id == setup["manager"].id
        assert task.company_id == setup["gold_company"]
        assert toolkit.db.session.get(Contract, contract.get_json()["id"]).reminded_for is not None


def test_purchase_history_on_the_customer_timeline_and_merges_repoint_documents(
    sales_app: Flask, setup: Any, sales: Any,
) -> None:
    from modules.sales.documents.models import Invoice, SalesOrder

    api = setup["api"]
    order = accepted_order(api, quote_via_api(api, setup["gold_company"],
                                              [{"product_id": setup["widget"], "quantity": "1"}]))
    api("POST", "/invoices", json={"order_id": order["id"], "status": "sent"})
    client = _login(sales_app, setup["manager"])
    timeline = client.get(f"/api/v1/companies/{setup['gold_company']}/timeline", headers=api.headers).get_json()
    titles = [entry["title"] for entry in timeline["data"]]
    assert any(order["number"] in title for title in titles)
    assert any(title.startswith("Invoice INV-") for title in titles)
    with sales_app.app_context():
        from modules.sales.documents.timeline import merge_records

        moved = merge_records("contacts.company", setup["plain_company"], [setup["gold_company"]])
        toolkit.db.session.commit()
        assert moved >= 3  # quote, order, invoice
        assert toolkit.db.session.get(SalesOrder, order["id"]).company_id == setup["plain_company"]
        assert toolkit.db.session.scalar(sa.select(Invoice.company_id)) == setup["plain_company"]


def test_print_page_pdf_and_mail(sales_app: Flask, setup: Any) -> None:
    from core.mail import OutboxMail

    api = setup["api"]
    quote = quote_via_api(api, setup["gold_company"], [{"product_id": setup["widget"], "quantity": "2"}])
    client = _login(sales_app, setup["manager"])
    printed = client.get(f"/sales/quotes/{quote['id']}/print")
    assert printed.status_code == 200 and "@page" not in printed.get_data(as_text=True)
    assert "print.css" in printed.get_data(as_text=True) and quote["number"] in printed.get_data(as_text=True)
    pdf = client.get(f"/sales/quotes/{quote['id']}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    sent = client.post(f"/sales/quotes/{quote['id']}/send", data={
        "csrf_token": csrf_token(client, f"/sales/quotes/{quote['id']}"), "to": "buyer@example.test",
        "version": str(quote["version"])}, follow_redirects=True)
    assert "Quote sent to buyer@example.test" in sent.get_data(as_text=True)
    with sales_app.app_context():
        mail = toolkit.db.session.scalars(sa.select(OutboxMail)).one()
        assert mail.to == "buyer@example.test" and quote["number"] in mail.subject and "Widget" in mail.html
    assert api("GET", f"/quotes/{quote['id']}").get_json()["status"] == "sent"


def test_a_salesperson_sees_only_own_documents(sales_app: Flask, setup: Any, make_user: Any) -> None:
    api = setup["api"]
    quote = quote_via_api(api, setup["gold_company"], [{"product_id": setup["widget"], "quantity": "1"}])
    other = _login(sales_app, make_user(sales_app, "user"))
    assert other.get(f"/sales/quotes/{quote['id']}").status_code == 404
    assert quote["number"] not in other.get("/sales/quotes/").get_data(as_text=True)


def test_personal_data_export_lists_the_persons_documents(sales_app: Flask, setup: Any, sales: Any) -> None:
    from modules.sales.documents.timeline import personal_data_export

    person = sales.contact("Grace", "Hopper", company_id=setup["gold_company"])
    api = setup["api"]
    quote = quote_via_api(api, setup["gold_company"], [{"product_id": setup["widget"], "quantity": "1"}],
                          contact_id=person)
    order = accepted_order(api, quote)
    with sales_app.app_context():
        data = personal_data_export({"contact_id": person, "email": None, "phone": None})
        assert data is not None
        assert [q["number"] for q in data["sales_documents"]["quotes"]] == [quote["number"]]
        assert [o["number"] for o in data["sales_documents"]["orders"]] == [order["number"]]
        assert personal_data_export({"contact_id": person + 1000, "email": None, "phone": None}) is None
