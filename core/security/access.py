"""The one permission check every page and API endpoint goes through.

(Minimal first version; the accounts work completes it with record rules.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, redirect, request, url_for
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])


def public(view: F) -> F:
    """Mark a view as open to anonymous visitors (login page, health check)."""
    view.crm_public = True  # type: ignore[attr-defined]
    return view


def can(permission: str, user: Any = None) -> bool:
    user = current_user if user is None else user
    if not getattr(user, "is_authenticated", False):
        return False
    checker = getattr(user, "can", None)
    return bool(checker and checker(permission))


def require(permission: str) -> Callable[[F], F]:
    """Anonymous: login redirect (pages) or 401 (API); lacking the permission: 403."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not getattr(current_user, "is_authenticated", False):
                if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
                    abort(401)
                return redirect(url_for("core_auth.login", next=request.full_path))
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.crm_permission = permission  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def require_login(view: F) -> F:
    """Any logged-in user (dashboard, search, own profile); anonymous: login redirect (pages) or 401 (API).

    Added by the UI work for pages that belong to every user rather than to a
    permission; the route matrix treats it like ``require`` without the 403 case.
    """

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not getattr(current_user, "is_authenticated", False):
            if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
                abort(401)
            return redirect(url_for("core_auth.login", next=request.full_path))
        return view(*args, **kwargs)

    wrapped.crm_login_required = True  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]
