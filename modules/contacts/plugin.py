"""Hook implementations of the contacts module (only @hookimpl functions live here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import toolkit


@toolkit.hookimpl
def crm_models() -> list[type]:
    from modules.contacts import models as m

    return [m.Company, m.Contact, m.Consent, m.Tag, m.ContactTag, m.CompanyTag, m.CustomField, m.Assignment,
            m.Interaction, m.Task, m.Segment]


@toolkit.hookimpl
def crm_permissions() -> list[Any]:
    return toolkit.load_security("contacts", Path(__file__).parent)


# -- activity and analysis (interactions, tasks, calendar, segments, timeline, reports) --------------


@toolkit.hookimpl
def crm_blueprints() -> list[Any]:
    from modules.contacts import interactions, tasks

    return [*interactions.blueprints(), *tasks.blueprints()]


@toolkit.hookimpl
def crm_api_resources() -> list[toolkit.ApiResource]:
    from modules.contacts import interactions, tasks

    return [*interactions.api_resources(), *tasks.api_resources()]


@toolkit.hookimpl
def crm_tasks() -> list[toolkit.TaskSpec]:
    from modules.contacts import tasks

    return tasks.task_specs()


@toolkit.hookimpl
def crm_schedules() -> list[toolkit.Schedule]:
    from modules.contacts import tasks

    return tasks.schedules()
