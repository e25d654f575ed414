"""The personal task calendar: a month grid, an agenda list and an iCalendar export.

Only the signed-in user's own tasks (``owner_id``), whatever their record
rule lets them see elsewhere: this is "my week", not the team's. Pages are
rendered on the server and work without JavaScript; dates and times are
shown in the user's time zone (stored times are naive UTC) and weeks start on
the first weekday of the user's language.
"""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from babel import dates as babel_dates
from flask import Blueprint, Response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, get_timezone
from flask_login import current_user

from core import toolkit
from core.toolkit import _, sa
from modules.contacts.models import Task

OBJECT = "contacts.task"
#: most tasks one month grid or agenda shows (a bound, not a page size anyone reaches)
MAX_TASKS = 1000
#: the .ics feed: open tasks plus those due in the last this many days
FEED_PAST_DAYS = 90
FEED_MAX = 2000

bp = Blueprint("contacts_calendar", __name__, url_prefix="/contacts/tasks")


@dataclass
class Day:
    day: date
    in_month: bool
    today: bool
    tasks: list[Any] = field(default_factory=list)


@dataclass
class Entry:
    """A task as the calendar shows it (local time, done or open)."""

    id: int
    title: str
    local: datetime
    time_text: str
    done: bool
    overdue: bool
    priority: str


# -- time zone helpers -------------------------------------------------------------


def _zone() -> Any:
    return get_timezone() or UTC


def to_utc(day: date, zone: Any) -> datetime:
    """Local midnight of ``day`` as naive UTC (pytz zones need ``localize``)."""
    naive = datetime.combine(day, time.min)
    aware = zone.localize(naive) if hasattr(zone, "localize") else naive.replace(tzinfo=zone)
    return aware.astimezone(UTC).replace(tzinfo=None)


def to_local(value: datetime, zone: Any) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(zone)


def _today(zone: Any) -> date:
    return to_local(toolkit.utcnow(), zone).date()


# -- queries -----------------------------------------------------------------------


def _own() -> sa.Select[Any]:
    """The user's own tasks (also narrowed by the record rule, which "own" always satisfies)."""
    return toolkit.scope(sa.select(Task), OBJECT).where(Task.owner_id == current_user.id)


def _entries(rows: list[Task], zone: Any) -> list[Entry]:
    locale = get_locale()
    now = toolkit.utcnow()
    result = []
    for task in rows:
        local = to_local(task.due_at, zone)
        result.append(Entry(
            id=task.id, title=task.title, local=local,
            time_text=babel_dates.format_time(local, "short", locale=locale),
            done=task.done_at is not None, overdue=task.done_at is None and task.due_at < now,
            priority=task.priority,
        ))
    return result


# -- month grid ----------------------------------------------------------------------


def parse_month(raw: str | None, today: date) -> date:
    """``2026-03`` → 1 March 2026; anything else → this month (a bad bookmark still opens)."""
    try:
        year, month = (int(part) for part in (raw or "").split("-", 1))
        if 1 <= month <= 12 and 1900 <= year <= 9999:
            return date(year, month, 1)
    except ValueError:
        pass
    return today.replace(day=1)


def month_weeks(first: date, first_weekday: int) -> list[list[date]]:
    """Whole weeks covering the month of ``first``, starting on ``first_weekday`` (0 = Monday)."""
    start = first - timedelta(days=(first.weekday() - first_weekday) % 7)
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    weeks = []
    day = start
    while day <= last:
        weeks.append([day + timedelta(days=i) for i in range(7)])
        day += timedelta(days=7)
    return weeks


def _shift(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@toolkit.require(f"{OBJECT}.read")
def month() -> ResponseReturnValue:
    zone = _zone()
    locale = get_locale()
    today = _today(zone)
    first = parse_month(request.args.get("month"), today)
    weeks = month_weeks(first, locale.first_week_day)
    start, end = weeks[0][0], weeks[-1][-1] + timedelta(days=1)
    rows = list(toolkit.db.session.scalars(
        _own().where(Task.due_at >= to_utc(start, zone), Task.due_at < to_utc(end, zone))
        .order_by(Task.due_at, Task.id).limit(MAX_TASKS)
    ))
    by_day: dict[date, list[Entry]] = {}
    for entry in _entries(rows, zone):
        by_day.setdefault(entry.local.date(), []).append(entry)
    grid = [[Day(d, d.month == first.month, d == today, by_day.get(d, [])) for d in week] for week in weeks]
    weekday_names = [locale.days["format"]["abbreviated"][(locale.first_week_day + i) % 7] for i in range(7)]
    weekday_long = [locale.days["format"]["wide"][(locale.first_week_day + i) % 7] for i in range(7)]
    return render_template(
        "contacts/task_calendar.html",
        title=_("My calendar"),
        heading=babel_dates.format_skeleton("yMMMM", first, locale=locale),
        weeks=grid,
        weekday_names=list(zip(weekday_names, weekday_long, strict=True)),
        prev_month=_shift(first, -1).strftime("%Y-%m"),
        next_month=_shift(first, 1).strftime("%Y-%m"),
        this_month=today.strftime("%Y-%m") != first.strftime("%Y-%m"),
        day_label=lambda d: babel_dates.format_date(d, "full", locale=locale),
        has_tasks=bool(rows),
        truncated=len(rows) >= MAX_TASKS,
        here=request.full_path.rstrip("?"),
        breadcrumbs=[(_("Tasks"), url_for("contacts_tasks.list")), (_("My calendar"), None)],
    )


@toolkit.require(f"{OBJECT}.read")
def agenda() -> ResponseReturnValue:
    """Open tasks, overdue first, then day by day."""
    zone = _zone()
    locale = get_locale()
    rows = list(toolkit.db.session.scalars(
        _own().where(Task.done_at.is_(None)).order_by(Task.due_at, Task.id).limit(MAX_TASKS)
    ))
    today = _today(zone)
    overdue: list[Entry] = []
    days: dict[date, list[Entry]] = {}
    for entry in _entries(rows, zone):
        if entry.overdue and entry.local.date() < today:
            overdue.append(entry)
        else:
            days.setdefault(entry.local.date(), []).append(entry)
    return render_template(
        "contacts/task_agenda.html",
        title=_("My agenda"),
        overdue=overdue,
        days=[(babel_dates.format_date(d, "full", locale=locale), d == today, entries)
              for d, entries in days.items()],
        truncated=len(rows) >= MAX_TASKS,
        here=request.full_path.rstrip("?"),
        breadcrumbs=[(_("Tasks"), url_for("contacts_tasks.list")), (_("My agenda"), None)],
    )


# -- iCalendar ----------------------------------------------------------------------


def ics_for(user_id: int, host: str) -> bytes:
    """The user's tasks as an iCalendar document (events at the due time, alarms at the reminder)."""
    from icalendar import Alarm, Calendar, Event

    since = toolkit.utcnow() - timedelta(days=FEED_PAST_DAYS)
    rows = toolkit.db.session.scalars(
        sa.select(Task).where(Task.owner_id == user_id, sa.or_(Task.done_at.is_(None), Task.due_at >= since))
        .order_by(Task.due_at.desc(), Task.id.desc()).limit(FEED_MAX)
    )
    cal = Calendar()
    cal.add("prodid", "-//crm-suite//contacts tasks//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("CRM tasks"))
    for task in rows:
        due = task.due_at.replace(tzinfo=UTC)
        event = Event()
        event.add("uid", f"contacts-task-{task.id}@{host}")
        event.add("dtstamp", (task.updated_at or task.created_at).replace(tzinfo=UTC))
        event.add("dtstart", due)
        event.add("dtend", due + timedelta(minutes=30))
        event.add("summary", ("✓ " if task.done_at else "") + task.title)
        if task.notes:
            event.add("description", task.notes)
        event.add("priority", {"high": 1, "normal": 5, "low": 9}.get(task.priority, 5))
        event.add("url", url_for("contacts_tasks.detail", id=task.id, _external=True))
        if task.remind_at and not task.done_at:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", task.title)
            alarm.add("trigger", task.remind_at.replace(tzinfo=UTC))
            event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()


@toolkit.require(f"{OBJECT}.read")
def ics() -> ResponseReturnValue:
    body = ics_for(current_user.id, request.host.split(":")[0])
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": 'attachment; filename="tasks.ics"', "Cache-Control": "private, no-store",
    })


bp.add_url_rule("/calendar", "month", month, methods=["GET"])
bp.add_url_rule("/agenda", "agenda", agenda, methods=["GET"])
bp.add_url_rule("/calendar.ics", "ics", ics, methods=["GET"])
