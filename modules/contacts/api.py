"""REST resources ``/api/v1/companies`` and ``/api/v1/contacts`` (core serves them from these declarations).

The schemas are the forms' schemas: the same rules (lengths, choices,
E.164 phones, e-mail syntax, custom fields, who may own a record) hold on
both ways in. Tags are a list of names, consent an object per channel
(``{"email": {"granted": true, "source": "web form"}}``; sending a change
records it with its date), custom fields an object of values (a PATCH merges
into the stored ones; ``null`` removes one). Search (``q``) is the list page's:
names, e-mail addresses and phone numbers starting with the text, compared in
their normalised form, so an index answers it at a million customers.
"""

from __future__ import annotations

from core import toolkit
from modules.contacts.models import Company, Contact
from modules.contacts.profile_lists import key_searches
from modules.contacts.schemas import CompanySchema, ContactSchema

_COMMON_FILTERS = ("tier", "lifecycle_stage", "source_channel", "owner_id", "department_id", "country", "city",
                   "email_key", "phone_key")


def api_resources() -> list[toolkit.ApiResource]:
    return [
        toolkit.ApiResource(
            path="companies", model=Company, schema=CompanySchema, object="contacts.company",
            sortable=("id", "name", "updated_at", "created_at"),
            filterable=(*_COMMON_FILTERS, "type", "industry"),
            searchable=("name_key", "email_key", "phone_key"),
            search=tuple(key_searches(last_name=False)),
        ),
        toolkit.ApiResource(
            path="contacts", model=Contact, schema=ContactSchema, object="contacts.contact",
            sortable=("id", "last_name", "updated_at", "created_at"),
            filterable=(*_COMMON_FILTERS, "company_id", "gender", "age_group"),
            searchable=("name_key", "last_name", "email_key", "phone_key"),
            search=tuple(key_searches(last_name=True)),
        ),
    ]
