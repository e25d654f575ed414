"""Companies and contacts pages, declared on the platform's generic views.

``crud_blueprint`` gives each of them list (search, filters, sort, keyset
pages, export, column choice), create/edit form, detail page with timeline
and delete, all behind ``contacts.<object>.<action>`` and the record rules.
What is special about customers lives in ``profile_lists`` (custom field
columns and filters, normalised search) and ``profile_forms`` (custom fields,
consent, company picker); this file only declares.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, url_for

from core import toolkit
from core.toolkit import _, _l, sa
from modules.contacts import activity, choices, custom_fields, ownership
from modules.contacts.exporter import vcard_export
from modules.contacts.models import Company, Contact
from modules.contacts.normalize import person_name
from modules.contacts.profile_forms import COMPANY_GROUPS, CONTACT_GROUPS, ProfileForm
from modules.contacts.profile_lists import ProfileList, company_options, key_searches, standard_filters
from modules.contacts.schemas import CompanySchema, ContactSchema

Column = toolkit.Column

company_list = ProfileList(
    model=Company,
    object="contacts.company",
    custom_object="company",
    title=_l("Companies"),
    columns=[
        Column("name", _l("Name"), sortable=True, link=True),
        Column("type", _l("Type"), choices=choices.COMPANY_TYPES),
        Column("industry", _l("Industry")),
        Column("city", _l("City")),
        Column("country", _l("Country")),
        Column("email", _l("Email"), visible=False),
        Column("phone", _l("Phone")),
        Column("website", _l("Website"), visible=False),
        Column("tier", _l("Tier"), choices=choices.TIERS),
        Column("lifecycle_stage", _l("Lifecycle stage"), choices=choices.LIFECYCLE_STAGES),
        Column("source_channel", _l("Source"), choices=choices.SOURCE_CHANNELS, visible=False),
        Column("owner.name", _l("Owner")),
        Column("created_at", _l("Created"), sortable=True, visible=False),
        Column("updated_at", _l("Last changed"), sortable=True),
    ],
    search=key_searches(last_name=False),
    filters=[*standard_filters("company"), toolkit.ChoiceFilter("type", _l("Type"), choices=choices.COMPANY_TYPES)],
    default_sort="-updated_at",
    bulk_actions=[toolkit.BulkAction.delete()],
    export_permission="contacts.export",
)

contact_list = ProfileList(
    model=Contact,
    object="contacts.contact",
    custom_object="contact",
    title=_l("Contacts"),
    columns=[
        Column("last_name", _l("Last name"), sortable=True, link=True),
        Column("first_name", _l("First name"), sortable=True),
        Column("company.name", _l("Company")),
        Column("position", _l("Position"), visible=False),
        Column("email", _l("Email")),
        Column("phone", _l("Phone")),
        Column("mobile", _l("Mobile"), visible=False),
        Column("city", _l("City")),
        Column("country", _l("Country"), visible=False),
        Column("tier", _l("Tier"), choices=choices.TIERS),
        Column("lifecycle_stage", _l("Lifecycle stage"), choices=choices.LIFECYCLE_STAGES),
        Column("source_channel", _l("Source"), choices=choices.SOURCE_CHANNELS, visible=False),
        Column("owner.name", _l("Owner")),
        Column("created_at", _l("Created"), sortable=True, visible=False),
        Column("updated_at", _l("Last changed"), sortable=True),
    ],
    search=key_searches(last_name=True),
    filters=[
        *standard_filters("contact"),
        toolkit.RelatedFilter("company", _l("Company"), column="company_id", options=company_options),
    ],
    default_sort="-updated_at",
    bulk_actions=[toolkit.BulkAction.delete()],
    export_permission="contacts.export",
    exports={"vcf": vcard_export},  # vCard 4.0 (exporter.py, C3)
)

_COMPANY_FIELDS = [name for _label, names in COMPANY_GROUPS for name in names]
_CONTACT_FIELDS = [name for _label, names in CONTACT_GROUPS for name in names]

company_form = ProfileForm(
    model=Company, object="contacts.company", schema=CompanySchema, fields=_COMPANY_FIELDS,
    custom_object="company", groups=COMPANY_GROUPS, template="contacts/profile_form.html",
)
contact_form = ProfileForm(
    model=Contact, object="contacts.contact", schema=ContactSchema, fields=_CONTACT_FIELDS,
    custom_object="contact", groups=CONTACT_GROUPS, template="contacts/profile_form.html",
)


# -- detail pages ------------------------------------------------------------------------------


def _text(value: Any, options: dict[Any, Any] | None = None) -> str:
    if value is None or value == "" or value == []:
        return ""
    if options is not None and value in options:
        return str(options[value])
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return toolkit.format_datetime(value)
    if isinstance(value, date):
        return toolkit.format_date(value)
    if isinstance(value, Decimal):
        return toolkit.format_number(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def profile_sections(form: ProfileForm, record: Any) -> list[tuple[str, list[tuple[str, str, str | None]]]]:
    """The record's fields as (group, [(label, text, link)]) in the form's grouping."""
    sections = []
    for group, names in form.groups:
        rows = []
        for name in names:
            spec = form.spec_by_name[name]
            value = getattr(record, name, None)
            link = None
            if name == "company_id" and value is not None:
                company = toolkit.db.session.scalar(
                    toolkit.scope(sa.select(Company).where(Company.id == value), "contacts.company")
                )
                text = company.name if company is not None else ""
                link = url_for("contacts_companies.detail", id=value) if company is not None else None
            else:
                text = _text(value, dict(spec.choices) if spec.choices else None)
            rows.append((str(spec.label), text, link))
        sections.append((str(group), rows))
    return sections


def custom_rows(kind: str, record: Any) -> list[tuple[str, str]]:
    stored = record.custom or {}
    return [(d.label, custom_fields.display(d, stored.get(d.key))) for d in custom_fields.definitions(kind)]


def _common(kind: str, form: ProfileForm, record: Any) -> dict[str, Any]:
    users, deps = ownership.names([record.owner_id], [record.department_id])
    return {
        "profile_sections": profile_sections(form, record),
        "custom_rows": custom_rows(kind, record),
        "owner_name": users.get(record.owner_id, ""),
        "department_name": deps.get(record.department_id, ""),
        "can_assign": toolkit.record_allowed(record, f"contacts.{kind}", "write") and ownership.may_manage(record),
        "assign_href": url_for(f"contacts_ownership.assign_{kind}", id=record.id),
    }


def company_detail(record: Company) -> dict[str, Any]:
    rows = toolkit.db.session.execute(
        toolkit.scope(sa.select(Contact.id, Contact.first_name, Contact.last_name, Contact.position, Contact.email),
                      "contacts.contact")
        .where(Contact.company_id == record.id).order_by(Contact.name_key).limit(50)
    )
    people = [{"id": r.id, "name": person_name(r.first_name, r.last_name), "position": r.position, "email": r.email}
              for r in rows]
    return {**_common("company", company_form, record), **activity.panel_context("company", record), "people": people}


def contact_detail(record: Contact) -> dict[str, Any]:
    consent = [
        (str(choices.CHANNELS.get(channel, channel)), record.consent.get(channel))
        for channel in choices.CONSENT_CHANNELS
    ]
    return {**_common("contact", contact_form, record), **activity.panel_context("contact", record), "consent": consent}


def blueprints() -> list[Blueprint]:
    from modules.contacts import custom_fields_admin, ownership_views

    return [
        toolkit.crud_blueprint(
            "contacts", "companies", list_view=company_list, form_view=company_form, label="name",
            detail_template="contacts/company_detail.html", detail_context=company_detail,
        ),
        toolkit.crud_blueprint(
            "contacts", "contacts", list_view=contact_list, form_view=contact_form, label=lambda c: c.name,
            detail_template="contacts/contact_detail.html", detail_context=contact_detail,
        ),
        custom_fields_admin.bp,
        ownership_views.bp,
    ]


def menu_items() -> list[toolkit.MenuItem]:
    """The top menu "Customers" (other parts of the module add entries under ``parent="contacts"``)."""
    item = toolkit.MenuItem
    return [
        item("contacts", _l("Customers"), order=20, icon="users"),
        item("contacts.companies", _l("Companies"), endpoint="contacts_companies.list",
             permission="contacts.company.read", parent="contacts", order=10),
        item("contacts.contacts", _l("Contacts"), endpoint="contacts_contacts.list",
             permission="contacts.contact.read", parent="contacts", order=20),
        item("contacts.transfer", _l("Transfer customers"), endpoint="contacts_ownership.transfer",
             permission="contacts.transfer", parent="contacts", order=80),
        item("contacts.custom_fields", _l("Custom fields"), endpoint="contacts_custom_fields.index",
             permission="contacts.custom_fields", parent="contacts", order=90),
    ]
