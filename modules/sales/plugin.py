"""Hook implementations of the sales module.

The module has three parts, each a package that exposes plain functions named
after what they give (``models()``, ``blueprints()``, ``menu_items()``,
``api_resources()``, ``tasks()``, ``schedules()``, ``widgets()``,
``search_providers()``, ``subscribers()``, ``cli_commands()``, ``settings()``,
``timeline_entries(object, record_id, limit)``, ``install_data(demo)``,
``merge_records(object, target_id, source_ids)``, ``personal_data_export(subject)``,
``personal_data_erase(subject)``, ``opportunity_panels(opportunity_id)`` for the opportunity page);
a part leaves out what it has none of.

- ``pipeline``: pipelines and stages, opportunities, kanban, forecast, quotas, sales records
- ``documents``: quotes, orders, contracts, invoices and payments
- ``analytics``: KPI widgets, learned win probability, annual spend feeding the contacts tier
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from core import toolkit
from modules.sales import hookspecs as HOOKSPECS  # noqa: N812, F401  (hooks sales defines for other modules)

PARTS = ("pipeline", "documents", "analytics")


def _parts() -> list[Any]:
    return [importlib.import_module(f"modules.sales.{name}") for name in PARTS]


def _gather(what: str, *args: Any) -> list[Any]:
    found: list[Any] = []
    for part in _parts():
        give = getattr(part, what, None)
        if give is not None:
            found.extend(give(*args))
    return found


@toolkit.hookimpl
def crm_models() -> list[type]:
    return _gather("models")


@toolkit.hookimpl
def crm_permissions() -> list[Any]:
    return toolkit.load_security("sales", Path(__file__).parent)


@toolkit.hookimpl
def crm_blueprints() -> list[Any]:
    return _gather("blueprints")


@toolkit.hookimpl
def crm_menu_items() -> list[toolkit.MenuItem]:
    return _gather("menu_items")


@toolkit.hookimpl
def crm_api_resources() -> list[toolkit.ApiResource]:
    return _gather("api_resources")


@toolkit.hookimpl
def crm_tasks() -> list[toolkit.TaskSpec]:
    return _gather("tasks")


@toolkit.hookimpl
def crm_schedules() -> list[toolkit.Schedule]:
    return _gather("schedules")


@toolkit.hookimpl
def crm_dashboard_widgets() -> list[toolkit.Widget]:
    return _gather("widgets")


@toolkit.hookimpl
def crm_search_providers() -> list[toolkit.SearchProvider]:
    return _gather("search_providers")


@toolkit.hookimpl
def crm_event_subscribers() -> list[toolkit.Subscriber]:
    return _gather("subscribers")


@toolkit.hookimpl
def crm_cli_commands() -> list[Any]:
    return _gather("cli_commands")


@toolkit.hookimpl
def crm_settings() -> list[toolkit.Setting]:
    return _gather("settings")


@toolkit.hookimpl
def crm_timeline_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:  # noqa: A002
    return _gather("timeline_entries", object, record_id, limit)


@toolkit.hookimpl
def crm_install_data(demo: bool) -> None:
    for part in _parts():
        load = getattr(part, "install_data", None)
        if load is not None:
            load(demo)


@toolkit.hookimpl
def crm_merge_records(object: str, target_id: int, source_ids: list[int]) -> int:  # noqa: A002
    moved = 0
    for part in _parts():
        merge = getattr(part, "merge_records", None)
        if merge is not None:
            moved += merge(object, target_id, source_ids)
    return moved


@toolkit.hookimpl
def crm_personal_data_export(subject: dict[str, Any]) -> dict[str, Any] | None:
    found: dict[str, Any] = {}
    for part in _parts():
        export = getattr(part, "personal_data_export", None)
        if export is not None:
            found.update(export(subject) or {})
    return found or None


@toolkit.hookimpl
def crm_personal_data_erase(subject: dict[str, Any]) -> int:
    erased = 0
    for part in _parts():
        erase = getattr(part, "personal_data_erase", None)
        if erase is not None:
            erased += erase(subject)
    return erased


@toolkit.hookimpl
def sales_opportunity_panels(opportunity_id: int) -> list[dict[str, Any]]:
    """The parts' own panels on an opportunity page (documents: its quotes and orders)."""
    return _gather("opportunity_panels", opportunity_id)
