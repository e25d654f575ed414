"""Attacks on sign-in and requests: CSRF, password guessing (429), stolen or stale API tokens."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.security.models import ApiToken, User
from core.testing import TEST_PASSWORD, csrf_token, login

SECURITY_ADDONS = Path(__file__).parent / "addons" / "security"


# -- CSRF ------------------------------------------------------------------------


def test_post_without_or_with_a_wrong_csrf_token_is_refused(make_app, make_user, client_as) -> None:
    app = make_app()
    user = make_user(app)
    anonymous = app.test_client()
    anonymous.get("/login")
    assert anonymous.post("/login", data={"email": user.email, "password": TEST_PASSWORD}).status_code == 400
    assert anonymous.post(
        "/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": "forged"}
    ).status_code == 400

    admin = client_as(app, "admin")
    assert admin.post("/admin/roles", data={"name": "sneaky", "label": "x"}).status_code == 400
    assert admin.post("/logout").status_code == 400
    assert admin.get("/admin/users").status_code == 200, "a refused POST changes nothing"
    with app.app_context():
        from core.security.models import Role

        assert db.session.get(Role, "sneaky") is None
    ok = admin.post("/admin/roles", data={"name": "fine", "label": "x", "csrf_token": csrf_token(admin)})
    assert ok.status_code == 302


def test_a_token_from_another_session_is_refused(make_app, client_as) -> None:
    app = make_app()
    admin = client_as(app, "admin")
    mallory = app.test_client()
    stolen = csrf_token(mallory)
    assert admin.post("/admin/roles", data={"name": "evil", "csrf_token": stolen}).status_code == 400


# -- throttling ------------------------------------------------------------------------


def _attempt(app, email: str, password: str, ip: str) -> int:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token}).status_code


def test_sixth_wrong_password_for_one_account_is_429_even_from_other_addresses(make_app, make_user) -> None:
    app = make_app()
    victim, other = make_user(app), make_user(app)
    for n in range(5):
        assert _attempt(app, victim.email, f"guess-number-{n}", f"10.0.0.{n}") == 200
    # the sixth attempt is refused before the password is looked at, even the right one
    assert _attempt(app, victim.email, TEST_PASSWORD, "10.0.0.99") == 429
    assert _attempt(app, victim.email.upper(), "another-guess", "10.0.0.98") == 429
    # other accounts are not locked out
    assert _attempt(app, other.email, TEST_PASSWORD, "10.0.0.97") == 302


def test_sixth_failed_login_from_one_address_is_429_for_any_account(make_app, make_user) -> None:
    app = make_app()
    real = make_user(app)
    for n in range(5):
        assert _attempt(app, f"nobody{n}@example.test", "wrong-password-123", "192.0.2.7") == 200
    page_status = _attempt(app, real.email, TEST_PASSWORD, "192.0.2.7")
    assert page_status == 429
    assert _attempt(app, real.email, TEST_PASSWORD, "192.0.2.8") == 302


def _attempt_via_proxy(app, email: str, password: str, client_ip: str) -> int:
    """A login through one reverse proxy at 10.9.9.9 that names the client in X-Forwarded-For."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    client.environ_base["HTTP_X_FORWARDED_FOR"] = client_ip
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token}).status_code


@pytest.mark.parametrize("hops", [0, 1])
def test_behind_a_proxy_throttling_counts_the_forwarded_address_only_when_told(make_app, make_user,
                                                                               hops: int) -> None:
    app = make_app(config={"CRM_PROXY_HOPS": hops})
    real = make_user(app)
    for n in range(5):
        assert _attempt_via_proxy(app, f"nobody{n}@example.test", "wrong-password-123", "203.0.113.5") == 200
    # another client behind the same proxy: a client of its own with CRM_PROXY_HOPS=1; without
    # it every request seems to come from the proxy, which the five failures have locked
    expected = 302 if hops else 429
    assert _attempt_via_proxy(app, real.email, TEST_PASSWORD, "203.0.113.6") == expected


def test_successful_logins_are_not_counted(make_app, make_user) -> None:
    app = make_app()
    user = make_user(app)
    for _n in range(7):
        assert _attempt(app, user.email, TEST_PASSWORD, "198.51.100.1") == 302


# -- API tokens ------------------------------------------------------------------------


@pytest.fixture
def token_app(monkeypatch: pytest.MonkeyPatch, make_app):
    monkeypatch.setenv("CRM_ADDONS_PATH", str(SECURITY_ADDONS))
    return make_app(("secdemo",))


def _token_for(app, user_id: int) -> tuple[int, str]:
    from core.security.tokens import create_token

    with app.app_context():
        row, token = create_token(db.session.get(User, user_id), "test")
        db.session.commit()
        return row.id, token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_valid_token_acts_as_its_user_without_cookie_or_csrf(token_app, make_user) -> None:
    app = token_app
    user = make_user(app, "manager")
    _id, token = _token_for(app, user.id)
    client = app.test_client()
    me = client.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200 and me.get_json()["email"] == user.email
    assert "session=" not in "".join(me.headers.getlist("Set-Cookie")), "token requests get no session"
    # a write through a token needs no CSRF token: it carries no cookie a third party could ride on
    assert client.post("/secdemo/publish", headers=bearer(token)).status_code == 200
    with app.app_context():
        row = db.session.scalar(sa.select(ApiToken))
        assert row.token_hash != token and token not in (row.prefix, row.name)
        assert row.last_used_at is not None


def test_bearer_request_ignores_a_session_cookie(token_app, make_user, client_as) -> None:
    app = token_app
    user = make_user(app, "user")
    _id, token = _token_for(app, user.id)
    admin_browser = client_as(app, "admin")
    # the request is the token's user, not the signed-in admin
    assert admin_browser.post("/secdemo/publish", headers=bearer(token)).status_code == 403
    assert admin_browser.get("/api/v1/me", headers=bearer(token)).get_json()["email"] == user.email


def test_revoked_unknown_disabled_and_deleted_user_tokens_get_401(token_app, make_user) -> None:
    from core.security.tokens import revoke_token

    app = token_app
    client = app.test_client()
    assert client.get("/api/v1/me", headers=bearer("crm_made-up")).status_code == 401
    assert client.get("/api/v1/me").status_code == 401

    revoked_user = make_user(app)
    token_id, token = _token_for(app, revoked_user.id)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    with app.app_context():
        revoke_token(token_id)
        db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert client.get("/secdemo/", headers=bearer(token)).status_code == 401, "pages too"

    disabled = make_user(app)
    _id, token = _token_for(app, disabled.id)
    with app.app_context():
        db.session.get(User, disabled.id).active = False
        db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401

    deleted = make_user(app)
    _id, token = _token_for(app, deleted.id)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    with app.app_context():
        db.session.delete(db.session.get(User, deleted.id))
        db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_token_page_shows_a_new_token_once_and_revokes(make_app, client_as) -> None:
    app = make_app()
    client = client_as(app, "user")
    created = client.post("/account/tokens", data={"name": "<b>script</b>", "csrf_token": csrf_token(client)})
    page = created.get_data(as_text=True)
    assert created.status_code == 200
    assert "&lt;b&gt;script&lt;/b&gt;" in page
    start = page.index('id="new-token">') + len('id="new-token">')
    token = page[start:page.index("<", start)]
    assert token.startswith("crm_") and len(token) > 40
    again = client.get("/account/tokens").get_data(as_text=True)
    assert token not in again and token[:12] in again, "listed by prefix only"
    assert app.test_client().get("/account/tokens", headers=bearer(token)).status_code == 200

    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    other = client_as(app, "user")
    assert other.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(other)}).status_code == 404
    assert client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(client)}).status_code == 302
    assert app.test_client().get("/account/tokens", headers=bearer(token)).status_code == 401


def test_unknown_email_and_wrong_password_look_the_same(make_app, make_user) -> None:
    app = make_app()
    user = make_user(app)
    one, two = app.test_client(), app.test_client()
    a = login(one, user.email, "wrong-password-xyz").get_data(as_text=True)
    b = login(two, "nobody@example.test", "wrong-password-xyz").get_data(as_text=True)
    assert "Wrong e-mail address or password." in a and "Wrong e-mail address or password." in b
