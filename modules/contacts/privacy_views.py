"""Personal data requests (blueprint ``contacts_privacy`` at ``/contacts/privacy``), permission ``contacts.privacy``.

Find the person (e-mail, phone or name), then on their page download
everything about them (JSON, from every installed module) or erase it.
Both actions are POST requests with the CSRF token and are audited.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from core import toolkit
from core.toolkit import _, db, sa
from modules.contacts import privacy

bp = Blueprint("contacts_privacy", __name__, url_prefix="/contacts/privacy")
PERMISSION = "contacts.privacy"
OBJECT = "contacts.contact"


def _find(text: str) -> list[Any]:
    from modules.contacts.listeners import phone_key
    from modules.contacts.models import Contact
    from modules.contacts.normalize import name_key

    text = text.strip()[:200]
    if not text:
        return []
    if "@" in text:
        condition = Contact.email_key == text.lower()
    elif re.fullmatch(r"[+\d\s()./-]{5,}", text):
        condition = Contact.phone_key == phone_key(text)
    else:
        key = name_key(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        condition = Contact.name_key.like(key + "%", escape="\\")
    stmt = toolkit.scope(sa.select(Contact).where(condition), OBJECT)
    return list(db.session.scalars(stmt.order_by(Contact.name_key, Contact.id).limit(50)))


@bp.get("/")
@toolkit.require(PERMISSION)
def search() -> ResponseReturnValue:
    query = request.args.get("q", "")
    return render_template("contacts/privacy_search.html", q=query, found=_find(query) if query else None)


@bp.get("/<int:id>")
@toolkit.require(PERMISSION)
def person(id: int) -> ResponseReturnValue:
    from modules.contacts.models import Contact

    contact = toolkit.get_or_404(Contact, id, OBJECT, "read")
    return render_template("contacts/privacy_person.html", contact=contact, erased=privacy.erased(contact))


@bp.post("/<int:id>/export")
@toolkit.require(PERMISSION)
def export(id: int) -> ResponseReturnValue:
    from modules.contacts.models import Contact

    toolkit.get_or_404(Contact, id, OBJECT, "read")
    data = privacy.export_person(id)
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="personal-data-contact-{id}.json"'
    return response


@bp.post("/<int:id>/erase")
@toolkit.require(PERMISSION)
def erase(id: int) -> ResponseReturnValue:
    from modules.contacts.models import Contact

    toolkit.get_or_404(Contact, id, OBJECT, "write")
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm that the person's data is to be erased."), "warning")
        return redirect(url_for(".person", id=id))
    counts = privacy.erase_person(id)
    db.session.commit()
    flash(_("The person's data was erased (%(rows)d records changed).", rows=sum(counts.values())), "success")
    return redirect(url_for(".person", id=id))


def blueprints() -> list[Blueprint]:
    return [bp]
