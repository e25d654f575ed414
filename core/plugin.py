"""Core's own features, registered through the same plugin manager as modules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from core.declarations import MenuItem, Permission, Schedule, TaskSpec
from core.hookspecs import hookimpl
from core.i18n import lazy_gettext as _l

if TYPE_CHECKING:
    from core.events import Event


@hookimpl
def crm_blueprints() -> list[Blueprint]:
    from core.admin import bp as admin_bp
    from core.health import bp as health_bp
    from core.security.views_admin import bp as security_admin_bp
    from core.security.views_auth import bp as auth_bp
    from core.ui.routes import bp as ui_bp

    return [health_bp, admin_bp, ui_bp, auth_bp, security_admin_bp, *services_blueprints()]


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
        # accounts (core.security)
        MenuItem("core.settings.users", _l("Users"), endpoint="core_security.users", parent="core.settings",
                 permission="core.admin", order=20),
        MenuItem("core.settings.departments", _l("Departments"), endpoint="core_security.departments",
                 parent="core.settings", permission="core.admin", order=30),
        MenuItem("core.settings.roles", _l("Roles"), endpoint="core_security.roles", parent="core.settings",
                 permission="core.admin", order=40),
        MenuItem("core.settings.grants", _l("Access rights"), endpoint="core_security.grants",
                 parent="core.settings", permission="core.admin", order=50),
        # jobs, webhooks, audit (core.jobs, core.webhooks, core.audit)
        MenuItem("core.jobs", _l("Jobs"), endpoint="core_jobs.index", permission="core.authenticated", order=990),
        MenuItem("core.settings.webhooks", _l("Webhooks"), endpoint="core_webhooks.index", parent="core.settings",
                 permission="core.admin", order=60),
        MenuItem("core.settings.audit", _l("Audit trail"), endpoint="core_audit.index", parent="core.settings",
                 permission="core.admin", order=70),
    ]


# -- jobs, events, webhooks, audit, mail -----------------------------------------


def services_blueprints() -> list[Blueprint]:
    from core.audit.views import bp as audit_bp
    from core.jobs.views import bp as jobs_bp
    from core.webhooks.views import bp as webhooks_bp

    return [jobs_bp, webhooks_bp, audit_bp]


@hookimpl
def crm_tasks() -> list[TaskSpec]:
    from core.jobs.builtin import tasks

    return tasks()


@hookimpl
def crm_schedules() -> list[Schedule]:
    from core.jobs.builtin import schedules

    return schedules()


@hookimpl
def crm_timeline_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:  # noqa: A002
    """Every record's timeline shows its audit trail."""
    from core.audit import timeline_entries

    return timeline_entries(object, record_id, limit)


@hookimpl
def crm_event_published(event: Event) -> None:
    """Events feed webhooks."""
    from core.webhooks.delivery import on_event

    on_event(event)
