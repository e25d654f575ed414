"""Pages to reassign one customer and to transfer a whole book of customers (``/contacts/ownership``).

The rules of who may give what to whom are in ``ownership.py``; these pages
only offer the choices those rules allow and check them again on submit.
A transfer bigger than ``ownership.BACKGROUND_THRESHOLD`` records runs as the
background job ``contacts.transfer_all`` and the user follows it on the job page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core import toolkit
from core.toolkit import _, sa
from modules.contacts import ownership

bp = Blueprint("contacts_ownership", __name__, url_prefix="/contacts/ownership")

_DETAIL = {"company": "contacts_companies.detail", "contact": "contacts_contacts.detail"}


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _assign_view(kind: str) -> Any:
    def assign(id: int) -> ResponseReturnValue:
        model = ownership._model(kind)
        record = toolkit.get_or_404(model, id, f"contacts.{kind}", "write")
        if not ownership.may_manage(record):
            abort(403)
        users = ownership.assignable_users()
        departments = ownership.assignable_departments()
        errors: list[str] = []
        if request.method == "POST":
            owner_id = _int(request.form.get("owner_id"))
            department_id = _int(request.form.get("department_id"))
            reason = (request.form.get("reason") or "").strip()
            allowed_users = {u for u, _n in users} | {record.owner_id}
            allowed_deps = {d for d, _n in departments} | {record.department_id}
            if owner_id not in allowed_users | {None} or department_id not in allowed_deps | {None}:
                errors.append(_("Choose a user and department from the lists."))
            elif len(reason) > 200:
                errors.append(_("At most %(max)s characters.", max=200))
            elif not ownership.may_reassign((record.owner_id, record.department_id), (owner_id, department_id)):
                errors.append(_("You may not give this customer to that user or department."))
            else:
                changed = ownership.assign(record, owner_id=owner_id, department_id=department_id,
                                           reason=reason or None)
                toolkit.db.session.commit()
                flash(_("Owner changed.") if changed else _("Nothing changed."), "success" if changed else "info")
                target = url_for(_DETAIL[kind], id=id)
                if not toolkit.record_allowed(record, f"contacts.{kind}", "read"):
                    target = url_for(_DETAIL[kind].replace(".detail", ".list"))
                return redirect(target)
        return render_template(
            "contacts/assign.html", record=record, kind=kind, users=users, departments=departments,
            errors=errors, back=url_for(_DETAIL[kind], id=id),
            history=ownership.timeline_entries(f"contacts.{kind}", id, 50),
        ), (422 if errors else 200)

    assign.__name__ = f"assign_{kind}"
    return toolkit.require(f"contacts.{kind}.write")(assign)


for _kind in ("company", "contact"):
    bp.add_url_rule(f"/{_kind}/<int:id>", f"assign_{_kind}", _assign_view(_kind), methods=["GET", "POST"])


def _all_users() -> list[tuple[int, str, bool]]:
    """Everyone, including people who left (deactivated): their book is what gets transferred."""
    user = toolkit.User
    rows = toolkit.db.session.execute(
        sa.select(user.id, user.name, user.email, user.active).order_by(user.name, user.email).limit(2000)
    )
    return [(uid, name or email, bool(active)) for uid, name, email, active in rows]


@bp.route("/transfer", methods=["GET", "POST"])
@toolkit.require(ownership.PERMISSION)
def transfer() -> ResponseReturnValue:
    users = _all_users()
    known = {uid for uid, _n, _a in users}
    active = {uid for uid, _n, is_active in users if is_active}
    form = request.form if request.method == "POST" else request.args
    from_user = _int(form.get("from_user"))
    to_users = [u for u in (_int(v) for v in form.getlist("to_user")) if u is not None]
    kinds = [k for k in form.getlist("kinds") if k in ownership.KINDS] or list(ownership.KINDS)
    move_department = form.get("move_department", "1" if request.method == "GET" else "") == "1"
    reason = (form.get("reason") or "").strip()
    counts = ownership.count_owned(from_user) if from_user in known else None
    errors: dict[str, str] = {}
    if request.method == "POST":
        if from_user not in known:
            errors["from_user"] = _("Choose whose customers to transfer.")
        if not to_users or any(u not in active for u in to_users):
            errors["to_user"] = _("Choose at least one active user to receive them.")
        elif from_user in to_users:
            errors["to_user"] = _("Customers cannot be transferred to the same user.")
        if len(reason) > 200:
            errors["reason"] = _("At most %(max)s characters.", max=200)
        if not errors and counts is not None:
            total = sum(counts[k] for k in kinds)
            arguments = {
                "from_user_id": from_user, "to_user_ids": to_users, "kinds": kinds,
                "move_department": move_department, "reason": reason or None, "by_user_id": current_user.id,
            }
            if total > ownership.BACKGROUND_THRESHOLD:
                job_id = toolkit.enqueue(ownership.TASK, **arguments)
                flash(_("%(num)s customers are being transferred in the background.", num=total), "info")
                return redirect(url_for("core_jobs.detail", job_id=job_id))
            moved = ownership.transfer_all(
                from_user, to_users, kinds=kinds, move_department=move_department, reason=reason or None,
                by_user_id=current_user.id,
            )
            toolkit.db.session.commit()
            flash(_("%(num)s customers transferred.", num=sum(moved.values())), "success")
            return redirect(url_for("contacts_ownership.transfer", from_user=from_user))
    return render_template(
        "contacts/transfer.html", users=users, from_user=from_user, to_users=to_users, kinds=kinds,
        move_department=move_department, reason=reason, counts=counts, errors=errors,
        threshold=ownership.BACKGROUND_THRESHOLD,
    ), (422 if errors else 200)
