"""Signing in and out: the login page, session cookies, first-run set-up, session endings."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from core.extensions import db
from core.security.models import User
from core.testing import TEST_PASSWORD, csrf_token, login, logout


def _cookie(response, name: str = "session") -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}="))


def test_first_visit_redirects_every_page_to_setup_which_creates_the_admin(make_app) -> None:
    app = make_app()
    client = app.test_client()
    for url in ("/", "/login", "/admin/users"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].endswith("/setup"), url
    assert client.get("/healthz").status_code == 200

    page = client.get("/setup")
    assert page.status_code == 200 and b"administrator" in page.data
    token = csrf_token(client, "/setup")
    mismatch = client.post("/setup", data={"email": "boss@example.test", "password": "a-long-passphrase-1",
                                           "password2": "a-long-passphrase-2", "csrf_token": token})
    assert b"The two passwords differ." in mismatch.data
    weak = client.post("/setup", data={"email": "boss@example.test", "password": "short",
                                       "password2": "short", "csrf_token": token})
    assert b"at least 12 characters" in weak.data
    done = client.post("/setup", data={"email": "Boss@Example.test", "name": "Boss", "password": TEST_PASSWORD,
                                       "password2": TEST_PASSWORD, "csrf_token": token})
    assert done.status_code == 302
    # signed in as the new admin
    assert client.get("/admin/users").status_code == 200
    with app.app_context():
        admin = db.session.scalar(sa.select(User))
        assert (admin.email, admin.role, admin.name) == ("boss@example.test", "admin", "Boss")
    # afterwards the set-up page is gone, for everyone
    assert client.get("/setup").status_code == 404
    assert app.test_client().get("/setup").status_code == 404
    assert app.test_client().get("/admin/users").headers["Location"].startswith("/login")


def test_login_logout_and_next(make_app, make_user) -> None:
    app = make_app()
    user = make_user(app, role="admin")
    client = app.test_client()
    response = client.get("/admin/users")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/admin/users"

    wrong = login(client, user.email, "not-the-password-at-all")
    assert wrong.status_code == 200 and b"Wrong e-mail address or password." in wrong.data
    assert client.get("/admin/users").status_code == 302

    token = csrf_token(client, "/login?next=/admin/users")
    ok = client.post("/login", data={"email": user.email.upper(), "password": TEST_PASSWORD,
                                     "next": "/admin/users", "csrf_token": token})
    assert ok.status_code == 302 and ok.headers["Location"] == "/admin/users"
    assert client.get("/admin/users").status_code == 200
    with app.app_context():
        assert db.session.get(User, user.id).last_login_at is not None

    assert logout(client).status_code == 302
    assert client.get("/admin/users").status_code == 302


def test_login_never_redirects_off_site(make_app, make_user) -> None:
    app = make_app()
    user = make_user(app)
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        client = app.test_client()
        token = csrf_token(client)
        response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD,
                                               "next": target, "csrf_token": token})
        assert response.status_code == 302
        assert response.headers["Location"] == "/", target


def test_session_cookie_flags_and_renewal_at_login(make_app, make_user) -> None:
    app = make_app()
    user = make_user(app)
    client = app.test_client()
    before = client.get("/login")
    assert "HttpOnly" in _cookie(before) and "SameSite=Lax" in _cookie(before)
    assert "Secure" not in _cookie(before)
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker before login"
    response = login(client, user.email)
    cookie = _cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    with client.session_transaction() as sess:
        assert "planted" not in sess, "the pre-login session must not survive login"
        assert sess["_user_id"].startswith(f"{user.id}:")

    # CRM_SECURE_COOKIES=1 (behind HTTPS) becomes SESSION_COOKIE_SECURE
    secure = make_app(config={"SESSION_COOKIE_SECURE": True})
    assert "Secure" in _cookie(secure.test_client().get("/setup"))


def test_changing_password_or_disabling_ends_other_sessions(make_app, make_user) -> None:
    from core.security import service

    app = make_app()
    user = make_user(app)
    admin = make_user(app, role="admin")
    first, second = app.test_client(), app.test_client()
    login(first, user.email)
    login(second, admin.email)
    assert first.get("/account/tokens").status_code == 200
    with app.app_context():
        service.set_password(db.session.get(User, user.id), "an-entirely-new-passphrase")
        db.session.commit()
    assert first.get("/account/tokens").status_code == 302, "old session must end with the password change"
    assert login(first, user.email, "an-entirely-new-passphrase").status_code == 302

    assert second.get("/admin/users").status_code == 200
    with app.app_context():
        db.session.get(User, admin.id).active = False
        db.session.commit()
    assert second.get("/admin/users").status_code == 302
    assert login(app.test_client(), admin.email).status_code == 200, "a disabled user cannot sign in"


def test_signed_in_login_page_offers_logout(make_app, client_as) -> None:
    app: Flask = make_app()
    client = client_as(app, "user", name="Ann <b>Example</b>")
    page = client.get("/login").get_data(as_text=True)
    assert "Ann &lt;b&gt;Example&lt;/b&gt;" in page
    assert 'action="/logout"' in page
