"""What the data-in-and-out part of the module registers (import, export, duplicates, personal data).

``plugin.py`` adds these lists to its hooks, so the hook functions stay one
line each and this part's pages, tasks and commands are listed in one place.
"""

from __future__ import annotations

from typing import Any

from core import toolkit
from core.toolkit import _l


def blueprints() -> list[Any]:
    from modules.contacts import duplicates_views, exporter, import_views, privacy_views

    return [*import_views.blueprints(), *exporter.blueprints(), *duplicates_views.blueprints(),
            *privacy_views.blueprints()]


def menu_items() -> list[toolkit.MenuItem]:
    return [
        toolkit.MenuItem("contacts.import", _l("Import"), endpoint="contacts_import.upload",
                         permission="contacts.import", parent="contacts", order=60),
        toolkit.MenuItem("contacts.duplicates", _l("Duplicates"), endpoint="contacts_duplicates.review",
                         permission="contacts.merge", parent="contacts", order=65),
        toolkit.MenuItem("contacts.privacy", _l("Personal data"), endpoint="contacts_privacy.search",
                         permission="contacts.privacy", parent="contacts", order=95),
    ]


def task_specs() -> list[toolkit.TaskSpec]:
    from modules.contacts import import_store

    return [
        toolkit.TaskSpec("contacts.import", import_store.run_import_job),
        toolkit.TaskSpec("contacts.import_cleanup", import_store.cleanup),
    ]


def schedules() -> list[toolkit.Schedule]:
    return [toolkit.Schedule("contacts.import_cleanup", task="contacts.import_cleanup", crontab="40 3 * * *")]


def merge_records(object: str, target_id: int, source_ids: list[int]) -> int:  # noqa: A002
    from modules.contacts import duplicates

    return duplicates.repoint(object, target_id, source_ids)


def personal_data_export(subject: dict[str, Any]) -> dict[str, Any] | None:
    from modules.contacts import privacy

    return privacy.contact_data(subject)


def personal_data_erase(subject: dict[str, Any]) -> int:
    from modules.contacts import privacy

    return privacy.erase_contacts(subject)


def cli_commands() -> list[Any]:
    from modules.contacts import cli

    return cli.commands()
