"""Demo data and the global search within record rules."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
import pytest
from email_validator import validate_email
from flask import Flask

from core import toolkit
from core.testing import login
from modules.contacts.tests.profile_helpers import add


def test_demo_data_is_a_realistic_mix(make_app: Any, client_as: Any) -> None:
    app = make_app(("contacts",), demo=True)
    from modules.contacts.models import Company, Contact

    with app.app_context():
        people = toolkit.db.session.scalars(toolkit.sa.select(Contact)).all()
        companies = toolkit.db.session.scalars(toolkit.sa.select(Company)).all()
        assert len(people) == 300 and len(companies) == 60
        names = [p.name for p in people]
        assert any(re.search(r"[\u4e00-\u9fff]", n) for n in names)  # Chinese
        assert any(re.search(r"[äöüß]", n) for n in names)  # German
        assert any(n in {"Emma Smith", "James Brown"} or " " in n and n.isascii() for n in names)  # English
        assert {p.country for p in people} >= {"DE", "CN", "US", "GB"}
        assert len({p.tier for p in people}) == 4 and len({p.lifecycle_stage for p in people}) >= 5
        assert len({p.source_channel for p in people}) >= 6
        for record in [*people, *companies]:
            for number in (record.phone, record.mobile):
                if number:
                    assert phonenumbers.is_possible_number(phonenumbers.parse(number)), number
            validate_email(record.email, check_deliverability=False)
            assert record.name_key and record.email_key == record.email.lower()
            assert record.owner_id is None  # no administrator existed at install time
        months = {p.created_at.strftime("%Y-%m") for p in people}
        assert len(months) >= 12  # history for "new customers per month"
        assert sum(1 for p in people if p.company_id) > 150
    page = client_as(app, "admin").get("/contacts/contacts/").get_data(as_text=True)
    assert "1,000+" not in page and "300 records" in page


def test_demo_records_belong_to_the_administrator_when_there_is_one(make_app: Any, make_user: Any) -> None:
    from modules.contacts import demo
    from modules.contacts.models import Contact

    app = make_app(("contacts",))
    admin = make_user(app, "admin")
    with app.app_context():
        demo.load(companies=3, contacts=6)
        toolkit.db.session.commit()
        owners = set(toolkit.db.session.scalars(toolkit.sa.select(Contact.owner_id)))
    assert owners == {admin.id}


def test_global_search_shows_only_records_the_user_may_see(app_with_people: tuple[Flask, Any, Any]) -> None:
    app, mine, theirs = app_with_people
    page = mine.get("/search?q=lovelace").get_data(as_text=True)
    assert "Ada Lovelace" in page and "Byron Lovelace" not in page
    page = theirs.get("/search?q=%2B44+20+7946").get_data(as_text=True)
    assert "Byron Lovelace" in page and "Ada Lovelace" not in page


def _client(app: Flask, user: Any) -> Any:
    client = app.test_client()
    login(client, user.email, user.password)
    return client



@pytest.fixture
def app_with_people(make_app: Any, make_user: Any) -> tuple[Flask, Any, Any]:
    app = make_app(("contacts",))
    ada, byron = make_user(app, "user"), make_user(app, "user")
    add(app, "contact", first_name="Ada", last_name="Lovelace", owner_id=ada.id, phone="+442079460001")
    add(app, "contact", first_name="Byron", last_name="Lovelace", owner_id=byron.id, phone="+442079460002")
    return app, _client(app, ada), _client(app, byron)
