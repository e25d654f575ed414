"""Interactions: calls, e-mails, meetings, visits, fax, chat and SMS with a customer.

The pages are the generic list/form/detail (``crud_blueprint``). What is
special lives in two places:

- mapper events on ``Interaction``, so every way in (form, quick log, API,
  import) behaves the same: the contact's company is filled in when left
  empty, the customer's ``last_interaction_at`` is recomputed, and
  ``interaction.logged`` is published;
- a quick "log an interaction" form for a customer's page (the partial
  ``contacts/_quick_log.html`` posting to ``/contacts/interactions/quick``)
  and ``new_interaction_url`` for a plain link with the customer preselected.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from marshmallow import ValidationError

from core import toolkit
from core.toolkit import _, _l, sa
from modules.contacts import choices
from modules.contacts.models import Company, Contact, Interaction
from modules.contacts.schemas import InteractionSchema

OBJECT = "contacts.interaction"
#: query-string parameters a "new" form takes as preselected values
PRESETS = ("contact_id", "company_id")
FORM_FIELDS = ["contact_id", "company_id", "channel", "direction", "occurred_at", "summary", "outcome"]


class PresetFormView(toolkit.FormView):
    """A form whose "new" page takes the customer from the query string (``?contact_id=12``).

    Only digits are taken, and only as the text of an input: the schema still
    checks that the user may see that customer when the form is saved.
    """

    def initial(self, record: Any | None) -> dict[str, str]:
        values = super().initial(record)
        if record is None:
            for key in PRESETS:
                raw = request.args.get(key, "")
                if key in values and raw.isdigit():
                    values[key] = raw
        return values


def new_interaction_url(object: str, record_id: int) -> str:
    """The "log an interaction" form with this customer (``contacts.contact``/``contacts.company``) chosen."""
    key = "company_id" if object == "contacts.company" else "contact_id"
    return url_for("contacts_interactions.new") + "?" + urlencode({key: record_id})


# -- keeping the customer in step (every way in) ------------------------------------


def _fill_company(_mapper: Any, connection: Any, target: Interaction) -> None:
    """An interaction with a company's employee also belongs on the company's timeline."""
    if target.contact_id is not None and target.company_id is None:
        target.company_id = connection.scalar(
            sa.select(Contact.company_id).where(Contact.id == target.contact_id)
        )


def refresh_last_interaction(connection: Any, contact_ids: set[int], company_ids: set[int]) -> None:
    """Recompute ``last_interaction_at`` from the interactions left (also right after a delete).

    A plain UPDATE on the flush's connection: it does not bump the customer's
    ``version`` (someone editing the profile meanwhile is no conflict) nor its
    ``updated_at`` (logging a call does not make the profile data fresher).
    """
    for model, column, ids in ((Contact, Interaction.contact_id, contact_ids),
                               (Company, Interaction.company_id, company_ids)):
        table = model.__table__
        for ident in sorted(i for i in ids if i is not None):
            latest = sa.select(sa.func.max(Interaction.occurred_at)).where(column == ident).scalar_subquery()
            connection.execute(
                sa.update(table).where(table.c.id == ident).values(last_interaction_at=latest,
                                                                   updated_at=table.c.updated_at)
            )


def _customers(target: Interaction) -> tuple[set[int], set[int]]:
    """Customers before and after a change (moving an interaction updates both)."""
    contacts, companies = {target.contact_id}, {target.company_id}
    state = sa.inspect(target)
    for key, bucket in (("contact_id", contacts), ("company_id", companies)):
        history = state.attrs[key].history
        bucket.update(v for v in (*history.deleted, *history.added) if v is not None)
    return {c for c in contacts if c is not None}, {c for c in companies if c is not None}


def _after_insert(_mapper: Any, connection: Any, target: Interaction) -> None:
    refresh_last_interaction(connection, *_customers(target))
    toolkit.publish(
        "interaction.logged",
        {
            "id": target.id, "contact_id": target.contact_id, "company_id": target.company_id,
            "channel": target.channel, "direction": target.direction,
            "occurred_at": target.occurred_at.isoformat() if target.occurred_at else None,
            "summary": target.summary, "outcome": target.outcome,
        },
        module="contacts", object=OBJECT, record_id=target.id,
    )


def _after_update(_mapper: Any, connection: Any, target: Interaction) -> None:
    state = sa.inspect(target)
    if any(state.attrs[key].history.has_changes() for key in ("occurred_at", "contact_id", "company_id")):
        refresh_last_interaction(connection, *_customers(target))


def _after_delete(_mapper: Any, connection: Any, target: Interaction) -> None:
    refresh_last_interaction(connection, *_customers(target))


def listen() -> None:
    """Attach the mapper events once (idempotent: several apps share the model class)."""
    for name, fn in (("before_insert", _fill_company), ("after_insert", _after_insert),
                     ("after_update", _after_update), ("after_delete", _after_delete)):
        if not sa.event.contains(Interaction, name, fn):
            sa.event.listen(Interaction, name, fn)


listen()


# -- pages -----------------------------------------------------------------------------

CHANNEL_CHOICES = choices.INTERACTION_CHANNELS

interactions = toolkit.ListView(
    model=Interaction,
    object=OBJECT,
    title=_l("Interactions"),
    columns=[
        toolkit.Column("occurred_at", _l("When"), sortable=True),
        toolkit.Column("channel", _l("Channel"), sortable=True, choices=CHANNEL_CHOICES),
        toolkit.Column("direction", _l("Direction"), choices=choices.DIRECTIONS),
        toolkit.Column("summary", _l("Summary"), link=True),
        toolkit.Column("contact.last_name", _l("Contact")),
        toolkit.Column("company.name", _l("Company")),
        toolkit.Column("outcome", _l("Outcome"), visible=False),
    ],
    search=["summary"],
    filters=[
        toolkit.ChoiceFilter("channel", _l("Channel"), choices=CHANNEL_CHOICES, multiple=False),
        toolkit.ChoiceFilter("direction", _l("Direction"), choices=choices.DIRECTIONS),
        toolkit.DateRangeFilter("occurred", _l("When"), column="occurred_at"),
        toolkit.RelatedFilter("contact_id", _l("Contact")),
        toolkit.RelatedFilter("company_id", _l("Company")),
    ],
    default_sort="-occurred_at",
    bulk_actions=[toolkit.BulkAction.delete()],
)

form = PresetFormView(model=Interaction, object=OBJECT, schema=InteractionSchema, fields=FORM_FIELDS,
                      title=_l("Interaction"))


def _label(record: Interaction) -> str:
    return f"{CHANNEL_CHOICES.get(record.channel, record.channel)}: {record.summary[:60]}"


bp = toolkit.crud_blueprint("contacts", "interactions", list_view=interactions, form_view=form, label=_label)


def _safe_back(target: str | None) -> str | None:
    """Only a path on this site (``/contacts/...``), never another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@toolkit.require(f"{OBJECT}.create")
def quick_log() -> ResponseReturnValue:
    """The customer page's small form: save, then back to that page (errors shown there as messages)."""
    back = _safe_back(request.form.get("next"))
    raw = {key: (request.form.get(key) or "").strip() for key in QUICK_FIELDS}
    raw = {k: v for k, v in raw.items() if v}
    try:
        data = InteractionSchema(only=QUICK_FIELDS).load(raw)
    except ValidationError as exc:
        for message in _messages(exc.messages):
            flash(message, "error")
        presets = {k: v for k, v in raw.items() if k in PRESETS and v.isdigit()}
        return redirect(back or url_for("contacts_interactions.new", **presets))
    record = Interaction(**data, occurred_at=toolkit.utcnow(), owner_id=getattr(current_user, "id", None),
                         department_id=getattr(current_user, "department_id", None))
    toolkit.db.session.add(record)
    toolkit.db.session.commit()
    flash(_("Interaction logged."), "success")
    return redirect(back or url_for("contacts_interactions.detail", id=record.id))


def _messages(messages: Any) -> list[str]:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _messages(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in _messages(value)]
    return [str(messages)]


QUICK_FIELDS = ["contact_id", "company_id", "channel", "direction", "summary", "outcome"]
bp.add_url_rule("/quick", "quick", quick_log, methods=["POST"])


def blueprints() -> list[Blueprint]:
    return [bp]


def menu_items() -> list[toolkit.MenuItem]:
    return [toolkit.MenuItem("contacts.interactions", _l("Interactions"), endpoint="contacts_interactions.list",
                             permission=f"{OBJECT}.read", parent="contacts", order=30)]


def api_resources() -> list[toolkit.ApiResource]:
    return [
        toolkit.ApiResource(
            "interactions", Interaction, InteractionSchema, object=OBJECT,
            sortable=("id", "occurred_at", "updated_at"),
            filterable=("contact_id", "company_id", "channel", "direction", "owner_id", "occurred_at"),
            searchable=("summary",),
        )
    ]
