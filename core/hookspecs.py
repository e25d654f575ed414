"""THE contract between core and modules.

Every hook a module may implement is specified here, typed and documented;
``docs/hooks.md`` documents each one and ``tests/test_docs.py`` fails when one
is missing there. Hooks *return data*: core registers it, orders it and stops
at start-up, naming both modules, when two modules declare the same thing.

Specs evolve by adding arguments (implementations opt in by naming them),
never by renaming. Implement a hook with ``@toolkit.hookimpl``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from flask import Blueprint

    from core.declarations import (
        ApiResource,
        MenuItem,
        ObjectAccess,
        Permission,
        Schedule,
        SearchProvider,
        Setting,
        Subscriber,
        TaskSpec,
        Widget,
    )
    from core.events import Event

PROJECT = "crm"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --------------------------------------------------------------------------
# Registration: called once when the app is built; each returns a list.
# --------------------------------------------------------------------------


@hookspec
def crm_models() -> list[type]:
    """SQLAlchemy model classes of the module. Their tables must be named
    ``<module>_<something>`` and be created by the module's migrations."""


@hookspec
def crm_blueprints() -> list[Blueprint]:
    """Flask blueprints of the module. Names must start with the module name;
    a blueprint without ``url_prefix`` is mounted at ``/<module>``."""


@hookspec
def crm_menu_items() -> list[MenuItem]:
    """Menu entries; core filters them by permission and orders them."""


@hookspec
def crm_permissions() -> list[ObjectAccess | Permission]:
    """Access declarations: per object, the rights of each role and its record
    rule (own/team/all); plus named permissions. Usually
    ``toolkit.load_security(__name__)`` reading the module's ``security.toml``."""


@hookspec
def crm_api_resources() -> list[ApiResource]:
    """REST resources served under ``/api/v1/`` and described in the OpenAPI document."""


@hookspec
def crm_tasks() -> list[TaskSpec]:
    """Background tasks, named ``<module>.<task>``."""


@hookspec
def crm_schedules() -> list[Schedule]:
    """Periodic runs of the module's tasks (run by ``crm beat``)."""


@hookspec
def crm_dashboard_widgets() -> list[Widget]:
    """Widgets for the home dashboard, each checked against its permission."""


@hookspec
def crm_search_providers() -> list[SearchProvider]:
    """Providers for the global search box."""


@hookspec
def crm_event_subscribers() -> list[Subscriber]:
    """Handlers for domain events (``contact.created``, ``opportunity.won`` ...)."""


@hookspec
def crm_cli_commands() -> list[click.Command]:
    """Click commands or groups added to the ``crm`` command line."""


@hookspec
def crm_settings() -> list[Setting]:
    """Settings an administrator can change, keyed ``<module>.<setting>``."""


# --------------------------------------------------------------------------
# Lifecycle: called only on the module being installed.
# --------------------------------------------------------------------------


@hookspec
def crm_install_data(demo: bool) -> None:
    """Load the module's data (and demo data when ``demo``) into the database.

    Runs inside the install transaction, after the migrations, with an app
    context; an exception rolls the whole install back. Rows created in other
    modules' tables should be recorded with ``toolkit.own_row`` so uninstall
    can remove them."""


# --------------------------------------------------------------------------
# Cross-module services: every installed module may answer.
# --------------------------------------------------------------------------


@hookspec
def crm_personal_data_export(subject: dict[str, Any]) -> dict[str, Any] | None:
    """Everything the module holds about one person, as JSON-ready data.

    ``subject`` has ``contact_id``, ``email`` and ``phone`` (any may be None).
    Return ``None`` when the module holds nothing."""


@hookspec
def crm_personal_data_erase(subject: dict[str, Any]) -> int:
    """Erase or anonymise what the module holds about one person; return rows changed."""


@hookspec
def crm_merge_records(object: str, target_id: int, source_ids: list[int]) -> int:
    """Duplicate records of ``object`` (e.g. ``contacts.contact``) are being merged
    into ``target_id``: re-point the module's rows that reference ``source_ids``.
    Return how many rows were re-pointed."""


@hookspec
def crm_timeline_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:
    """Entries for a record's timeline: dicts with ``when`` (datetime), ``title``,
    ``detail``, ``kind`` and optional ``url``; newest first, at most ``limit``."""


@hookspec
def crm_event_published(event: Event) -> None:
    """Every domain event after it is committed; for cross-cutting consumers
    (webhooks, timelines). Prefer ``crm_event_subscribers`` for single events."""
