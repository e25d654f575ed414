"""Daily jobs of the documents part: overdue invoices and contract renewal reminders."""

from __future__ import annotations

from datetime import date

from core import toolkit


def _day(on: str | None) -> date | None:
    return date.fromisoformat(on) if on else None


def mark_overdue(on: str | None = None) -> int:
    """``sales.mark_overdue``: issued invoices past their due date become overdue."""
    from modules.sales.documents import services

    count = services.mark_overdue(_day(on))
    toolkit.db.session.commit()
    return count


def renewal_reminders(on: str | None = None) -> int:
    """``sales.renewal_reminders``: one task per contract renewal, for the contract's owner."""
    from modules.sales.documents import services

    count = services.renewal_reminders(_day(on))
    toolkit.db.session.commit()
    return count


def tasks() -> list[toolkit.TaskSpec]:
    return [toolkit.TaskSpec("sales.mark_overdue", mark_overdue),
            toolkit.TaskSpec("sales.renewal_reminders", renewal_reminders)]


def schedules() -> list[toolkit.Schedule]:
    return [toolkit.Schedule("sales.mark_overdue", task="sales.mark_overdue", crontab="15 1 * * *"),
            toolkit.Schedule("sales.renewal_reminders", task="sales.renewal_reminders", crontab="30 6 * * *")]
