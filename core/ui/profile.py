"""The user's own profile (language, time zone) and the layout's language switcher.

The profile choice is stored on the user (``User.locale``/``User.timezone``)
and wins over the browser's preference. The switcher works for anonymous
visitors too (the login page): their choice is kept in the session.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from pytz import common_timezones

from core.extensions import db
from core.i18n import LANGUAGES, SESSION_KEY, forget_locale
from core.i18n import gettext as _
from core.security.access import public, require
from core.ui import SIGNED_IN


def _safe_next(target: str | None, default: str) -> str:
    """Only same-site paths, so the switcher cannot be used as an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def _store_language(code: str | None) -> None:
    """Remember the choice in the session and, for a logged-in user, on the user."""
    if code:
        session[SESSION_KEY] = code
    else:
        session.pop(SESSION_KEY, None)
    if getattr(current_app, "login_manager", None) is not None and current_user.is_authenticated:
        if hasattr(type(current_user._get_current_object()), "locale"):  # type: ignore[attr-defined]
            current_user.locale = code
    forget_locale()


@require(SIGNED_IN)
def profile() -> ResponseReturnValue:
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    if request.method == "POST":
        code = request.form.get("locale", "")
        zone = request.form.get("timezone", "")
        errors = []
        if code and code not in LANGUAGES:
            errors.append(_("Unknown language."))
        if zone and zone not in common_timezones:
            errors.append(_("Unknown time zone."))
        if errors:
            for message in errors:
                flash(message, "error")
            return render_template("core/profile.html", user=user, timezones=common_timezones), 422
        if hasattr(type(user), "timezone"):
            user.timezone = zone or None
        _store_language(code or None)
        db.session.commit()
        flash(_("Your profile was saved."), "success")
        return redirect(url_for("core_ui.profile"))
    return render_template("core/profile.html", user=user, timezones=common_timezones)


@public
def set_language() -> ResponseReturnValue:
    """The layout's language switcher (a POST form; works without JavaScript)."""
    code = request.form.get("locale", "")
    back = _safe_next(request.form.get("next"), url_for("core_ui.dashboard"))
    if code not in LANGUAGES:
        flash(_("Unknown language."), "error")
        return redirect(back)
    _store_language(code)
    db.session.commit()
    return redirect(back)
