"""Pages that use every record-rule helper the way a business module would."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, redirect, request

from core import toolkit

bp = Blueprint("secdemo", __name__)


@bp.get("/")
@toolkit.require("secdemo.note.read")
def notes() -> str:
    from secdemo.models import Note

    rows = toolkit.db.session.scalars(toolkit.scope(toolkit.sa.select(Note).order_by(Note.title), "secdemo.note"))
    return ",".join(row.title for row in rows)


@bp.get("/<int:note_id>")
@toolkit.require("secdemo.note.read")
def note(note_id: int) -> str:
    from secdemo.models import Note

    return toolkit.get_or_404(Note, note_id, "secdemo.note").title


@bp.post("/<int:note_id>")
@toolkit.require("secdemo.note.write")
def note_save(note_id: int) -> object:
    from secdemo.models import Note

    row = toolkit.get_or_404(Note, note_id, "secdemo.note", "write")
    row.title = request.form["title"]
    toolkit.db.session.commit()
    return redirect(f"/secdemo/{note_id}")


@bp.post("/<int:note_id>/delete")
@toolkit.require("secdemo.note.delete")
def note_delete(note_id: int) -> object:
    from secdemo.models import Note

    row = toolkit.check_record(toolkit.db.session.get(Note, note_id), "secdemo.note", "delete")
    toolkit.db.session.delete(row)
    toolkit.db.session.commit()
    return redirect("/secdemo/")


@bp.post("/publish")
@toolkit.require("secdemo.publish")
def publish() -> str:
    return "published"


@toolkit.hookimpl
def crm_models() -> list[type]:
    from secdemo.models import Note

    return [Note]


@toolkit.hookimpl
def crm_blueprints() -> list[Blueprint]:
    return [bp]


@toolkit.hookimpl
def crm_permissions() -> list:
    return toolkit.load_security("secdemo", Path(__file__).parent)
