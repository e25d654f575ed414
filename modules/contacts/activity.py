"""The activity panel of a customer's page: completeness, a quick "log an interaction" form, open tasks.

The company and contact pages (``views.py``) show it by merging
``panel_context(kind, record)`` into their ``detail_context`` and including
``contacts/_activity_panel.html`` in their ``detail_extra`` block. Two
bounded queries: the customer's open tasks (``LIMIT``) and nothing else
(the completeness score is computed from the loaded record).
"""

from __future__ import annotations

from typing import Any

from flask import request, url_for

from core import toolkit
from core.toolkit import sa
from modules.contacts import choices
from modules.contacts.models import Task
from modules.contacts.reports import completeness

#: open tasks the panel lists (the task list has the rest)
OPEN_TASKS = 5


def panel_context(kind: str, record: Any) -> dict[str, Any]:
    """Template variables of ``contacts/_activity_panel.html`` for a ``"contact"`` or ``"company"``."""
    key = "company_id" if kind == "company" else "contact_id"
    tasks: list[Any] = []
    if toolkit.can("contacts.task.read"):
        tasks = list(toolkit.db.session.scalars(
            toolkit.scope(sa.select(Task), "contacts.task")
            .where(getattr(Task, key) == record.id, Task.done_at.is_(None))
            .order_by(Task.due_at, Task.id).limit(OPEN_TASKS)
        ))
    return {
        "activity": {
            "completeness": completeness(record),
            "key": key,
            "record_id": record.id,
            "channels": list(choices.INTERACTION_CHANNELS.items()),
            "directions": list(choices.DIRECTIONS.items()),
            "can_log": toolkit.can("contacts.interaction.create"),
            "can_add_task": toolkit.can("contacts.task.create"),
            "open_tasks": tasks,
            "now": toolkit.utcnow(),
            "new_interaction_href": url_for("contacts_interactions.new", **{key: record.id}),
            "new_task_href": url_for("contacts_tasks.new", **{key: record.id}),
            "tasks_href": url_for("contacts_tasks.list", **{key: record.id, "open": "1"}),
            "here": request.path,
        }
    }
