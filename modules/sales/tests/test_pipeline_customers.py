"""Sales on the customer: opportunities and sales records on the contacts timeline, re-pointed by a contacts
merge; pipeline and stage set-up pages; demo data; every page of the part answers."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Flask

from core import toolkit
from core.testing import csrf_token
from modules.sales.pipeline.models import Opportunity, Pipeline, Quota, SalesRecord, Stage


def _record(app: Flask, company_id: int, contact_id: int | None = None, amount: str = "99.00") -> int:
    from decimal import Decimal

    with app.app_context():
        row = SalesRecord(sold_on=date(2026, 10, 1), amount=Decimal(amount), currency="EUR", company_id=company_id,
                          contact_id=contact_id, notes="Counter sale")
        toolkit.db.session.add(row)
        toolkit.db.session.commit()
        return row.id


def test_company_timeline_shows_opportunities_and_purchases(sales_app: Flask, sales: Any, client_as: Any) -> None:
    company = sales.company("Timeline AG")
    sales.opportunity("Open on timeline", amount="100", company_id=company)
    sales.opportunity("Won on timeline", amount="200", stage="Won", company_id=company)
    _record(sales_app, company)
    html = client_as(sales_app, "admin").get(f"/contacts/companies/{company}").get_data(as_text=True)
    assert "Opportunity opened: Open on timeline" in html
    assert "Opportunity won: Won on timeline" in html
    assert "Purchase: €99.00" in html
    # a salesperson sees only their own opportunities there
    user = client_as(sales_app, "user")
    with sales_app.app_context():
        from modules.contacts.models import Company

        toolkit.db.session.get(Company, company).owner_id = user.user.id
        toolkit.db.session.commit()
    html = user.get(f"/contacts/companies/{company}").get_data(as_text=True)
    assert "Open on timeline" not in html


def test_merging_contacts_moves_their_opportunities_and_records(sales_app: Flask, sales: Any) -> None:
    from flask_login import login_user

    keep = sales.contact("Ada", "Lovelace")
    dup = sales.contact("Ada", "Lovelace")
    company = sales.company("Merge Ltd")
    opp = sales.opportunity("Dup deal", contact_id=dup)
    rec = _record(sales_app, company, contact_id=dup)
    with sales_app.test_request_context():
        from modules.sales.pipeline import customers

        admin = toolkit.db.session.scalars(sa.select(toolkit.User)).first()
        if admin is not None:
            login_user(admin)
        moved = customers.merge_records("contacts.contact", keep, [dup])
        toolkit.db.session.commit()
    assert moved == 2
    assert sales.get(opp).contact_id == keep
    with sales_app.app_context():
        assert toolkit.db.session.get(SalesRecord, rec).contact_id == keep


def test_manager_sets_up_pipelines_and_stages(sales_app: Flask, sales: Any, client_as: Any) -> None:
    manager = client_as(sales_app, "manager")
    token = csrf_token(manager, "/sales/pipelines/")
    created = manager.post("/sales/pipelines/new", data={"csrf_token": token, "name": "Partners", "currency": "USD",
                                                         "sequence": "30", "active": "1"})
    assert created.status_code == 302
    with sales_app.app_context():
        pipeline = toolkit.db.session.scalars(sa.select(Pipeline).where(Pipeline.name == "Partners")).one()
        pid = pipeline.id
    bad = manager.post(f"/sales/pipelines/{pid}/stages", data={"csrf_token": token, "name": "", "probability": "120",
                                                               "sequence": "10", "forecast_category": "pipeline"})
    assert bad.status_code == 422
    for name, prob in (("Lead", "10"), ("Deal", "60")):
        manager.post(f"/sales/pipelines/{pid}/stages", data={"csrf_token": token, "name": name, "probability": prob,
                                                             "sequence": "10", "forecast_category": "pipeline"})
    with sales_app.app_context():
        stages = {s.name: s.id for s in toolkit.db.session.scalars(sa.select(Stage).where(Stage.pipeline_id == pid))}
    assert set(stages) == {"Lead", "Deal"}
    manager.post(f"/sales/stages/{stages['Deal']}/up", data={"csrf_token": token})
    with sales_app.app_context():
        order = list(toolkit.db.session.scalars(sa.select(Stage.name).where(Stage.pipeline_id == pid)
                                                .order_by(Stage.sequence)))
    assert order == ["Deal", "Lead"]
    edit = manager.post(f"/sales/stages/{stages['Lead']}/edit", data={
        "csrf_token": token, "name": "Lead", "probability": "15", "sequence": "20", "forecast_category": "pipeline",
        "is_won": "1", "is_lost": "1"})
    assert edit.status_code == 422 and "either won or lost" in edit.get_data(as_text=True)
    # a user may read pipelines but not change them
    user = client_as(sales_app, "user")
    assert user.get("/sales/pipelines/").status_code == 200
    assert user.post("/sales/pipelines/new", data={"csrf_token": token, "name": "X"}).status_code in (400, 403)


def test_stage_in_use_cannot_be_deleted(sales_app: Flask, sales: Any, client_as: Any) -> None:
    p = sales.pipeline()
    sales.opportunity("Holds the stage", stage="Proposal")
    admin = client_as(sales_app, "admin")
    response = admin.post(f"/sales/stages/{p['stages']['Proposal']}/delete",
                          data={"csrf_token": csrf_token(admin, "/sales/pipelines/")})
    assert response.status_code == 302
    assert "move them first" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert sales.count(Stage, Stage.id == p["stages"]["Proposal"]) == 1


def test_demo_data(make_app: Any, client_as: Any) -> None:
    app = make_app(("contacts", "products", "sales"), demo=True)
    with app.app_context():
        session = toolkit.db.session
        assert session.scalar(sa.select(sa.func.count()).select_from(Pipeline)) == 2
        total = session.scalar(sa.select(sa.func.count()).select_from(Opportunity))
        assert 140 <= total <= 160
        statuses = dict(session.execute(sa.select(Opportunity.status, sa.func.count()).group_by(Opportunity.status)).all())
        assert statuses.get("won") and statuses.get("lost") and statuses.get("open")
        oldest = session.scalar(sa.select(sa.func.min(Opportunity.created_at)))
        assert (toolkit.utcnow() - oldest).days > 300
        pipeline_id = session.scalar(sa.select(Pipeline.id).order_by(Pipeline.id))
    admin = client_as(app, "admin")
    for url in (f"/sales/pipelines/{pipeline_id}/kanban", "/sales/forecast", "/sales/opportunities/",
                "/sales/quotas/", "/sales/records/", "/sales/forecast?group=team&period=month"):
        assert admin.get(url).status_code == 200, url
    with app.app_context():
        from modules.sales.analytics.tables import KpiRefresh, WinModelRun

        session = toolkit.db.session
        # quotas are made for the salespeople that own demo deals: none exist at a fresh install
        assert session.scalar(sa.select(sa.func.count()).select_from(Quota)) == 0
        # the demo's figures and win model are computed at install, not an hour later
        assert session.scalar(sa.select(sa.func.count()).select_from(KpiRefresh)) == 1
        run = session.scalars(sa.select(WinModelRun)).one()
        assert 0 < run.sample_size <= statuses["won"] + statuses["lost"]
        learned = session.scalar(sa.select(sa.func.count()).select_from(Opportunity)
                                 .where(Opportunity.status == "open", Opportunity.learned_probability.is_not(None)))
        assert learned == statuses["open"]
    reports = admin.get("/sales/analytics/").get_data(as_text=True)
    assert "Not computed yet" not in reports


def test_a_salesperson_records_a_sale_and_keeps_seeing_it(sales_app: Flask, sales: Any, client_as: Any) -> None:
    user = client_as(sales_app, "user")
    company = sales.company("Walk-in", owner_id=user.user.id)
    token = csrf_token(user, "/sales/records/new")
    bad = user.post("/sales/records/new", data={"csrf_token": token, "sold_on": "2026-11-02", "amount": "-3",
                                                "currency": "EUR", "company_id": str(company)})
    assert bad.status_code == 422 and 'id="field-amount-error"' in bad.get_data(as_text=True)
    ok = user.post("/sales/records/new", data={"csrf_token": token, "sold_on": "2026-11-02", "amount": "120.50",
                                               "currency": "EUR", "company_id": str(company), "notes": "Cash"})
    assert ok.status_code == 302
    with sales_app.app_context():
        record = toolkit.db.session.scalars(sa.select(SalesRecord)).one()
        assert (record.owner_id, str(record.amount)) == (user.user.id, "120.50")
    assert "Cash" in user.get("/sales/records/").get_data(as_text=True)
