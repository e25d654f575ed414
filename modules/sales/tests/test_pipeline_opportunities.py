"""Opportunity pages: the form's field errors, list search/filters and its query count, the detail page
(probability from the stage or by hand, the learned probability, weighted amount, product lines priced by the
products module, panels from other modules, stage history with durations) and the record rules."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask

from core import toolkit
from core.testing import csrf_token, sql_statements
from modules.sales.pipeline.models import Opportunity, OpportunityLine, StageHistory


def form(client: Any, url: str, **values: Any) -> Any:
    data = {"csrf_token": csrf_token(client, "/sales/opportunities/"), **{k: str(v) for k, v in values.items()}}
    return client.post(url, data=data)


def test_form_names_each_bad_field_and_writes_nothing(sales_app: Flask, sales: Any, client_as: Any) -> None:
    p = sales.pipeline()
    other = sales.new_pipeline("Other")
    client = client_as(sales_app, "admin")
    response = form(client, "/sales/opportunities/new", name="", pipeline_id=p["id"],
                    stage_id=other["stages"]["New"], amount="-5", probability="150", priority="9")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in ("name", "amount", "probability", "priority"):
        assert re.search(rf'id="field-{field}-error"', html), field
    assert sales.count(Opportunity) == 0
    response = form(client, "/sales/opportunities/new", name="No customer", pipeline_id=p["id"],
                    stage_id=other["stages"]["New"], amount="10")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose a company or a contact" in html and "Choose a stage of this opportunity" in html
    assert sales.count(Opportunity) == 0


def test_create_edit_and_lost_from_the_form(sales_app: Flask, sales: Any, client_as: Any) -> None:
    p = sales.pipeline()
    client = client_as(sales_app, "user")
    company = sales.company("Form GmbH", owner_id=client.user.id)
    response = form(client, "/sales/opportunities/new", name="Form deal", pipeline_id=p["id"], company_id=company,
                    amount="2000", expected_close="2027-03-31", channel="field", priority="2")
    assert response.status_code == 302, response.get_data(as_text=True)
    opp_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    opp = sales.get(opp_id)
    assert (opp.stage_id, opp.probability, opp.weighted_amount) == (p["stages"]["New"], 10, Decimal("200.00"))
    assert opp.owner_id == client.user.id and opp.currency == "EUR"
    edit = f"/sales/opportunities/{opp_id}/edit"
    base = dict(name="Form deal", pipeline_id=p["id"], company_id=company, amount="2000", version=opp.version)
    refused = form(client, edit, **base, stage_id=p["stages"]["Lost"])
    assert refused.status_code == 422 and 'id="field-lost_reason-error"' in refused.get_data(as_text=True)
    assert sales.get(opp_id).status == "open"
    by_hand = form(client, edit, **base, stage_id=p["stages"]["Proposal"], probability_manual="1", probability="65")
    assert by_hand.status_code == 302
    opp = sales.get(opp_id)
    assert (opp.stage_id, opp.probability, opp.weighted_amount) == (p["stages"]["Proposal"], 65, Decimal("1300.00"))
    lost = form(client, edit, **{**base, "version": opp.version}, stage_id=p["stages"]["Lost"], lost_reason="Budget")
    assert lost.status_code == 302
    opp = sales.get(opp_id)
    assert (opp.status, opp.lost_reason) == ("lost", "Budget")
    again = form(client, edit, **{**base, "version": opp.version}, stage_id=p["stages"]["New"])
    assert again.status_code == 422 and "cannot be moved" in again.get_data(as_text=True)
    assert sales.get(opp_id).status == "lost"
    assert sales.count(StageHistory, StageHistory.opportunity_id == opp_id) == 3


def test_detail_shows_probabilities_weighted_amount_and_history(sales_app: Flask, sales: Any, client_as: Any) -> None:
    p = sales.pipeline()
    opp_id = sales.opportunity("Detailed", amount="1000", stage="New")
    client = client_as(sales_app, "admin")
    with sales_app.app_context():
        opp = toolkit.db.session.get(Opportunity, opp_id)
        start = toolkit.utcnow() - timedelta(days=3, hours=4)
        opp.stage_entered_at = start
        toolkit.db.session.execute(sa.update(StageHistory).values(changed_at=start))
        toolkit.db.session.commit()
    moved = form(client, f"/sales/opportunities/{opp_id}/move", stage_id=p["stages"]["Negotiation"],
                 version=sales.get(opp_id).version)
    assert moved.status_code == 302 and sales.get(opp_id).stage_id == p["stages"]["Negotiation"]
    with sales_app.app_context():
        toolkit.db.session.get(Opportunity, opp_id).learned_probability = Decimal("62.40")
        toolkit.db.session.commit()
    html = client.get(f"/sales/opportunities/{opp_id}").get_data(as_text=True)
    assert '<span class="probability">75 %</span>' in html
    assert "Learned: 62%" in html
    assert "€750.00" in html  # weighted
    history = html.split('id="stage-history"')[1]
    assert "New" in history and "Negotiation" in history and "3 d 4 h" in history


def _catalog(app: Flask) -> int:
    from modules.products.models import PriceList, PriceListItem, Product

    with app.app_context():
        product = Product(sku="TAB-1", name="Tablet", list_price=Decimal("500.00"), cost=Decimal("300.00"),
                          currency="EUR", tax_rate=Decimal("19.00"), active=True, type="goods", unit="pc")
        toolkit.db.session.add(product)
        toolkit.db.session.flush()
        gold = PriceList(name="Gold field", currency="EUR", customer_tier="gold", channel="field",
                         valid_from=date(2020, 1, 1), active=True)
        gold.items.append(PriceListItem(product_id=product.id, min_quantity=Decimal("1"), unit_price=Decimal("420.00")))
        gold.items.append(PriceListItem(product_id=product.id, min_quantity=Decimal("10"), unit_price=Decimal("400.00")))
        toolkit.db.session.add(gold)
        toolkit.db.session.commit()
        return product.id


def test_product_lines_are_priced_for_the_customers_tier_and_channel(sales_app: Flask, sales: Any,
                                                                       client_as: Any) -> None:
    product = _catalog(sales_app)
    gold_company = sales.company("Gold AG", tier="gold")
    opp_id = sales.opportunity("Tablets", amount="0", stage="Proposal", company_id=gold_company, channel="field")
    client = client_as(sales_app, "admin")
    url = f"/sales/opportunities/{opp_id}/lines"
    assert form(client, url, product_id=product, quantity="10", discount="5").status_code == 302
    with sales_app.app_context():
        line = toolkit.db.session.scalars(sa.select(OpportunityLine)).one()
        assert (line.unit_price, line.amount) == (Decimal("400.00"), Decimal("3800.00"))
    opp = sales.get(opp_id)
    assert (opp.amount, opp.weighted_amount) == (Decimal("3800.00"), Decimal("1900.00"))
    # bad input: a message each, nothing written
    for values, message in (({"product_id": product, "quantity": "0"}, "Quantity"),
                            ({"product_id": 99999, "quantity": "1"}, "Product"),
                            ({"product_id": product, "quantity": "1", "discount": "120"}, "Discount")):
        response = form(client, url, **values)
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert message in page
    assert sales.count(OpportunityLine) == 1
    standard = sales.opportunity("Tablets web", amount="0", stage="New", channel="web")
    form(client, f"/sales/opportunities/{standard}/lines", product_id=product, quantity="2")
    with sales_app.app_context():
        line = toolkit.db.session.scalars(sa.select(OpportunityLine).where(OpportunityLine.opportunity_id == standard)).one()
        assert line.unit_price == Decimal("500.00")


def test_panels_from_other_modules_are_shown(sales_app: Flask, sales: Any, client_as: Any) -> None:
    class Rivals:
        @toolkit.hookimpl
        def sales_opportunity_panels(self, opportunity_id: int) -> list[dict[str, Any]]:
            from markupsafe import Markup

            return [{"title": "Competitors", "html": Markup(f"<p class='rivals'>Rival for #{opportunity_id}</p>")}]

    sales_app.extensions["crm"].pm.register(Rivals(), name="rivals-test")
    opp_id = sales.opportunity("Contested deal")
    html = client_as(sales_app, "admin").get(f"/sales/opportunities/{opp_id}").get_data(as_text=True)
    assert "Competitors" in html and f"<p class='rivals'>Rival for #{opp_id}</p>" in html


def test_users_see_own_and_managers_their_team(sales_app: Flask, sales: Any, client_as: Any, make_user: Any) -> None:
    manager = client_as(sales_app, "manager", department="Team North")
    rep = make_user(sales_app, "user", department="Team North")
    stranger = make_user(sales_app, "user", department="Team South")
    rep_client = client_as(sales_app, "user", department="Team North")
    rep_opp = sales.opportunity("Rep deal", owner_id=rep.id, department_id=rep.department_id)
    own = sales.opportunity("Own deal", owner_id=rep_client.user.id, department_id=rep_client.user.department_id)
    far = sales.opportunity("Far deal", owner_id=stranger.id, department_id=stranger.department_id)
    listing = rep_client.get("/sales/opportunities/").get_data(as_text=True)
    assert "Own deal" in listing and "Rep deal" not in listing and "Far deal" not in listing
    assert rep_client.get(f"/sales/opportunities/{rep_opp}").status_code == 404
    team = manager.get("/sales/opportunities/").get_data(as_text=True)
    assert "Own deal" in team and "Rep deal" in team and "Far deal" not in team
    assert manager.get(f"/sales/opportunities/{far}").status_code == 404
    assert manager.get(f"/sales/opportunities/{own}").status_code == 200


def test_list_search_filter_and_sort(sales_app: Flask, sales: Any, client_as: Any) -> None:
    p = sales.pipeline()
    sales.opportunity("Alpha turbines", amount="300", stage="New")
    sales.opportunity("Beta pumps", amount="100", stage="Proposal")
    sales.opportunity("Gamma pumps", amount="200", stage="Won")
    client = client_as(sales_app, "admin")
    html = client.get("/sales/opportunities/?q=Beta").get_data(as_text=True)
    assert "Beta pumps" in html and "Alpha turbines" not in html
    html = client.get("/sales/opportunities/?status=won").get_data(as_text=True)
    assert "Gamma pumps" in html and "Beta pumps" not in html
    html = client.get(f"/sales/opportunities/?stage={p['stages']['Proposal']}").get_data(as_text=True)
    assert "Beta pumps" in html and "Gamma pumps" not in html
    html = client.get("/sales/opportunities/?sort=amount").get_data(as_text=True)
    assert html.index("Beta pumps") < html.index("Gamma pumps") < html.index("Alpha turbines")


def _statements(app: Flask, client: Any, url: str) -> int:
    with sql_statements(app) as seen:
        assert client.get(url).status_code == 200
    return len(seen)


def test_list_query_count_does_not_grow_with_rows(sales_app: Flask, sales: Any, client_as: Any) -> None:
    client = client_as(sales_app, "user")
    for i in range(3):
        sales.opportunity(f"Few {i}", owner_id=client.user.id)
    url = "/sales/opportunities/?status=open"
    few = _statements(sales_app, client, url)
    for i in range(40):
        sales.opportunity(f"Many {i}", owner_id=client.user.id, stage=("New", "Proposal")[i % 2])
    assert _statements(sales_app, client, url) == few
