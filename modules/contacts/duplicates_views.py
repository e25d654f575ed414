"""The duplicates review page and the merge page (blueprint ``contacts_duplicates`` at ``/contacts/duplicates``).

Both need ``contacts.merge``; the review lists only contacts the user may
read, and a merge only contacts the user may change (and delete, for the ones
merged away).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from core import toolkit
from core.toolkit import _, _l, db
from modules.contacts import duplicates

bp = Blueprint("contacts_duplicates", __name__, url_prefix="/contacts/duplicates")
PERMISSION = "contacts.merge"
KINDS = {"email": ("email_key", _l("Same e-mail address")), "phone": ("phone_key", _l("Same phone number")),
         "name": ("name", _l("Similar names"))}


def _user() -> Any:
    return current_user._get_current_object()  # type: ignore[attr-defined]


@bp.get("/")
@toolkit.require(PERMISSION)
def review() -> ResponseReturnValue:
    """Candidate groups of one kind (``?kind=email|phone|name``), a page at a time (``?after=``)."""
    kind = request.args.get("kind", "email")
    if kind not in KINDS:
        kind = "email"
    after = request.args.get("after") or None
    if kind == "name":
        groups, cursor = duplicates.name_groups(_user(), after=after)
    else:
        groups, cursor = duplicates.exact_groups(KINDS[kind][0], _user(), after=after)
    companies = _company_names({m.company_id for g in groups for m in g.members})
    owners = _user_names({m.owner_id for g in groups for m in g.members})
    return render_template("contacts/duplicates.html", groups=groups, kind=kind, kinds=KINDS, cursor=cursor,
                           after=after, companies=companies, owners=owners)


def _company_names(ids: set[int | None]) -> dict[int, str]:
    from modules.contacts.models import Company

    wanted = sorted(i for i in ids if i)
    if not wanted:
        return {}
    return dict(db.session.execute(toolkit.sa.select(Company.id, Company.name).where(Company.id.in_(wanted))).all())


def _user_names(ids: set[int | None]) -> dict[int, str]:
    wanted = sorted(i for i in ids if i)
    if not wanted:
        return {}
    rows = db.session.execute(toolkit.sa.select(toolkit.User.id, toolkit.User.name, toolkit.User.email)
                              .where(toolkit.User.id.in_(wanted)))
    return {uid: name or email for uid, name, email in rows}


def _labels() -> dict[str, str]:
    from modules.contacts import custom_fields
    from modules.contacts.schemas import ContactSchema

    fields = ContactSchema().fields
    labels = {name: str(fields[name].metadata.get("label", name)) if name in fields else name
              for name in duplicates.MERGE_FIELDS}
    labels.update(owner_id=_("Owner"), department_id=_("Department"))
    labels.update({f"custom.{d.key}": d.label for d in custom_fields.definitions("contact")})
    return labels


def _shown(record: Any, name: str, companies: dict[int, str], owners: dict[int, str], departments: dict[int, str]) -> str:
    value = duplicates._value(record, name)
    if value in (None, ""):
        return ""
    if name == "company_id":
        return companies.get(value, f"#{value}")
    if name == "owner_id":
        return owners.get(value, f"#{value}")
    if name == "department_id":
        return departments.get(value, f"#{value}")
    return str(value)


@bp.route("/merge", methods=["GET", "POST"])
@toolkit.require(PERMISSION)
def merge() -> ResponseReturnValue:
    """Choose the record to keep and, field by field, whose value it keeps; then merge."""
    ids = [int(v) for v in request.values.getlist("ids") if v.isdigit()]
    try:
        records = duplicates.load_for_merge(ids, _user())
    except duplicates.MergeError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".review"))
    if request.method == "POST":
        target = request.form.get("target", type=int)
        if target not in {r.id for r in records}:
            target = records[0].id
        choices = {name: int(value) for name in duplicates.merge_fields()
                   if (value := request.form.get(f"field-{name}", "")).isdigit()}
        try:
            moved = duplicates.merge(target, [r.id for r in records if r.id != target], choices, _user())
            db.session.commit()
        except duplicates.MergeError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for(".merge", ids=ids))
        except (StaleDataError, IntegrityError):
            db.session.rollback()
            flash(_("Nothing was merged: some of the records were changed meanwhile. Try again."), "error")
            return redirect(url_for(".merge", ids=ids))
        flash(_("Merged %(num)d contacts into one; %(rows)d related records moved.", num=len(records),
                rows=sum(moved.values())), "success")
        return redirect(url_for("contacts_contacts.detail", id=target))
    departments = {d.id: d.name for d in db.session.scalars(toolkit.sa.select(toolkit.Department))}
    companies = _company_names({r.company_id for r in records})
    owners = _user_names({r.owner_id for r in records})
    labels = _labels()
    rows = []
    for name in duplicates.merge_fields():
        values = [(r.id, _shown(r, name, companies, owners, departments)) for r in records]
        if not any(text for _id, text in values):
            continue
        default = next((rid for rid, text in values if text), records[0].id)
        rows.append({"name": name, "label": labels.get(name, name), "values": values, "default": default,
                     "same": len({text for _id, text in values}) == 1})
    tags = {r.id: ", ".join(r.tags) for r in records}
    return render_template("contacts/merge.html", records=records, rows=rows, ids=ids, tags=tags)


def blueprints() -> list[Blueprint]:
    return [bp]
