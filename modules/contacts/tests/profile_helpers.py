"""Helpers of the profile tests (companies, contacts, custom fields, ownership)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from core import toolkit
from core.testing import csrf_token


def add(app: Flask, kind: str, **values: Any) -> int:
    """A company (``kind="company"``) or contact written through the ORM; returns its id."""
    from modules.contacts.models import Company, Contact

    model = Company if kind == "company" else Contact
    if kind == "company":
        values.setdefault("name", "Acme GmbH")
    else:
        values.setdefault("last_name", "Lovelace")
    with app.app_context():
        record = model(**values)
        toolkit.db.session.add(record)
        toolkit.db.session.commit()
        return record.id


def get(app: Flask, kind: str, record_id: int) -> Any:
    """A fresh, detached copy of a record with its tags and consent loaded."""
    from modules.contacts.models import Company, Contact

    model = Company if kind == "company" else Contact
    with app.app_context():
        record = toolkit.db.session.get(model, record_id)
        if record is not None:
            _ = record.tags, getattr(record, "consent", None)
            toolkit.db.session.expunge(record)
        return record


def count(app: Flask, model_name: str) -> int:
    from modules.contacts import models

    model = getattr(models, model_name)
    with app.app_context():
        return toolkit.db.session.scalar(toolkit.sa.select(toolkit.sa.func.count()).select_from(model))


def post_form(client: Any, url: str, data: dict[str, Any]) -> Any:
    """POST a page's form with the session's CSRF token (read from the page itself)."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)})


def define_field(app: Flask, object: str, key: str, type: str, **options: Any) -> int:
    from modules.contacts.models import CustomField

    with app.app_context():
        row = CustomField(object=object, key=key, label=options.pop("label", key.replace("_", " ").title()),
                          type=type, **options)
        toolkit.db.session.add(row)
        toolkit.db.session.commit()
        return row.id


def api_token(app: Flask, user: Any) -> dict[str, str]:
    from core.security.tokens import create_token

    with app.app_context():
        _row, token = create_token(toolkit.db.session.get(toolkit.User, user.id), "test")
        toolkit.db.session.commit()
    return {"Authorization": f"Bearer {token}"}
