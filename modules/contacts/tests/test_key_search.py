"""One index per normalised key serves the lists' search and dedupe's exact lookups."""

from __future__ import annotations

from typing import Any

import pytest

from core import toolkit
from core.testing import query_plan
from core.ui.lists import _next_prefix
from modules.contacts.tests.profile_helpers import add


def _plan(sql: str) -> str:
    return query_plan(toolkit.db.engine, sql)


def test_key_search_and_exact_lookup_use_the_same_index(make_app: Any) -> None:
    app = make_app(("contacts",))
    add(app, "contact", first_name="Zoë", last_name="Müller", email="Zoe.Mueller@Example.de", phone="+49301234567")
    add(app, "contact", first_name="Ann", last_name="Zoeller", email="ann@example.com")
    from modules.contacts.models import Contact
    from modules.contacts.profile_lists import key_searches

    with app.test_request_context():
        from core.ui.lists import search_condition

        for text, expected in (("zoe", ["Müller", "Zoeller"]), ("ZOË MÜ", ["Müller"]), ("zoe.mu", ["Müller"]),
                               ("+49 30 123", ["Müller"]), ("oeller", []), ("Zoell", ["Zoeller"])):
            cond = search_condition(Contact, key_searches(last_name=True), text)
            stmt = toolkit.sa.select(Contact.last_name).where(cond).order_by(Contact.id)
            assert toolkit.db.session.scalars(stmt).all() == expected, text
        for column in ("name_key", "email_key", "phone_key"):
            col = getattr(Contact, column)
            search = search_condition(Contact, [toolkit.Search(column, "key")], "zo")
            for stmt in (toolkit.sa.select(Contact.id).where(search),
                         toolkit.sa.select(Contact.id).where(col == "zoe")):
                sql = str(stmt.compile(toolkit.db.engine, compile_kwargs={"literal_binds": True}))
                assert f"ix_contacts_contact_{column}" in _plan(sql), sql
    with app.app_context():
        indexes = {ix["name"] for ix in toolkit.sa.inspect(toolkit.db.engine).get_indexes("contacts_contact")}
    assert "ix_contacts_contact_name_key" in indexes and "ix_contacts_contact_owner_updated" in indexes
    # one index per key, and the owner's own index is gone (owner_updated starts with owner_id)
    assert not {"ix_contacts_contact_name_key_prefix", "ix_contacts_contact_email_key_prefix",
                "ix_contacts_contact_phone_key_prefix", "ix_contacts_contact_owner_id"} & indexes


@pytest.mark.parametrize(("text", "upper"), [
    ("abc", "abd"), ("a", "b"), ("z\U0010ffff", "{"), ("\U0010ffff", None), ("\ud7ff", "\ue000"),
])
def test_next_prefix_bounds_every_string_with_the_prefix(text: str, upper: str | None) -> None:
    assert _next_prefix(text) == upper


def test_a_searched_page_counts_in_the_index_and_collects_its_matches_through_it(make_app: Any,
                                                                                 client_as: Any) -> None:
    """A searched list page counts its matches from the key index alone (SQLite: the row id is
    in every index; PostgreSQL: the index INCLUDEs id) and finds its page among the matches
    read through that index (``ListView._ids_first``; on PostgreSQL fenced by ``_collected``)."""
    app = make_app(("contacts",))
    for n in range(3):
        add(app, "contact", first_name="Sabine", last_name=f"Schäfer{n}", email=f"s{n}@example.de")
    add(app, "contact", first_name="Ann", last_name="Lee")
    from modules.contacts.models import Contact
    from modules.contacts.profile_lists import key_searches

    with app.test_request_context():
        from core.ui.lists import _collected, search_condition
        from core.ui.paging import Sort

        dialect = toolkit.db.engine.dialect.name
        cond = search_condition(Contact, key_searches(last_name=False), "sabine sch")
        counted = _plan(str(toolkit.sa.select(Contact.id).where(cond)
                            .compile(toolkit.db.engine, compile_kwargs={"literal_binds": True})))
        assert "ix_contacts_contact_name_key" in counted, counted
        assert ("COVERING INDEX" if dialect == "sqlite" else "Index Only Scan") in counted, counted
        stmt, matches = _collected(toolkit.sa.select(Contact.id, Contact.updated_at).where(cond), Contact,
                                   Sort("updated_at", True), dialect)
        stmt = stmt.order_by(matches.updated_at.desc(), matches.id.desc()).limit(51)
        plan = _plan(str(stmt.compile(toolkit.db.engine, compile_kwargs={"literal_binds": True})))
        assert "ix_contacts_contact_name_key" in plan, plan
    page = client_as(app, "admin").get("/contacts/contacts/?q=Sabine+Sch&sort=last_name").text
    assert [page.index(f"Schäfer{n}") for n in range(3)] == sorted(page.index(f"Schäfer{n}") for n in range(3))
    assert "Lee" not in page


def test_paging_a_search_over_several_columns_gives_every_match_once_in_order(make_app: Any) -> None:
    """Names, last names and e-mail addresses match one search; pages forward and back give
    exactly the matches in the list's order (on PostgreSQL each column is a branch of its own)."""
    app = make_app(("contacts",))
    expected = set()
    for n in range(40):
        expected.add(add(app, "contact", first_name=f"Leena{n:02d}", last_name="Ray"))
        expected.add(add(app, "contact", first_name="Tom", last_name=f"Leeds{n:02d}"))
        expected.add(add(app, "contact", first_name="Ann", last_name="Ho", email=f"lee{n:02d}@example.com"))
        add(app, "contact", first_name="Ann", last_name=f"Other{n:02d}", email=f"x{n:02d}@example.com")
    from modules.contacts.models import Contact
    from modules.contacts.views import contact_list

    with app.test_request_context():
        from flask_login import login_user

        from core.testing import create_user

        admin = create_user(app, "admin")
        login_user(toolkit.db.session.get(toolkit.User, admin.id))
        order = [row.id for row in toolkit.db.session.execute(
            toolkit.sa.select(Contact.id).where(Contact.id.in_(expected))
            .order_by(Contact.updated_at.desc(), Contact.id.desc()))]
        branches = contact_list._branches(contact_list.state({"q": "lee"}))
        if toolkit.db.engine.dialect.name == "postgresql":  # name, last name and e-mail: three branches
            assert branches is not None and len(branches) == 3
        pages, result = [], contact_list.run({"q": "lee"})
        assert (result.count, result.count_capped) == (120, False)
        while True:
            pages.append([row_id for row_id, _cells in result.rows])
            if result.page.next_cursor is None:
                break
            result = contact_list.run({"q": "lee", "after": result.page.next_cursor})
        assert [i for page in pages for i in page] == order
        back = contact_list.run({"q": "lee", "before": result.page.prev_cursor})
        assert [row_id for row_id, _cells in back.rows] == pages[-2]
