"""Hook implementations of the contacts module (only @hookimpl functions live here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import toolkit


@toolkit.hookimpl
def crm_models() -> list[type]:
    from modules.contacts import models as m

    return [m.Company, m.Contact, m.Consent, m.Tag, m.ContactTag, m.CompanyTag, m.CustomField, m.Assignment,
            m.Interaction, m.Task, m.Segment, m.CalendarFeed]


@toolkit.hookimpl
def crm_permissions() -> list[Any]:
    return toolkit.load_security("contacts", Path(__file__).parent)


# -- activity and analysis (interactions, tasks, calendar, segments, timeline, reports) --------------


@toolkit.hookimpl
def crm_blueprints() -> list[Any]:
    from modules.contacts import data_io, interactions, segments, tasks, views

    return [*views.blueprints(), *interactions.blueprints(), *tasks.blueprints(), *segments.blueprints(),
            *data_io.blueprints()]


@toolkit.hookimpl
def crm_api_resources() -> list[toolkit.ApiResource]:
    from modules.contacts import api, interactions, segments, tasks

    return [*api.api_resources(), *interactions.api_resources(), *tasks.api_resources(), *segments.api_resources()]


@toolkit.hookimpl
def crm_tasks() -> list[toolkit.TaskSpec]:
    from modules.contacts import data_io, ownership, reports, tasks

    return [*ownership.task_specs(), *tasks.task_specs(), *reports.task_specs(), *data_io.task_specs()]


@toolkit.hookimpl
def crm_schedules() -> list[toolkit.Schedule]:
    from modules.contacts import data_io, reports, tasks

    return [*tasks.schedules(), *reports.schedules(), *data_io.schedules()]


@toolkit.hookimpl
def crm_dashboard_widgets() -> list[toolkit.Widget]:
    from modules.contacts import reports

    return reports.widgets()


@toolkit.hookimpl
def crm_settings() -> list[toolkit.Setting]:
    from modules.contacts import reports

    return reports.settings()


# -- profiles: companies, contacts, custom fields, ownership, search, demo data (C1) ------------------


@toolkit.hookimpl
def crm_menu_items() -> list[toolkit.MenuItem]:
    from modules.contacts import data_io, interactions, segments, tasks, views

    return [*views.menu_items(), *interactions.menu_items(), *tasks.menu_items(), *segments.menu_items(),
            *data_io.menu_items()]


@toolkit.hookimpl
def crm_search_providers() -> list[toolkit.SearchProvider]:
    from modules.contacts import search

    return [*search.providers()]


@toolkit.hookimpl
def crm_timeline_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:
    from modules.contacts import consent, ownership, timeline

    return [
        *ownership.timeline_entries(object, record_id, limit),
        *consent.timeline_entries(object, record_id, limit),
        *timeline.entries(object, record_id, limit),
    ]


@toolkit.hookimpl
def crm_install_data(demo: bool) -> None:
    if demo:
        from modules.contacts import demo as demo_data

        demo_data.load()


# -- data in and out: import, export, duplicates and merge, personal data (C3) -----------------------


@toolkit.hookimpl
def crm_cli_commands() -> list[Any]:
    from modules.contacts import data_io

    return data_io.cli_commands()


@toolkit.hookimpl
def crm_merge_records(object: str, target_id: int, source_ids: list[int]) -> int:  # noqa: A002
    from modules.contacts import data_io

    return data_io.merge_records(object, target_id, source_ids)


@toolkit.hookimpl
def crm_personal_data_export(subject: dict[str, Any]) -> dict[str, Any] | None:
    from modules.contacts import data_io

    return data_io.personal_data_export(subject)


@toolkit.hookimpl
def crm_personal_data_erase(subject: dict[str, Any]) -> int:
    from modules.contacts import data_io

    return data_io.personal_data_erase(subject)
