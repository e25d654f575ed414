"""REST resources /api/v1/companies and /api/v1/contacts: 422s naming fields, tags, consent, custom fields."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from modules.contacts.tests.profile_helpers import add, api_token, count, define_field


@pytest.fixture
def app(make_app: Any) -> Flask:
    app = make_app(("contacts",))
    define_field(app, "contact", "vat_id", "text", unique=True)
    define_field(app, "contact", "segment", "choice", choices=["Retail", "Wholesale"])
    define_field(app, "contact", "employees", "number", required=True)
    return app


@pytest.fixture
def api(app: Flask, make_user: Any) -> Any:
    headers = api_token(app, make_user(app, "admin"))
    client = app.test_client()

    def call(method: str, path: str, **kwargs: Any) -> Any:
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


def test_bad_input_is_a_422_naming_each_field_and_writes_nothing(app: Flask, api: Any) -> None:
    response = api("POST", "/contacts", json={
        "first_name": "A" * 101, "email": "not-an-address", "phone": "123", "tier": "diamond",
        "country": "Germany", "custom": {"segment": "Public", "nope": 1}, "consent": {"fax": {"granted": True}},
        "tags": ["x" * 51],
    })
    assert response.status_code == 422
    body = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert set(body["errors"]) == {"first_name", "last_name", "email", "phone", "tier", "country", "custom",
                                   "consent", "tags"}
    assert set(body["errors"]["custom"]) == {"segment", "nope", "employees"}
    assert "last_name" in body["detail"]
    assert count(app, "Contact") == 0 and count(app, "Tag") == 0


def test_create_and_read_back_with_tags_consent_and_custom_values(app: Flask, api: Any) -> None:
    company = api("POST", "/companies", json={"name": "Acme GmbH", "phone": "030 1234567", "country": "DE",
                                              "tags": ["Key account"]})
    assert company.status_code == 201, company.get_json()
    assert company.get_json()["phone"] == "+49301234567" and company.get_json()["tags"] == ["Key account"]
    response = api("POST", "/contacts", json={
        "first_name": "Zoë", "last_name": "Müller", "email": "Zoe@Example.DE", "mobile": "+49 151 23456789",
        "company_id": company.get_json()["id"], "tags": ["VIP", "Newsletter"],
        "consent": {"email": {"granted": True, "source": "web form", "at": "2026-03-01T10:00:00+02:00"}},
        "custom": {"vat_id": "DE1", "employees": "40", "segment": "Retail"},
    })
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["name"] == "Zoë Müller" and created["mobile"] == "+4915123456789"
    assert created["tags"] == ["Newsletter", "VIP"]
    assert created["custom"] == {"vat_id": "DE1", "employees": 40, "segment": "Retail"}
    assert created["consent"]["email"]["granted"] is True
    assert created["consent"]["email"]["at"].startswith("2026-03-01T08:00:00")  # stored in UTC

    contact_id = created["id"]
    response = api("PATCH", f"/contacts/{contact_id}", json={"custom": {"segment": None, "vat_id": "DE2"},
                                                             "tags": ["VIP"]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["custom"] == {"vat_id": "DE2", "employees": 40}  # merged; null removed
    assert response.get_json()["tags"] == ["VIP"]
    response = api("PATCH", f"/contacts/{contact_id}", json={"custom": {"employees": None}})
    assert response.status_code == 422 and "employees" in response.get_json()["errors"]["custom"]

    other = api("POST", "/contacts", json={"last_name": "Copy", "custom": {"vat_id": "DE2", "employees": 1}})
    assert other.status_code == 422 and "vat_id" in other.get_json()["errors"]["custom"]


def test_list_filters_and_search(app: Flask, api: Any) -> None:
    add(app, "contact", first_name="Zoë", last_name="Müller", tier="gold", email="zoe@example.de",
        custom={"employees": 1})
    add(app, "contact", first_name="Ann", last_name="Lee", tier="silver", custom={"employees": 2})
    names = lambda query: [c["last_name"] for c in api("GET", f"/contacts?{query}").get_json()["data"]]  # noqa: E731
    assert names("tier=gold") == ["Müller"]
    # the list page's search: names (accent-free, from the first name on), the last name as
    # written, e-mail and phone, each from its start
    assert names("q=zoe") == ["Müller"]
    assert names("q=Zoë Mü") == ["Müller"]
    assert names("q=Müll") == ["Müller"]
    assert names("q=Zoe@EXAMPLE") == ["Müller"]
    assert names("q=uller") == []
    assert names("sort=last_name") == ["Lee", "Müller"]
    assert api("GET", "/contacts?colour=red").status_code == 400


def test_openapi_documents_the_resources(api: Any) -> None:
    from openapi_spec_validator import validate

    spec = api("GET", "/openapi.json").get_json()
    assert "/api/v1/companies" in spec["paths"] and "/api/v1/contacts/{id}" in spec["paths"]
    validate(spec)
