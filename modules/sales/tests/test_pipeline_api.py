"""REST API: pipelines with stages, opportunities (filters, sort, cursor pages, 422s naming fields, a PATCH of
stage_id that moves exactly like the kanban), quotas and sales records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from modules.sales.pipeline.models import Opportunity, StageHistory
from modules.sales.tests.conftest import api_headers


@pytest.fixture
def api(sales_app: Flask, make_user: Any) -> Any:
    user = make_user(sales_app, "admin")
    headers = api_headers(sales_app, user)
    client = sales_app.test_client()

    def call(method: str, path: str, **kwargs: Any) -> Any:
        return client.open(f"/api/v1/{path}", method=method, headers=headers, **kwargs)

    call.user = user
    return call


def test_pipelines_come_with_their_stages(api: Any) -> None:
    body = api("GET", "pipelines").get_json()
    sales = body["data"][0]
    assert sales["name"] == "Sales"
    assert [s["name"] for s in sales["stages"]] == ["New", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]
    assert sales["stages"][4]["is_won"] and sales["stages"][2]["forecast_category"] == "best_case"


def test_bad_opportunity_is_a_422_naming_each_field(api: Any, sales: Any) -> None:
    p = sales.pipeline()
    response = api("POST", "opportunities", json={"name": "", "pipeline_id": p["id"], "amount": "-1",
                                                  "probability": 101, "channel": "fax", "currency": "euro"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {"name", "amount", "probability", "channel", "currency"} <= set(errors)
    response = api("POST", "opportunities", json={"name": "X", "pipeline_id": p["id"], "company_id": 123456})
    assert response.status_code == 422 and "company_id" in response.get_json()["errors"]
    response = api("POST", "opportunities", json={"name": "X", "pipeline_id": p["id"]})
    assert response.status_code == 422 and "company_id" in response.get_json()["errors"]
    assert sales.count(Opportunity) == 0


def test_create_move_to_won_by_patch_and_closed_refused(api: Any, sales: Any, sales_events: Any) -> None:
    p = sales.pipeline()
    company = sales.company("API buyer")
    created = api("POST", "opportunities", json={"name": "API deal", "pipeline_id": p["id"], "company_id": company,
                                                 "amount": "1200.00", "expected_close": "2027-02-01"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["stage_id"], body["probability"], body["weighted_amount"], body["status"]) == (
        p["stages"]["New"], 10, "120.00", "open")
    opp_id = body["id"]
    lost = api("PATCH", f"opportunities/{opp_id}", json={"stage_id": p["stages"]["Lost"], "version": body["version"]})
    assert lost.status_code == 422 and "lost_reason" in lost.get_json()["errors"]
    won = api("PATCH", f"opportunities/{opp_id}", json={"stage_id": p["stages"]["Won"], "version": body["version"]})
    assert won.status_code == 200, won.get_json()
    assert (won.get_json()["status"], won.get_json()["probability"]) == ("won", 100)
    assert won.get_json()["closed_at"] is not None
    assert "opportunity.won" in sales_events.names()
    assert sales.count(StageHistory, StageHistory.opportunity_id == opp_id) == 2
    refused = api("PATCH", f"opportunities/{opp_id}", json={"stage_id": p["stages"]["New"]})
    assert refused.status_code == 422 and "stage_id" in refused.get_json()["errors"]
    assert sales.get(opp_id).status == "won"
    stale = api("PATCH", f"opportunities/{opp_id}", json={"name": "Renamed", "version": body["version"]})
    assert stale.status_code == 409
    assert sales.get(opp_id).name == "API deal"


def test_filters_sort_and_cursor_pages(api: Any, sales: Any) -> None:
    p = sales.pipeline()
    company = sales.company("Paged")
    for i in range(5):
        sales.opportunity(f"P{i}", amount=str(100 * (i + 1)), stage="Proposal" if i % 2 else "New", company_id=company)
    sales.opportunity("Won one", stage="Won", company_id=company)
    body = api("GET", f"opportunities?stage_id={p['stages']['Proposal']}").get_json()
    assert sorted(o["name"] for o in body["data"]) == ["P1", "P3"]
    assert [o["name"] for o in api("GET", "opportunities?status=won").get_json()["data"]] == ["Won one"]
    first = api("GET", "opportunities?status=open&sort=-amount&limit=2").get_json()
    assert [o["amount"] for o in first["data"]] == ["500.00", "400.00"] and first["next"]
    second = api("GET", f"opportunities?status=open&sort=-amount&limit=2&cursor={first['next']}").get_json()
    assert [o["amount"] for o in second["data"]] == ["300.00", "200.00"]
    bad = api("GET", "opportunities?stage_id=abc")
    assert bad.status_code == 400 or bad.status_code == 422


def test_expected_close_range(api: Any, sales: Any) -> None:
    from datetime import date

    company = sales.company("Ranged")
    for day in (date(2027, 1, 31), date(2027, 2, 1), date(2027, 2, 28), date(2027, 3, 1)):
        sales.opportunity(f"Close {day.isoformat()}", expected_close=day, company_id=company)
    body = api("GET", "opportunities?expected_close_from=2027-02-01&expected_close_to=2027-02-28&sort=expected_close")
    assert [o["name"] for o in body.get_json()["data"]] == ["Close 2027-02-01", "Close 2027-02-28"]
    later = api("GET", "opportunities?expected_close_from=2027-02-28").get_json()["data"]
    assert sorted(o["name"] for o in later) == ["Close 2027-02-28", "Close 2027-03-01"]
    bad = api("GET", "opportunities?expected_close_to=someday")
    assert bad.status_code == 400 and "expected_close_to" in bad.get_json()["errors"]


def test_quotas_and_sales_records(api: Any, sales: Any, sales_app: Flask, make_user: Any) -> None:
    from core.testing import make_department

    team = make_department(sales_app, "API team")
    both = api("POST", "quotas", json={"user_id": api.user.id, "department_id": team, "period_start": "2027-01-01",
                                       "period_end": "2027-03-31", "amount": "1000"})
    assert both.status_code == 422 and "user_id" in both.get_json()["errors"]
    ok = api("POST", "quotas", json={"department_id": team, "period_start": "2027-01-01",
                                     "period_end": "2027-03-31", "amount": "1000"})
    assert ok.status_code == 201, ok.get_json()
    assert (ok.get_json()["user_id"], ok.get_json()["department_id"]) == (None, team)
    company = sales.company("Record buyer")
    record = api("POST", "sales-records", json={"sold_on": "2027-01-10", "amount": "250.00", "company_id": company,
                                                "notes": "Counter sale"})
    assert record.status_code == 201, record.get_json()
    assert record.get_json()["owner_id"] == api.user.id
    bad = api("POST", "sales-records", json={"sold_on": "2027-01-10", "amount": "x", "company_id": company})
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"amount"}
    missing = api("POST", "sales-records", json={"sold_on": "2027-01-10", "amount": "10"})
    assert missing.status_code == 422 and "company_id" in missing.get_json()["errors"]
    listed = api("GET", f"sales-records?company_id={company}").get_json()["data"]
    assert [r["amount"] for r in listed] == ["250.00"] and Decimal(listed[0]["amount"]) == Decimal("250")
