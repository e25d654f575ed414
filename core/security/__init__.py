"""Accounts, sessions, API tokens, permissions and record rules.

Importing this package puts the account tables (``core_user``,
``core_department``, ``core_role``, ``core_api_token``) into the metadata,
which module tables point at (``owner_id``, ``department_id``).
"""

from __future__ import annotations

from flask import Flask

from core.security import models  # noqa: F401  (tables must always be in the metadata)


def init_app(app: Flask) -> None:
    """Flask-Login, CSRF, login throttling and the first-run set-up redirect."""
    from core.security import auth, throttle

    auth.init_app(app)
    throttle.init_app(app)
