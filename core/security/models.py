"""Accounts: users, departments (nested teams), roles and personal API tokens.

The tables are created by ``core/migrations/versions/core_0002_security.py``;
these classes must stay in step with it. ``core.security`` imports this
module so the tables are always in the metadata (record tables of modules
point at ``core_user`` and ``core_department``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import utcnow

#: the built-in role with every right on every record
ADMIN = "admin"
BUILTIN_ROLES = ("admin", "manager", "user")


class Role(db.Model):
    """A role users are given. Built-ins cannot be deleted; admins may add more."""

    __tablename__ = "core_role"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(80), default="")
    builtin: Mapped[bool] = mapped_column(sa.Boolean, default=False)


class Department(db.Model):
    """A team; ``parent_id`` nests it, so "team" rules see sub-departments too."""

    __tablename__ = "core_department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("core_department.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # use_alter: core_user and core_department point at each other
    head_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("core_user.id", ondelete="SET NULL", use_alter=True), nullable=True
    )


class User(db.Model):
    """A person who signs in. Flask-Login's user protocol is implemented here."""

    __tablename__ = "core_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255), default="")
    role: Mapped[str] = mapped_column(sa.ForeignKey("core_role.name", onupdate="CASCADE"), default="user")
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("core_department.id", ondelete="SET NULL"), nullable=True, index=True
    )
    #: language chosen in the profile ("de", "zh_CN", "en"); None: from the browser
    locale: Mapped[str | None] = mapped_column(sa.String(16), nullable=True)
    timezone: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)

    # -- Flask-Login -----------------------------------------------------------

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """``<id>:<session key>``: the key changes with the password, ending other sessions."""
        from core.security.auth import session_key

        return f"{self.id}:{session_key(self)}"

    # -- permissions ---------------------------------------------------------

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    def can(self, permission: str) -> bool:
        from core.security.access import can

        return can(permission, self)

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class ApiToken(db.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "core_api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: the first characters, so a user can tell tokens apart
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class AnonymousUser:
    """``current_user`` of a visitor who has not signed in."""

    id = None
    role = None
    locale = None
    timezone = None
    department_id = None
    email = ""
    name = ""
    display_name = ""
    is_admin = False
    is_authenticated = False
    is_active = False
    is_anonymous = True

    def get_id(self) -> None:
        return None

    def can(self, _permission: str) -> bool:
        return False

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, AnonymousUser)

    def __hash__(self) -> int:
        return 0
