"""Small helpers the activity & analysis tests share (customers, API tokens)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from core import toolkit


def api_headers(app: Flask, user: Any) -> dict[str, str]:
    """A bearer token for ``user`` (the API takes no session cookies)."""
    from core.security.tokens import create_token

    with app.app_context():
        _row, token = create_token(toolkit.db.session.get(toolkit.User, user.id), "test")
        toolkit.db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def add_contact(app: Flask, last_name: str = "Lovelace", **values: Any) -> int:
    from modules.contacts.models import Contact

    with app.app_context():
        contact = Contact(last_name=last_name, name_key=last_name.lower(), **values)
        toolkit.db.session.add(contact)
        toolkit.db.session.commit()
        return contact.id


def add_company(app: Flask, name: str = "Acme GmbH", **values: Any) -> int:
    from modules.contacts.models import Company

    with app.app_context():
        company = Company(name=name, name_key=name.lower(), **values)
        toolkit.db.session.add(company)
        toolkit.db.session.commit()
        return company.id
