"""More of quotes, orders, contracts and invoices: direct orders, the contract and invoice pages, rights, demo data."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask

from core import toolkit
from core.testing import csrf_token
from core.toolkit import sa
from modules.sales.tests.test_documents import Api, _login, accepted_order, count, make_setup, quote_via_api


@pytest.fixture
def setup(sales_app: Flask, sales: Any, make_user: Any) -> dict[str, Any]:
    return make_setup(sales_app, sales, make_user)


def test_an_order_can_be_entered_directly_with_the_same_line_checks(sales_app: Flask, setup: Any) -> None:
    from modules.sales.documents.models import SalesOrder
    from modules.sales.pipeline.models import SalesRecord

    api = setup["api"]
    bad = api("POST", "/orders", json={"company_id": setup["gold_company"], "channel": "field",
                                       "lines": [{"product_id": setup["widget"], "quantity": "0"}]})
    assert bad.status_code == 422 and "quantity" in bad.get_json()["errors"]["lines"]["0"]
    assert count(sales_app, SalesOrder) == 0 and count(sales_app, SalesRecord) == 0
    no_customer = api("POST", "/orders", json={"lines": [{"product_id": setup["widget"], "quantity": "1"}]})
    assert no_customer.status_code == 422 and "company_id" in no_customer.get_json()["errors"]
    made = api("POST", "/orders", json={"company_id": setup["gold_company"], "channel": "field",
                                        "lines": [{"product_id": setup["widget"], "quantity": "10"}]})
    assert made.status_code == 201, made.get_json()
    order = made.get_json()
    assert order["status"] == "confirmed" and order["lines"][0]["unit_price"] == "8.50"
    assert count(sales_app, SalesRecord) == 1
    frozen = api("PATCH", f"/orders/{order['id']}", json={"version": order["version"], "lines": []})
    assert frozen.status_code == 422 and "cannot be changed" in frozen.get_json()["errors"]["lines"][0]
    assert api("DELETE", f"/orders/{order['id']}").status_code == 405


def test_contract_pages_check_dates_and_customer(sales_app: Flask, setup: Any) -> None:
    from modules.sales.documents.models import Contract

    client = _login(sales_app, setup["manager"])
    token = csrf_token(client, "/sales/contracts/new")
    form = {"csrf_token": token, "name": "Support 2027", "company_id": str(setup["gold_company"]),
            "start_date": "2027-01-01", "end_date": "2026-12-31", "value": "500", "currency": "EUR",
            "reminder_days": "30", "status": "active"}
    bad = client.post("/sales/contracts/new", data=form)
    assert bad.status_code == 422 and "cannot end before it starts" in bad.get_data(as_text=True)
    nobody = client.post("/sales/contracts/new", data={**form, "company_id": "", "end_date": ""})
    assert nobody.status_code == 422 and "Choose the customer" in nobody.get_data(as_text=True)
    assert count(sales_app, Contract) == 0
    good = client.post("/sales/contracts/new", data={**form, "end_date": "2027-12-31", "renewal_date": "2027-12-01"})
    assert good.status_code == 302
    listed = client.get("/sales/contracts/?customer=goldhaus").get_data(as_text=True)
    assert "Support 2027" in listed


def test_invoice_pages_issue_and_record_payments(sales_app: Flask, setup: Any, make_user: Any) -> None:
    from modules.sales.documents.models import Invoice

    api = setup["api"]
    order = accepted_order(api, quote_via_api(api, setup["gold_company"],
                                              [{"product_id": setup["widget"], "quantity": "3"}]))
    client = _login(sales_app, setup["manager"])
    page = f"/sales/orders/{order['id']}"
    line = order["lines"][0]["id"]
    refused = client.post(f"{page}/invoice", data={"csrf_token": csrf_token(client, page), f"quantity_{line}": "4"},
                          follow_redirects=True)
    assert "only 3 of 3 remain" in refused.get_data(as_text=True)
    assert count(sales_app, Invoice) == 0
    made = client.post(f"{page}/invoice", data={"csrf_token": csrf_token(client, page), f"quantity_{line}": "2",
                                                "payment_days": "10"})
    assert made.status_code == 302
    invoice_page = made.headers["Location"]
    with sales_app.app_context():
        invoice = toolkit.db.session.scalars(sa.select(Invoice)).one()
        invoice_id, version = invoice.id, invoice.version
    issued = client.post(f"/sales/invoices/{invoice_id}/issue", data={
        "csrf_token": csrf_token(client, invoice_page), "version": str(version)}, follow_redirects=True)
    year = date.today().year
    assert f"Invoice INV-{year}-00001 issued." in issued.get_data(as_text=True)
    with sales_app.app_context():
        invoice = toolkit.db.session.get(Invoice, invoice_id)
        assert invoice.due_on == date.today() + timedelta(days=10)
        total, version = invoice.amount_total, invoice.version
    over = client.post(f"/sales/invoices/{invoice_id}/payment", data={
        "csrf_token": csrf_token(client, invoice_page), "version": str(version), "amount": str(total + 1)},
        follow_redirects=True)
    assert "is more than the" in over.get_data(as_text=True)
    paid = client.post(f"/sales/invoices/{invoice_id}/payment", data={
        "csrf_token": csrf_token(client, invoice_page), "version": str(version), "amount": str(total),
        "method": "transfer", "paid_on": date.today().isoformat()}, follow_redirects=True)
    assert "the invoice is paid" in paid.get_data(as_text=True)
    pdf = client.get(f"/sales/invoices/{invoice_id}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    printed = client.get(f"/sales/invoices/{invoice_id}/print").get_data(as_text=True)
    assert f"INV-{year}-00001" in printed
    # a salesperson reads their own invoices but may not create or pay them
    seller = make_user(sales_app, "user")
    seller_api = Api(sales_app, seller)
    assert seller_api("POST", "/invoices", json={"order_id": order["id"]}).status_code == 403


def test_an_accepted_quote_can_no_longer_be_edited(sales_app: Flask, setup: Any) -> None:
    api = setup["api"]
    quote = quote_via_api(api, setup["gold_company"], [{"product_id": setup["widget"], "quantity": "1"}])
    accepted_order(api, quote)
    client = _login(sales_app, setup["manager"])
    edit = client.get(f"/sales/quotes/{quote['id']}/edit", follow_redirects=True)
    assert "can no longer be changed" in edit.get_data(as_text=True)
    latest = api("GET", f"/quotes/{quote['id']}").get_json()
    patch = api("PATCH", f"/quotes/{quote['id']}", json={"version": latest["version"], "notes": "late change"})
    assert patch.status_code == 422 and "revise it instead" in patch.get_json()["errors"]["status"][0]


def test_demo_data_has_quotes_orders_invoices_and_contracts(make_app: Any) -> None:
    from modules.sales.documents.models import Contract, Invoice, Quote, SalesOrder

    app = make_app(("contacts", "products", "sales"), demo=True)
    assert count(app, Quote) >= 4
    assert count(app, SalesOrder) >= 2
    assert count(app, Invoice, Invoice.number.is_not(None)) >= 1
    assert count(app, Contract) >= 2
    with app.app_context():
        order = toolkit.db.session.scalars(sa.select(SalesOrder).limit(1)).one()
        total = sum(line.subtotal for line in order.lines)
        assert order.amount_untaxed == total


def test_a_new_quote_for_an_opportunity_starts_with_its_customer_and_lines(
    sales_app: Flask, setup: Any, sales: Any,
) -> None:
    from decimal import Decimal

    from modules.sales.pipeline.models import OpportunityLine

    opp = sales.opportunity("Roll-out", company_id=setup["gold_company"], owner_id=setup["manager"].id,
                            channel="field")
    with sales_app.app_context():
        toolkit.db.session.add(OpportunityLine(opportunity_id=opp, product_id=setup["widget"], quantity=Decimal("7"),
                                               unit_price=Decimal("9.00"), discount=Decimal("0"),
                                               amount=Decimal("63.00")))
        toolkit.db.session.commit()
    client = _login(sales_app, setup["manager"])
    assert 'href="/sales/quotes/new"' in client.get("/sales/quotes/").get_data(as_text=True)
    page = client.get(f"/sales/quotes/new?opportunity_id={opp}").get_data(as_text=True)
    assert 'value="W-1"' in page and 'value="7"' in page
    assert f'name="company_id" value="{setup["gold_company"]}"' in page
    assert '<option value="field" selected>' in page


def test_changing_the_channel_of_a_quote_prices_its_lines_again_but_keeps_typed_prices(
    sales_app: Flask, setup: Any,
) -> None:
    api = setup["api"]
    quote = quote_via_api(api, setup["gold_company"], [{"product_id": setup["widget"], "quantity": "1"},
                                                       {"product_id": setup["widget"], "quantity": "1",
                                                        "unit_price": "3.00"}], channel="web")
    assert [line["unit_price"] for line in quote["lines"]] == ["10.00", "3.00"]
    moved = api("PATCH", f"/quotes/{quote['id']}", json={"version": quote["version"], "channel": "field"})
    assert moved.status_code == 200, moved.get_json()
    assert [line["unit_price"] for line in moved.get_json()["lines"]] == ["9.00", "3.00"]
    assert moved.get_json()["amount_untaxed"] == "12.00"


def test_the_quote_page_links_its_opportunity(sales_app: Flask, setup: Any, sales: Any) -> None:
    opp = sales.opportunity("Link me", company_id=setup["gold_company"], owner_id=setup["manager"].id)
    quote = quote_via_api(setup["api"], setup["gold_company"], [{"product_id": setup["widget"], "quantity": "1"}],
                          opportunity_id=opp)
    page = _login(sales_app, setup["manager"]).get(f"/sales/quotes/{quote['id']}").get_data(as_text=True)
    assert f'href="/sales/opportunities/{opp}"' in page


def test_the_opportunity_page_shows_its_quotes_and_orders_with_a_new_quote_button(
    sales_app: Flask, setup: Any, sales: Any,
) -> None:
    opp = sales.opportunity("Panel deal", company_id=setup["gold_company"], owner_id=setup["manager"].id)
    api = setup["api"]
    client = _login(sales_app, setup["manager"])
    empty = client.get(f"/sales/opportunities/{opp}").get_data(as_text=True)
    assert "Quotes and orders" in empty and f"/sales/quotes/new?opportunity_id={opp}" in empty
    quote = quote_via_api(api, setup["gold_company"], [{"product_id": setup["widget"], "quantity": "1"}],
                          opportunity_id=opp)
    order = accepted_order(api, quote)
    page = client.get(f"/sales/opportunities/{opp}").get_data(as_text=True)
    assert quote["number"] in page and order["number"] in page


def test_global_search_finds_documents_by_number_within_the_record_rule(
    sales_app: Flask, setup: Any, make_user: Any,
) -> None:
    api = setup["api"]
    order = accepted_order(api, quote_via_api(api, setup["gold_company"],
                                              [{"product_id": setup["widget"], "quantity": "1"}]))
    client = _login(sales_app, setup["manager"])
    found = client.get(f"/search?q={order['number']}").get_data(as_text=True)
    assert f"/sales/orders/{order['id']}" in found and "Goldhaus GmbH" in found
    stranger = _login(sales_app, make_user(sales_app, "user"))
    assert f"/sales/orders/{order['id']}" not in stranger.get(f"/search?q={order['number']}").get_data(as_text=True)
