"""Sign-in, sign-out, first-run set-up and a user's own API tokens."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from core.extensions import db
from core.i18n import gettext as _
from core.security import service, tokens
from core.security.access import public, require_login
from core.security.auth import users_exist
from core.security.errors import SecurityError
from core.security.models import User
from core.security.throttle import client_address, login_throttle

bp = Blueprint("core_auth", __name__, url_prefix="")

HOME = "/"


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (no open redirect), else None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _start_session(user: User) -> None:
    """A fresh session for the signed-in user: nothing from before login survives."""
    session.clear()
    login_user(user)
    session.permanent = False


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("core/auth/login.html", next=next_url, email="", error=None)
    email = request.form.get("email", "")
    password = request.form.get("password", "")
    throttle, address = login_throttle(), client_address()
    if throttle.blocked(email, address):
        error = _("Too many failed sign-in attempts. Wait a minute and try again.")
        page = render_template("core/auth/login.html", next=next_url, email=email, error=error)
        return page, 429, {"Retry-After": "60"}
    user = service.authenticate(email, password)
    if user is None:
        throttle.failed(email, address)
        db.session.rollback()
        error = _("Wrong e-mail address or password.")
        return render_template("core/auth/login.html", next=next_url, email=email, error=error), 200
    db.session.commit()
    _start_session(user)
    return redirect(next_url or HOME)


@bp.post("/logout")
@require_login
def logout() -> ResponseReturnValue:
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect(url_for("core_auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
@public
def setup() -> ResponseReturnValue:
    """Create the administrator account; exists only while the database has no user."""
    exists = users_exist()
    if exists is None:
        abort(503)
    if exists:
        abort(404)
    form = {"email": request.form.get("email", ""), "name": request.form.get("name", "")}
    if request.method == "GET":
        return render_template("core/auth/setup.html", form=form, error=None)
    password = request.form.get("password", "")
    try:
        if password != request.form.get("password2", ""):
            raise SecurityError(_("The two passwords differ."))
        user = service.create_user(form["email"], password, role="admin", name=form["name"])
    except SecurityError as exc:
        db.session.rollback()
        return render_template("core/auth/setup.html", form=form, error=str(exc)), 200
    db.session.commit()
    current_app.extensions["crm_security"]["users_exist"] = True
    _start_session(user)
    flash(_("Welcome! Your administrator account is ready."), "success")
    return redirect(HOME)


@bp.get("/account/tokens")
@require_login
def api_tokens() -> ResponseReturnValue:
    return render_template("core/auth/tokens.html", rows=tokens.tokens_of(current_user), new_token=None)


@bp.post("/account/tokens")
@require_login
def api_token_create() -> ResponseReturnValue:
    row, token = tokens.create_token(current_user, request.form.get("name", ""))
    db.session.commit()
    # shown on this response only: never stored, flashed or redirected with
    return render_template(
        "core/auth/tokens.html", rows=tokens.tokens_of(current_user), new_token=token, new_row=row
    )


@bp.post("/account/tokens/<int:token_id>/revoke")
@require_login
def api_token_revoke(token_id: int) -> ResponseReturnValue:
    try:
        tokens.revoke_token(token_id, user=current_user)
    except tokens.TokenError:
        abort(404)
    db.session.commit()
    flash(_("The token is revoked."), "success")
    return redirect(url_for("core_auth.api_tokens"))
