"""Hooks of the sample notebook module: everything it offers is declared data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint

from core import toolkit


@toolkit.hookimpl
def crm_models() -> list[type]:
    from notebook.models import Note

    return [Note]


@toolkit.hookimpl
def crm_blueprints() -> list[Blueprint]:
    from notebook.views import bp

    return [bp]


@toolkit.hookimpl
def crm_menu_items() -> list[toolkit.MenuItem]:
    return [
        toolkit.MenuItem(
            "notebook.notes", toolkit._l("Notes"), endpoint="notebook_notes.list", permission="notebook.note.read"
        )
    ]


@toolkit.hookimpl
def crm_permissions() -> list[Any]:
    return toolkit.load_security("notebook", Path(__file__).parent)


@toolkit.hookimpl
def crm_api_resources() -> list[toolkit.ApiResource]:
    from notebook.models import Note
    from notebook.schemas import NoteSchema

    return [
        toolkit.ApiResource(
            path="notes",
            model=Note,
            schema=NoteSchema,
            object="notebook.note",
            sortable=("id", "title", "due", "updated_at"),
            filterable=("status", "due", "owner_id"),
            searchable=("title", "body"),
        )
    ]


@toolkit.hookimpl
def crm_timeline_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:
    """A note's own creation, so the timeline shows something without the audit trail."""
    if object != "notebook.note":
        return []
    from notebook.models import Note

    created = toolkit.db.session.scalar(toolkit.sa.select(Note.created_at).where(Note.id == record_id))
    if created is None:
        return []
    return [{"when": created, "title": toolkit._("Note created"), "detail": "", "kind": "created"}]
