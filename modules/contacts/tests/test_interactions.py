"""Interactions: logging one (form, quick form, API) keeps the customer's last contact date and
publishes ``interaction.logged``; nobody logs against a customer they may not see."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core import toolkit
from core.testing import csrf_token, make_department
from modules.contacts.tests.activity_helpers import api_headers


def _customer(app, owner_id=None, company=False):
    from modules.contacts.models import Company, Contact

    with app.app_context():
        org = Company(name="Acme GmbH", name_key="acme gmbh", owner_id=owner_id)
        toolkit.db.session.add(org)
        toolkit.db.session.flush()
        person = Contact(first_name="Ada", last_name="Lovelace", name_key="ada lovelace", owner_id=owner_id,
                         company_id=org.id)
        toolkit.db.session.add(person)
        toolkit.db.session.commit()
        return person.id, org.id


def _customer_row(app, model, ident):
    with app.app_context():
        toolkit.db.session.expire_all()
        return toolkit.db.session.get(model, ident)


def test_form_logs_interaction_and_updates_last_interaction(make_app, client_as):
    from modules.contacts.models import Company, Contact, Interaction

    app = make_app(("contacts",))
    client = client_as(app, "user")
    contact_id, company_id = _customer(app, owner_id=client.user.id)
    before = _customer_row(app, Contact, contact_id)
    page = client.get(f"/contacts/interactions/new?contact_id={contact_id}")
    assert page.status_code == 200
    assert f'value="{contact_id}"' in page.get_data(as_text=True)  # preselected from the query string
    response = client.post("/contacts/interactions/new", data={
        "csrf_token": csrf_token(client, "/contacts/interactions/new"), "contact_id": str(contact_id),
        "channel": "call", "direction": "inbound", "occurred_at": "2026-03-02T10:30",
        "summary": "Asked for a quote", "outcome": "Quote sent",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        row = toolkit.db.session.scalar(toolkit.sa.select(Interaction))
        assert (row.channel, row.direction, row.company_id) == ("call", "inbound", company_id)
    contact = _customer_row(app, Contact, contact_id)
    company = _customer_row(app, Company, company_id)
    assert contact.last_interaction_at == datetime(2026, 3, 2, 10, 30)
    assert company.last_interaction_at == datetime(2026, 3, 2, 10, 30)
    # logging a call is not a profile edit: no version bump, no "updated" stamp
    assert (contact.version, contact.updated_at) == (before.version, before.updated_at)
    detail = client.get(response.headers["Location"])
    assert "Asked for a quote" in detail.get_data(as_text=True)


def test_last_interaction_follows_the_latest_and_deletes(make_app, client_as):
    from modules.contacts.models import Contact, Interaction

    app = make_app(("contacts",))
    contact_id, _ = _customer(app)
    with app.app_context():
        early = Interaction(contact_id=contact_id, channel="email", summary="Newsletter reply",
                            occurred_at=datetime(2026, 1, 5, 9))
        late = Interaction(contact_id=contact_id, channel="visit", summary="Visited the shop",
                           occurred_at=datetime(2026, 2, 7, 16))
        toolkit.db.session.add_all([late, early])
        toolkit.db.session.commit()
        late_id = late.id
    assert _customer_row(app, Contact, contact_id).last_interaction_at == datetime(2026, 2, 7, 16)
    with app.app_context():
        toolkit.db.session.delete(toolkit.db.session.get(Interaction, late_id))
        toolkit.db.session.commit()
    assert _customer_row(app, Contact, contact_id).last_interaction_at == datetime(2026, 1, 5, 9)


def test_interaction_logged_event_is_published(make_app):
    from modules.contacts.models import Interaction

    app = make_app(("contacts",))
    contact_id, _ = _customer(app)
    heard = []
    with app.app_context():
        registry = app.extensions["crm"].registry
        registry.subscribers.append(toolkit.Subscriber("interaction.*", heard.append, name="test.listen"))
        try:
            toolkit.db.session.add(Interaction(contact_id=contact_id, channel="sms", summary="Sent the code"))
            toolkit.db.session.commit()
        finally:
            registry.subscribers.pop()
    assert [e.name for e in heard] == ["interaction.logged"]
    assert heard[0].payload["contact_id"] == contact_id and heard[0].payload["channel"] == "sms"


def test_quick_log_returns_to_the_customer_page(make_app, client_as):
    from modules.contacts.models import Contact, Interaction

    app = make_app(("contacts",))
    client = client_as(app, "user")
    contact_id, _ = _customer(app, owner_id=client.user.id)
    token = csrf_token(client, "/contacts/interactions/new")
    back = f"/contacts/contacts/{contact_id}"
    response = client.post("/contacts/interactions/quick", data={
        "csrf_token": token, "contact_id": str(contact_id), "channel": "chat", "summary": "Quick question",
        "next": back,
    })
    assert response.status_code == 302 and response.headers["Location"] == back
    assert _customer_row(app, Contact, contact_id).last_interaction_at is not None
    # an outside address is never followed
    response = client.post("/contacts/interactions/quick", data={
        "csrf_token": token, "contact_id": str(contact_id), "channel": "chat", "summary": "Again",
        "next": "//evil.example/x",
    })
    assert response.headers["Location"].startswith("/contacts/interactions/")
    with app.app_context():
        assert toolkit.db.session.scalar(toolkit.sa.select(toolkit.sa.func.count(Interaction.id))) == 2


def test_cannot_log_against_a_customer_outside_the_record_rule(make_app, client_as, make_user):
    app = make_app(("contacts",))
    other = make_user(app, "user")
    contact_id, _ = _customer(app, owner_id=other.id)
    client = client_as(app, "user")
    response = client.post("/contacts/interactions/new", data={
        "csrf_token": csrf_token(client, "/contacts/interactions/new"), "contact_id": str(contact_id),
        "channel": "call", "direction": "outbound", "summary": "Peeking",
    })
    assert response.status_code == 422
    assert "no contact with this number" in response.get_data(as_text=True)


@pytest.mark.parametrize("payload, field", [
    ({"channel": "pigeon", "summary": "x"}, "channel"),
    ({"channel": "call"}, "summary"),
    ({"channel": "call", "summary": "nobody"}, "contact_id"),
])
def test_api_rejects_bad_interactions_with_field_errors(make_app, client_as, payload, field):
    app = make_app(("contacts",))
    client = client_as(app, "admin")
    contact_id, _ = _customer(app)
    if field != "contact_id":
        payload = {**payload, "contact_id": contact_id}
    response = client.post("/api/v1/interactions", json=payload, headers=api_headers(app, client.user))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_api_logs_interaction(make_app, client_as):
    from modules.contacts.models import Contact

    app = make_app(("contacts",))
    client = client_as(app, "admin")
    contact_id, _ = _customer(app)
    when = (datetime(2026, 4, 1, 12, 0) + timedelta(hours=2)).isoformat() + "+02:00"
    response = client.post("/api/v1/interactions", json={
        "contact_id": contact_id, "channel": "meeting", "summary": "Kick-off", "occurred_at": when,
    }, headers=api_headers(app, client.user))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["occurred_at"].startswith("2026-04-01T12:00")
    assert _customer_row(app, Contact, contact_id).last_interaction_at == datetime(2026, 4, 1, 12, 0)


def test_timeline_shows_interactions_tasks_and_assignments_newest_first(make_app, client_as, make_user):
    from modules.contacts.models import Contact, Interaction, Task

    app = make_app(("contacts",))
    team = make_department(app, "Sales")
    client = client_as(app, "manager", department=team)
    colleague = make_user(app, "user", department=team)
    contact_id, company_id = _customer(app, owner_id=client.user.id)
    with app.app_context():
        toolkit.db.session.add_all([
            Interaction(contact_id=contact_id, channel="call", summary="First call", owner_id=client.user.id,
                        occurred_at=datetime(2026, 1, 10, 9)),
            Interaction(contact_id=contact_id, channel="meeting", summary="Contract signed", outcome="Won",
                        owner_id=client.user.id, occurred_at=datetime(2026, 3, 1, 14)),
            Task(title="Send welcome pack", contact_id=contact_id, owner_id=client.user.id,
                 due_at=datetime(2026, 2, 1, 9), done_at=datetime(2026, 2, 2, 11)),
            Task(title="Quarterly review", contact_id=contact_id, owner_id=client.user.id,
                 due_at=datetime(2099, 6, 1, 9)),
        ])
        toolkit.db.session.get(Contact, contact_id).owner_id = colleague.id  # an assignment (C1's history)
        toolkit.db.session.commit()
    response = client.get(f"/contacts/contacts/{contact_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    timeline = page[page.index('class="timeline"'):]
    order = [timeline.index(text) for text in ("Quarterly review", "Contract signed", "Send welcome pack",
                                               "First call")]
    assert order == sorted(order), "newest first"
    assert "Task done: Send welcome pack" in timeline and "Outcome: Won" in timeline
    assert "Owner:" in timeline  # the transfer to the colleague
    # the company's timeline has the interactions too (company filled in from the contact)
    company_page = client.get(f"/contacts/companies/{company_id}").get_data(as_text=True)
    assert "Contract signed" in company_page


def test_timeline_is_bounded_and_follows_record_rules(make_app, make_user):
    from flask_login import login_user

    from modules.contacts import timeline
    from modules.contacts.models import Interaction

    app = make_app(("contacts",))
    owner = make_user(app, "user")
    other = make_user(app, "user")
    contact_id, _ = _customer(app, owner_id=owner.id)
    with app.app_context():
        toolkit.db.session.add_all([
            Interaction(contact_id=contact_id, channel="email", summary=f"Mail {i}", owner_id=owner.id,
                        occurred_at=datetime(2026, 1, 1) + timedelta(days=i))
            for i in range(30)
        ] + [Interaction(contact_id=contact_id, channel="call", summary="Other rep's call", owner_id=other.id)])
        toolkit.db.session.commit()
    with app.test_request_context("/"):
        login_user(toolkit.db.session.get(toolkit.User, owner.id))
        entries = timeline.entries("contacts.contact", contact_id, 5)
        assert [e["title"].split(": ")[-1] for e in entries] == [f"Mail {i}" for i in (29, 28, 27, 26, 25)]
        assert all(e["kind"] == "interaction" and e["url"] for e in entries)
        assert timeline.entries("contacts.segment", 1, 5) == []
