"""Won and lost opportunities reach the customer's timeline and the webhooks subscribed to them."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask

from core import toolkit
from core.webhooks import Webhook, WebhookDelivery
from modules.sales.tests.test_pipeline_kanban import move


def _subscribe(app: Flask, events: list[str]) -> int:
    from core.webhooks.delivery import forget_cache
    from core.webhooks.signing import new_secret

    with app.app_context():
        hook = Webhook(url="http://127.0.0.1:9/hook", events=events, secret=new_secret(), description="", active=True)
        toolkit.db.session.add(hook)
        toolkit.db.session.commit()
        forget_cache()
        return hook.id


def _deliveries(app: Flask) -> list[tuple[str, dict[str, Any]]]:
    with app.app_context():
        rows = toolkit.db.session.scalars(toolkit.sa.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        return [(row.event_name, json.loads(row.body)) for row in rows]


def test_won_and_lost_go_to_subscribed_webhooks_and_the_timeline(sales_app: Flask, sales: Any,
                                                                 client_as: Any) -> None:
    _subscribe(sales_app, ["opportunity.*"])
    p = sales.pipeline()
    company = sales.company("Timeline GmbH")
    won_id = sales.opportunity("Big win", amount="1200", stage="Negotiation", company_id=company)
    lost_id = sales.opportunity("Near miss", amount="300", stage="Proposal", company_id=company)
    client = client_as(sales_app, "admin")
    assert move(client, won_id, p["stages"]["Won"], version=sales.get(won_id).version).status_code == 200
    assert move(client, lost_id, p["stages"]["Lost"], version=sales.get(lost_id).version,
                lost_reason="Price too high").status_code == 200

    sent = _deliveries(sales_app)
    assert [name for name, _body in sent] == ["opportunity.won", "opportunity.lost"]
    won, lost = sent[0][1], sent[1][1]
    assert (won["event"], won["module"], won["data"]["id"], won["data"]["amount"]) == (
        "opportunity.won", "sales", won_id, "1200.00")
    assert (lost["event"], lost["data"]["id"], lost["data"]["company_id"]) == ("opportunity.lost", lost_id, company)

    page = client.get(f"/contacts/companies/{company}").get_data(as_text=True)
    assert "Big win" in page and "Near miss" in page


def test_an_unrelated_subscription_gets_nothing(sales_app: Flask, sales: Any, client_as: Any) -> None:
    _subscribe(sales_app, ["invoice.paid"])
    p = sales.pipeline()
    opp_id = sales.opportunity("Quiet win", stage="Negotiation")
    client = client_as(sales_app, "admin")
    assert move(client, opp_id, p["stages"]["Won"], version=sales.get(opp_id).version).status_code == 200
    assert _deliveries(sales_app) == []
