"""Who is asking: sessions (Flask-Login), bearer tokens, CSRF, and the first-run set-up.

- A browser signs in at ``/login``; its session cookie carries
  ``<user id>:<session key>``. The key is derived from the password hash, so
  changing a password ends the user's other sessions; a disabled user's
  session ends at their next request.
- An API client sends ``Authorization: Bearer <token>``. Such a request is
  authenticated by the token alone (a session cookie sent along is ignored)
  and is exempt from CSRF: a cross-site page cannot make a browser send that
  header. A bad, revoked or disabled user's token answers 401.
- Every other POST/PUT/PATCH/DELETE needs the CSRF token (400 without).
- While the database has no user, every page redirects to ``/setup``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import sqlalchemy as sa
from flask import Flask, abort, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from core.extensions import db
from core.security.models import AnonymousUser, User

login_manager = LoginManager()
login_manager.anonymous_user = AnonymousUser
login_manager.login_view = "core_auth.login"
#: "basic": a session copied to another client is marked not fresh
login_manager.session_protection = "basic"

csrf = CSRFProtect()

#: endpoints that work before the first user exists
SETUP_FREE = {"core_auth.setup", "static", "core_health.healthz", "core_ui.set_language", "core_api.openapi", "core_api.docs"}


def session_key(user: User) -> str:
    """Short HMAC of the password hash: stable until the password changes."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, (user.password_hash or "").encode(), hashlib.sha256).hexdigest()[:16]


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if bearer_token() is not None:  # token requests never ride on a cookie session
        return None
    raw_id, _, key = user_id.partition(":")
    try:
        user = db.session.get(User, int(raw_id))
    except (ValueError, sa.exc.SQLAlchemyError):
        db.session.rollback()
        return None
    if user is None or not user.active or not hmac.compare_digest(key, session_key(user)):
        return None
    return user


@login_manager.request_loader
def load_user_from_request(_request: Any) -> User | None:
    from core.security.tokens import user_for_token

    token = bearer_token()
    if token is None:
        return None
    return user_for_token(token)


def _reject_bad_bearer() -> None:
    """A request that presents a token which is not valid: 401, whatever the route."""
    token = bearer_token()
    if token is None:
        return
    from flask_login import current_user

    if not current_user.is_authenticated:
        response = current_app.make_response(("invalid or revoked API token\n", 401))
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        abort(response)


def _csrf_check() -> None:
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if bearer_token() is not None:
        return
    csrf.protect(apply_exemptions=True)


def users_exist() -> bool | None:
    """True once any user exists (cached per app); None when the table is not there."""
    state = current_app.extensions["crm_security"]
    if state.get("users_exist"):
        return True
    try:
        found = db.session.execute(sa.select(User.id).limit(1)).first() is not None
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return None
    if found:
        state["users_exist"] = True
    return found


def _first_run() -> ResponseReturnValue | None:
    """Send every page to ``/setup`` until the administrator account exists."""
    if request.endpoint in SETUP_FREE or request.endpoint is None:
        return None
    if users_exist() is False:
        if request.path.startswith("/api/"):
            abort(401)
        return redirect(url_for("core_auth.setup"))
    return None


def init_app(app: Flask) -> None:
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config.get("SESSION_COOKIE_SECURE", False))
    # the token is bound to the session, which is renewed at login; no
    # expiry means a form left open over lunch can still be saved
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    # we run the check ourselves so bearer-token requests can skip it
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.extensions["crm_security"] = {}
    login_manager.init_app(app)
    csrf.init_app(app)
    app.before_request(_first_run)
    app.before_request(_reject_bad_bearer)
    app.before_request(_csrf_check)
