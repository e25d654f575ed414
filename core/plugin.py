"""Core's own features, registered through the same plugin manager as modules."""

from __future__ import annotations

from flask import Blueprint

from core.declarations import MenuItem, Permission
from core.hookspecs import hookimpl
from core.i18n import lazy_gettext as _l


@hookimpl
def crm_blueprints() -> list[Blueprint]:
    from core.admin import bp as admin_bp
    from core.health import bp as health_bp
    from core.ui.routes import bp as ui_bp

    return [health_bp, admin_bp, ui_bp]


@hookimpl
def crm_permissions() -> list[Permission]:
    return [
        Permission("core.modules.manage", _l("Install and uninstall modules"), roles=("admin",)),
        Permission("core.admin", _l("Administration"), roles=("admin",)),
    ]


@hookimpl
def crm_menu_items() -> list[MenuItem]:
    return [
        MenuItem("core.settings", _l("Settings"), order=1000, permission="core.admin"),
        MenuItem(
            "core.settings.modules",
            _l("Modules"),
            endpoint="core_admin.modules",
            parent="core.settings",
            permission="core.modules.manage",
            order=10,
        ),
    ]
