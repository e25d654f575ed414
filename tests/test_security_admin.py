"""Admin pages for users, departments and roles."""

from __future__ import annotations

import sqlalchemy as sa

from core.extensions import db
from core.security.models import Department, Role, User
from core.testing import csrf_token, login, make_department


def post(client, url: str, data: dict[str, str]):
    return client.post(url, data={**data, "csrf_token": csrf_token(client)})


def test_only_admins_reach_the_admin_pages(make_app, client_as) -> None:
    app = make_app()
    for role in ("user", "manager"):
        client = client_as(app, role)
        for url in ("/admin/users", "/admin/departments", "/admin/roles", "/admin/grants", "/admin/users/new"):
            assert client.get(url).status_code == 403, (role, url)


def test_admin_creates_and_edits_users_and_output_is_escaped(make_app, client_as) -> None:
    app = make_app()
    sales = make_department(app, "Sales & <Marketing>")
    admin = client_as(app, "admin")
    made = post(admin, "/admin/users/new", {
        "email": "New@Example.test", "name": "<script>alert(1)</script>", "role": "manager",
        "department_id": str(sales), "active": "1", "password": "a long and fine passphrase",
    })
    assert made.status_code == 302
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Sales &amp; &lt;Marketing&gt;" in page
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "new@example.test"))
        assert (user.role, user.department_id, user.active) == ("manager", sales, True)
        user_id = user.id

    assert post(admin, "/admin/users/new", {"email": "new@example.test", "role": "user",
                                            "password": "a long and fine passphrase"}).status_code == 200
    bad_zone = post(admin, f"/admin/users/{user_id}", {"name": "Nina", "role": "user", "timezone": "Mars/Olympus"})
    assert "Unknown time zone" in bad_zone.get_data(as_text=True)
    edit = post(admin, f"/admin/users/{user_id}", {"name": "Nina", "role": "user", "department_id": "",
                                                  "locale": "de", "timezone": "Europe/Berlin", "password": ""})
    assert edit.status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.name, user.role, user.department_id, user.active) == ("Nina", "user", None, False)
        assert (user.locale, user.timezone) == ("de", "Europe/Berlin")
    assert login(app.test_client(), "new@example.test", "a long and fine passphrase").status_code == 200, "disabled"


def test_the_last_active_admin_cannot_be_demoted_or_disabled(make_app, client_as) -> None:
    app = make_app()
    admin = client_as(app, "admin")
    me = admin.user.id
    refused = post(admin, f"/admin/users/{me}", {"name": "", "role": "user", "active": "1"})
    assert "At least one active administrator must remain." in refused.get_data(as_text=True)
    refused = post(admin, f"/admin/users/{me}", {"name": "", "role": "admin", "active": ""})
    assert "At least one active administrator must remain." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, me).role == "admin" and db.session.get(User, me).active


def test_departments_nest_without_cycles(make_app, client_as) -> None:
    app = make_app()
    admin = client_as(app, "admin")
    assert post(admin, "/admin/departments/new", {"name": "Europe"}).status_code == 302
    with app.app_context():
        europe = db.session.scalar(sa.select(Department.id).where(Department.name == "Europe"))
    assert post(admin, "/admin/departments/new", {"name": "Sales", "parent_id": str(europe),
                                                  "head_id": str(admin.user.id)}).status_code == 302
    with app.app_context():
        sales = db.session.scalar(sa.select(Department).where(Department.name == "Sales"))
        assert (sales.parent_id, sales.head_id) == (europe, admin.user.id)
        sales_id = sales.id
    cycle = post(admin, f"/admin/departments/{europe}", {"name": "Europe", "parent_id": str(sales_id)})
    assert "cannot be placed inside itself" in cycle.get_data(as_text=True)
    listing = admin.get("/admin/departments").get_data(as_text=True)
    assert listing.index("Europe") < listing.index("Sales")
    refused = post(admin, f"/admin/departments/{europe}/delete", {})
    assert refused.status_code == 302
    assert "sub-departments first" in admin.get(refused.headers["Location"]).get_data(as_text=True)
    assert post(admin, f"/admin/departments/{sales_id}/delete", {}).status_code == 302
    with app.app_context():
        assert db.session.get(Department, sales_id) is None


def test_roles_are_added_and_deleted_but_not_builtins_or_used_ones(make_app, client_as, make_user) -> None:
    app = make_app()
    admin = client_as(app, "admin")
    bad = post(admin, "/admin/roles", {"name": "Bad Name", "label": ""})
    assert "lower-case letters" in bad.get_data(as_text=True)
    assert post(admin, "/admin/roles", {"name": "auditor", "label": "Auditor"}).status_code == 302
    make_user(app, "auditor")
    post(admin, "/admin/roles/auditor/delete", {})
    post(admin, "/admin/roles/user/delete", {})
    with app.app_context():
        assert db.session.get(Role, "auditor") is not None, "still in use"
        assert db.session.get(Role, "user") is not None, "built-in"
    assert post(admin, "/admin/roles", {"name": "temp", "label": "Temp"}).status_code == 302
    post(admin, "/admin/roles/temp/delete", {})
    with app.app_context():
        assert db.session.get(Role, "temp") is None
