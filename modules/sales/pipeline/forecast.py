"""Forecast by period (month or quarter), salesperson or team, with forecast categories and quota attainment.

Two aggregate statements whatever the number of opportunities:

- open opportunities by year and month of ``expected_close``, grouped by the
  stage's forecast category (index ``(status, expected_close)`` or
  ``(pipeline_id, status, expected_close)``);
- won opportunities by year and month of ``closed_at`` (index ``(status, closed_at)``).

Both are narrowed by the reader's record rule. Months are folded into quarters
and quotas (few rows) are prorated onto the periods in Python, over the grouped
rows only. Attainment is the won amount of the period divided by its quota.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from core import toolkit
from core.toolkit import _, sa
from modules.sales.pipeline.models import Opportunity, Quota, Stage

db = toolkit.db

CATEGORIES = ("pipeline", "best_case", "commit")
GROUPINGS = ("owner", "team", "none")
ZERO = Decimal("0.00")


@dataclass
class Row:
    period: tuple[int, int]
    group_id: int | None
    group_name: str = ""
    pipeline: Decimal = ZERO
    best_case: Decimal = ZERO
    commit: Decimal = ZERO
    won: Decimal = ZERO
    weighted: Decimal = ZERO
    count: int = 0
    won_count: int = 0
    quota: Decimal | None = None

    @property
    def attainment(self) -> Decimal | None:
        """Won amount / quota in percent (None without a quota)."""
        if not self.quota:
            return None
        return (self.won * 100 / self.quota).quantize(Decimal("0.1"))


@dataclass
class Forecast:
    period: str
    grouping: str
    start: date
    end: date
    rows: list[Row] = field(default_factory=list)
    totals: list[Row] = field(default_factory=list)


def period_of(year: int, month: int, period: str) -> tuple[int, int]:
    return (year, (month - 1) // 3 + 1) if period == "quarter" else (year, month)


def period_bounds(key: tuple[int, int], period: str) -> tuple[date, date]:
    year, number = key
    if period == "quarter":
        first_month = (number - 1) * 3 + 1
        last_month = first_month + 2
    else:
        first_month = last_month = number
    return date(year, first_month, 1), date(year, last_month, calendar.monthrange(year, last_month)[1])


def period_label(key: tuple[int, int], period: str) -> str:
    year, number = key
    if period == "quarter":
        return _("Q%(quarter)d %(year)d", quarter=number, year=year)
    return toolkit.format_date(date(year, number, 1), "MMM y")


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def default_range(period: str, today: date | None = None) -> tuple[date, date]:
    """This quarter and the next three (quarters), or this month and the next five (months)."""
    today = today or toolkit.utcnow().date()
    if period == "quarter":
        start, months = date(today.year, ((today.month - 1) // 3) * 3 + 1, 1), 12
    else:
        start, months = date(today.year, today.month, 1), 6
    return start, date.fromordinal(add_months(start, months).toordinal() - 1)


def _group_column(grouping: str) -> Any:
    if grouping == "owner":
        return Opportunity.owner_id
    if grouping == "team":
        return Opportunity.department_id
    return sa.literal(None, sa.Integer)


def compute(
    *, period: str = "quarter", grouping: str = "owner", start: date, end: date, pipeline_id: int | None = None,
) -> Forecast:
    """The forecast rows of the periods between ``start`` and ``end`` (both inclusive)."""
    group = _group_column(grouping).label("grp")
    year_open = sa.cast(sa.extract("year", Opportunity.expected_close), sa.Integer).label("y")
    month_open = sa.cast(sa.extract("month", Opportunity.expected_close), sa.Integer).label("m")
    open_stmt = (
        sa.select(year_open, month_open, group, Stage.forecast_category,
                  sa.func.count(), sa.func.sum(Opportunity.amount), sa.func.sum(Opportunity.weighted_amount))
        .select_from(Opportunity).join(Stage, Stage.id == Opportunity.stage_id)
        .where(Opportunity.status == "open", Opportunity.expected_close >= start, Opportunity.expected_close <= end)
        .group_by(year_open, month_open, group, Stage.forecast_category)
    )
    year_won = sa.cast(sa.extract("year", Opportunity.closed_at), sa.Integer).label("y")
    month_won = sa.cast(sa.extract("month", Opportunity.closed_at), sa.Integer).label("m")
    won_stmt = (
        sa.select(year_won, month_won, group, sa.func.count(), sa.func.sum(Opportunity.amount))
        .where(Opportunity.status == "won", Opportunity.closed_at >= datetime.combine(start, time.min),
               Opportunity.closed_at <= datetime.combine(end, time.max))
        .group_by(year_won, month_won, group)
    )
    if pipeline_id is not None:
        open_stmt = open_stmt.where(Opportunity.pipeline_id == pipeline_id)
        won_stmt = won_stmt.where(Opportunity.pipeline_id == pipeline_id)
    open_stmt = toolkit.scope(open_stmt, "sales.opportunity")
    won_stmt = toolkit.scope(won_stmt, "sales.opportunity")

    rows: dict[tuple[tuple[int, int], int | None], Row] = {}

    def row_for(year: int, month: int, grp: int | None) -> Row:
        key = (period_of(int(year), int(month), period), grp)
        if key not in rows:
            rows[key] = Row(period=key[0], group_id=grp)
        return rows[key]

    for year, month, grp, category, count, amount, weighted in db.session.execute(open_stmt):
        row = row_for(year, month, grp)
        row.count += int(count)
        row.weighted += Decimal(weighted or 0)
        if category in CATEGORIES:
            setattr(row, category, getattr(row, category) + Decimal(amount or 0))
    for year, month, grp, count, amount in db.session.execute(won_stmt):
        row = row_for(year, month, grp)
        row.won += Decimal(amount or 0)
        row.won_count += int(count)
    # every period of the range appears, even without opportunities
    keys = _periods(start, end, period)
    if grouping == "none":
        for key in keys:
            rows.setdefault((key, None), Row(period=key, group_id=None))
    _add_quotas(rows, grouping, period, start, end)
    _name_groups(rows, grouping)
    ordered = sorted(rows.values(), key=lambda r: (r.period, r.group_name.lower(), r.group_id or 0))
    totals = _totals(ordered, keys) if grouping != "none" else []
    for row in (*ordered, *totals):
        for name in ("pipeline", "best_case", "commit", "won", "weighted"):
            setattr(row, name, Decimal(getattr(row, name)).quantize(Decimal("0.01")))
    return Forecast(period=period, grouping=grouping, start=start, end=end, rows=ordered, totals=totals)


def _periods(start: date, end: date, period: str) -> list[tuple[int, int]]:
    keys: list[tuple[int, int]] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        key = period_of(year, month, period)
        if key not in keys:
            keys.append(key)
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return keys


def _totals(rows: list[Row], keys: list[tuple[int, int]]) -> list[Row]:
    totals = {key: Row(period=key, group_id=None, group_name=_("All")) for key in keys}
    for row in rows:
        total = totals.setdefault(row.period, Row(period=row.period, group_id=None, group_name=_("All")))
        for name in ("pipeline", "best_case", "commit", "won", "weighted"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        total.count += row.count
        if row.quota is not None:
            total.quota = (total.quota or ZERO) + row.quota
    return [totals[k] for k in sorted(totals)]


def _add_quotas(rows: dict[Any, Row], grouping: str, period: str, start: date, end: date) -> None:
    """Each row's quota: the quotas of its salesperson/team overlapping the period, prorated by days."""
    if grouping == "none":
        return
    column = Quota.user_id if grouping == "owner" else Quota.department_id
    stmt = toolkit.scope(
        sa.select(Quota).where(column.is_not(None), Quota.period_start <= end, Quota.period_end >= start),
        "sales.quota",
    )
    quotas = list(db.session.scalars(stmt))
    if not quotas:
        return
    keys = _periods(start, end, period)
    for quota in quotas:
        target = quota.user_id if grouping == "owner" else quota.department_id
        days = (quota.period_end - quota.period_start).days + 1
        for key in keys:
            first, last = period_bounds(key, period)
            overlap = (min(last, quota.period_end) - max(first, quota.period_start)).days + 1
            if overlap <= 0:
                continue
            row = rows.get((key, target))
            if row is None:
                row = rows[(key, target)] = Row(period=key, group_id=target)
            share = (Decimal(quota.amount) * overlap / days).quantize(Decimal("0.01"))
            row.quota = (row.quota or ZERO) + share


def _name_groups(rows: dict[Any, Row], grouping: str) -> None:
    ids = {r.group_id for r in rows.values() if r.group_id is not None}
    if grouping == "owner":
        User = toolkit.User
        names = {i: n or e for i, n, e in db.session.execute(
            sa.select(User.id, User.name, User.email).where(User.id.in_(sorted(ids))))} if ids else {}
        empty = _("No salesperson")
    elif grouping == "team":
        Department = toolkit.Department
        names = dict(db.session.execute(
            sa.select(Department.id, Department.name).where(Department.id.in_(sorted(ids)))).all()) if ids else {}
        empty = _("No team")
    else:
        names, empty = {}, _("All")
    for row in rows.values():
        row.group_name = names.get(row.group_id, "") if row.group_id is not None else empty


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def attainment_by_quota() -> list[dict[str, Any]]:
    """Every quota the user may see with its won amount (one aggregate per quota kind) — for the quota list."""
    quotas = list(db.session.scalars(toolkit.scope(sa.select(Quota), "sales.quota")
                                      .order_by(Quota.period_start.desc(), Quota.id.desc()).limit(200)))
    return [{"quota": q, "won": won_for(q)} for q in quotas]


def won_for(quota: Quota) -> Decimal:
    """Won amount of the quota's salesperson or team closed within its period (all opportunities, no rule)."""
    stmt = sa.select(sa.func.coalesce(sa.func.sum(Opportunity.amount), 0)).where(
        Opportunity.status == "won",
        Opportunity.closed_at >= datetime.combine(quota.period_start, time.min),
        Opportunity.closed_at <= datetime.combine(quota.period_end, time.max),
    )
    if quota.user_id is not None:
        stmt = stmt.where(Opportunity.owner_id == quota.user_id)
    else:
        teams = _subteams(quota.department_id)
        stmt = stmt.where(Opportunity.department_id.in_(teams))
    return Decimal(db.session.scalar(stmt) or 0).quantize(Decimal("0.01"))


def _subteams(department_id: int | None) -> list[int]:
    """The department and every department below it."""
    if department_id is None:
        return []
    Department = toolkit.Department
    found, frontier = {department_id}, [department_id]
    while frontier:
        children = list(db.session.scalars(sa.select(Department.id).where(Department.parent_id.in_(frontier))))
        frontier = [c for c in children if c not in found]
        found.update(frontier)
    return sorted(found)


__all__ = ["Forecast", "Row", "compute", "default_range"]
