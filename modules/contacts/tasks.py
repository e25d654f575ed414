"""Tasks and follow-ups: due dates, e-mail reminders, mark done / reopen.

The list, form and detail pages are the generic ones; this file adds what
is special about tasks:

- ``send_reminders``: the ``contacts.send_reminders`` background task (run
  every minute by the ``contacts.reminders`` schedule) mails each owner the
  tasks whose reminder time has passed, once: the tasks are claimed with one
  ``UPDATE ... RETURNING`` per batch, so two workers never remind twice;
- mapper events: a task's company is filled in from its contact, and moving
  the reminder time re-arms the reminder;
- ``/done`` and ``/reopen`` actions (the calendar lives in ``calendar.py``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import Any

from babel import dates as babel_dates
from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale

from core import toolkit
from core.toolkit import _, _l, sa
from modules.contacts import choices
from modules.contacts.interactions import PresetFormView
from modules.contacts.models import Contact, Task
from modules.contacts.schemas import TaskSchema

log = logging.getLogger("crm.contacts.tasks")

OBJECT = "contacts.task"
#: most tasks one reminder run claims (the next run, a minute later, takes the rest)
REMINDER_BATCH = 500


# -- every way in: company from the contact, re-armed reminders ------------------------


def _fill_company(_mapper: Any, connection: Any, target: Task) -> None:
    if target.contact_id is not None and target.company_id is None:
        target.company_id = connection.scalar(sa.select(Contact.company_id).where(Contact.id == target.contact_id))


def _rearm(_mapper: Any, _connection: Any, target: Task) -> None:
    """A reminder moved to a new time is sent again at that time."""
    history = sa.inspect(target).attrs.remind_at.history
    if history.has_changes() and target.reminded_at is not None and "reminded_at" not in _changed(target):
        target.reminded_at = None


def _changed(target: Any) -> set[str]:
    state = sa.inspect(target)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def listen() -> None:
    for name, fn in (("before_insert", _fill_company), ("before_update", _rearm)):
        if not sa.event.contains(Task, name, fn):
            sa.event.listen(Task, name, fn)


listen()


# -- reminders -------------------------------------------------------------------


def claim_due(now: datetime, limit: int = REMINDER_BATCH) -> list[Any]:
    """Mark up to ``limit`` due, unsent, open reminders as sent and return them (one statement).

    ``reminded_at IS NULL`` is repeated outside the sub-select so a second worker
    racing for the same rows re-checks it after the first one's commit
    (PostgreSQL re-evaluates the outer condition on rows it waited for).
    """
    due = (
        sa.select(Task.id)
        .where(Task.reminded_at.is_(None), Task.remind_at <= now, Task.done_at.is_(None),
               Task.owner_id.is_not(None))
        .order_by(Task.remind_at)
        .limit(limit)
    )
    stmt = (
        sa.update(Task)
        .where(Task.id.in_(due.scalar_subquery()), Task.reminded_at.is_(None))
        .values(reminded_at=now)
        .returning(Task.id, Task.title, Task.due_at, Task.owner_id, Task.priority)
        .execution_options(synchronize_session=False)
    )
    return list(toolkit.db.session.execute(stmt).all())


def send_reminders(now: str | None = None, limit: int = REMINDER_BATCH) -> int:
    """The ``contacts.send_reminders`` task: one mail per owner with their due tasks; returns tasks reminded.

    The mails are outbox rows written in the same transaction as ``reminded_at``:
    either both are committed or neither, so a crash never loses or doubles a reminder.
    """
    moment = datetime.fromisoformat(now) if now else toolkit.utcnow()
    rows = claim_due(moment, limit)
    if not rows:
        return 0
    by_owner: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_owner[row.owner_id].append(row)
    User = toolkit.User
    owners = toolkit.db.session.execute(
        sa.select(User.id, User.email, User.name, User.locale, User.timezone, User.active)
        .where(User.id.in_(sorted(by_owner)))
    ).all()
    for owner in owners:
        if not owner.active or not owner.email:
            continue
        subject, text = reminder_mail(owner, sorted(by_owner[owner.id], key=lambda r: r.due_at))
        toolkit.send_mail(owner.email, subject, text, module="contacts")
    log.info("reminded %s task(s) of %s owner(s)", len(rows), len(by_owner))
    return len(rows)


def reminder_mail(owner: Any, tasks: list[Any]) -> tuple[str, str]:
    """Subject and text of one owner's reminder, in their language and time zone."""
    locale = owner.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    zone = owner.timezone or current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC")
    with force_locale(locale):
        if len(tasks) == 1:
            subject = _("Reminder: %(title)s", title=tasks[0].title)
        else:
            subject = _("Reminder: %(num)d tasks are due", num=len(tasks))
        lines = [_("Hello %(name)s,", name=owner.name or owner.email), "",
                 _("These tasks of yours are coming up:"), ""]
        for task in tasks:
            local = task.due_at.replace(tzinfo=babel_dates.UTC).astimezone(babel_dates.get_timezone(zone))
            due = (babel_dates.format_date(local, "medium", locale=locale) + " "
                   + babel_dates.format_time(local, "short", locale=locale))
            priority = " (" + str(choices.TASK_PRIORITIES["high"]) + ")" if task.priority == "high" else ""
            lines.append(f"- {task.title}{priority}: " + _("due %(when)s", when=due))
            link = _external_url("contacts_tasks.detail", id=task.id)
            if link:
                lines.append(f"  {link}")
        calendar = _external_url("contacts_calendar.month")
        if calendar:
            lines += ["", _("Your calendar: %(url)s", url=calendar)]
    return subject, "\n".join(lines) + "\n"


def _external_url(endpoint: str, **values: Any) -> str | None:
    """A full link when the app knows its address (``SERVER_NAME``); a job has no request to take it from."""
    try:
        return url_for(endpoint, _external=True, **values)
    except RuntimeError:
        return None


# -- pages -------------------------------------------------------------------------


class OpenFilter(toolkit.BoolFilter):
    """Open (no ``done_at``) or done; a plain yes/no filter compares the column with a boolean."""

    def condition(self, model: type, args: Any) -> Any:
        value = self.value(args)
        if value is None:
            return None
        column = getattr(model, self.attr)
        return column.is_(None) if value else column.is_not(None)


def _mark(done: bool) -> Any:
    def run(records: list[Any]) -> int:
        moment = toolkit.utcnow() if done else None
        changed = [r for r in records if (r.done_at is None) == done]
        for record in changed:
            record.done_at = moment
        return len(changed)

    return run


tasks = toolkit.ListView(
    model=Task,
    object=OBJECT,
    title=_l("Tasks"),
    columns=[
        toolkit.Column("title", _l("Title"), sortable=True, link=True),
        toolkit.Column("due_at", _l("Due"), sortable=True),
        toolkit.Column("priority", _l("Priority"), choices=choices.TASK_PRIORITIES),
        toolkit.Column("contact.last_name", _l("Contact")),
        toolkit.Column("company.name", _l("Company")),
        toolkit.Column("remind_at", _l("Reminder"), visible=False),
        toolkit.Column("done_at", _l("Done"), sortable=True),
    ],
    search=["title"],
    filters=[
        OpenFilter("open", _l("Open"), column="done_at"),
        toolkit.ChoiceFilter("priority", _l("Priority"), choices=choices.TASK_PRIORITIES),
        toolkit.DateRangeFilter("due", _l("Due"), column="due_at"),
        toolkit.RelatedFilter("owner", _l("Owner"), column="owner_id"),
        toolkit.RelatedFilter("contact_id", _l("Contact")),
        toolkit.RelatedFilter("company_id", _l("Company")),
    ],
    default_sort="due_at",
    bulk_actions=[
        toolkit.BulkAction("mark_done", _l("Mark as done"), _mark(True)),
        toolkit.BulkAction("reopen", _l("Reopen"), _mark(False)),
        toolkit.BulkAction.delete(),
    ],
)

form = PresetFormView(
    model=Task, object=OBJECT, schema=TaskSchema, title=_l("Task"),
    fields=["title", "contact_id", "company_id", "due_at", "remind_at", "priority", "notes"],
)

bp = toolkit.crud_blueprint("contacts", "tasks", list_view=tasks, form_view=form, label="title")


def _safe_back(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def set_done(task: Task, done: bool) -> bool:
    """Mark ``task`` done (now) or open again; returns whether anything changed. Publishes
    ``task.done`` / ``task.reopened`` so other modules (and webhooks) hear of it."""
    if (task.done_at is not None) == done:
        return False
    task.done_at = toolkit.utcnow() if done else None
    toolkit.publish("task.done" if done else "task.reopened",
                    {"id": task.id, "title": task.title, "contact_id": task.contact_id,
                     "company_id": task.company_id},
                    module="contacts", object=OBJECT, record_id=task.id)
    return True


def _toggle(id: int, done: bool) -> ResponseReturnValue:
    task = toolkit.get_or_404(Task, id, OBJECT, "write")
    if set_done(task, done):
        toolkit.db.session.commit()
        flash(_("Task done.") if done else _("Task reopened."), "success")
    return redirect(_safe_back(request.form.get("next")) or url_for("contacts_tasks.detail", id=id))


@toolkit.require(f"{OBJECT}.write")
def done(id: int) -> ResponseReturnValue:
    return _toggle(id, True)


@toolkit.require(f"{OBJECT}.write")
def reopen(id: int) -> ResponseReturnValue:
    return _toggle(id, False)


bp.add_url_rule("/<int:id>/done", "done", done, methods=["POST"])
bp.add_url_rule("/<int:id>/reopen", "reopen", reopen, methods=["POST"])


def blueprints() -> list[Blueprint]:
    from modules.contacts.calendar import bp as calendar_bp
    from modules.contacts.calendar_feed import bp as feed_bp

    return [bp, calendar_bp, feed_bp]


def menu_items() -> list[toolkit.MenuItem]:
    return [
        toolkit.MenuItem("contacts.tasks", _l("Tasks"), endpoint="contacts_tasks.list",
                         permission=f"{OBJECT}.read", parent="contacts", order=40),
        toolkit.MenuItem("contacts.calendar", _l("My calendar"), endpoint="contacts_calendar.month",
                         permission=f"{OBJECT}.read", parent="contacts", order=45),
    ]


def api_resources() -> list[toolkit.ApiResource]:
    return [
        toolkit.ApiResource(
            "tasks", Task, TaskSchema, object=OBJECT,
            sortable=("id", "due_at", "remind_at", "updated_at"),
            filterable=("contact_id", "company_id", "priority", "owner_id", "due_at", "done_at"),
            searchable=("title",),
        )
    ]


def task_specs() -> list[toolkit.TaskSpec]:
    return [toolkit.TaskSpec("contacts.send_reminders", send_reminders)]


def schedules() -> list[toolkit.Schedule]:
    return [toolkit.Schedule("contacts.reminders", task="contacts.send_reminders", seconds=60)]
