"""Every route of core and of every module, built from the app's own URL map.

A new route cannot escape these checks: they iterate ``app.url_map`` of an
app with every available module installed (bundled ones, the test modules in
``tests/addons/basic`` and ``tests/addons/security``).

- every view is marked: ``@public``, ``require(permission)`` or ``require_login``;
- anonymous: a page redirects to the login page, an ``/api/`` endpoint answers 401;
- signed in with a role that has no rights at all: 403 (pages by session,
  ``/api/`` by bearer token), except views open to every signed-in user.

Records outside a user's rule answering 404 is checked per object in
``test_security_rules.py``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule

from core.extensions import db
from core.loader import load_graph
from core.testing import create_user, csrf_token, login

ADDONS = Path(__file__).parent / "addons"
SKIP_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def full_app(monkeypatch: pytest.MonkeyPatch, make_app) -> Flask:
    """Every available module installed, and a first user so set-up is done."""
    monkeypatch.setenv("CRM_ADDONS_PATH", os.pathsep.join(str(ADDONS / name) for name in ("basic", "security")))
    app = make_app(tuple(sorted(load_graph().manifests)))
    create_user(app, "admin")
    return app


def view_of(app: Flask, rule: Rule) -> Any:
    return app.view_functions[rule.endpoint]


def is_public(app: Flask, rule: Rule) -> bool:
    return bool(getattr(view_of(app, rule), "crm_public", False))


def permission_of(app: Flask, rule: Rule) -> str | None:
    return getattr(view_of(app, rule), "crm_permission", None)


def login_only(app: Flask, rule: Rule) -> bool:
    from core.security.access import AUTHENTICATED

    view = view_of(app, rule)
    return bool(getattr(view, "crm_login_required", False)) or permission_of(app, rule) == AUTHENTICATED


def url_for_rule(app: Flask, rule: Rule, method: str) -> str | None:
    """A URL that the URL map sends to this very rule (dummy values for its arguments)."""
    adapter = app.url_map.bind("localhost")
    for value in (1, "x1"):
        built = rule.build({arg: value for arg in rule.arguments}, append_unknown=False)
        if built is None:
            continue
        path = built[1]
        try:
            endpoint, _args = adapter.match(path, method=method)
        except Exception:  # noqa: BLE001 - another rule or a redirect: try the next value
            continue
        if endpoint == rule.endpoint:
            return path
    return None


def cases(app: Flask) -> list[tuple[Rule, str, str]]:
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - SKIP_METHODS):
            url = url_for_rule(app, rule, method)
            assert url is not None, f"cannot build a URL that reaches {rule.endpoint} ({rule.rule})"
            out.append((rule, method, url))
    return out


def send(client: Any, method: str, url: str, token: str | None = None, headers: dict[str, str] | None = None) -> Any:
    data = {"csrf_token": token} if token and method != "GET" else None
    return client.open(url, method=method, data=data, headers=headers or {})


def test_every_view_is_public_or_checked(full_app: Flask) -> None:
    unchecked = sorted(
        f"{rule.endpoint} ({rule.rule})"
        for rule in full_app.url_map.iter_rules()
        if not is_public(full_app, rule) and not permission_of(full_app, rule) and not login_only(full_app, rule)
    )
    assert not unchecked, "views without require()/require_login/@public: " + ", ".join(unchecked)


def test_the_matrix_covers_modules_and_core(full_app: Flask) -> None:
    endpoints = {rule.endpoint for rule in full_app.url_map.iter_rules()}
    for expected in ("alpha.items", "secdemo.note", "core_security.grants", "core_auth.login", "core_admin.modules"):
        assert expected in endpoints


def test_anonymous_gets_login_redirect_or_401(full_app: Flask) -> None:
    client = full_app.test_client()
    token = csrf_token(client)
    failures = []
    for rule, method, url in cases(full_app):
        if is_public(full_app, rule):
            continue
        response = send(client, method, url, token)
        if url.startswith("/api/"):
            ok = response.status_code == 401
        else:
            ok = response.status_code == 302 and response.headers.get("Location", "").startswith("/login")
        if not ok:
            failures.append(f"{method} {url} [{rule.endpoint}] -> {response.status_code} {response.headers.get('Location', '')}")
    assert not failures, "anonymous requests not refused:\n" + "\n".join(failures)


def test_signed_in_user_without_the_permission_gets_403(full_app: Flask) -> None:
    from core.security import service
    from core.security.models import User
    from core.security.tokens import create_token

    with full_app.app_context():
        service.create_role("nobody", "No rights at all")
        db.session.commit()
    user = create_user(full_app, "nobody")
    with full_app.app_context():
        _row, api_token = create_token(db.session.get(User, user.id), "matrix")
        db.session.commit()
    browser = full_app.test_client()
    assert login(browser, user.email, user.password).status_code == 302
    form_token = csrf_token(browser)

    failures = []
    checked = 0
    for rule, method, url in cases(full_app):
        if is_public(full_app, rule) or login_only(full_app, rule):
            continue
        if url.startswith("/api/"):
            response = send(full_app.test_client(), method, url, headers={"Authorization": f"Bearer {api_token}"})
        else:
            response = send(browser, method, url, form_token)
        checked += 1
        if response.status_code != 403:
            failures.append(f"{method} {url} [{rule.endpoint}, needs {permission_of(full_app, rule)}] -> {response.status_code}")
    assert checked > 10
    assert not failures, "requests without the permission not refused with 403:\n" + "\n".join(failures)
