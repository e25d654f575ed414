"""Admin pages: users, departments, roles and the grants of each role per object.

All of them need the ``core.admin`` permission. The work is done in
``core.security.service``; these views only read the form and render.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from core.declarations import ACTIONS, RULES
from core.extensions import db
from core.i18n import gettext as _
from core.security import service
from core.security.access import require
from core.security.errors import SecurityError
from core.security.models import ADMIN, Department, Role, User

bp = Blueprint("core_security", __name__, url_prefix="/admin")

PERMISSION = "core.admin"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _choices() -> dict[str, Any]:
    return {
        "roles": list(db.session.scalars(sa.select(Role).order_by(Role.builtin.desc(), Role.name))),
        "departments": service.departments_tree(),
    }


# -- users -----------------------------------------------------------------------


@bp.get("/users")
@require(PERMISSION)
def users() -> ResponseReturnValue:
    rows = db.session.scalars(sa.select(User).order_by(User.email)).all()
    names = {d.id: d.name for d, _depth in service.departments_tree()}
    return render_template("core/admin/users.html", rows=rows, departments=names)


@bp.route("/users/new", methods=["GET", "POST"])
@require(PERMISSION)
def user_new() -> ResponseReturnValue:
    form = request.form
    if request.method == "POST":
        try:
            user = service.create_user(
                form.get("email", ""),
                form.get("password", ""),
                role=form.get("role", "user"),
                name=form.get("name", ""),
                department_id=_int(form.get("department_id")),
                active=form.get("active") == "1",
            )
        except SecurityError as exc:
            db.session.rollback()
            return render_template("core/admin/users_form.html", user=None, form=form, error=str(exc), **_choices())
        db.session.commit()
        flash(_("User %(email)s created.", email=user.email), "success")
        return redirect(url_for("core_security.users"))
    defaults = {"role": "user", "active": "1"}
    return render_template("core/admin/users_form.html", user=None, form=defaults, error=None, **_choices())


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require(PERMISSION)
def user_edit(user_id: int) -> ResponseReturnValue:
    user = db.session.get(User, user_id) or abort(404)
    if request.method == "POST":
        form = request.form
        try:
            service.update_user(
                user,
                name=form.get("name", ""),
                role=form.get("role", user.role),
                department_id=_int(form.get("department_id")),
                active=form.get("active") == "1",
                locale=form.get("locale") or None,
                timezone=form.get("timezone") or None,
            )
            if form.get("password"):
                service.set_password(user, form["password"])
        except SecurityError as exc:
            db.session.rollback()
            return render_template("core/admin/users_form.html", user=user, form=form, error=str(exc), **_choices())
        db.session.commit()
        flash(_("User %(email)s saved.", email=user.email), "success")
        return redirect(url_for("core_security.users"))
    form = {
        "email": user.email, "name": user.name, "role": user.role, "department_id": user.department_id or "",
        "active": "1" if user.active else "", "locale": user.locale or "", "timezone": user.timezone or "",
    }
    return render_template("core/admin/users_form.html", user=user, form=form, error=None, **_choices())


# -- departments -------------------------------------------------------------------


@bp.get("/departments")
@require(PERMISSION)
def departments() -> ResponseReturnValue:
    heads = {u.id: u.display_name for u in db.session.scalars(sa.select(User))}
    members = dict(
        db.session.execute(sa.select(User.department_id, sa.func.count()).group_by(User.department_id)).all()
    )
    return render_template(
        "core/admin/users_departments.html", rows=service.departments_tree(), heads=heads, members=members
    )


def _department_form(department: Department | None) -> ResponseReturnValue:
    people = db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.email)).all()
    if request.method == "POST":
        form = request.form
        try:
            saved = service.save_department(
                department,
                name=form.get("name", ""),
                parent_id=_int(form.get("parent_id")),
                head_id=_int(form.get("head_id")),
            )
        except SecurityError as exc:
            db.session.rollback()
            return render_template(
                "core/admin/users_department_form.html", department=department, form=form, error=str(exc),
                people=people, **_choices(),
            )
        db.session.commit()
        flash(_("Department %(name)s saved.", name=saved.name), "success")
        return redirect(url_for("core_security.departments"))
    form = {
        "name": department.name if department else "",
        "parent_id": (department.parent_id or "") if department else "",
        "head_id": (department.head_id or "") if department else "",
    }
    return render_template(
        "core/admin/users_department_form.html", department=department, form=form, error=None, people=people,
        **_choices(),
    )


@bp.route("/departments/new", methods=["GET", "POST"])
@require(PERMISSION)
def department_new() -> ResponseReturnValue:
    return _department_form(None)


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@require(PERMISSION)
def department_edit(department_id: int) -> ResponseReturnValue:
    return _department_form(db.session.get(Department, department_id) or abort(404))


@bp.post("/departments/<int:department_id>/delete")
@require(PERMISSION)
def department_delete(department_id: int) -> ResponseReturnValue:
    department = db.session.get(Department, department_id) or abort(404)
    try:
        service.delete_department(department)
    except SecurityError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("core_security.department_edit", department_id=department_id))
    db.session.commit()
    flash(_("Department deleted."), "success")
    return redirect(url_for("core_security.departments"))


# -- roles and grants ----------------------------------------------------------------


@bp.route("/roles", methods=["GET", "POST"])
@require(PERMISSION)
def roles() -> ResponseReturnValue:
    error = None
    if request.method == "POST":
        try:
            role = service.create_role(request.form.get("name", ""), request.form.get("label", ""))
        except SecurityError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("Role %(role)s created. Give it rights on the grants page.", role=role.name), "success")
            return redirect(url_for("core_security.roles"))
    counts = dict(db.session.execute(sa.select(User.role, sa.func.count()).group_by(User.role)).all())
    return render_template(
        "core/admin/roles.html", roles=_choices()["roles"], counts=counts, error=error, form=request.form
    )


@bp.post("/roles/<name>/delete")
@require(PERMISSION)
def role_delete(name: str) -> ResponseReturnValue:
    role = db.session.get(Role, name) or abort(404)
    try:
        service.delete_role(role)
    except SecurityError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Role %(role)s deleted.", role=name), "success")
    return redirect(url_for("core_security.roles"))


@bp.route("/grants", methods=["GET", "POST"])
@require(PERMISSION)
def grants() -> ResponseReturnValue:
    registry = current_app.extensions["crm"].registry
    objects = sorted(registry.objects.values(), key=lambda o: o.object)
    roles = [r for r in _choices()["roles"] if r.name != ADMIN]
    if request.method == "POST":
        changes = {
            (obj.object, role.name): (
                "".join(letter for letter in ACTIONS if request.form.get(f"{obj.object}|{role.name}|{letter}")),
                request.form.get(f"{obj.object}|{role.name}|rule", "own"),
            )
            for obj in objects
            for role in roles
        }
        permissions = {
            (perm.name, role.name): bool(request.form.get(f"perm|{perm.name}|{role.name}"))
            for perm in service.editable_permissions()
            for role in roles
        }
        try:
            count = service.save_grants(changes) + service.save_permission_grants(permissions)
        except SecurityError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Grants saved (%(n)d changed).", n=count), "success")
        return redirect(url_for("core_security.grants"))
    return render_template(
        "core/admin/roles_grants.html", objects=objects, roles=roles, table=service.grants_table(),
        actions=ACTIONS, rules=RULES, owners={o.object: registry.owner("object", o.object) for o in objects},
        permissions=service.editable_permissions(), granted=service.permission_granted,
    )
