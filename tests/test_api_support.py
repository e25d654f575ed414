"""Shared set-up of the REST API tests (helpers, no tests of its own).

``api_env(make_app, monkeypatch)`` gives an app with the test modules whose
API the tests drive (``apitest`` and the sample ``notebook``), four users with
tokens and a client that sends the token of whoever is named:

- ``admin`` (built-in admin role: every right on every record)
- ``alice`` and ``bob`` (managers: apitest things, own records only)
- ``uma`` (user: no right on apitest things at all)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

ADDONS = Path(__file__).parent / "addons"
API_ADDONS = [ADDONS / "apitest", ADDONS / "sample"]
USERS = {"admin": "admin", "alice": "manager", "bob": "manager", "uma": "user"}


def use_api_addons(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_ADDONS_PATH", os.pathsep.join(str(p) for p in API_ADDONS if p.is_dir()))


def add_user(app: Flask, email: str, role: str, **fields: Any) -> tuple[int, str]:
    """A user (no usable password: the API needs none) and a fresh token of theirs."""
    from core.extensions import db
    from core.security.models import User
    from core.security.tokens import create_token

    with app.app_context():
        user = User(email=email, name=email.split("@")[0].title(), role=role, password_hash="", **fields)
        db.session.add(user)
        db.session.flush()
        _row, token = create_token(user, "tests")
        db.session.commit()
        return user.id, token


@dataclass
class ApiEnv:
    app: Flask
    client: FlaskClient
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def call(self, method: str, path: str, who: str | None = "admin", **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}) or {})
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, who: str | None = "admin", **kwargs: Any) -> Any:
        return self.call("GET", path, who, **kwargs)

    def post(self, path: str, who: str | None = "admin", **kwargs: Any) -> Any:
        return self.call("POST", path, who, **kwargs)

    def patch(self, path: str, who: str | None = "admin", **kwargs: Any) -> Any:
        return self.call("PATCH", path, who, **kwargs)

    def delete(self, path: str, who: str | None = "admin", **kwargs: Any) -> Any:
        return self.call("DELETE", path, who, **kwargs)

    def sql(self, statement: Any, **params: Any) -> Any:
        from core.extensions import db

        with self.app.app_context():
            stmt = sa.text(statement) if isinstance(statement, str) else statement
            result = db.session.execute(stmt, params)
            rows = result.all() if result.returns_rows else None
            db.session.commit()
            return rows


def api_env(make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch, modules: tuple[str, ...] = ("apitest",)) -> ApiEnv:
    use_api_addons(monkeypatch)
    app = make_app(modules)
    env = ApiEnv(app=app, client=app.test_client())
    for name, role in USERS.items():
        env.ids[name], env.tokens[name] = add_user(app, f"{name}@example.org", role)
    return env


def is_problem(response: Any, status: int) -> dict[str, Any]:
    """Assert an RFC 9457 problem response with ``status``; return its body."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["type"] and body["title"] and "detail" in body
    assert body["instance"] == response.request.path
    return body
