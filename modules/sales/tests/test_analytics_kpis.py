"""Sales KPI widgets, the refresh job and the tiers it sets, against figures worked out by hand.

The shop: Acme (a company in Bavaria) ordered twice in the last twelve months
from Ann (web, 3 × 100 of a hardware product costing 60) and from Ben
(partner, 2 × 50 of a service costing 20); Ada (a person in Berlin) ordered
1,000 thirteen months ago, and 5,000 last week that was cancelled.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from core import toolkit
from core.toolkit import sa


def _login(app: Any, user_id: int) -> Any:
    from flask_login import login_user

    ctx = app.test_request_context("/")
    ctx.push()
    login_user(toolkit.db.session.get(toolkit.User, user_id))
    return ctx


def _render(app: Any, user_id: int, fn: Any) -> dict[str, Any]:
    ctx = _login(app, user_id)
    try:
        return fn(toolkit.db.session.get(toolkit.User, user_id))
    finally:
        ctx.pop()


def _series(context: dict[str, Any], label: str) -> dict[str, Any]:
    chart = context["chart"]
    for dataset in chart["datasets"]:
        if dataset["label"] == label:
            return dict(zip(chart["labels"], dataset["data"], strict=True))
    raise AssertionError(f"no series {label!r} in {chart}")


def _figure(context: dict[str, Any], label: str) -> dict[str, Any]:
    for figure in context["figures"]:
        if str(figure["label"]) == label:
            return figure
    raise AssertionError(f"no figure {label!r} in {context['figures']}")


def add_order(customer: dict[str, Any], *, owner: int | None, department: int | None, channel: str, days_ago: int,
              lines: list[tuple[int, str, str, str]], status: str = "confirmed", number: str) -> int:
    """An order with ``lines`` of (product id, quantity, unit price, unit cost); amounts as the documents part sums them."""
    from modules.sales.documents.models import OrderLine, SalesOrder

    untaxed = sum((Decimal(q) * Decimal(p) for _pid, q, p, _c in lines), Decimal("0"))
    order = SalesOrder(number=number, channel=channel, order_date=toolkit.utcnow().date() - timedelta(days=days_ago),
                       status=status, currency="EUR", amount_untaxed=untaxed, amount_tax=Decimal("0"),
                       amount_total=untaxed, owner_id=owner, department_id=department, **customer)
    toolkit.db.session.add(order)
    toolkit.db.session.flush()
    for pid, quantity, price, cost in lines:
        subtotal = Decimal(quantity) * Decimal(price)
        toolkit.db.session.add(OrderLine(order_id=order.id, product_id=pid, quantity=Decimal(quantity),
                                         unit_price=Decimal(price), subtotal=subtotal, total=subtotal,
                                         cost=Decimal(cost)))
    toolkit.db.session.flush()
    return order.id


@pytest.fixture
def shop(sales_app, make_user):
    from core.testing import make_department
    from modules.contacts.models import Company, Contact
    from modules.products.models import Category, Product

    app = sales_app
    team = make_department(app, "Sales")
    other = make_department(app, "Export")
    ann = make_user(app, "user", department=team)
    ben = make_user(app, "user", department=other)
    boss = make_user(app, "manager", department=team)
    admin = make_user(app, "admin")
    with app.app_context():
        session = toolkit.db.session
        hardware, services = Category(name="Hardware", path=""), Category(name="Services", path="")
        session.add_all([hardware, services])
        session.flush()
        box = Product(sku="BOX", name="Box", category_id=hardware.id, type="goods", unit="pc", cost=Decimal("60"),
                      list_price=Decimal("100"), currency="EUR", tax_rate=Decimal("19"), active=True)
        help_ = Product(sku="HELP", name="Help", category_id=services.id, type="service", unit="h",
                        cost=Decimal("20"), list_price=Decimal("50"), currency="EUR", tax_rate=Decimal("19"),
                        active=True)
        acme = Company(name="Acme", name_key="acme", region="Bavaria", tier="standard", owner_id=ann.id)
        gold = Company(name="Goldie", name_key="goldie", tier="gold")  # never ordered: keeps its tier
        ada = Contact(first_name="Ada", last_name="Lovelace", name_key="lovelace ada", region="Berlin",
                      tier="platinum", owner_id=ann.id)
        session.add_all([box, help_, acme, gold, ada])
        session.flush()
        team_id, other_id = ann.department_id, ben.department_id
        add_order({"company_id": acme.id}, owner=ann.id, department=team_id, channel="web", days_ago=10,
                  lines=[(box.id, "3", "100", "60")], number="SO-1")
        add_order({"company_id": acme.id}, owner=ben.id, department=other_id, channel="partner", days_ago=100,
                  lines=[(help_.id, "2", "50", "20")], number="SO-2")
        add_order({"contact_id": ada.id}, owner=ann.id, department=team_id, channel="web", days_ago=400,
                  lines=[(box.id, "10", "100", "60")], number="SO-3")
        add_order({"contact_id": ada.id}, owner=ann.id, department=team_id, channel="web", days_ago=5,
                  lines=[(box.id, "50", "100", "60")], number="SO-4", status="cancelled")
        session.commit()
        app.ids = {"ann": ann.id, "ben": ben.id, "boss": boss.id, "admin": admin.id, "acme": acme.id,  # type: ignore[attr-defined]
                   "gold": gold.id, "ada": ada.id, "hardware": hardware.id}
    return app


def test_revenue_growth_channel_and_salesperson_from_live_orders(shop):
    from modules.sales.analytics import kpi_widgets as w

    admin = shop.ids["admin"]
    growth = _render(shop, admin, w.revenue_growth)
    revenue = _figure(growth, "Revenue (12 months)")
    # 300 + 100 in the last twelve months; 1,000 in the twelve before (the cancelled order counts nowhere)
    assert revenue["value"] == Decimal("400") and revenue["currency"] == "EUR"
    assert revenue["delta"] == -60.0
    channel = _series(_render(shop, admin, w.revenue_by_channel), "EUR")
    assert channel == {"Web": 300.0, "Partner": 100.0}
    people = _series(_render(shop, admin, w.revenue_by_salesperson), "EUR")
    assert sorted(people.values()) == [100.0, 300.0]
    months = _series(_render(shop, admin, w.revenue_by_month), "EUR")
    assert len(months) == 12 and sum(months.values()) == 400.0


def test_widgets_follow_the_order_record_rules(shop):
    from modules.sales.analytics import kpi_widgets as w

    # the manager's team is Ann's: Ben's partner order (another team) is not theirs
    boss = _series(_render(shop, shop.ids["boss"], w.revenue_by_channel), "EUR")
    assert boss == {"Web": 300.0}


def test_refresh_job_customer_statistics_profitability_repeat_purchases_and_region(shop):
    from modules.sales.analytics import kpi_widgets as w
    from modules.sales.analytics.kpis import refresh_kpis
    from modules.sales.analytics.tables import CustomerStats

    with shop.app_context():
        result = refresh_kpis()
        assert result["customers"] == 2
        acme = toolkit.db.session.scalars(sa.select(CustomerStats).where(CustomerStats.company_id == shop.ids["acme"])).one()
        assert (acme.orders, acme.orders_12m) == (2, 2)
        assert acme.revenue_12m == Decimal("400.00")
        assert acme.cost_12m == Decimal("220.00")  # 3 × 60 + 2 × 20
        assert acme.profit_12m == Decimal("180.00")
        assert acme.interval_days == Decimal("90.0")  # orders 100 and 10 days ago
        ada = toolkit.db.session.scalars(sa.select(CustomerStats).where(CustomerStats.contact_id == shop.ids["ada"])).one()
        assert (ada.orders, ada.orders_12m, ada.revenue, ada.revenue_12m) == (1, 0, Decimal("1000.00"), Decimal("0.00"))
        assert ada.interval_days is None

    admin = shop.ids["admin"]
    table = _render(shop, admin, w.customer_profitability)
    assert table["rows"] == [["Acme", "€400.00", "€220.00", "€180.00", "45.0 %"]]
    repeat = _render(shop, admin, w.repeat_purchase)
    assert _figure(repeat, "Repeat-purchase rate")["value"] == "50.0 %"
    assert _figure(repeat, "Average days between orders")["value"] == 90.0
    region = _series(_render(shop, admin, w.revenue_by_region), "EUR")
    assert region["Bavaria"] == 400.0 and region.get("Berlin", 0) == 0
    # customer figures follow the customers' record rule: Ben owns no customer, Ann both
    assert _render(shop, shop.ids["ben"], w.revenue_by_region)["chart"]["labels"] == []
    assert _series(_render(shop, shop.ids["ann"], w.revenue_by_region), "EUR")["Bavaria"] == 400.0
    assert _render(shop, shop.ids["ben"], w.customer_profitability)["rows"] == []
    category = _series(_render(shop, admin, w.revenue_by_category), "EUR")
    assert category == {"Hardware": 300.0, "Services": 100.0}  # the 13-month-old order is outside the year
    # Ann (rule own) sees only her own orders' categories
    ann_category = _series(_render(shop, shop.ids["ann"], w.revenue_by_category), "EUR") \
        if _render(shop, shop.ids["ann"], w.revenue_by_category)["chart"]["labels"] else {}
    assert ann_category in ({}, {"Hardware": 300.0})


def test_refresh_job_sets_annual_spend_and_tier_from_the_thresholds(shop):
    from modules.contacts.models import Company, Contact
    from modules.sales.analytics.kpis import refresh_kpis

    shop.config["CRM_SALES_TIER_SILVER"] = "300"
    with shop.app_context():
        refresh_kpis()
        acme = toolkit.db.session.get(Company, shop.ids["acme"])
        assert (acme.tier, acme.annual_spend) == ("silver", Decimal("400.00"))
        ada = toolkit.db.session.get(Contact, shop.ids["ada"])
        # bought nothing in the last twelve months: back to standard
        assert (ada.tier, ada.annual_spend) == ("standard", Decimal("0.00"))
        assert toolkit.db.session.get(Company, shop.ids["gold"]).tier == "gold"
    shop.config["CRM_SALES_TIER_SILVER"] = "500"
    with shop.app_context():
        assert refresh_kpis()["tiers_changed"] == 1
        assert toolkit.db.session.get(Company, shop.ids["acme"]).tier == "standard"
        assert refresh_kpis()["tiers_changed"] == 0  # nothing changes twice


def test_default_thresholds_are_silver_gold_platinum(shop):
    from modules.sales.analytics.kpis import tier_for, tier_thresholds

    with shop.app_context():
        thresholds = tier_thresholds()
    assert thresholds == [("platinum", Decimal("200000")), ("gold", Decimal("50000")), ("silver", Decimal("10000"))]
    assert [tier_for(Decimal(x), thresholds) for x in ("9999.99", "10000", "50000", "250000")] == \
        ["standard", "silver", "gold", "platinum"]


def _closed(sales: Any, name: str, *, stage_path: list[str], created: datetime, closed: datetime | None,
            amount: str, owner: int | None = None) -> int:
    """An opportunity that went through ``stage_path`` (the last one Won, Lost or an open stage)."""
    from modules.sales.pipeline.models import Opportunity, StageHistory

    info = sales.pipeline()
    stages = info["stages"]
    customer = sales.company(f"Customer of {name}")
    with sales.app.app_context():
        last = stages[stage_path[-1]]
        status = "won" if stage_path[-1] == "Won" else ("lost" if stage_path[-1] == "Lost" else "open")
        opp = Opportunity(name=name, pipeline_id=info["id"], stage_id=last, company_id=customer, amount=Decimal(amount),
                          currency="EUR", status=status, closed_at=closed, created_at=created, owner_id=owner,
                          lost_reason="Price" if status == "lost" else None, stage_entered_at=closed or created,
                          channel="web")
        toolkit.db.session.add(opp)
        toolkit.db.session.flush()
        previous = None
        for stage in stage_path:
            toolkit.db.session.add(StageHistory(opportunity_id=opp.id, from_stage_id=previous,
                                                to_stage_id=stages[stage], changed_at=created))
            previous = stages[stage]
        toolkit.db.session.commit()
        return opp.id


def test_win_rate_deal_size_cycle_and_conversion_by_stage(sales_app, sales, make_user):
    from modules.sales.analytics import kpi_widgets as w
    from modules.sales.analytics.kpis import refresh_kpis

    admin = make_user(sales_app, "admin").id
    now = datetime.utcnow().replace(microsecond=0)
    path_won = ["New", "Qualified", "Proposal", "Negotiation", "Won"]
    _closed(sales, "A", stage_path=path_won, created=now - timedelta(days=30), closed=now - timedelta(days=10),
            amount="1000")
    _closed(sales, "B", stage_path=path_won, created=now - timedelta(days=50), closed=now - timedelta(days=10),
            amount="3000")
    _closed(sales, "C", stage_path=["New", "Qualified", "Lost"], created=now - timedelta(days=20),
            closed=now - timedelta(days=5), amount="500")
    _closed(sales, "D", stage_path=["New", "Lost"], created=now - timedelta(days=20),
            closed=now - timedelta(days=5), amount="700")
    _closed(sales, "old", stage_path=path_won, created=now - timedelta(days=900), closed=now - timedelta(days=800),
            amount="99999")  # outside the year
    _closed(sales, "open", stage_path=["New", "Qualified"], created=now - timedelta(days=3), closed=None,
            amount="5")

    with sales_app.app_context():
        refresh_kpis()
    figures = _render(sales_app, admin, w.win_rate)
    assert _figure(figures, "Win rate (closed in 12 months)")["value"] == "50.0 %"
    size = _figure(figures, "Average deal size (won)")
    assert (size["value"], size["currency"]) == (Decimal("2000.00"), "EUR")
    assert _figure(figures, "Sales cycle (days from creation to won)")["value"] == 30.0  # (20 + 40) / 2

    chart = _render(sales_app, admin, w.stage_conversion)
    won_share = _series(chart, "Won, share of those that reached the stage (%)")
    reached = _series(chart, "Closed deals that reached the stage")
    # New: 4 closed deals reached it, 2 won; Qualified: 3 reached (A, B, C), 2 won; Proposal, Negotiation: 2 of 2
    assert reached == {"New": 4, "Qualified": 3, "Proposal": 2, "Negotiation": 2}
    assert won_share == {"New": 50.0, "Qualified": 66.7, "Proposal": 100.0, "Negotiation": 100.0}


def test_reports_page_widget_fragment_and_permissions(shop, client_as):
    manager = client_as(shop, "manager")
    page = manager.get("/sales/analytics/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Revenue by channel" in html and "widget-error" not in html
    assert manager.get("/sales/analytics/widgets/sales.revenue_by_channel").status_code == 200
    one = client_as(shop, "admin").get("/sales/analytics/widgets/sales.revenue_by_channel")
    assert one.status_code == 200 and 'data-chart="chart-sales-revenue_by_channel-data"' in one.get_data(as_text=True)
    assert manager.get("/sales/analytics/widgets/sales.nothing").status_code == 404
    rep = client_as(shop, "user")
    assert rep.get("/sales/analytics/").status_code == 403
    assert rep.get("/sales/analytics/widgets/sales.revenue_by_channel").status_code == 403


def test_every_widget_renders_on_an_empty_database(sales_app, client_as):
    admin = client_as(sales_app, "admin")
    html = admin.get("/sales/analytics/").get_data(as_text=True)
    assert "widget-error" not in html
    from modules.sales.analytics.kpi_widgets import widgets

    for widget in widgets():
        assert admin.get(f"/sales/analytics/widgets/{widget.key}").status_code == 200, widget.key


def test_month_helper_counts_back_over_new_year():
    from modules.sales.analytics.kpi_widgets import months_back

    assert months_back(date(2026, 2, 17), 4) == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1),
                                                 date(2026, 2, 1)]
