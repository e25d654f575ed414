"""Dashboard widgets and the completeness score: figures follow the reader's record rules, the
completeness of one profile and the dashboard's average agree, stale records are counted."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from core import toolkit
from modules.contacts.tests.activity_helpers import add_company, add_contact


def _login(app, user_id):
    """A request context signed in as ``user_id`` (widgets are rendered for a user in a request)."""
    from flask_login import login_user

    ctx = app.test_request_context("/")
    ctx.push()
    login_user(toolkit.db.session.get(toolkit.User, user_id))
    return ctx


@pytest.fixture
def shop(make_app, make_user):
    """Two sales reps with their own customers, and a manager of both (team rule)."""
    app = make_app(("contacts",))
    from core.testing import make_department

    team = make_department(app, "Sales")
    ann = make_user(app, "user", department=team)
    ben = make_user(app, "user", department=team)
    boss = make_user(app, "manager", department=team)
    add_contact(app, "A1", owner_id=ann.id, tier="gold", lifecycle_stage="customer", source_channel="web",
                country="DE")
    add_contact(app, "A2", owner_id=ann.id, tier="gold", lifecycle_stage="lead", country="DE")
    add_contact(app, "B1", owner_id=ben.id, tier="silver", lifecycle_stage="customer", source_channel="event",
                country="CN")
    add_company(app, "Ben's Co", owner_id=ben.id, tier="gold", country="CN")
    app.people = {"ann": ann.id, "ben": ben.id, "boss": boss.id}  # type: ignore[attr-defined]
    return app


def _series(context, label):
    chart = context["chart"]
    for dataset in chart["datasets"]:
        if dataset["label"] == label:
            return dict(zip(chart["labels"], dataset["data"], strict=True))
    return None


def test_tier_widget_counts_only_what_the_reader_may_see(shop):
    from modules.contacts import reports

    ctx = _login(shop, shop.people["ann"])
    try:
        ann = reports.by_tier(toolkit.db.session.get(toolkit.User, shop.people["ann"]))
    finally:
        ctx.pop()
    assert _series(ann, "People") == {"Gold": 2}
    assert _series(ann, "Companies") == {"Gold": 0}  # Ben's company is not hers
    ctx = _login(shop, shop.people["boss"])
    try:
        boss_user = toolkit.db.session.get(toolkit.User, shop.people["boss"])
        boss = reports.by_tier(boss_user)
        stage = reports.by_stage(boss_user)
        source = reports.by_source(boss_user)
        country = reports.by_country(boss_user)
    finally:
        ctx.pop()
    assert _series(boss, "People") == {"Silver": 1, "Gold": 2}
    assert _series(boss, "Companies") == {"Silver": 0, "Gold": 1}
    assert _series(stage, "People") == {"Prospect": 0, "Lead": 1, "Customer": 2}  # the company is a prospect
    assert _series(source, "People") == {"Website": 1, "Event": 1, "Not known": 1}
    assert _series(country, "Customers") == {"Germany": 2, "China": 2}


def test_dashboard_shows_the_widgets_with_the_readers_figures(shop, client_as):
    from core.testing import login

    client = shop.test_client()
    with shop.app_context():
        email = toolkit.db.session.get(toolkit.User, shop.people["ben"]).email
    assert login(client, email).status_code == 302
    page = client.get("/").get_data(as_text=True)
    for title in ("Customers by tier", "Customers by lifecycle stage", "Customers by source",
                  "Customers by country", "New customers per month", "Customer contact", "Customer data quality"):
        assert title in page, title
    assert "widget-error" not in page
    admin = client_as(shop, "admin").get("/").get_data(as_text=True)
    assert "widget-error" not in admin


def test_new_customers_per_month_and_interactions_per_customer(shop):
    from modules.contacts import reports
    from modules.contacts.models import Contact, Interaction

    with shop.app_context():
        contacts = list(toolkit.db.session.scalars(sa.select(Contact).where(Contact.owner_id == shop.people["ann"])))
        old = contacts[0]
        old.created_at = toolkit.utcnow() - timedelta(days=500)  # outside the twelve months
        for contact in contacts:
            for days in (1, 10):
                toolkit.db.session.add(Interaction(contact_id=contact.id, channel="call", summary="hi",
                                                   owner_id=shop.people["ann"],
                                                   occurred_at=toolkit.utcnow() - timedelta(days=days)))
        toolkit.db.session.add(Interaction(contact_id=contacts[1].id, channel="call", summary="long ago",
                                           owner_id=shop.people["ann"],
                                           occurred_at=toolkit.utcnow() - timedelta(days=400)))
        toolkit.db.session.commit()
    ctx = _login(shop, shop.people["ann"])
    try:
        user = toolkit.db.session.get(toolkit.User, shop.people["ann"])
        months = reports.new_per_month(user)
        kpi = reports.interactions_per_customer(user)
    finally:
        ctx.pop()
    people = months["chart"]["datasets"][0]["data"]
    assert len(people) == 12 and people[-1] == 1 and sum(people) == 1
    figures = {f["label"]: f["value"] for f in kpi["figures"]}
    assert figures["Interactions per customer (12 months)"] == 2.0  # 4 in the last year / 2 people
    assert figures["Interactions (12 months)"] == 4
    assert figures["Customers contacted in the last 90 days"] == "100 %"


def test_completeness_of_one_profile_and_the_average_agree(make_app):
    from modules.contacts import reports
    from modules.contacts.models import Company, Contact

    app = make_app(("contacts",))
    bare = add_contact(app, "Bare")
    full = add_contact(app, "Full", first_name="Fiona", email="f@example.org", mobile="+4915112345678",
                       position="Buyer", street="Hauptstr. 1", postal_code="10115", city="Berlin", country="DE",
                       source_channel="web", birthday=datetime(1990, 5, 1).date(), gender="female",
                       age_group="35_44", preferred_channel="email", interests="Cycling", owner_id=None)
    company = add_company(app, "Half Co", email="info@half.example", phone="+49301234567", country="DE")
    with app.app_context():
        bare_row, full_row = toolkit.db.session.get(Contact, bare), toolkit.db.session.get(Contact, full)
        assert reports.completeness(bare_row) == round(100 * 1 / 22)
        # everything but the company link and the owner (weights 1 + 1 of 22)
        assert reports.completeness(full_row) == round(100 * 20 / 22)
        full_row.company_id = company
        assert reports.completeness(full_row) == round(100 * 21 / 22)
        assert reports.completeness(toolkit.db.session.get(Company, company)) == round(100 * 9 / 19)
        toolkit.db.session.rollback()
        scores = dict(toolkit.db.session.execute(
            sa.select(Contact.id, reports.completeness_sql(Contact))).all())
        assert round(scores[bare]) == reports.completeness(toolkit.db.session.get(Contact, bare))
        assert round(scores[full]) == reports.completeness(toolkit.db.session.get(Contact, full))


def test_data_quality_counts_stale_records_and_follows_the_setting(make_app, make_user):
    from modules.contacts import reports
    from modules.contacts.models import Contact

    app = make_app(("contacts",), config={"CRM_CONTACTS_STALE_DAYS": 30})
    admin = make_user(app, "admin")
    fresh = add_contact(app, "Fresh", email="a@example.org")
    stale = add_contact(app, "Stale")
    with app.app_context():
        toolkit.db.session.execute(sa.update(Contact).where(Contact.id == stale)
                                   .values(updated_at=toolkit.utcnow() - timedelta(days=45)))
        toolkit.db.session.commit()
    ctx = _login(app, admin.id)
    try:
        figures = reports.data_quality(toolkit.db.session.get(toolkit.User, admin.id))["figures"]
    finally:
        ctx.pop()
    values = {f["label"]: f["value"] for f in figures}
    assert values["Stale records (not updated in 30 days)"] == 1
    assert values["Updated in the last 30 days"] == "50 %"
    assert values["Average completeness"] == f"{round((18 + 5) / 2)} %"  # stored scores 4/22 and 1/22
    assert fresh


def test_activity_panel_shows_completeness_quick_form_and_open_tasks(make_app, make_user):
    from flask import render_template

    from modules.contacts.activity import panel_context
    from modules.contacts.models import Contact, Task

    app = make_app(("contacts",))
    user = make_user(app, "user")
    contact_id = add_contact(app, "Panel", owner_id=user.id, email="p@example.org")
    with app.app_context():
        toolkit.db.session.add_all([
            Task(title="Open one", contact_id=contact_id, owner_id=user.id, due_at=toolkit.utcnow()),
            Task(title="Closed", contact_id=contact_id, owner_id=user.id, due_at=toolkit.utcnow(),
                 done_at=toolkit.utcnow()),
        ])
        toolkit.db.session.commit()
    ctx = _login(app, user.id)
    try:
        record = toolkit.db.session.get(Contact, contact_id)
        html = render_template("contacts/_activity_panel.html", **panel_context("contact", record))
    finally:
        ctx.pop()
    assert "Open one" in html and "Closed" not in html
    assert 'action="/contacts/interactions/quick"' in html
    assert f'name="contact_id" value="{contact_id}"' in html
    assert 'value="23"' in html  # completeness: last name, email and owner = 5 of 22


def test_bulk_written_rows_are_scored_by_the_refresh_task(make_app):
    from modules.contacts import reports
    from modules.contacts.models import Contact

    app = make_app(("contacts",))
    now = toolkit.utcnow()
    with app.app_context():
        # an import writes rows in bulk, past the ORM events that keep the score
        toolkit.db.session.execute(sa.insert(Contact.__table__), [
            {"last_name": f"Bulk {i}", "name_key": f"bulk {i}", "email": f"b{i}@example.org" if i % 2 else None,
             "tier": "standard", "lifecycle_stage": "lead", "custom": {}, "created_at": now, "updated_at": now,
             "version": 1}
            for i in range(5)
        ])
        toolkit.db.session.commit()
        assert toolkit.db.session.scalar(sa.select(sa.func.count()).where(Contact.completeness.is_(None))) == 5
        toolkit.enqueue("contacts.refresh_completeness")
        toolkit.db.session.commit()
        toolkit.db.session.expire_all()
        scores = dict(toolkit.db.session.execute(sa.select(Contact.last_name, Contact.completeness)).all())
        assert scores == {f"Bulk {i}": reports.completeness(Contact(last_name="x", email="e" if i % 2 else None))
                          for i in range(5)}
        updated = toolkit.db.session.scalar(sa.select(Contact.updated_at).limit(1))
        assert updated == now  # scoring is not an edit of the profile
        assert reports.refresh_completeness() == 0  # nothing left to score


def test_data_quality_shows_suspected_duplicates(make_app, make_user):
    from modules.contacts import reports

    app = make_app(("contacts",))
    admin = make_user(app, "admin")
    add_contact(app, "Twin", email="twin@example.org", email_key="twin@example.org")
    add_contact(app, "Twin", email="twin@example.org", email_key="twin@example.org")
    add_contact(app, "Single", email="one@example.org", email_key="one@example.org")
    ctx = _login(app, admin.id)
    try:
        figures = reports.data_quality(toolkit.db.session.get(toolkit.User, admin.id))["figures"]
    finally:
        ctx.pop()
    assert {f["label"]: f["value"] for f in figures}["Suspected duplicates"] == 1
