"""Rows about people already in the CRM: skip, update or create; companies, tags, dry run and the audit trail."""

from __future__ import annotations

import pytest

from core import toolkit
from modules.contacts.tests.import_helpers import (
    MEMBER_ROWS,
    add_member_fields,
    contacts,
    count,
    csv_bytes,
    run_import,
)

pytestmark = pytest.mark.crm_modules("contacts")

HEADER = ["First name", "Last name", "E-mail", "Mobile", "City", "Tags", "Company"]


def _existing(app) -> int:
    from modules.contacts.models import Contact

    with app.app_context():
        person = Contact(first_name="Ann", last_name="Lee", email="Ann.Lee@Example.com", mobile="+4917012345678",
                         city="Berlin", tier="gold")
        person.tags = ["old"]
        toolkit.db.session.add(person)
        toolkit.db.session.commit()
        return person.id


ROWS = [
    HEADER,
    ["Ann", "Lee-Smith", "ann.lee@example.com", "", "Hamburg", "vip", ""],  # same e-mail (other case)
    ["Bob", "Stone", "", "0170 12345678", "", "", "Acme"],  # no e-mail, same mobile (national form)
    ["Cy", "Ray", "cy@example.com", "", "Köln", "", "Acme"],  # new
    ["Cy", "Ray", "CY@example.com", "", "Bonn", "new", ""],  # repeats the row above
]


def test_skip_leaves_existing_contacts_alone(make_app) -> None:
    app = make_app(("contacts",), config={"CRM_CONTACTS_PHONE_REGION": "DE"})
    ident = _existing(app)
    result = run_import(app, csv_bytes(ROWS), dedupe="skip")
    assert (result.created, result.updated, result.skipped, result.failed) == (1, 0, 3, 0), result.summary()
    assert contacts(app, "id", "last_name", "city") == [(ident, "Lee", "Berlin"), (ident + 1, "Ray", "Köln")]


def test_update_fills_the_match_with_the_row_and_keeps_the_rest(make_app) -> None:
    app = make_app(("contacts",), config={"CRM_CONTACTS_PHONE_REGION": "DE"})
    ident = _existing(app)
    result = run_import(app, csv_bytes(ROWS), dedupe="update")
    assert (result.created, result.updated, result.skipped) == (1, 3, 0), result.summary()
    rows = contacts(app, "id", "first_name", "last_name", "name_key", "city", "tier", "email_key", "version",
                    "company_id")
    assert rows[0][:8] == (ident, "Bob", "Stone", "bob stone", "Hamburg", "gold", "ann.lee@example.com", 2)
    assert rows[1][:5] == (ident + 1, "Cy", "Ray", "cy ray", "Bonn"), "the repeated row updates the new contact"
    assert rows[0][8] == rows[1][8] is not None and count(app, "Company") == 1
    from modules.contacts.models import Contact

    with app.app_context():
        assert toolkit.db.session.get(Contact, ident).tags == ["old", "vip"]
        assert toolkit.db.session.get(Contact, ident + 1).tags == ["new"]


def test_create_makes_new_contacts_anyway(make_app) -> None:
    app = make_app(("contacts",), config={"CRM_CONTACTS_PHONE_REGION": "DE"})
    _existing(app)
    result = run_import(app, csv_bytes(ROWS), dedupe="create")
    assert (result.created, result.updated, result.skipped) == (4, 0, 0)
    assert count(app) == 5


def test_dry_run_reports_but_writes_nothing(make_app) -> None:
    app = make_app(("contacts",), config={"CRM_CONTACTS_PHONE_REGION": "DE"})
    _existing(app)
    result = run_import(app, csv_bytes([*ROWS, ["", "", "bad@", "", "", "", ""]]), dedupe="update", dry_run=True)
    assert (result.created, result.updated, result.failed, result.companies_created) == (1, 3, 1, 1)
    assert "Dry run" in result.message() and "Nothing was written" in result.message()
    assert count(app) == 1 and count(app, "Company") == 0 and count(app, "Tag") == 1


def test_update_needs_the_right_to_change_the_match(make_app, make_user) -> None:
    app = make_app(("contacts",))
    ident = _existing(app)  # owned by nobody: a plain user may not change it
    user = make_user(app, "user")
    result = run_import(app, csv_bytes(ROWS[:2]), dedupe="update", user_id=user.id)
    assert result.aborted and result.errors[0].column == "E-mail"
    assert f"already exists (#{ident}), and you may not change it" in result.errors[0].message
    assert contacts(app, "last_name") == [("Lee",)]


def test_new_contacts_belong_to_the_importer_and_their_department(make_app, make_user) -> None:
    from core.testing import make_department

    app = make_app(("contacts",))
    user = make_user(app, "manager", department=make_department(app, "Sales"))
    result = run_import(app, csv_bytes([["Last name"], ["Lee"]]), user_id=user.id)
    assert result.ok
    assert contacts(app, "owner_id", "department_id") == [(user.id, user.department_id)]


def test_an_import_leaves_one_audit_entry_and_no_row_entries(app) -> None:
    result = run_import(app, csv_bytes([["Last name", "Company"], *[[f"P{i}", "Acme"] for i in range(50)]]))
    assert result.created == 50
    from core.audit import AuditEntry

    with app.app_context():
        rows = toolkit.db.session.scalars(toolkit.sa.select(AuditEntry).where(AuditEntry.module == "contacts")).all()
    assert [(r.object, r.action, r.record_id) for r in rows] == [("contacts.contact", "import", None)]
    assert rows[0].changes["created"] == [None, 50] and rows[0].changes["file"] == [None, "people.csv"]


def test_imported_rows_are_found_like_typed_ones(app) -> None:
    """The keys the importer writes are the ones the model's listeners would write."""
    from modules.contacts.listeners import record_keys

    rows = [["Vorname", "Nachname", "E-Mail", "Telefon", "Land"],
            ["Jürgen", "Müller", "J.Mueller@Example.DE", "030 1234567", "DE"],
            ["小明", "王", "wang@example.cn", "+86 138 0013 8000", "CN"]]
    assert run_import(app, csv_bytes(rows)).ok
    for first, last, email, phone, country, name_key, email_key, phone_key in contacts(
            app, "first_name", "last_name", "email", "phone", "country", "name_key", "email_key", "phone_key"):
        with app.app_context():
            expected = record_keys("contact", {"first_name": first, "last_name": last, "email": email,
                                               "phone": phone, "country": country})
        assert (name_key, email_key, phone_key) == (expected["name_key"], expected["email_key"],
                                                    expected["phone_key"])


def test_companies_are_found_by_name_or_created_once(app) -> None:
    from modules.contacts.models import Company

    with app.app_context():
        toolkit.db.session.add(Company(name="Acme GmbH", name_key="acme gmbh"))
        toolkit.db.session.commit()
    rows = [["Last name", "Firma"], ["A", "ACME GmbH"], ["B", "Nordlicht AG"], ["C", "nordlicht ag"], ["D", ""]]
    result = run_import(app, csv_bytes(rows))
    assert result.ok and result.companies_created == 1
    ids = [row[0] for row in contacts(app, "company_id")]
    assert ids[0] == 1 and ids[1] == ids[2] != 1 and ids[3] is None
    assert count(app, "Company") == 2


def test_a_user_who_may_not_create_companies_gets_a_row_error(make_app, make_user) -> None:
    app = make_app(("contacts",))
    with app.app_context():
        from core.models import GrantRow

        toolkit.db.session.execute(toolkit.sa.update(GrantRow).where(
            GrantRow.role == "manager", GrantRow.object == "contacts.company").values(rights="r"))
        toolkit.db.session.commit()
    user = make_user(app, "manager")
    result = run_import(app, csv_bytes([["Last name", "Company"], ["A", "Ghost Ltd"]]), user_id=user.id)
    assert result.errors[0].column == "Company"
    assert "no company named 'Ghost Ltd'" in result.errors[0].message
    assert count(app) == 0 and count(app, "Company") == 0


def test_custom_fields_are_checked_and_stored(app) -> None:
    add_member_fields(app)
    result = run_import(app, csv_bytes(MEMBER_ROWS), on_error="skip")
    assert result.created == 1
    assert sorted((e.line, e.column) for e in result.errors) == [
        (3, "Member number"), (4, "VIP since"), (5, "Segment")]
    assert contacts(app, "custom") == [({"member_no": "M-1", "vip_since": "2020-01-31", "segment": "A"},)]


def test_new_people_are_scored_as_a_form_would_score_them(make_app) -> None:
    """The importer stores each new person's completeness (no later UPDATE of every row); a
    person updated by the file, or two rows merged into one, are left for the scoring task."""
    from modules.contacts.models import Contact
    from modules.contacts.reports import completeness, refresh_completeness

    app = make_app(("contacts",), config={"CRM_CONTACTS_PHONE_REGION": "DE"})
    ident = _existing(app)
    result = run_import(app, csv_bytes(ROWS + [["Dee", "Fox", "dee@example.com", "", "", "", ""],
                                               ["", "Gray", "", "", "", "", "Acme"]]), dedupe="update")
    assert (result.created, result.updated, result.failed) == (3, 3, 0), result.summary()
    with app.app_context():
        people = {p.last_name: p for p in toolkit.db.session.scalars(toolkit.sa.select(Contact))}
        scores = {name: p.completeness for name, p in people.items()}
        assert scores["Fox"] == completeness(people["Fox"]) > 0
        assert scores["Gray"] == completeness(people["Gray"]) > scores["Fox"] - 20  # its company counts
        # the existing person, updated by two rows; "Ray" is two rows of the file made one
        assert scores["Stone"] is None and scores["Ray"] is None and people["Stone"].id == ident
        refresh_completeness()
        toolkit.db.session.commit()
        toolkit.db.session.expire_all()
        for person in toolkit.db.session.scalars(toolkit.sa.select(Contact)):
            assert person.completeness == completeness(person), person.last_name


CHUNKED = [
    ["First name", "Last name", "E-mail", "Mobile"],
    ["Cy", "Ray", "cy@example.com", ""],  # new
    ["Cyrus", "Ray", "CY@example.com", ""],  # the row above again, in a later chunk
    ["Ann", "Lee-Smith", "ann.lee@example.com", "+4917012345678"],  # the existing Ann
    ["Dan", "Lee", "", "+4917012345678"],  # Ann again by her mobile: a second update of her
    ["Bob", "Stone", "robert@example.com", "+4915112345678"],  # Bob by his mobile: his e-mail changes
    ["Bobby", "Stone", "bob@example.com", ""],  # Bob's old address: nobody has it any more
    ["Rob", "Stone", "Robert@example.com", ""],  # Bob's new address
]


@pytest.mark.parametrize("dedupe", ["skip", "update"])
def test_chunks_see_what_earlier_chunks_wrote(make_app, monkeypatch, dedupe) -> None:
    """The existing people are looked up on a connection of the importer's own, one chunk ahead;
    what earlier chunks created or changed counts as if looked up in the import's transaction
    (the reference: the same import with that connection switched off). One row per chunk."""
    from modules.contacts import importer
    from modules.contacts.models import Contact

    outcomes = []
    for own_connection in (True, False):
        if not own_connection:
            monkeypatch.setattr(importer, "_lookup_engine", lambda: None)
        app = make_app(("contacts",), config={"CRM_CONTACTS_PHONE_REGION": "DE"})
        _existing(app)
        with app.app_context():
            toolkit.db.session.add(Contact(first_name="Bob", last_name="Stone", email="bob@example.com",
                                           mobile="+4915112345678"))
            toolkit.db.session.commit()
        result = run_import(app, csv_bytes(CHUNKED), dedupe=dedupe, chunk_size=1)
        assert result.failed == 0, result.summary()
        rows = contacts(app, "first_name", "last_name", "email_key", "phone_key", "version")
        outcomes.append(((result.created, result.updated, result.skipped), rows))
    assert outcomes[0] == outcomes[1]
    counts, rows = outcomes[0]
    if dedupe == "skip":
        assert counts == (2, 0, 5)
        assert [r[0] for r in rows] == ["Ann", "Bob", "Cy", "Rob"]  # Bob kept his address
    else:
        assert counts == (2, 5, 0)
        assert rows == [("Dan", "Lee", "ann.lee@example.com", "+4917012345678", 3),
                        ("Rob", "Stone", "robert@example.com", "+4915112345678", 3),
                        ("Cyrus", "Ray", "cy@example.com", None, 2),
                        ("Bobby", "Stone", "bob@example.com", None, 1)]
