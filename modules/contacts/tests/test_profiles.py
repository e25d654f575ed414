"""Companies and contacts pages: field errors, normalised values, search, filters, consent, tags, escaping."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from core import toolkit
from modules.contacts.tests.profile_helpers import add, count, get, post_form


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app(("contacts",))


@pytest.fixture
def admin(app: Flask, client_as: Any) -> Any:
    return client_as(app, "admin")


def test_each_bad_field_gets_its_own_message_and_nothing_is_written(app: Flask, admin: Any) -> None:
    response = post_form(admin, "/contacts/contacts/new", {
        "first_name": "Ann", "last_name": "", "email": "ann@", "phone": "12", "tier": "diamond",
        "position": "x" * 101, "country": "Deutschland",
    })
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    errors = {
        "last_name": "This field is required.",
        "email": "is not a valid e-mail address",
        "phone": "is not a possible phone number",
        "tier": "Choose one of: standard, silver, gold, platinum.",
        "position": "At most 100 characters.",
        "country": "Use a two-letter country code",
    }
    for field, message in errors.items():
        start = page.index(f'id="field-{field}-error"')
        assert message in page[start:start + 300], field
    assert 'value="Ann"' in page  # what was typed is kept
    assert count(app, "Contact") == 0


def test_company_needs_a_name_and_text_limits_hold(app: Flask, admin: Any) -> None:
    response = post_form(admin, "/contacts/companies/new", {"name": "", "industry": "i" * 101})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This field is required." in page and "At most 100 characters." in page
    assert count(app, "Company") == 0


def test_phone_and_email_are_normalised_and_keys_follow_every_save(app: Flask, admin: Any) -> None:
    response = post_form(admin, "/contacts/contacts/new", {
        "first_name": "Zoë", "last_name": "Lee", "email": "Zoe.Lee@Example.COM", "phone": "030 1234567",
        "mobile": "+49 (151) 2345-6789", "country": "de", "tier": "standard", "lifecycle_stage": "lead",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    contact_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    contact = get(app, "contact", contact_id)
    assert (contact.phone, contact.mobile, contact.country) == ("+49301234567", "+4915123456789", "DE")
    assert (contact.email, contact.email_key) == ("Zoe.Lee@example.com", "zoe.lee@example.com")
    assert (contact.name_key, contact.phone_key) == ("zoe lee", "+49301234567")

    response = post_form(admin, f"/contacts/contacts/{contact_id}/edit", {
        "first_name": "Zoë", "last_name": "Müller", "phone": "", "mobile": "+49 151 23456789",
        "email": "", "country": "DE", "tier": "gold", "lifecycle_stage": "customer", "version": contact.version,
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    contact = get(app, "contact", contact_id)
    assert (contact.name_key, contact.email_key, contact.phone_key) == ("zoe muller", None, "+4915123456789")


@pytest.fixture
def people(app: Flask) -> dict[str, int]:
    return {
        "muller": add(app, "contact", first_name="Zoë", last_name="Müller", phone="+49301234567",
                      email="zoe.mueller@example.de", tier="gold", country="DE", tags=["VIP"]),
        "lee": add(app, "contact", first_name="Ann", last_name="Lee", phone="+14155550123",
                   email="ann.lee@example.com", tier="standard", country="US"),
        "wang": add(app, "contact", first_name="伟", last_name="王", phone="+8613812345678",
                    email="wang.wei@example.cn", tier="gold", country="CN", tags=["VIP", "Reseller"]),
    }


def _names(client: Any, query: str) -> set[str]:
    page = client.get(f"/contacts/contacts/?{query}").get_data(as_text=True)
    return {name for name in ("Müller", "Lee", "王") if f">{name}<" in page}


@pytest.mark.parametrize(("q", "found"), [
    ("zoë", {"Müller"}), ("ZOE MUL", {"Müller"}), ("Mül", {"Müller"}), ("lee", {"Lee"}), ("王", {"王"}),
    ("王伟", {"王"}), ("ann.lee@EXAMPLE", {"Lee"}), ("zoe.mueller@example.de", {"Müller"}),
    ("+49 30 1234", {"Müller"}), ("0049-30-1234567", {"Müller"}), ("+1 (415) 555", {"Lee"}),
    ("138 1234", set()), ("+86 138 1234", {"王"}), ("nobody", set()),
])
def test_list_search_by_name_prefix_email_and_phone(admin: Any, people: dict[str, int], q: str,
                                                    found: set[str]) -> None:
    from urllib.parse import urlencode

    assert _names(admin, urlencode({"q": q})) == found


def test_global_search_finds_people_and_companies(app: Flask, admin: Any, people: dict[str, int]) -> None:
    add(app, "company", name="Müller Maschinenbau GmbH", phone="+49301112222")
    page = admin.get("/search?q=m%C3%BCller").get_data(as_text=True)
    assert "Zoë Müller" in page and "Müller Maschinenbau GmbH" in page
    assert f"/contacts/contacts/{people['muller']}" in page
    assert "王伟" in admin.get("/search?q=%2B86+138").get_data(as_text=True)


def test_filters_narrow_the_list_and_the_export(admin: Any, people: dict[str, int]) -> None:
    assert _names(admin, "tier=gold") == {"Müller", "王"}
    assert _names(admin, "tag=Reseller") == {"王"}
    assert _names(admin, "tag=VIP&country=cn") == {"王"}
    assert _names(admin, "country=us") == {"Lee"}
    csv = admin.get("/contacts/contacts/export.csv?tier=gold").get_data(as_text=True)
    assert "Müller" in csv and "王" in csv and "Lee" not in csv


def test_a_contact_named_script_is_shown_as_text(app: Flask, admin: Any) -> None:
    evil = "<script>alert(1)</script>"
    response = post_form(admin, "/contacts/contacts/new", {"last_name": evil, "first_name": "<b>x</b>",
                                                            "tags": "<i>tag</i>"})
    assert response.status_code == 302
    detail = admin.get(response.headers["Location"]).get_data(as_text=True)
    for page in (detail, admin.get("/contacts/contacts/").get_data(as_text=True),
                 admin.get("/search?q=%3Cb").get_data(as_text=True)):
        assert "<script>alert(1)" not in page and "<b>x</b>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;i&gt;tag&lt;/i&gt;" in detail


def test_tags_and_consent_from_the_form(app: Flask, admin: Any) -> None:
    response = post_form(admin, "/contacts/contacts/new", {
        "last_name": "Schmidt", "tags": "VIP, Newsletter, VIP", "consent_email": "1",
        "consent_email_source": "web form", "consent_sms": "0", "consent_phone": "",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    contact_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    contact = get(app, "contact", contact_id)
    assert contact.tags == ["Newsletter", "VIP"]
    assert {k: (v["granted"], v["source"]) for k, v in contact.consent.items()} == {
        "email": (True, "web form"), "sms": (False, "form")}
    detail = admin.get(f"/contacts/contacts/{contact_id}").get_data(as_text=True)
    assert "Given" in detail and "Withdrawn" in detail and "web form" in detail

    unchanged = {"last_name": "Schmidt", "tags": "VIP", "consent_email": "1", "consent_email_source": "web form",
                 "consent_sms": "0", "version": contact.version}
    assert post_form(admin, f"/contacts/contacts/{contact_id}/edit", unchanged).status_code == 302
    assert count(app, "Consent") == 2  # nothing changed, nothing recorded
    contact = get(app, "contact", contact_id)
    assert contact.tags == ["VIP"]
    changed = {**unchanged, "consent_email": "0", "consent_email_source": "unsubscribe link",
               "consent_email_at": "2026-01-15", "version": contact.version}
    assert post_form(admin, f"/contacts/contacts/{contact_id}/edit", changed).status_code == 302
    contact = get(app, "contact", contact_id)
    assert contact.tags == ["VIP"]
    assert contact.consent["email"]["granted"] is False
    assert contact.consent["email"]["at"].date().isoformat() == "2026-01-15"
    assert count(app, "Consent") == 3  # history kept
    timeline = admin.get(f"/contacts/contacts/{contact_id}").get_data(as_text=True).split('class="timeline"')[1]
    assert timeline.count("Consent to contact by Email") == 2 and "unsubscribe link" in timeline


def test_consent_date_in_the_future_is_refused(app: Flask, admin: Any) -> None:
    response = post_form(admin, "/contacts/contacts/new", {
        "last_name": "Later", "consent_phone": "1", "consent_phone_at": "2999-01-01"})
    assert response.status_code == 422
    assert "The date cannot be in the future." in response.get_data(as_text=True)
    assert count(app, "Contact") == 0 and count(app, "Consent") == 0


def test_company_picker_offers_only_companies_the_user_may_see(app: Flask, client_as: Any, make_user: Any) -> None:
    someone = make_user(app, "user")
    user = client_as(app, "user")
    mine = add(app, "company", name="Mine Ltd", owner_id=user.user.id)
    theirs = add(app, "company", name="Theirs Ltd", owner_id=someone.id)
    form = user.get("/contacts/contacts/new").get_data(as_text=True)
    assert "Mine Ltd" in form and "Theirs Ltd" not in form
    response = post_form(user, "/contacts/contacts/new", {"last_name": "Peek", "company_id": str(theirs)})
    assert response.status_code == 422
    assert "There is no company with this number that you may see." in response.get_data(as_text=True)
    response = post_form(user, "/contacts/contacts/new", {"last_name": "Fine", "company_id": str(mine)})
    assert response.status_code == 302
    company_page = user.get(f"/contacts/companies/{mine}").get_data(as_text=True)
    assert "Fine" in company_page  # the company lists its people


def test_saving_publishes_domain_events(app: Flask, admin: Any) -> None:
    heard: list[toolkit.Event] = []
    app.extensions["crm"].registry.subscribers.append(
        toolkit.Subscriber("*", lambda event: heard.append(event), name="test.listener"))
    response = post_form(admin, "/contacts/companies/new", {"name": "Evented GmbH"})
    company_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    response = post_form(admin, "/contacts/contacts/new", {"last_name": "Event", "company_id": str(company_id)})
    contact_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    contact = get(app, "contact", contact_id)
    post_form(admin, f"/contacts/contacts/{contact_id}/edit", {"last_name": "Evented", "version": contact.version})
    names = [(e.name, e.record_id) for e in heard if e.module == "contacts"]
    assert names == [("company.created", company_id), ("contact.created", contact_id),
                     ("contact.updated", contact_id)]
    assert heard[-1].payload["name"] == "Evented" and heard[1].payload["company_id"] == company_id


def test_menu_lists_customers_pages(admin: Any) -> None:
    page = admin.get("/").get_data(as_text=True)
    for label in ("Customers", "Companies", "Contacts", "Custom fields", "Transfer customers"):
        assert label in page


def test_downloading_a_list_needs_the_export_permission(app: Flask, client_as: Any) -> None:
    user, manager = client_as(app, "user"), client_as(app, "manager")
    add(app, "contact", last_name="Mine", owner_id=user.user.id)
    assert user.get("/contacts/contacts/export.csv").status_code == 403
    assert "export.csv" not in user.get("/contacts/contacts/").get_data(as_text=True)
    assert manager.get("/contacts/companies/export.xlsx").status_code == 200
    assert "export.csv" in manager.get("/contacts/contacts/").get_data(as_text=True)


def test_detail_pages_show_the_activity_panel(make_app, client_as) -> None:
    """A customer's page offers the quick interaction log, open tasks and the completeness score."""
    from core.testing import csrf_token

    app = make_app(("contacts",))
    admin = client_as(app, "admin")
    token = csrf_token(admin, "/contacts/contacts/new")
    response = admin.post("/contacts/contacts/new", data={"csrf_token": token, "last_name": "Panel", "email": "p@example.com"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "/contacts/interactions/new?contact_id=" in page
    assert "/contacts/tasks/new?contact_id=" in page


def test_contact_page_offers_data_actions_by_permission(make_app, client_as) -> None:
    from core.testing import csrf_token

    app = make_app(("contacts",))
    admin = client_as(app, "admin")
    token = csrf_token(admin, "/contacts/contacts/new")
    location = admin.post("/contacts/contacts/new", data={"csrf_token": token, "last_name": "Actions"}).headers["Location"]
    page = admin.get(location).get_data(as_text=True)
    assert "/contacts/privacy/" in page or "Personal data" in page
    assert "Duplicates" in page
