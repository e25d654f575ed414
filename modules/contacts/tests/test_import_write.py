"""Imported people bypass the ORM (import_write.BulkInsert): they must be stored exactly as the ORM stores them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core import toolkit
from modules.contacts.tests.import_helpers import csv_bytes, run_import

pytestmark = pytest.mark.crm_modules("contacts")

#: compared as the database holds them (SQLite: text forms of dates, numbers and JSON)
STORED = ("first_name", "last_name", "name_key", "birthday", "annual_spend", "country", "phone", "phone_key", "tier",
          "lifecycle_stage", "gender", "custom", "version", "completeness", "owner_id", "company_id")


@pytest.mark.parametrize("with_company", [False, True])
def test_an_imported_person_is_stored_like_one_saved_through_the_form(make_app, with_company) -> None:
    from modules.contacts.models import Company, Contact

    app = make_app(("contacts",))
    with app.app_context():
        company = Company(name="Acme")
        toolkit.db.session.add(company)
        toolkit.db.session.flush()
        # the form stores the phone number in E.164, as the import does
        saved = Contact(first_name="Jürgen", last_name="Groß", email="saved@example.de", phone="+49301234567",
                        country="DE", birthday=date(1975, 4, 3), annual_spend=Decimal("1234.50"), tier="gold",
                        gender="male", company_id=company.id if with_company else None)
        toolkit.db.session.add(saved)
        toolkit.db.session.commit()
        saved_id = saved.id
    header = ["First name", "Last name", "E-mail", "Phone", "Country", "Birthday", "Annual spend", "Tier", "Gender",
              "Company"]
    row = ["Jürgen", "Groß", "imported@example.de", "+49 30 1234567", "DE", "1975-04-03", "1234.50", "gold", "male",
           "Acme" if with_company else ""]
    result = run_import(app, csv_bytes([header, row]), dedupe="create", chunk_size=1)
    assert result.created == 1, result.summary()
    with app.app_context():
        from modules.contacts.reports import completeness

        names = ", ".join(STORED)
        stored = toolkit.db.session.execute(toolkit.sa.text(
            f"SELECT {names} FROM contacts_contact ORDER BY id")).all()  # noqa: S608 - fixed column names
        assert len(stored) == 2 and stored[1][0] == "Jürgen"
        assert stored[1] == stored[0]
        imported = toolkit.db.session.scalars(toolkit.sa.select(Contact).where(Contact.id != saved_id)).one()
        assert imported.completeness == completeness(imported)
        assert imported.updated_at == imported.created_at is not None
