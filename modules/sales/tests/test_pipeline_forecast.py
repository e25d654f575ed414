"""Forecast sums per period, salesperson and team by forecast category, and quota attainment, against
hand-computed figures; the quota page's attainment; the query count does not grow with opportunities."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask

from core import toolkit
from core.testing import sql_statements
from modules.sales.pipeline.models import Opportunity, Quota


def _won_at(app: Flask, opp_id: int, when: datetime) -> None:
    with app.app_context():
        toolkit.db.session.get(Opportunity, opp_id).closed_at = when
        toolkit.db.session.commit()


def _quota(app: Flask, amount: str, start: date, end: date, user_id: int | None = None,
           department_id: int | None = None) -> int:
    with app.app_context():
        quota = Quota(user_id=user_id, department_id=department_id, period_start=start, period_end=end,
                      amount=Decimal(amount), currency="EUR")
        toolkit.db.session.add(quota)
        toolkit.db.session.commit()
        return quota.id


def rows(html: str) -> dict[tuple[str, str], list[str]]:
    """``{(period key, group id or 'total'): [cell texts]}`` of the forecast table."""
    found = {}
    for period, group, body in re.findall(r'<tr[^>]*data-period="([^"]+)" data-group="([^"]*)">(.*?)</tr>', html, re.S):
        found[(period, group)] = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]
    return found


def test_forecast_by_quarter_and_salesperson_with_attainment(sales_app: Flask, sales: Any, client_as: Any,
                                                              make_user: Any) -> None:
    admin = client_as(sales_app, "admin")
    ann = make_user(sales_app, "user", department="North")
    bob = make_user(sales_app, "user", department="North")
    q1 = date(2027, 2, 10)
    # Ann, Q1 2027: open 1000 (New, pipeline), 2000 (Proposal, best case), 3000 (Negotiation, commit); won 4000
    sales.opportunity("A1", amount="1000", stage="New", owner_id=ann.id, expected_close=q1)
    sales.opportunity("A2", amount="2000", stage="Proposal", owner_id=ann.id, expected_close=date(2027, 3, 31))
    sales.opportunity("A3", amount="3000", stage="Negotiation", owner_id=ann.id, expected_close=date(2027, 1, 1))
    won = sales.opportunity("A4", amount="4000", stage="Won", owner_id=ann.id, expected_close=q1)
    _won_at(sales_app, won, datetime(2027, 3, 15, 12))
    lost = sales.opportunity("A5", amount="9999", stage="Lost", owner_id=ann.id, lost_reason="x", expected_close=q1)
    _won_at(sales_app, lost, datetime(2027, 3, 15, 12))  # lost: counted nowhere
    # Bob, Q1: 500 commit; Q2: 700 pipeline; a won deal of Q4 2026 outside the range
    sales.opportunity("B1", amount="500", stage="Negotiation", owner_id=bob.id, expected_close=q1)
    sales.opportunity("B2", amount="700", stage="Qualified", owner_id=bob.id, expected_close=date(2027, 4, 2))
    early = sales.opportunity("B3", amount="300", stage="Won", owner_id=bob.id)
    _won_at(sales_app, early, datetime(2026, 12, 31, 23))
    _quota(sales_app, "10000", date(2027, 1, 1), date(2027, 3, 31), user_id=ann.id)
    _quota(sales_app, "12000", date(2027, 1, 1), date(2027, 12, 31), user_id=bob.id)  # a year: 1/4 per quarter
    html = admin.get("/sales/forecast?period=quarter&group=owner&from=2027-01-01&to=2027-06-30").get_data(as_text=True)
    table = rows(html)
    ann_q1 = table[("2027-1", str(ann.id))]
    # pipeline, best case, commit, won, weighted, quota, attainment
    assert ann_q1[2:] == ["€1,000.00", "€2,000.00", "€3,000.00", "€4,000.00", "€3,350.00", "€10,000.00", "40 %"]
    bob_q1 = table[("2027-1", str(bob.id))]
    days_q1 = (date(2027, 3, 31) - date(2027, 1, 1)).days + 1
    quota_q1 = (Decimal("12000") * days_q1 / 365).quantize(Decimal("0.01"))
    assert bob_q1[2:6] == ["€0.00", "€0.00", "€500.00", "€0.00"]
    assert bob_q1[7] == f"€{quota_q1:,.2f}" and bob_q1[8] == "0 %"
    assert table[("2027-2", str(bob.id))][2] == "€700.00"
    total_q1 = table[("2027-1", "total")]
    assert total_q1[2:6] == ["€1,000.00", "€2,000.00", "€3,500.00", "€4,000.00"]
    # by month: Ann's won deal is in March, her commit deal in January
    monthly = rows(admin.get("/sales/forecast?period=month&group=owner&from=2027-01-01&to=2027-03-31")
                   .get_data(as_text=True))
    assert monthly[("2027-3", str(ann.id))][5] == "€4,000.00"
    assert monthly[("2027-1", str(ann.id))][4] == "€3,000.00"


def test_forecast_by_team_needs_the_forecast_permission(sales_app: Flask, sales: Any, client_as: Any,
                                                         make_user: Any) -> None:
    manager = client_as(sales_app, "manager", department="East")
    rep = make_user(sales_app, "user", department="East")
    user = client_as(sales_app, "user", department="East")
    sales.opportunity("E1", amount="1500", stage="Negotiation", owner_id=rep.id, department_id=rep.department_id,
                      expected_close=date(2027, 5, 5))
    won = sales.opportunity("E2", amount="2500", stage="Won", owner_id=rep.id, department_id=rep.department_id)
    _won_at(sales_app, won, datetime(2027, 5, 20))
    _quota(sales_app, "5000", date(2027, 4, 1), date(2027, 6, 30), department_id=rep.department_id)
    table = rows(manager.get("/sales/forecast?period=quarter&group=team&from=2027-04-01&to=2027-06-30")
                 .get_data(as_text=True))
    team = table[("2027-2", str(rep.department_id))]
    assert team[1] == "East" and team[4] == "€1,500.00" and team[5] == "€2,500.00"
    assert team[7] == "€5,000.00" and team[8] == "50 %"
    # a salesperson without sales.forecast gets the per-salesperson view of their own deals only
    html = user.get("/sales/forecast?period=quarter&group=team&from=2027-04-01&to=2027-06-30").get_data(as_text=True)
    assert not any(group == str(rep.department_id) for _p, group in rows(html))
    assert "€1,500.00" not in html


def test_quota_page_shows_attainment(sales_app: Flask, sales: Any, client_as: Any, make_user: Any) -> None:
    rep = make_user(sales_app, "user")
    for amount, when in (("3000", datetime(2027, 1, 5)), ("1500", datetime(2027, 2, 1)), ("999", datetime(2027, 4, 1))):
        opp = sales.opportunity("W", amount=amount, stage="Won", owner_id=rep.id)
        _won_at(sales_app, opp, when)
    quota = _quota(sales_app, "6000", date(2027, 1, 1), date(2027, 3, 31), user_id=rep.id)
    html = client_as(sales_app, "admin").get(f"/sales/quotas/{quota}").get_data(as_text=True)
    assert re.search(r'class="quota-won">€4,500.00<', html)
    assert re.search(r'class="quota-attainment">75 %<', html)


def test_quota_form_needs_exactly_one_target(sales_app: Flask, client_as: Any, make_user: Any) -> None:
    from core.testing import csrf_token

    manager = client_as(sales_app, "manager", department="West")
    data = {"csrf_token": csrf_token(manager, "/sales/quotas/new"), "period_start": "2027-01-01",
            "period_end": "2026-12-31", "amount": "100", "currency": "EUR"}
    response = manager.post("/sales/quotas/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "exactly one" in html
    response = manager.post("/sales/quotas/new", data={**data, "user_id": str(manager.user.id)})
    assert response.status_code == 422 and "end on or after" in response.get_data(as_text=True)
    ok = manager.post("/sales/quotas/new", data={**data, "user_id": str(manager.user.id), "period_end": "2027-03-31"})
    assert ok.status_code == 302
    with sales_app.app_context():
        quota = toolkit.db.session.scalars(sa.select(Quota)).one()
        assert (quota.user_id, quota.department_id) == (manager.user.id, None)


def test_forecast_query_count_does_not_grow(sales_app: Flask, sales: Any, client_as: Any) -> None:
    client = client_as(sales_app, "admin")
    url = "/sales/forecast?period=month&group=owner&from=2027-01-01&to=2027-06-30"

    def statements() -> int:
        with sql_statements(sales_app) as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    sales.opportunity("F0", expected_close=date(2027, 1, 3), owner_id=client.user.id)
    few = statements()
    company = sales.company("Forecast customer")
    for i in range(25):
        sales.opportunity(f"F{i}", stage=("New", "Proposal", "Negotiation")[i % 3], company_id=company,
                          expected_close=date(2027, 1 + i % 6, 10), owner_id=client.user.id)
    assert statements() == few
