"""The administration page of custom fields (``/contacts/custom-fields``, permission ``contacts.custom_fields``).

A field's object, key and type are fixed once it exists: stored values were
checked against them. Label, order, choices and the required/unique flags
may change; making a field unique is refused while records share a value.
Deleting a definition leaves the stored values alone (they are no longer
shown, and the next save of a record drops them).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from core import toolkit
from core.toolkit import _, sa
from modules.contacts import choices, custom_fields
from modules.contacts.models import CustomField

PERMISSION = "contacts.custom_fields"
bp = Blueprint("contacts_custom_fields", __name__, url_prefix="/contacts/custom-fields")


def _objects() -> list[tuple[str, str]]:
    return [("contact", _("Contacts")), ("company", _("Companies"))]


@bp.get("/")
@toolkit.require(PERMISSION)
def index() -> ResponseReturnValue:
    rows = toolkit.db.session.scalars(
        sa.select(CustomField).order_by(CustomField.object, CustomField.position, CustomField.id)
    ).all()
    return render_template("contacts/custom_fields.html", rows=rows, objects=dict(_objects()),
                           types=choices.CUSTOM_FIELD_TYPES)


def _form_data(existing: CustomField | None) -> dict[str, Any]:
    form = request.form
    text_choices = [line.strip() for line in (form.get("choices") or "").splitlines() if line.strip()]
    position = (form.get("position") or "").strip()
    return {
        "object": existing.object if existing else (form.get("object") or ""),
        "key": existing.key if existing else (form.get("key") or "").strip(),
        "type": existing.type if existing else (form.get("type") or ""),
        "label": (form.get("label") or "").strip(),
        "required": bool(form.get("required")),
        "unique": bool(form.get("unique")),
        "choices": list(dict.fromkeys(text_choices)),
        "position": int(position) if position.lstrip("-").isdigit() and len(position) < 7 else 100,
    }


def _shared_values(defn: CustomField) -> bool:
    """Whether two records of the field's object share a value (a unique flag would be violated)."""
    definition = custom_fields.Definition(defn.id, defn.object, defn.key, defn.label, defn.type)
    model = custom_fields._model(defn.object)
    value = custom_fields.json_value(model, definition)
    stmt = sa.select(value).where(value.is_not(None)).group_by(value).having(sa.func.count() > 1).limit(1)
    return toolkit.db.session.execute(stmt).first() is not None


def _edit(existing: CustomField | None) -> ResponseReturnValue:
    values: dict[str, Any] = {
        "object": request.args.get("object", "contact"), "key": "", "type": "text", "label": "",
        "required": False, "unique": False, "choices": [], "position": 100,
    }
    if existing is not None:
        values.update(object=existing.object, key=existing.key, type=existing.type, label=existing.label,
                      required=existing.required, unique=existing.unique, choices=list(existing.choices or []),
                      position=existing.position)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = _form_data(existing)
        errors = custom_fields.check_definition(values["object"], values, existing.id if existing else None)
        if not errors:
            row = existing or CustomField(object=values["object"], key=values["key"], type=values["type"])
            row.label = values["label"]
            row.required = values["required"]
            row.unique = values["unique"]
            row.choices = values["choices"] if values["type"] == "choice" else []
            row.position = values["position"]
            if row.unique and row.id is not None and _shared_values(row):
                errors["unique"] = [_("Some records share a value of this field; make them different first.")]
            else:
                if existing is None:
                    toolkit.db.session.add(row)
                toolkit.db.session.commit()
                custom_fields.forget()
                flash(_("Custom field %(label)s saved.", label=row.label), "success")
                return redirect(url_for(".index"))
            toolkit.db.session.rollback()
    return render_template(
        "contacts/custom_field_form.html", row=existing, values=values, errors=errors,
        objects=_objects(), types=list(choices.CUSTOM_FIELD_TYPES.items()),
    ), (422 if errors else 200)


@bp.route("/new", methods=["GET", "POST"])
@toolkit.require(PERMISSION)
def new() -> ResponseReturnValue:
    return _edit(None)


@bp.route("/<int:id>/edit", methods=["GET", "POST"])
@toolkit.require(PERMISSION)
def edit(id: int) -> ResponseReturnValue:
    row = toolkit.db.session.get(CustomField, id)
    if row is None:
        abort(404)
    return _edit(row)


@bp.post("/<int:id>/delete")
@toolkit.require(PERMISSION)
def delete(id: int) -> ResponseReturnValue:
    row = toolkit.db.session.get(CustomField, id)
    if row is None:
        abort(404)
    label = row.label
    toolkit.db.session.delete(row)
    toolkit.db.session.commit()
    custom_fields.forget()
    flash(_("Custom field %(label)s deleted.", label=label), "success")
    return redirect(url_for(".index"))
