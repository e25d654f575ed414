"""The global search box: companies and contacts by name, e-mail or phone, within the record rules.

It asks the list views themselves (``ListView.base`` with the typed text), so
the global search finds exactly what the list search finds, through the same
normalisers and prefix indexes: "müller", "ANN.LEE@", "+49 30 1234".
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from core import toolkit
from core.toolkit import _l
from modules.contacts.normalize import person_name


def _contacts(query: str, user: Any, limit: int) -> list[toolkit.SearchHit]:
    from modules.contacts.models import Company, Contact
    from modules.contacts.views import contact_list

    stmt = (
        contact_list.base(contact_list.state({"q": query}))
        .with_only_columns(Contact.id, Contact.first_name, Contact.last_name, Contact.email, Contact.phone,
                           Company.name.label("company"), maintain_column_froms=True)
        .outerjoin(Company, Company.id == Contact.company_id)
        .order_by(Contact.name_key, Contact.id).limit(limit)
    )
    return [
        toolkit.SearchHit(
            person_name(row.first_name, row.last_name), url_for("contacts_contacts.detail", id=row.id),
            kind="contact", detail=" · ".join(part for part in (row.company, row.email, row.phone) if part),
        )
        for row in toolkit.db.session.execute(stmt)
    ]


def _companies(query: str, user: Any, limit: int) -> list[toolkit.SearchHit]:
    from modules.contacts.models import Company
    from modules.contacts.views import company_list

    stmt = (
        company_list.base(company_list.state({"q": query}))
        .with_only_columns(Company.id, Company.name, Company.city, Company.email, Company.phone,
                           maintain_column_froms=True)
        .order_by(Company.name_key, Company.id).limit(limit)
    )
    return [
        toolkit.SearchHit(row.name, url_for("contacts_companies.detail", id=row.id), kind="company",
                          detail=" · ".join(part for part in (row.city, row.email, row.phone) if part))
        for row in toolkit.db.session.execute(stmt)
    ]


def providers() -> list[toolkit.SearchProvider]:
    return [
        toolkit.SearchProvider("contacts.contacts", _l("Contacts"), _contacts, permission="contacts.contact.read"),
        toolkit.SearchProvider("contacts.companies", _l("Companies"), _companies, permission="contacts.company.read"),
    ]
