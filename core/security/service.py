"""Account operations shared by the admin pages, the set-up page and ``crm users``.

Functions here validate and change the session's objects and ``flush``; the
caller commits, so a view or command decides what one transaction is.
Refusals raise ``SecurityError`` with a message fit to show to the user.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import current_app
from pytz import common_timezones

from core.declarations import ACTIONS, RULES
from core.extensions import db
from core.i18n import LANGUAGES
from core.i18n import gettext as _
from core.models import GrantRow, utcnow
from core.security.access import GRANTED, forget, subtree
from core.security.errors import SecurityError
from core.security.models import ADMIN, Department, Role, User
from core.security.passwords import burn_time, hash_password, needs_rehash, rehash, verify_password

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
ROLE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


# -- users -----------------------------------------------------------------------


def normalize_email(email: str) -> str:
    value = (email or "").strip().lower()
    if not EMAIL_RE.match(value) or len(value) > 254:
        raise SecurityError(_("'%(email)s' is not a valid e-mail address.", email=email))
    return value


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == (email or "").strip().lower()))


def _check_role(name: str) -> str:
    if db.session.get(Role, name) is None:
        known = ", ".join(db.session.scalars(sa.select(Role.name).order_by(Role.name)))
        raise SecurityError(_("Unknown role '%(role)s' (roles: %(known)s).", role=name, known=known))
    return name


def _check_department(department_id: int | None) -> int | None:
    if department_id is not None and db.session.get(Department, department_id) is None:
        raise SecurityError(_("Unknown department %(id)s.", id=department_id))
    return department_id


def create_user(
    email: str,
    password: str,
    *,
    role: str = "user",
    name: str = "",
    department_id: int | None = None,
    active: bool = True,
    locale: str | None = None,
) -> User:
    email = normalize_email(email)
    if user_by_email(email) is not None:
        raise SecurityError(_("A user with the e-mail address %(email)s already exists.", email=email))
    user = User(
        email=email,
        name=(name or "").strip()[:120],
        role=_check_role(role),
        department_id=_check_department(department_id),
        active=active,
        locale=locale or None,
        password_hash=hash_password(password),
        created_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def set_password(user: User, password: str) -> None:
    """New password (policy checked); the user's other sessions end."""
    user.password_hash = hash_password(password)


def _other_active_admins(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.role == ADMIN, User.active.is_(True), User.id != user.id)
    ) or 0


def update_user(
    user: User,
    *,
    name: str,
    role: str,
    department_id: int | None,
    active: bool,
    locale: str | None = None,
    timezone: str | None = None,
) -> None:
    if user.role == ADMIN and user.active and (role != ADMIN or not active) and not _other_active_admins(user):
        raise SecurityError(_("At least one active administrator must remain."))
    if locale and locale not in LANGUAGES:
        raise SecurityError(_("Unknown language."))
    if timezone and timezone not in common_timezones:
        raise SecurityError(_("Unknown time zone."))
    user.name = (name or "").strip()[:120]
    user.role = _check_role(role)
    user.department_id = _check_department(department_id)
    user.active = active
    user.locale = locale or None
    user.timezone = timezone or None
    db.session.flush()
    forget()


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same time either way)."""
    user = user_by_email(email)
    if user is None:
        burn_time(password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = rehash(password)
    user.last_login_at = utcnow()
    return user


# -- departments -------------------------------------------------------------------


def departments_tree() -> list[tuple[Department, int]]:
    """Every department with its depth, parents before children, by name."""
    rows = list(db.session.scalars(sa.select(Department).order_by(Department.name)))
    children: dict[int | None, list[Department]] = {}
    ids = {d.id for d in rows}
    for dep in rows:
        parent = dep.parent_id if dep.parent_id in ids else None
        children.setdefault(parent, []).append(dep)
    out: list[tuple[Department, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for dep in children.get(parent, []):
            out.append((dep, depth))
            walk(dep.id, depth + 1)

    walk(None, 0)
    return out


def save_department(
    department: Department | None, *, name: str, parent_id: int | None, head_id: int | None
) -> Department:
    name = (name or "").strip()
    if not name:
        raise SecurityError(_("A department needs a name."))
    if parent_id is not None:
        if db.session.get(Department, parent_id) is None:
            raise SecurityError(_("Unknown department %(id)s.", id=parent_id))
        forget()
        if department is not None and parent_id in subtree([department.id]):
            raise SecurityError(_("A department cannot be placed inside itself or one of its sub-departments."))
    if head_id is not None and db.session.get(User, head_id) is None:
        raise SecurityError(_("Unknown user %(id)s.", id=head_id))
    if department is None:
        department = Department()
        db.session.add(department)
    department.name = name[:120]
    department.parent_id = parent_id
    department.head_id = head_id
    db.session.flush()
    forget()
    return department


def delete_department(department: Department) -> None:
    if db.session.scalar(sa.select(Department.id).where(Department.parent_id == department.id).limit(1)):
        raise SecurityError(_("Move or delete its sub-departments first."))
    db.session.delete(department)
    db.session.flush()
    forget()


# -- roles -------------------------------------------------------------------------


def create_role(name: str, label: str) -> Role:
    name = (name or "").strip().lower()
    if not ROLE_RE.match(name):
        raise SecurityError(
            _("A role name is 2 to 40 lower-case letters, digits or '_', starting with a letter.")
        )
    if db.session.get(Role, name) is not None:
        raise SecurityError(_("The role '%(role)s' already exists.", role=name))
    role = Role(name=name, label=(label or name).strip()[:80], builtin=False)
    db.session.add(role)
    db.session.flush()
    return role


def delete_role(role: Role) -> None:
    if role.builtin:
        raise SecurityError(_("Built-in roles cannot be deleted."))
    if db.session.scalar(sa.select(User.id).where(User.role == role.name).limit(1)):
        raise SecurityError(_("Users still have the role '%(role)s'.", role=role.name))
    db.session.execute(sa.delete(GrantRow).where(GrantRow.role == role.name))
    db.session.delete(role)
    db.session.flush()
    forget()


# -- grants ------------------------------------------------------------------------


def save_grants(changes: Mapping[tuple[str, str], tuple[str, str]]) -> int:
    """Store ``(object, role) -> (rights, rule)``; return how many rows changed.

    A role's rights are kept even when emptied (``""``), so upgrading the
    module does not bring back a default the administrator removed.
    """
    registry = current_app.extensions["crm"].registry
    roles = set(db.session.scalars(sa.select(Role.name)))
    existing = {(g.object, g.role): g for g in db.session.scalars(sa.select(GrantRow))}
    changed = 0
    for (obj, role), (rights, rule) in changes.items():
        if obj not in registry.objects:
            raise SecurityError(_("Unknown object '%(object)s'.", object=obj))
        if role not in roles or role == ADMIN:
            raise SecurityError(_("Unknown role '%(role)s'.", role=role))
        rights = "".join(letter for letter in ACTIONS if letter in rights)
        if rule not in RULES:
            raise SecurityError(_("Unknown record rule '%(rule)s'.", rule=rule))
        row = existing.get((obj, role))
        if row is None:
            if not rights:
                continue
            module = registry.owner("object", obj) or obj.split(".", 1)[0]
            db.session.add(GrantRow(module=module, object=obj, role=role, rights=rights, rule=rule))
            changed += 1
        elif (row.rights, row.rule) != (rights, rule):
            row.rights, row.rule = rights, rule
            changed += 1
    db.session.flush()
    forget()
    return changed


def editable_permissions() -> list[Any]:
    """Named permissions of modules; core's (administration) stay with the admin role."""
    registry = current_app.extensions["crm"].registry
    return sorted(
        (p for name, p in registry.permissions.items() if registry.owner("permission", name) != "core"),
        key=lambda p: p.name,
    )


def permission_granted(permission: Any, role: str, table: Mapping[tuple[str, str], tuple[str, str]]) -> bool:
    """Whether ``role`` has a named permission: a stored choice, else the declared roles."""
    stored = table.get((permission.name, role))
    return GRANTED in stored[0] if stored is not None else role in permission.roles


def save_permission_grants(changes: Mapping[tuple[str, str], bool]) -> int:
    """Store ``(permission, role) -> granted`` where it differs from what is in force."""
    registry = current_app.extensions["crm"].registry
    editable = {p.name: p for p in editable_permissions()}
    roles = set(db.session.scalars(sa.select(Role.name)))
    existing = {(g.object, g.role): g for g in db.session.scalars(sa.select(GrantRow))}
    table = {key: (g.rights, g.rule) for key, g in existing.items()}
    changed = 0
    for (name, role), granted in changes.items():
        if name not in editable:
            raise SecurityError(_("Unknown object '%(object)s'.", object=name))
        if role not in roles or role == ADMIN:
            raise SecurityError(_("Unknown role '%(role)s'.", role=role))
        if permission_granted(editable[name], role, table) == granted:
            continue
        rights = GRANTED if granted else ""
        row = existing.get((name, role))
        if row is None:
            module = registry.owner("permission", name) or name.split(".", 1)[0]
            db.session.add(GrantRow(module=module, object=name, role=role, rights=rights, rule="all"))
        else:
            row.rights = rights
        changed += 1
    db.session.flush()
    forget()
    return changed


def grants_table() -> dict[tuple[str, str], tuple[str, str]]:
    """(object, role) -> (rights, rule) as stored."""
    return {(g.object, g.role): (g.rights, g.rule) for g in db.session.scalars(sa.select(GrantRow))}
