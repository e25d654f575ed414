"""The module's own tests, as its author writes them: crm-suite's fixtures and core.toolkit only.

(crm-suite's own checks of this package through its entry point are in
crm-suite's tests/test_third_party.py.)
"""

from __future__ import annotations

from core import toolkit

MODULE = "hello"
LIST_URL = "/hello/greetings/"


def add_greeting(app, text, owner_id=None):
    from crm_hello.models import Greeting

    with app.app_context():
        toolkit.db.session.add(Greeting(text=text, owner_id=owner_id))
        toolkit.db.session.commit()


def test_users_see_only_their_own_greetings(make_app, client_as):
    app = make_app((MODULE,))
    client = client_as(app, "user")
    add_greeting(app, "Mine", owner_id=client.user.id)
    add_greeting(app, "Somebody else's")
    page = client.get(LIST_URL).get_data(as_text=True)
    assert "Mine" in page
    assert "Somebody else" not in page
    assert "Hello, world" not in page  # the install data belongs to nobody


def test_managers_see_all_greetings(make_app, client_as):
    app = make_app((MODULE,))
    add_greeting(app, "Somebody else's")
    page = client_as(app, "manager").get(LIST_URL).get_data(as_text=True)
    assert "Somebody else" in page and "Hello, world" in page


def test_visitors_must_log_in(make_app, make_user):
    app = make_app((MODULE,))
    make_user(app, "admin")
    response = app.test_client().get(LIST_URL)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
