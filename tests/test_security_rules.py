"""Rights and record rules (own / team with nested departments / all), and admin grant edits.

Uses the test module ``secdemo`` (tests/addons/security): notes with an owner
and a department; users may read/create/write their own, managers everything
of their team, and ``secdemo.publish`` is a named permission for managers.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from core.extensions import db
from core.security import access
from core.testing import csrf_token, make_department

SECURITY_ADDONS = Path(__file__).parent / "addons" / "security"


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, make_app, make_user) -> dict[str, Any]:
    """Europe > Sales > Sales North, and Asia; users in them; one note per owner."""
    monkeypatch.setenv("CRM_ADDONS_PATH", str(SECURITY_ADDONS))
    app = make_app(("secdemo",))
    europe = make_department(app, "Europe")
    sales = make_department(app, "Sales", parent=europe)
    north = make_department(app, "Sales North", parent=sales)
    asia = make_department(app, "Asia")
    users = {
        "ann": make_user(app, "user", department=sales),
        "bob": make_user(app, "user", department=sales),
        "nils": make_user(app, "user", department=north),
        "mia": make_user(app, "manager", department=sales),
        "eve": make_user(app, "manager", department=europe),
        "kai": make_user(app, "manager", department=asia),
        "root": make_user(app, "admin"),
    }
    note = app.extensions["crm"].registry.models["secdemo_note"]
    ids = {}
    with app.app_context():
        for title, owner, dep in [
            ("ann1", "ann", sales), ("bob1", "bob", sales), ("nils1", "nils", north),
            ("asia1", "kai", asia), ("salesdoc", None, sales),
        ]:
            row = note(title=title, owner_id=users[owner].id if owner else None, department_id=dep)
            db.session.add(row)
            db.session.flush()
            ids[title] = row.id
        db.session.commit()
    return {"app": app, "users": users, "ids": ids, "note": note}


def client_of(world: dict[str, Any], name: str) -> Any:
    from core.testing import login

    client = world["app"].test_client()
    user = world["users"][name]
    assert login(client, user.email, user.password).status_code == 302
    return client


def visible(client: Any) -> set[str]:
    response = client.get("/secdemo/")
    assert response.status_code == 200, response.status_code
    text = response.get_data(as_text=True)
    return set(text.split(",")) if text else set()


def post(client: Any, url: str, data: dict[str, str] | None = None) -> Any:
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)})


def test_own_rule_user_sees_and_changes_only_own_records(world) -> None:
    ann, ids = client_of(world, "ann"), world["ids"]
    assert visible(ann) == {"ann1"}
    assert ann.get(f"/secdemo/{ids['ann1']}").status_code == 200
    for title in ("bob1", "nils1", "asia1", "salesdoc"):
        assert ann.get(f"/secdemo/{ids[title]}").status_code == 404, title
        assert post(ann, f"/secdemo/{ids[title]}", {"title": "hacked"}).status_code == 404, title
    assert ann.get("/secdemo/999999").status_code == 404
    assert post(ann, f"/secdemo/{ids['ann1']}", {"title": "ann1b"}).status_code == 302
    # users have no delete right at all: 403 even on their own note
    assert post(ann, f"/secdemo/{ids['ann1']}/delete").status_code == 403
    with world["app"].app_context():
        assert {n.title for n in db.session.scalars(db.select(world["note"]))} >= {"ann1b", "bob1"}


def test_team_rule_covers_department_and_nested_sub_departments(world) -> None:
    ids = world["ids"]
    mia = client_of(world, "mia")  # Sales: Sales + Sales North
    assert visible(mia) == {"ann1", "bob1", "nils1", "salesdoc"}
    assert mia.get(f"/secdemo/{ids['asia1']}").status_code == 404
    assert post(mia, f"/secdemo/{ids['asia1']}/delete").status_code == 404
    assert post(mia, f"/secdemo/{ids['bob1']}/delete").status_code == 302
    assert visible(mia) == {"ann1", "nils1", "salesdoc"}

    eve = client_of(world, "eve")  # Europe: two levels above Sales North
    assert visible(eve) == {"ann1", "nils1", "salesdoc"}
    assert eve.get(f"/secdemo/{ids['nils1']}").status_code == 200

    kai = client_of(world, "kai")  # Asia
    assert visible(kai) == {"asia1"}
    assert kai.get(f"/secdemo/{ids['ann1']}").status_code == 404

    nils = client_of(world, "nils")  # a user in the sub-department still sees only own
    assert visible(nils) == {"nils1"}


def test_department_head_sees_the_team_they_lead(world, make_user) -> None:
    app = world["app"]
    head = make_user(app, "manager")  # in no department
    with app.app_context():
        from core.security.models import Department

        sales = db.session.scalar(db.select(Department).where(Department.name == "Sales"))
        sales.head_id = head.id
        db.session.commit()
    from core.testing import login

    client = app.test_client()
    login(client, head.email, head.password)
    assert visible(client) == {"ann1", "bob1", "nils1", "salesdoc"}


def test_admin_sees_everything_and_named_permissions_follow_roles(world) -> None:
    root = client_of(world, "root")
    assert visible(root) == {"ann1", "bob1", "nils1", "asia1", "salesdoc"}
    assert post(root, "/secdemo/publish").status_code == 200
    assert post(client_of(world, "mia"), "/secdemo/publish").status_code == 200
    assert post(client_of(world, "ann"), "/secdemo/publish").status_code == 403


class _FormState(HTMLParser):
    """The values a browser would submit from the grants form."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.values[a["name"] or ""] = a.get("value") or "on"
        elif tag == "input" and a.get("type") == "hidden":
            self.values[a["name"] or ""] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def grants_form(client: Any) -> dict[str, str]:
    page = client.get("/admin/grants")
    assert page.status_code == 200
    parser = _FormState()
    parser.feed(page.get_data(as_text=True))
    return parser.values


def test_grant_edits_take_effect_on_the_next_request(world) -> None:
    root, ann = client_of(world, "root"), client_of(world, "ann")
    form = grants_form(root)
    # the defaults from security.toml are shown
    assert form["secdemo.note|user|r"] == "1" and "secdemo.note|user|d" not in form
    assert form["secdemo.note|user|rule"] == "own" and form["secdemo.note|manager|rule"] == "team"

    form["secdemo.note|user|rule"] = "all"
    assert root.post("/admin/grants", data=form).status_code == 302
    assert visible(ann) == {"ann1", "bob1", "nils1", "asia1", "salesdoc"}

    form = grants_form(root)
    del form["secdemo.note|user|r"]
    root.post("/admin/grants", data=form)
    assert ann.get("/secdemo/").status_code == 403
    assert ann.get(f"/secdemo/{world['ids']['ann1']}").status_code == 403

    # an emptied grant stays empty when the module is upgraded (the default does not return)
    from core.lifecycle import ModuleManager

    ModuleManager(world["app"]).upgrade(["secdemo"])
    assert "secdemo.note|user|r" not in grants_form(root)


def test_admin_defined_role_gets_rights_only_through_grants(world, client_as) -> None:
    app = world["app"]
    root = client_of(world, "root")
    assert post(root, "/admin/roles", {"name": "auditor", "label": "Auditor"}).status_code == 302
    auditor = client_as(app, "auditor")
    assert auditor.get("/secdemo/").status_code == 403
    form = grants_form(root)
    form["secdemo.note|auditor|r"] = "1"
    form["secdemo.note|auditor|rule"] = "all"
    root.post("/admin/grants", data=form)
    assert visible(auditor) == {"ann1", "bob1", "nils1", "asia1", "salesdoc"}
    assert post(auditor, f"/secdemo/{world['ids']['ann1']}", {"title": "x"}).status_code == 403
    assert post(auditor, "/secdemo/publish").status_code == 403


def test_named_permissions_can_be_given_to_and_taken_from_roles(world, client_as) -> None:
    app = world["app"]
    root, mia = client_of(world, "root"), client_of(world, "mia")
    assert post(root, "/admin/roles", {"name": "auditor", "label": "Auditor"}).status_code == 302
    auditor = client_as(app, "auditor")
    form = grants_form(root)
    assert form.get("perm|secdemo.publish|manager") == "1" and "perm|secdemo.publish|user" not in form
    assert not any(key.startswith("perm|core.") for key in form), "core's administration stays with admins"
    form["perm|secdemo.publish|auditor"] = "1"
    del form["perm|secdemo.publish|manager"]
    assert root.post("/admin/grants", data=form).status_code == 302
    assert post(auditor, "/secdemo/publish").status_code == 200
    assert post(mia, "/secdemo/publish").status_code == 403
    assert post(client_of(world, "ann"), "/secdemo/publish").status_code == 403
    assert post(root, "/secdemo/publish").status_code == 200, "admin always"


def test_scope_and_can_in_code(world) -> None:
    """The same answers for code that has a user object instead of a request (jobs, exports)."""
    app: Flask = world["app"]
    note = world["note"]
    with app.app_context():
        from core.security.models import User

        ann = db.session.get(User, world["users"]["ann"].id)
        mia = db.session.get(User, world["users"]["mia"].id)
        titles = lambda user: {n.title for n in db.session.scalars(access.scope(note, "secdemo.note", user=user))}  # noqa: E731
        assert titles(ann) == {"ann1"}
        assert titles(mia) == {"ann1", "bob1", "nils1", "salesdoc"}
        assert {n.title for n in db.session.scalars(access.scope(note, "secdemo.note", "delete", user=ann))} == set()
        assert access.can("secdemo.note.write", ann) and not access.can("secdemo.note.delete", ann)
        assert access.can("secdemo.publish", mia) and not access.can("secdemo.publish", ann)
        assert not access.can("secdemo.nosuch.read", mia)
        bob1 = db.session.scalar(db.select(note).where(note.title == "bob1"))
        assert access.record_allowed(bob1, "secdemo.note", "write", mia)
        assert not access.record_allowed(bob1, "secdemo.note", "read", ann)
