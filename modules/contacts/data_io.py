"""What the data-in-and-out part of the module registers (import, export, duplicates, personal data).

``plugin.py`` adds these lists to its hooks, so the hook functions stay one
line each and this part's pages, tasks and commands are listed in one place.
"""

from __future__ import annotations

from typing import Any

from core import toolkit
from core.toolkit import _l


def blueprints() -> list[Any]:
    from modules.contacts import exporter, import_views

    return [*import_views.blueprints(), *exporter.blueprints()]


def menu_items() -> list[toolkit.MenuItem]:
    return [
        toolkit.MenuItem("contacts.import", _l("Import"), endpoint="contacts_import.upload",
                         permission="contacts.import", parent="contacts", order=60),
    ]


def task_specs() -> list[toolkit.TaskSpec]:
    from modules.contacts import import_store

    return [
        toolkit.TaskSpec("contacts.import", import_store.run_import_job),
        toolkit.TaskSpec("contacts.import_cleanup", import_store.cleanup),
    ]


def schedules() -> list[toolkit.Schedule]:
    return [toolkit.Schedule("contacts.import_cleanup", task="contacts.import_cleanup", crontab="40 3 * * *")]


def cli_commands() -> list[Any]:
    from modules.contacts import cli

    return cli.commands()
