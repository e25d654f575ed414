"""vCard export of the contacts list, of a segment and of one contact: filters, record rules, permission."""

from __future__ import annotations

import pytest
import vobject

from core import toolkit

pytestmark = pytest.mark.crm_modules("contacts")


def _people(app, owner_id=None) -> list[int]:
    from modules.contacts.models import Company, Contact

    with app.app_context():
        acme = Company(name="Acme Inc.", name_key="acme inc.")
        toolkit.db.session.add(acme)
        toolkit.db.session.flush()
        rows = [
            Contact(first_name="Ann", last_name="Lee", email="ann@example.com", lifecycle_stage="customer",
                    company_id=acme.id, owner_id=owner_id),
            Contact(first_name="小明", last_name="王", phone="+8613800138000", lifecycle_stage="customer",
                    owner_id=owner_id),
            Contact(first_name="Bob", last_name="Stone", lifecycle_stage="lead", owner_id=owner_id),
            Contact(first_name="Eve", last_name="Hidden", lifecycle_stage="customer"),  # nobody's
        ]
        rows[0].tags = ["vip"]
        toolkit.db.session.add_all(rows)
        toolkit.db.session.commit()
        return [r.id for r in rows]


def _cards(response) -> list[vobject.base.Component]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/vcard"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(vobject.readComponents(response.get_data(as_text=True)))


def test_the_contacts_list_offers_vcard_and_exports_the_filtered_set(app, client_as) -> None:
    client = client_as(app, "manager")
    _people(app, owner_id=client.user.id)
    page = client.get("/contacts/contacts/?stage=customer").get_data(as_text=True)
    assert "/contacts/contacts/export.vcf?stage=customer" in page
    cards = _cards(client.get("/contacts/contacts/export.vcf?stage=customer"))
    assert sorted(card.fn.value for card in cards) == ["Ann Lee", "王小明"], "not Bob (a lead), not Eve (nobody's)"
    ann = next(card for card in cards if card.fn.value == "Ann Lee")
    assert ann.email.value == "ann@example.com" and ann.org.value == ["Acme Inc."]
    assert ann.categories.value == ["vip"] and ann.version.value == "4.0"


def test_the_vcard_export_keeps_to_the_record_rule_and_the_export_permission(app, client_as) -> None:
    user = client_as(app, "user")
    _people(app, owner_id=user.user.id)
    assert user.get("/contacts/contacts/export.vcf").status_code == 403, "users lack contacts.export"
    with app.app_context():
        from core.models import GrantRow

        toolkit.db.session.add(GrantRow(module="contacts", role="user", object="contacts.export", rights="x",
                                        rule="own"))
        toolkit.db.session.commit()
    cards = _cards(user.get("/contacts/contacts/export.vcf"))
    assert sorted(card.n.value.family for card in cards) == ["Lee", "Stone", "王"], "not Eve: owned by nobody"


def test_one_contacts_card(app, client_as) -> None:
    client = client_as(app, "manager")
    ann, *_rest = _people(app, owner_id=client.user.id)
    cards = _cards(client.get(f"/contacts/export/contact/{ann}.vcf"))
    assert [card.uid.value for card in cards] == [f"urn:crm-suite:contacts.contact:{ann}"]
    assert client.get("/contacts/export/contact/999999.vcf").status_code == 404


def test_a_segments_people_as_vcard(app, client_as) -> None:
    from modules.contacts.models import Segment

    client = client_as(app, "manager")
    _people(app, owner_id=client.user.id)
    with app.app_context():
        segment = Segment(name="Leads", object="contact", owner_id=client.user.id,
                          filters=[{"field": "lifecycle_stage", "op": "eq", "value": "lead"}])
        toolkit.db.session.add(segment)
        toolkit.db.session.commit()
        segment_id = segment.id
    page = client.get(f"/contacts/segments/{segment_id}/people/")
    assert page.status_code == 200
    assert f"/contacts/segments/{segment_id}/people/export.vcf" in page.get_data(as_text=True)
    cards = _cards(client.get(f"/contacts/segments/{segment_id}/people/export.vcf"))
    assert [card.fn.value for card in cards] == ["Bob Stone"]


def test_export_vcard_of_many_contacts_streams_in_chunks(app) -> None:
    from modules.contacts.exporter import contact_rows
    from modules.contacts.models import Contact
    from modules.contacts.vcard import export_vcard

    with app.app_context():
        toolkit.db.session.execute(toolkit.sa.insert(Contact.__table__), [
            {"last_name": f"P{i}", "name_key": f"p{i}", "tier": "standard", "lifecycle_stage": "lead",
             "custom": {}, "version": 1, "created_at": toolkit.utcnow(), "updated_at": toolkit.utcnow()}
            for i in range(2500)])
        rows = list(contact_rows(toolkit.sa.select(Contact), chunk=1000))
        text = export_vcard(rows)
    assert len(rows) == 2500 and text.count("BEGIN:VCARD") == 2500
