"""The notes pages, declared: core renders the list, form, detail and export."""

from __future__ import annotations

from core import toolkit
from core.toolkit import _l
from notebook.models import Note
from notebook.schemas import NoteSchema

STATUS_CHOICES = [("open", _l("Open")), ("done", _l("Done"))]


def owner_options() -> list[tuple[int, str]]:
    """Owners to pick in the filter (a sample: fine for a handful of users, not for thousands)."""
    user = toolkit.User
    rows = toolkit.db.session.execute(toolkit.sa.select(user.id, user.name, user.email).order_by(user.id).limit(200))
    return [(uid, name or email) for uid, name, email in rows]

notes = toolkit.ListView(
    model=Note,
    object="notebook.note",
    title=_l("Notes"),
    columns=[
        toolkit.Column("title", _l("Title"), sortable=True, link=True),
        toolkit.Column("status", _l("Status"), sortable=True, choices=STATUS_CHOICES),
        toolkit.Column("due", _l("Due"), sortable=True),
        toolkit.Column("amount", _l("Amount"), sortable=True),
        toolkit.Column("tags", _l("Tags")),
        toolkit.Column("owner.name", _l("Owner")),
        toolkit.Column("updated_at", _l("Last changed"), sortable=True),
        toolkit.Column("body", _l("Text"), visible=False),
    ],
    search=["title", "body"],
    filters=[
        toolkit.ChoiceFilter("status", _l("Status"), choices=STATUS_CHOICES),
        toolkit.DateRangeFilter("due", _l("Due")),
        toolkit.RelatedFilter("owner", _l("Owner"), column="owner_id", options=owner_options),
    ],
    default_sort="-updated_at",
    bulk_actions=[
        toolkit.BulkAction.set_value("mark_done", _l("Mark as done"), "status", "done"),
        toolkit.BulkAction.delete(),
    ],
)

form = toolkit.FormView(
    model=Note, object="notebook.note", schema=NoteSchema,
    fields=["title", "status", "due", "amount", "tags", "body"],
)

bp = toolkit.crud_blueprint("notebook", "notes", list_view=notes, form_view=form, label="title")
