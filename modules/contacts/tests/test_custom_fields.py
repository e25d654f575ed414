"""Custom fields: the administration page, validation on every way in, lists, filters, export, detail."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from modules.contacts import custom_fields
from modules.contacts.tests.profile_helpers import add, count, define_field, get, post_form


@pytest.fixture
def app(make_app: Any) -> Flask:
    return make_app(("contacts",))


@pytest.fixture
def admin(app: Flask, client_as: Any) -> Any:
    return client_as(app, "admin")


@pytest.fixture
def fields(app: Flask) -> None:
    define_field(app, "contact", "vat_id", "text", label="VAT ID", required=True, unique=True, position=1)
    define_field(app, "contact", "segment", "choice", label="Segment", choices=["Retail", "Wholesale"], position=2)
    define_field(app, "contact", "employees", "number", label="Employees", position=3)
    define_field(app, "contact", "since", "date", label="Customer since", position=4)
    define_field(app, "contact", "newsletter", "boolean", label="Newsletter", position=5)
    define_field(app, "company", "duns", "text", label="DUNS", unique=True)


def test_only_administrators_or_the_permission_define_fields(app: Flask, client_as: Any, admin: Any) -> None:
    for role in ("user", "manager"):
        assert client_as(app, role).get("/contacts/custom-fields/").status_code == 403
    response = post_form(admin, "/contacts/custom-fields/new", {
        "object": "contact", "key": "vat_id", "label": "VAT ID", "type": "text", "required": "1", "position": "5"})
    assert response.status_code == 302
    page = admin.get("/contacts/custom-fields/").get_data(as_text=True)
    assert "VAT ID" in page and "vat_id" in page
    assert [d.key for d in _definitions(app, "contact")] == ["vat_id"]


def test_bad_definitions_are_refused_with_field_messages(app: Flask, admin: Any) -> None:
    define_field(app, "contact", "taken", "text")
    cases = [
        ({"key": "Bad Key", "label": "x", "type": "text"}, "Use 1-40 lower-case letters"),
        ({"key": "taken", "label": "x", "type": "text"}, "This key is already used."),
        ({"key": "kind", "label": "Kind", "type": "choice", "choices": ""}, "Give at least one choice."),
        ({"key": "flag", "label": "Flag", "type": "boolean", "unique": "1"}, "A yes/no field cannot be unique."),
        ({"key": "nolabel", "label": "", "type": "text"}, "This field is required."),
    ]
    for data, message in cases:
        response = post_form(admin, "/contacts/custom-fields/new", {"object": "contact", **data})
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data
    assert count(app, "CustomField") == 1


def test_unique_cannot_be_switched_on_while_records_share_a_value(app: Flask, admin: Any) -> None:
    field_id = define_field(app, "contact", "code", "text")
    add(app, "contact", last_name="A", custom={"code": "X1"})
    add(app, "contact", last_name="B", custom={"code": "X1"})
    response = post_form(admin, f"/contacts/custom-fields/{field_id}/edit", {"label": "Code", "unique": "1"})
    assert response.status_code == 422
    assert "Some records share a value" in response.get_data(as_text=True)
    assert not _definitions(app, "contact")[0].unique


def _definitions(app: Flask, object: str) -> list[custom_fields.Definition]:
    with app.app_context():
        custom_fields.forget()
        return custom_fields.definitions(object)


@pytest.mark.usefixtures("fields")
def test_form_checks_type_choice_required_and_unique(app: Flask, admin: Any) -> None:
    form = admin.get("/contacts/contacts/new").get_data(as_text=True)
    for name in ("cf_vat_id", "cf_segment", "cf_employees", "cf_since", "cf_newsletter"):
        assert f'name="{name}"' in form
    response = post_form(admin, "/contacts/contacts/new", {
        "last_name": "Bad", "cf_vat_id": "", "cf_segment": "Government", "cf_employees": "many",
        "cf_since": "31.12.2025"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for param, message in (("cf_vat_id", "This field is required."), ("cf_segment", "Choose one of: Retail, Wholesale."),
                           ("cf_employees", "Enter a number."), ("cf_since", "Enter a date (YYYY-MM-DD).")):
        start = page.index(f'id="field-{param}-error"')
        assert message in page[start:start + 200], param
    assert count(app, "Contact") == 0

    good = {"last_name": "Good", "cf_vat_id": "DE123", "cf_segment": "Retail", "cf_employees": "1,5",
            "cf_since": "2024-02-29", "cf_newsletter": "1"}
    response = post_form(admin, "/contacts/contacts/new", good)
    assert response.status_code == 302, response.get_data(as_text=True)
    first = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert get(app, "contact", first).custom == {"vat_id": "DE123", "segment": "Retail", "employees": 1.5,
                                                 "since": "2024-02-29", "newsletter": True}
    response = post_form(admin, "/contacts/contacts/new", {**good, "last_name": "Copy"})
    assert response.status_code == 422
    assert "Another record already has this value." in response.get_data(as_text=True)
    assert count(app, "Contact") == 1
    # the record itself may keep its value; an unticked box stores "no"
    contact = get(app, "contact", first)
    response = post_form(admin, f"/contacts/contacts/{first}/edit", {
        "last_name": "Good", "cf_vat_id": "DE123", "cf_employees": "250", "version": contact.version})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert get(app, "contact", first).custom == {"vat_id": "DE123", "employees": 250, "newsletter": False}
    detail = admin.get(f"/contacts/contacts/{first}").get_data(as_text=True)
    assert "VAT ID" in detail and "DE123" in detail and "250" in detail


@pytest.mark.usefixtures("fields")
def test_custom_columns_filters_and_export(app: Flask, admin: Any) -> None:
    add(app, "contact", last_name="Alpha", custom={"vat_id": "DE111", "segment": "Retail", "employees": 10,
                                                  "newsletter": True, "since": "2020-01-01"})
    add(app, "contact", last_name="Beta", custom={"vat_id": "FR222", "segment": "Wholesale", "employees": 250,
                                                 "newsletter": False})
    add(app, "contact", last_name="Gamma", custom={"vat_id": "DE333"})

    def names(query: str) -> set[str]:
        page = admin.get(f"/contacts/contacts/?{query}").get_data(as_text=True)
        return {n for n in ("Alpha", "Beta", "Gamma") if f">{n}<" in page}

    assert names("cf_segment=Retail") == {"Alpha"}
    assert names("cf_vat_id=de") == {"Alpha", "Gamma"}  # text: contains, any case
    assert names("cf_employees=250") == {"Beta"}
    assert names("cf_newsletter=1") == {"Alpha"}
    assert names("cf_newsletter=0") == {"Beta"}
    assert names("cf_since=2020-01-01") == {"Alpha"}
    assert names("cf_employees=lots") == set()  # unparsable: nothing matches, no error
    assert names("cf_segment=Retail&cf_vat_id=FR") == set()

    page = admin.get("/contacts/contacts/").get_data(as_text=True)
    assert 'value="cf_vat_id"' in page  # offered in the column choice
    response = admin.post("/contacts/contacts/columns", data={
        "columns": ["last_name", "cf_vat_id", "cf_employees", "cf_newsletter"],
        "csrf_token": _token(admin), "next": "/contacts/contacts/"})
    assert response.status_code == 302
    page = admin.get("/contacts/contacts/?sort=last_name").get_data(as_text=True)
    assert "DE111" in page and "FR222" in page and "VAT ID" in page
    csv = admin.get("/contacts/contacts/export.csv?sort=last_name").get_data(as_text=True)
    lines = csv.lstrip("\ufeff").splitlines()
    assert lines[0].split(",")[1:] == ["Last name", "VAT ID", "Employees", "Newsletter"]
    assert lines[1].split(",")[1:] == ["Alpha", "DE111", "10", "true"]
    xlsx = admin.get("/contacts/contacts/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def _token(client: Any) -> str:
    from core.testing import csrf_token

    return csrf_token(client, "/contacts/contacts/")


@pytest.mark.usefixtures("fields")
def test_validate_converts_and_reports(app: Flask) -> None:
    with app.test_request_context("/"):
        clean, errors = custom_fields.validate("contact", {
            "vat_id": " DE9 ", "employees": "12", "newsletter": "yes", "since": "2025-03-01", "segment": "Retail"})
        assert errors == {}
        assert clean == {"vat_id": "DE9", "employees": 12, "newsletter": True, "since": "2025-03-01",
                         "segment": "Retail"}
        clean, errors = custom_fields.validate("contact", {"nope": 1, "employees": True, "newsletter": "maybe"})
        assert set(errors) == {"nope", "employees", "newsletter", "vat_id"}
        clean, errors = custom_fields.validate("contact", {"employees": 5}, partial=True)
        assert (clean, errors) == ({"employees": 5}, {})
        _clean, errors = custom_fields.validate("contact", {"employees": "1e20"})
        assert "Enter a value from" in errors["employees"][0]


@pytest.mark.usefixtures("fields")
def test_company_fields_are_separate_from_contact_fields(app: Flask, admin: Any) -> None:
    form = admin.get("/contacts/companies/new").get_data(as_text=True)
    assert 'name="cf_duns"' in form and 'name="cf_vat_id"' not in form
    assert post_form(admin, "/contacts/companies/new", {"name": "One", "cf_duns": "123"}).status_code == 302
    response = post_form(admin, "/contacts/companies/new", {"name": "Two", "cf_duns": "123"})
    assert response.status_code == 422
    assert count(app, "Company") == 1
