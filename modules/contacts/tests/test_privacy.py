"""Personal data: the JSON export holds every module's data; erasure leaves no personal data; both audited."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from core import toolkit
from core.testing import csrf_token

ADDONS = str(Path(__file__).parent / "addons")
SECRETS = ("Jürgen", "Müller", "juergen.mueller@example.de", "+491701234567", "Hauptstraße 5", "Anruf wegen Angebot",
           "Rückruf Jürgen", "likes sailing", "M-4711")


@pytest.fixture
def loyalty_app(make_app, monkeypatch):
    monkeypatch.setenv("CRM_ADDONS_PATH", ADDONS)
    return make_app(("contacts", "loyalty"))


def _person(app) -> int:
    """A contact edited through the ORM (so the audit trail holds their values), with everything attached."""
    from loyalty.models import Card

    from modules.contacts.models import Company, Consent, Contact, CustomField, Interaction, Task

    with app.app_context():
        session = toolkit.db.session
        session.add(CustomField(object="contact", key="member_no", label="Member number", type="text"))
        company = Company(name="Nordlicht GmbH", name_key="nordlicht gmbh")
        session.add(company)
        session.flush()
        person = Contact(first_name="Jürgen", last_name="Müller", email="juergen.mueller@example.de",
                         mobile="+491701234567", street="Hauptstraße 5", city="Berlin", country="DE",
                         birthday=date(1970, 5, 17), interests="likes sailing", company_id=company.id,
                         custom={"member_no": "M-4711"})
        person.tags = ["vip"]
        session.add(person)
        session.flush()
        session.add_all([
            Consent(contact_id=person.id, channel="email", granted=True, source="web form"),
            Interaction(contact_id=person.id, channel="call", summary="Anruf wegen Angebot", outcome="Rückruf Jürgen"),
            Task(contact_id=person.id, title="Rückruf Jürgen", due_at=datetime(2030, 1, 1)),
            Card(contact_id=person.id, number="L-9", holder="Jürgen Müller", points=50),
        ])
        session.commit()
        person.city = "Hamburg"  # an update, so the trail holds old → new values too
        session.commit()
        return person.id


def test_export_holds_every_modules_data_and_is_audited(loyalty_app, client_as) -> None:
    app = loyalty_app
    ident = _person(app)
    client = client_as(app, "admin")
    found = client.get("/contacts/privacy/?q=JUERGEN.mueller@example.de").get_data(as_text=True)
    assert f'href="/contacts/privacy/{ident}"' in found
    page = client.get(f"/contacts/privacy/{ident}")
    assert page.status_code == 200
    response = client.post(f"/contacts/privacy/{ident}/export", data={"csrf_token": csrf_token(client, f"/contacts/privacy/{ident}")})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["subject"] == {"contact_id": ident, "email": "juergen.mueller@example.de", "phone": "+491701234567"}
    person = data["modules"]["contacts"]["contacts"][0]
    assert (person["first_name"], person["city"], person["company"], person["tags"]) == (
        "Jürgen", "Hamburg", "Nordlicht GmbH", ["vip"])
    assert person["custom"] == {"member_no": "M-4711"} and person["birthday"] == "1970-05-17"
    assert [c["source"] for c in person["consent"]] == ["web form"]
    assert [i["summary"] for i in person["interactions"]] == ["Anruf wegen Angebot"]
    assert [t["title"] for t in person["tasks"]] == ["Rückruf Jürgen"]
    assert data["modules"]["loyalty"] == {"cards": [{"number": "L-9", "holder": "Jürgen Müller", "points": 50}]}
    from core.audit import AuditEntry

    with app.app_context():
        entry = toolkit.db.session.scalars(toolkit.sa.select(AuditEntry).where(AuditEntry.action == "export")).one()
        assert (entry.object, entry.record_id, entry.user_id) == ("contacts.contact", ident, client.user.id)
        assert entry.changes == {"personal data": [None, "contacts, loyalty"]}


def _all_text(app) -> str:
    """Every text and JSON value in every table of the database, as one string."""
    import sqlalchemy as sa

    with app.app_context():
        engine = toolkit.db.engine
        chunks = []
        with engine.connect() as conn:
            meta = sa.MetaData()
            meta.reflect(conn)
            for table in meta.tables.values():
                for row in conn.execute(sa.select(table)):
                    chunks.extend(str(value) for value in row if value is not None)
    return "\n".join(chunks)


def test_erase_leaves_no_personal_data_in_any_table(loyalty_app, client_as) -> None:
    app = loyalty_app
    ident = _person(app)
    before = _all_text(app)
    assert all(secret in before for secret in SECRETS), "the check below must be able to fail"
    client = client_as(app, "admin")
    url = f"/contacts/privacy/{ident}"
    refused = client.post(f"{url}/erase", data={"csrf_token": csrf_token(client, url)})
    assert refused.status_code == 302 and "Müller" in _all_text(app), "no confirmation, nothing erased"
    response = client.post(f"{url}/erase", data={"csrf_token": csrf_token(client, url), "confirm": "yes"})
    assert response.status_code == 302
    after = _all_text(app)
    left = [secret for secret in SECRETS if secret in after]
    assert not left, f"still stored after erasure: {left}"
    from core.audit import AuditEntry
    from modules.contacts.models import Contact, Interaction

    with app.app_context():
        stub = toolkit.db.session.get(Contact, ident)
        assert stub is not None and stub.last_name == "[erased]" and stub.email is None
        assert toolkit.db.session.scalars(toolkit.sa.select(Interaction.contact_id)).all() == [ident]
        erase = toolkit.db.session.scalars(toolkit.sa.select(AuditEntry).where(AuditEntry.action == "erase")).one()
        assert erase.record_id == ident and erase.changes["rows"][1] >= 5
        updates = toolkit.db.session.scalars(toolkit.sa.select(AuditEntry).where(
            AuditEntry.object == "contacts.contact", AuditEntry.record_id == ident, AuditEntry.action == "update")).all()
        assert updates and all(pair == ["[erased]", "[erased]"] for u in updates for pair in u.changes.values())
    assert "has been erased" in client.get(url).get_data(as_text=True)


def test_privacy_pages_need_their_permission(loyalty_app, client_as) -> None:
    app = loyalty_app
    ident = _person(app)
    manager = client_as(app, "manager")  # contacts.privacy belongs to administrators unless granted
    token = csrf_token(manager, "/contacts/contacts/")
    assert manager.get("/contacts/privacy/").status_code == 403
    assert manager.get(f"/contacts/privacy/{ident}").status_code == 403
    assert manager.post(f"/contacts/privacy/{ident}/export", data={"csrf_token": token}).status_code == 403
    erase = manager.post(f"/contacts/privacy/{ident}/erase", data={"csrf_token": token, "confirm": "yes"})
    assert erase.status_code == 403
    assert "Müller" in _all_text(app)
