"""A customer's timeline: interactions and tasks (ownership changes come from ``ownership``).

Answers ``crm_timeline_entries`` for ``contacts.contact`` and ``contacts.company``.
Each kind is one bounded query (``LIMIT limit``, on the ``(contact_id,
occurred_at)`` / ``(company_id, occurred_at)`` indexes) narrowed by the
reader's record rule on that kind, plus one query for the names of the people
who logged them; other modules add their events through their own
implementations of the same hook, and core merges everything newest first.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from core import toolkit
from core.toolkit import _, sa
from modules.contacts import choices
from modules.contacts.models import Interaction, Task

#: which column of an interaction or task points at the record
KEYS = {"contacts.contact": "contact_id", "contacts.company": "company_id"}


def _user_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    User = toolkit.User
    rows = toolkit.db.session.execute(sa.select(User.id, User.name, User.email).where(User.id.in_(sorted(ids))))
    return {uid: name or email for uid, name, email in rows}


def interaction_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:
    """Calls, e-mails, meetings ... with the customer, newest first."""
    key = KEYS.get(object)
    if key is None or not toolkit.can("contacts.interaction.read"):
        return []
    column = getattr(Interaction, key)
    rows = list(toolkit.db.session.scalars(
        toolkit.scope(sa.select(Interaction).where(column == record_id), "contacts.interaction")
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc()).limit(limit)
    ))
    names = _user_names({r.owner_id for r in rows if r.owner_id is not None})
    entries = []
    for row in rows:
        channel = str(choices.INTERACTION_CHANNELS.get(row.channel, row.channel))
        direction = str(choices.DIRECTIONS.get(row.direction, row.direction))
        entries.append({
            "when": row.occurred_at,
            "title": f"{channel} ({direction}): {row.summary}",
            "detail": _("Outcome: %(outcome)s", outcome=row.outcome) if row.outcome else "",
            "kind": "interaction",
            "user": names.get(row.owner_id, "") if row.owner_id else "",
            "url": url_for("contacts_interactions.detail", id=row.id),
        })
    return entries


def task_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:
    """Tasks about the customer: when done, at that moment; while open, at their due time."""
    key = KEYS.get(object)
    if key is None or not toolkit.can("contacts.task.read"):
        return []
    column = getattr(Task, key)
    moment = sa.func.coalesce(Task.done_at, Task.due_at)
    rows = list(toolkit.db.session.scalars(
        toolkit.scope(sa.select(Task).where(column == record_id), "contacts.task")
        .order_by(moment.desc(), Task.id.desc()).limit(limit)
    ))
    names = _user_names({r.owner_id for r in rows if r.owner_id is not None})
    now = toolkit.utcnow()
    entries = []
    for row in rows:
        if row.done_at is not None:
            title, when = _("Task done: %(title)s", title=row.title), row.done_at
        elif row.due_at < now:
            title, when = _("Task overdue: %(title)s", title=row.title), row.due_at
        else:
            title, when = _("Task due: %(title)s", title=row.title), row.due_at
        entries.append({
            "when": when, "title": title, "detail": row.notes[:300] if row.notes else "", "kind": "task",
            "user": names.get(row.owner_id, "") if row.owner_id else "",
            "url": url_for("contacts_tasks.detail", id=row.id),
        })
    return entries


def entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:
    """Interactions and tasks of a contact or company, newest first, at most ``limit``."""
    if object not in KEYS:
        return []
    found = [*interaction_entries(object, record_id, limit), *task_entries(object, record_id, limit)]
    found.sort(key=lambda e: e["when"], reverse=True)
    return found[:limit]
