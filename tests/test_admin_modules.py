"""The admin Modules page and /-/modules.json: the same operations as the CLI, with the same preview."""

from __future__ import annotations

import re

import sqlalchemy as sa

from core.testing import csrf_token


def _tables(app) -> set[str]:
    from core.extensions import db

    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names())


def test_modules_json_lists_versions_states_and_hooks(make_app, addons, client_as) -> None:
    addons("basic")
    app = make_app(("alpha",))
    admin = client_as(app, "admin")
    data = admin.get("/-/modules.json").get_json()
    alpha = next(m for m in data["modules"] if m["name"] == "alpha")
    assert alpha["state"] == "installed" and alpha["installed_version"] == "1.0.0"
    assert {"crm_blueprints", "crm_menu_items", "crm_models", "crm_permissions", "crm_install_data"} <= set(alpha["hooks"])
    beta = next(m for m in data["modules"] if m["name"] == "beta")
    assert beta["state"] == "available" and beta["depends"] == ["alpha"] and beta["hooks"] == []
    assert client_as(app, "manager").get("/-/modules.json").status_code == 403


def test_install_preview_and_uninstall_from_the_page(make_app, addons, client_as) -> None:
    addons("basic")
    app = make_app(("alpha",))
    admin = client_as(app, "admin")
    page = admin.get("/admin/modules").get_data(as_text=True)
    assert 'data-module="beta"' in page and "Test module depending on alpha" in page

    token = csrf_token(admin, "/admin/modules")
    response = admin.post("/admin/modules/beta/install", data={"csrf_token": token}, follow_redirects=True)
    assert "Installed: beta" in response.get_data(as_text=True)
    assert "beta_note" in _tables(app)

    # alpha has a dependent: the page says so and changes nothing
    response = admin.get("/admin/modules/alpha/uninstall", follow_redirects=True)
    assert "installed modules depend on it: beta" in response.get_data(as_text=True)

    preview = admin.get("/admin/modules/alpha/uninstall?cascade=1&purge=1").get_data(as_text=True)
    assert "alpha_item: 1 rows" in preview and "beta_note: 0 rows" in preview and "alpha.item.read" in preview
    assert "alpha_item" in _tables(app)  # a preview removes nothing

    token = csrf_token(admin, "/admin/modules/alpha/uninstall?cascade=1&purge=1")
    response = admin.post(
        "/admin/modules/alpha/uninstall",
        data={"csrf_token": token, "cascade": "1", "purge": "1", "confirm": "1"},
        follow_redirects=True,
    )
    assert re.search(r"Uninstalled: (bridge_ag, )?beta, alpha", response.get_data(as_text=True))
    assert not {t for t in _tables(app) if t.startswith(("alpha_", "beta_"))}


def test_install_failure_is_shown_and_changes_nothing(make_app, addons, client_as) -> None:
    addons("basic", "failmig")
    app = make_app(("alpha",))
    admin = client_as(app, "admin")
    token = csrf_token(admin, "/admin/modules")
    response = admin.post("/admin/modules/failmig/install", data={"csrf_token": token}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "installing module &#39;failmig&#39; failed" in text or "installing module 'failmig' failed" in text
    assert "failmig_thing" not in _tables(app)


def test_module_operations_need_admin_and_csrf(make_app, addons, client_as) -> None:
    addons("basic")
    app = make_app(("alpha",))
    manager = client_as(app, "manager")
    assert manager.get("/admin/modules").status_code == 403
    assert manager.post("/admin/modules/beta/install", data={"csrf_token": csrf_token(manager, "/")}).status_code == 403
    admin = client_as(app, "admin")
    assert admin.post("/admin/modules/beta/install").status_code == 400
    assert "beta_note" not in _tables(app)
