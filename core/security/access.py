"""The one permission check every page, list, search, export and API endpoint goes through.

Rights are data: modules declare ``ObjectAccess`` (grants ``rcwd`` and a
record rule own/team/all per role) and named ``Permission``\\ s; install
copies the default grants into ``core_grant`` where administrators edit
them. Every check here reads ``core_grant`` (once per request, cached on
``g``), so an edit takes effect on the next request. The built-in ``admin``
role has every right on every record.

- ``require(permission)`` guards a view: anonymous visitors are sent to the
  login page (401 on ``/api/``), users without the right get 403.
- ``scope(select, object)`` narrows a query to the records the user's rule
  lets them see; ``get_or_404``/``check_record`` answer 404 for a record
  outside the rule, so its existence is not revealed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort, current_app, g, has_app_context, redirect, request, url_for
from flask_login import current_user

from core.declarations import ACTIONS
from core.extensions import db
from core.models import GrantRow

F = TypeVar("F", bound=Callable[..., Any])

#: a permission every signed-in, active user has (profile, own API tokens, home page)
AUTHENTICATED = "core.authenticated"
ADMIN = "admin"
#: action name -> letter in a grant ("read" -> "r")
LETTERS = {name: letter for letter, name in ACTIONS.items()}
#: rights of a ``core_grant`` row for a named permission that an administrator granted
GRANTED = "x"


# -- marking views -------------------------------------------------------------


def public(view: F) -> F:
    """Mark a view as open to anonymous visitors (login page, health check)."""
    view.crm_public = True  # type: ignore[attr-defined]
    return view


def require(permission: str) -> Callable[[F], F]:
    """Anonymous: login redirect (pages) or 401 (API); lacking the permission: 403."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not getattr(current_user, "is_authenticated", False):
                return _anonymous()
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.crm_permission = permission  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def require_login(view: F) -> F:
    """Any logged-in user (dashboard, search, own profile); anonymous: login redirect (pages) or 401 (API).

    For pages that belong to every user rather than to a permission; the route
    matrix treats it like ``require`` without the 403 case.
    """

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not getattr(current_user, "is_authenticated", False):
            return _anonymous()
        return view(*args, **kwargs)

    wrapped.crm_login_required = True  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def _anonymous() -> Any:
    """Pages send anonymous visitors to the login page; the API answers 401."""
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        abort(401)
    return redirect(url_for("core_auth.login", next=request.full_path.rstrip("?")))


# -- per-request cache ---------------------------------------------------------


def _cache() -> dict[Any, Any]:
    if not has_app_context():
        return {}
    cache = g.get("_crm_access")
    if cache is None:
        cache = {}
        g._crm_access = cache
    return cache


def forget() -> None:
    """Drop cached grants and teams (after an edit inside the same request or app context)."""
    if has_app_context():
        g.pop("_crm_access", None)


def _registry() -> Any:
    return current_app.extensions["crm"].registry


def _user(user: Any) -> Any:
    if user is not None:
        return user
    return current_user._get_current_object() if current_user else None  # type: ignore[attr-defined]


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def role_grants(role: str) -> dict[str, tuple[str, str]]:
    """object -> (rights, rule) for ``role``, from ``core_grant`` (one query per request)."""
    cache = _cache()
    key = ("grants", role)
    if key not in cache:
        rows = db.session.execute(
            sa.select(GrantRow.object, GrantRow.rights, GrantRow.rule).where(GrantRow.role == role)
        )
        cache[key] = {obj: (rights or "", rule or "own") for obj, rights, rule in rows}
    return cache[key]


# -- rights --------------------------------------------------------------------


def rule_for(object: str, action: str = "read", user: Any = None) -> str | None:
    """``"all"``, ``"team"`` or ``"own"`` when ``user`` may do ``action`` on ``object``; else None."""
    user = _user(user)
    if not _active(user) or action not in LETTERS:
        return None
    if user.role == ADMIN:
        return "all"
    if object not in _registry().objects:
        return None
    rights, rule = role_grants(user.role).get(object, ("", "own"))
    if LETTERS[action] not in rights:
        return None
    return rule


def can(permission: str, user: Any = None) -> bool:
    """May ``user`` (default: the current user) use ``permission``?

    ``permission`` is ``<module>.<object>.<action>`` (action read/create/write/
    delete, from ``core_grant``), a named ``Permission`` (its roles), or
    ``AUTHENTICATED``. Admins may do everything; unknown names only admins.
    A named permission goes to its declared roles unless an administrator
    changed that role's grant (a ``core_grant`` row named after the permission).
    """
    user = _user(user)
    if not _active(user):
        return False
    if permission == AUTHENTICATED or user.role == ADMIN:
        return True
    registry = _registry()
    obj, _, action = permission.rpartition(".")
    if action in LETTERS and obj in registry.objects:
        return rule_for(obj, action, user) is not None
    declared = registry.permissions.get(permission)
    if declared is None:
        return False
    stored = role_grants(user.role).get(permission)
    if stored is not None:  # an administrator's choice overrides the declared roles
        return GRANTED in stored[0]
    return user.role in declared.roles


# -- teams -----------------------------------------------------------------------


def _departments() -> list[tuple[int, int | None, int | None]]:
    from core.security.models import Department

    cache = _cache()
    if "departments" not in cache:
        cache["departments"] = list(
            db.session.execute(sa.select(Department.id, Department.parent_id, Department.head_id)).all()
        )
    return cache["departments"]


def subtree(roots: Iterable[int | None]) -> set[int]:
    """The departments ``roots`` and every department nested below them."""
    children: dict[int | None, list[int]] = {}
    for dep_id, parent_id, _head in _departments():
        children.setdefault(parent_id, []).append(dep_id)
    found: set[int] = set()
    todo = [r for r in roots if r is not None]
    while todo:
        dep = todo.pop()
        if dep in found:
            continue
        found.add(dep)
        todo.extend(children.get(dep, []))
    return found


def team_departments(user: Any = None) -> set[int]:
    """The user's department and the ones they head, with all sub-departments."""
    user = _user(user)
    if not _active(user):
        return set()
    cache = _cache()
    key = ("team", user.id)
    if key not in cache:
        roots = {user.department_id} | {d for d, _p, head in _departments() if head == user.id}
        cache[key] = subtree(roots)
    return cache[key]


# -- record rules ----------------------------------------------------------------


def _owner_field(object: str) -> str:
    decl = _registry().objects.get(object)
    return decl.owner_field if decl is not None else "owner_id"


def _column(model: Any, name: str, object: str) -> Any:
    column = getattr(model, name, None)
    if column is None:
        raise AttributeError(f"object '{object}': model {model!r} has no attribute '{name}' for its record rule")
    return column


def _entity(stmt: sa.Select[Any]) -> Any:
    entity = stmt.column_descriptions[0].get("entity") if stmt.column_descriptions else None
    if entity is None:
        raise ValueError("scope() needs a select of a mapped model, e.g. sa.select(Contact)")
    return entity


def rule_clause(model: Any, object: str, rule: str, user: Any = None) -> Any:
    """The SQL condition of ``rule`` (own/team) for rows of ``model``."""
    from core.security.models import User

    user = _user(user)
    owner = _column(model, _owner_field(object), object)
    if rule == "own":
        return owner == user.id
    team = team_departments(user)
    if not team:
        return owner == user.id
    clauses = [owner == user.id, owner.in_(sa.select(User.id).where(User.department_id.in_(sorted(team))))]
    department = getattr(model, "department_id", None)
    if department is not None:
        clauses.append(department.in_(sorted(team)))
    return sa.or_(*clauses)


def scope(stmt_or_model: Any, object: str, action: str = "read", user: Any = None) -> sa.Select[Any]:
    """``stmt`` narrowed to the records ``user`` may ``action`` (nothing without the right)."""
    stmt = sa.select(stmt_or_model) if isinstance(stmt_or_model, type) else stmt_or_model
    user = _user(user)
    rule = rule_for(object, action, user)
    if rule is None:
        return stmt.where(sa.false())
    if rule == "all":
        return stmt
    return stmt.where(rule_clause(_entity(stmt), object, rule, user))


def record_allowed(record: Any, object: str, action: str = "read", user: Any = None) -> bool:
    """Whether ``user`` may ``action`` this loaded ``record`` (its right and record rule)."""
    from core.security.models import User

    user = _user(user)
    rule = rule_for(object, action, user)
    if rule is None or record is None:
        return False
    if rule == "all":
        return True
    owner_id = getattr(record, _owner_field(object))
    if owner_id == user.id:
        return True
    if rule == "own":
        return False
    team = team_departments(user)
    if getattr(record, "department_id", None) in team:
        return True
    if owner_id is None:
        return False
    owner_department = db.session.scalar(sa.select(User.department_id).where(User.id == owner_id))
    return owner_department is not None and owner_department in team


def check_record(record: Any, object: str, action: str = "read") -> Any:
    """Return ``record`` if the current user may ``action`` it.

    Outside the user's record rule (or invisible to them): 404, so the record's
    existence is not revealed. Visible but the action is not granted: 403.
    """
    if record is None or not record_allowed(record, object, "read"):
        abort(404)
    if action != "read" and not record_allowed(record, object, action):
        abort(403)
    return record


def get_or_404(model: Any, id: Any, object: str, action: str = "read") -> Any:
    """Load one record through the user's record rule; 404 when missing or outside it."""
    pk = sa.inspect(model).primary_key[0]
    record = db.session.scalar(scope(sa.select(model).where(pk == id), object, "read"))
    return check_record(record, object, action)
