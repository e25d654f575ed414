"""Sales KPIs as dashboard widgets (permission ``sales.reports``).

Every figure goes through the reader's record rule: orders and their rollups
by the rule of ``sales.order``, opportunities and the stage rollup by that of
``sales.opportunity``, customer statistics by that of the customer
(``contacts.company`` / ``contacts.contact``). A manager sees their team's
figures, an administrator everyone's.

Live figures (one or two aggregate statements each, over the covering index
of orders created in ``sales_0003``): revenue per month and growth, revenue by
channel and by salesperson. Figures that would group the order lines, the
stage history, a year of closed opportunities (a quarter of a million rows at a
million deals) or every customer's orders come from the ``sales.refresh_kpis``
job's tables and say when they were computed.

Amounts are summed per currency and never converted (the CRM keeps no exchange
rates): KPI figures show the currency with the most revenue, charts one series
per currency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from babel.dates import format_skeleton
from flask import g
from flask_babel import get_locale

from core import toolkit
from core.toolkit import _, _l, sa

PERMISSION = "sales.reports"
TOP = 10
#: currencies shown as separate series in a chart
MAX_CURRENCIES = 3
ZERO = Decimal("0")


def _dialect() -> str:
    return toolkit.db.session.get_bind().dialect.name


def _dec(value: Any) -> Decimal:
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _num(value: Decimal) -> float:
    """An amount for a chart's JSON (display only; sums stay Decimal until here)."""
    return float(value.quantize(Decimal("0.01")))


def _pairs(stmt: sa.Select[Any]) -> dict[Any, Any]:
    """``{first column: second column}`` of a two-column statement."""
    return {key: value for key, value in toolkit.db.session.execute(stmt)}


def _cached(key: str, compute: Callable[[], Any]) -> Any:
    """Figures shared by several widgets are computed once per request."""
    store = g.setdefault("_sales_kpis", {})
    if key not in store:
        store[key] = compute()
    return store[key]


def _today() -> date:
    return toolkit.utcnow().date()


def months_back(today: date, count: int) -> list[date]:
    """First days of the last ``count`` months, oldest first (this month last)."""
    index = today.year * 12 + today.month - 1
    return [date((index - i) // 12, (index - i) % 12 + 1, 1) for i in range(count - 1, -1, -1)]


def _month_label(month: date) -> str:
    return format_skeleton("yMMM", month, locale=get_locale())


def _ranked_currencies(totals: dict[str, Decimal]) -> list[str]:
    return [c for c, _v in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])) if totals[c]][:MAX_CURRENCIES]


def _pct(part: Decimal | int, whole: Decimal | int) -> float | None:
    if not whole:
        return None
    return round(float(Decimal(part) * 100 / Decimal(whole)), 1)


def _as_of(user: Any) -> dict[str, Any]:
    from modules.sales.analytics.kpis import last_refresh

    run = last_refresh()
    if run is None:
        return {"empty": _("Not computed yet: the sales.refresh_kpis job runs every hour.")}
    return {"note": _("As of %(when)s", when=toolkit.format_datetime(run.refreshed_at))}


# -- orders ------------------------------------------------------------------------------------------


def _orders(user: Any) -> sa.Select[Any]:
    from modules.sales.documents.models import SalesOrder

    return toolkit.scope(sa.select(SalesOrder), "sales.order", user=user).where(SalesOrder.status != "cancelled")


def revenue_by_day(user: Any) -> dict[tuple[date, str], Decimal]:
    """Untaxed order revenue per (first of month, currency) over the last 24 months.

    Grouped by day in the order of the covering index (no sort in the
    database), folded into months here: at most 731 × currencies rows.
    """
    from modules.sales.documents.models import SalesOrder

    def compute() -> dict[tuple[date, str], Decimal]:
        start = months_back(_today(), 24)[0]
        stmt = (_orders(user).where(SalesOrder.order_date >= start)
                .with_only_columns(SalesOrder.order_date, SalesOrder.currency, sa.func.sum(SalesOrder.amount_untaxed))
                .group_by(SalesOrder.order_date, SalesOrder.currency).order_by(None))
        found: dict[tuple[date, str], Decimal] = defaultdict(lambda: ZERO)
        for day, currency, amount in toolkit.db.session.execute(stmt):
            if not isinstance(day, date):
                day = date.fromisoformat(str(day)[:10])
            found[(day.replace(day=1), currency)] += _dec(amount)
        return dict(found)

    return _cached(f"revenue_by_day:{getattr(user, 'id', None)}", compute)


def revenue_by_month(user: Any) -> dict[str, Any]:
    months = months_back(_today(), 12)
    found = revenue_by_day(user)
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for (month, currency), amount in found.items():
        if month >= months[0]:
            totals[currency] += amount
    datasets = [{"label": currency, "data": [_num(found.get((m, currency), ZERO)) for m in months]}
                for currency in _ranked_currencies(totals)]
    return {"chart": {"type": "line", "labels": [_month_label(m) for m in months], "datasets": datasets,
                      "label_title": _("Month")}}


def revenue_growth(user: Any) -> dict[str, Any]:
    """Revenue of the last twelve months, its growth over the twelve before, and this month against a year ago."""
    months = months_back(_today(), 24)
    found = revenue_by_day(user)
    last: dict[str, Decimal] = defaultdict(lambda: ZERO)
    before: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for (month, currency), amount in found.items():
        (last if month >= months[12] else before)[currency] += amount
    ranked = _ranked_currencies(last) or _ranked_currencies(before)
    if not ranked:
        return {"figures": [{"label": _("Revenue (12 months)"), "value": 0}]}
    currency = ranked[0]
    this_month, year_ago = months[-1], months[11]
    growth = _growth(last[currency], before[currency])
    month_growth = _growth(found.get((this_month, currency), ZERO), found.get((year_ago, currency), ZERO))
    figures = [
        {"label": _("Revenue (12 months)"), "value": last[currency], "currency": currency,
         "delta": growth, "hint": _("% vs. the 12 months before")},
        {"label": _("Revenue this month"), "value": found.get((this_month, currency), ZERO), "currency": currency,
         "delta": month_growth, "hint": _("% vs. the same month last year")},
    ]
    return {"figures": figures}


def _growth(now: Decimal, then: Decimal) -> float | None:
    if not then:
        return None
    return round(float((now - then) * 100 / then), 1)


def _revenue_by(user: Any, column_name: str) -> list[tuple[Any, str, Decimal]]:
    """Revenue of the last 365 days per ``channel`` or ``owner_id`` and currency.

    One statement groups by channel, salesperson and currency (a few hundred
    rows); it is shared by both widgets within a request (the reports page, the
    dashboard), each folding it by its key.
    """
    from modules.sales.documents.models import SalesOrder

    def compute() -> list[tuple[Any, Any, str, Decimal]]:
        start = _today() - timedelta(days=365)
        # coalesce(x, NULL) is x, but as an expression it keeps SQLite from walking the whole table in the
        # order of an index on the column to save a sort: the date range on the covering index is far cheaper
        channel = sa.func.coalesce(SalesOrder.channel, sa.null())
        owner = sa.func.coalesce(SalesOrder.owner_id, sa.null())
        stmt = (_orders(user).where(SalesOrder.order_date >= start)
                .with_only_columns(channel, owner, SalesOrder.currency, sa.func.sum(SalesOrder.amount_untaxed))
                .group_by(channel, owner, SalesOrder.currency).order_by(None))
        return [(c, o, currency, _dec(amount)) for c, o, currency, amount in toolkit.db.session.execute(stmt)]

    rows = _cached(f"revenue_by:{getattr(user, 'id', None)}", compute)
    index = 0 if column_name == "channel" else 1
    folded: dict[tuple[Any, str], Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        folded[(row[index], row[2])] += row[3]
    return [(key, currency, amount) for (key, currency), amount in folded.items()]


def _chart_by(rows: list[tuple[Any, str, Decimal]], label_of: Callable[[Any], str], title: str,
              limit: int = TOP) -> dict[str, Any]:
    """A bar chart of the biggest ``limit`` keys (by the main currency), one series per currency."""
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    by_key: dict[Any, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for key, currency, amount in rows:
        totals[currency] += amount
        by_key[key][currency] += amount
    currencies = _ranked_currencies(totals)
    main = currencies[0] if currencies else None
    keys = sorted(by_key, key=lambda k: (-(by_key[k][main] if main else ZERO), str(k)))[:limit]
    datasets = [{"label": c, "data": [_num(by_key[k][c]) for k in keys]} for c in currencies]
    return {"chart": {"type": "bar", "labels": [label_of(k) for k in keys], "datasets": datasets,
                      "label_title": title}}


def revenue_by_channel(user: Any) -> dict[str, Any]:
    names = _channel_names()
    rows = _revenue_by(user, "channel")
    return _chart_by(rows, lambda k: str(names.get(k, k)) if k else _("Not known"), _("Channel"))


def _channel_names() -> dict[str, Any]:
    return {"telesales": _l("Telesales"), "mobile": _l("Mobile"), "ecommerce": _l("E-commerce"),
            "partner": _l("Partner"), "field": _l("Field sales"), "web": _l("Web")}


def revenue_by_salesperson(user: Any) -> dict[str, Any]:
    rows = _revenue_by(user, "owner_id")
    ids = {k for k, _c, _a in rows if k is not None}
    names = _pairs(
        sa.select(toolkit.User.id, sa.func.coalesce(sa.func.nullif(toolkit.User.name, ""), toolkit.User.email))
        .where(toolkit.User.id.in_(ids))) if ids else {}
    return _chart_by(rows, lambda k: names.get(k, _("Nobody")) if k is not None else _("Nobody"),
                     _("Salesperson"))


# -- opportunities -----------------------------------------------------------------------------------


def closed_deals(user: Any) -> dict[str, Any]:
    """Per status and currency: deals, amount, days from creation to closing, over the last twelve months
    (this month and the eleven before), from the job's ``sales_kpi_closed``."""
    from modules.sales.analytics.tables import KpiClosedMonth as K

    def compute() -> dict[str, Any]:
        start = months_back(_today(), 12)[0]
        stmt = (toolkit.scope(sa.select(K), "sales.opportunity", user=user).where(K.month >= start)
                .with_only_columns(K.status, K.currency, sa.func.sum(K.deals), sa.func.sum(K.amount),
                                   sa.func.sum(K.cycle_days))
                .group_by(K.status, K.currency).order_by(None))
        found: dict[str, Any] = {"won": 0, "lost": 0, "amount": defaultdict(lambda: ZERO),
                                 "count": defaultdict(int), "days": 0.0}
        for status, currency, count, amount, total_days in toolkit.db.session.execute(stmt):
            count = int(count or 0)
            found[status] += count
            if status == "won":
                found["amount"][currency] += _dec(amount)
                found["count"][currency] += count
                found["days"] += float(total_days or 0)
        return found

    return _cached(f"closed_deals:{getattr(user, 'id', None)}", compute)


def win_rate(user: Any) -> dict[str, Any]:
    """Win rate, average deal size and sales cycle of the deals closed in the last twelve months."""
    deals = closed_deals(user)
    won, lost = deals["won"], deals["lost"]
    currencies = _ranked_currencies(deals["amount"])
    context = _as_of(user)
    figures: list[dict[str, Any]] = [
        {"label": _("Win rate (closed in 12 months)"), "value": f"{_pct(won, won + lost) or 0} %",
         "delta": _("%(won)s won, %(lost)s lost", won=toolkit.format_number(won), lost=toolkit.format_number(lost))},
    ]
    if currencies:
        c = currencies[0]
        average = (deals["amount"][c] / deals["count"][c]).quantize(Decimal("0.01"))
        figures.append({"label": _("Average deal size (won)"), "value": average, "currency": c})
    if won:
        figures.append({"label": _("Sales cycle (days from creation to won)"), "value": round(deals["days"] / won, 1)})
    context["figures"] = figures
    return context


def stage_conversion(user: Any) -> dict[str, Any]:
    """Per open stage: closed deals (last 12 months) that reached it and the share of them won."""
    from modules.sales.analytics.tables import KpiStageMonth as K
    from modules.sales.pipeline.models import Pipeline, Stage

    start = months_back(_today(), 12)[0]
    stmt = (toolkit.scope(sa.select(K), "sales.opportunity", user=user).where(K.month >= start)
            .with_only_columns(K.stage_id, sa.func.sum(K.reached), sa.func.sum(K.won))
            .group_by(K.stage_id).order_by(None))
    counts = {stage: (int(reached or 0), int(won or 0)) for stage, reached, won in toolkit.db.session.execute(stmt)}
    stages = toolkit.db.session.execute(
        sa.select(Stage.id, Stage.name, Pipeline.name).join(Pipeline, Pipeline.id == Stage.pipeline_id)
        .where(Stage.id.in_(list(counts)), Stage.is_won.is_(False), Stage.is_lost.is_(False))
        .order_by(Pipeline.sequence, Pipeline.id, Stage.sequence, Stage.id)
    ).all() if counts else []
    pipelines = {p for _s, _n, p in stages}
    labels = [name if len(pipelines) == 1 else f"{pipeline} · {name}" for _s, name, pipeline in stages]
    context = _as_of(user)
    context["chart"] = {
        "type": "bar", "labels": labels, "label_title": _("Stage"),
        "datasets": [
            {"label": _("Won, share of those that reached the stage (%)"),
             "data": [_pct(counts[s][1], counts[s][0]) or 0 for s, _n, _p in stages]},
            {"label": _("Closed deals that reached the stage"), "data": [counts[s][0] for s, _n, _p in stages]},
        ],
    }
    return context


# -- rollups of the refresh job --------------------------------------------------------------------


def revenue_by_category(user: Any) -> dict[str, Any]:
    from modules.products.models import Category
    from modules.sales.analytics.tables import KpiCategoryMonth as K

    start = months_back(_today(), 12)[0]
    stmt = (toolkit.scope(sa.select(K), "sales.order", user=user).where(K.month >= start)
            .with_only_columns(K.category_id, K.currency, sa.func.sum(K.revenue))
            .group_by(K.category_id, K.currency).order_by(None))
    rows = [(k, c, _dec(a)) for k, c, a in toolkit.db.session.execute(stmt)]
    ids = {k for k, _c, _a in rows if k is not None}
    names = _pairs(sa.select(Category.id, Category.name).where(Category.id.in_(ids))) if ids else {}
    context = _as_of(user)
    context.update(_chart_by(rows, lambda k: names.get(k, str(k)) if k is not None else _("No category"),
                             _("Product category")))
    return context


class PerModel:
    """A column of the customer table (companies, then people), given as ``fn(model)``."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn


def _customer_stats(user: Any, *columns: Any, group: tuple[Any, ...] = (), where: Any = None,
                    top: tuple[Any, int] | None = None) -> list[Any]:
    """Rows of ``sales_customer_stats`` joined to the customers the reader may see (companies, then people).

    ``top=(column, n)``: only the ``n`` rows with the highest ``column`` of each kind of customer.
    """
    from modules.contacts.models import Company, Contact
    from modules.sales.analytics.tables import CustomerStats as S

    rows: list[Any] = []
    for model, object, key in ((Company, "contacts.company", S.company_id), (Contact, "contacts.contact", S.contact_id)):
        if not toolkit.can(f"{object}.read", user):
            continue

        def bind(items: tuple[Any, ...], model: Any = model) -> list[Any]:
            return [c.fn(model) if isinstance(c, PerModel) else c for c in items]

        if toolkit.rule_for(object, "read", user) == "all" and not any(
                isinstance(c, PerModel) for c in (*columns, *group)):
            stmt = sa.select(S).where(key.is_not(None))  # every customer: the statistics alone suffice
        else:
            stmt = toolkit.scope(sa.select(model), object, user=user).join(S, key == model.id)
        if where is not None:
            stmt = stmt.where(where)
        stmt = stmt.with_only_columns(*bind(columns)).order_by(None)
        if group:
            stmt = stmt.group_by(*bind(group))
        if top is not None:
            stmt = stmt.order_by(top[0].desc()).limit(top[1])
        rows.extend(toolkit.db.session.execute(stmt).all())
    return rows


def revenue_by_region(user: Any) -> dict[str, Any]:
    from modules.sales.analytics.tables import CustomerStats as S

    rows = _customer_stats(user, S.region, S.currency, sa.func.sum(S.revenue_12m), group=(S.region, S.currency))
    merged: dict[tuple[Any, str], Decimal] = defaultdict(lambda: ZERO)
    for key, currency, amount in rows:
        merged[((key or "").strip() or None, currency)] += _dec(amount)
    context = _as_of(user)
    context.update(_chart_by([(k, c, a) for (k, c), a in merged.items()],
                             lambda k: k if k is not None else _("Not known"), _("Region")))
    return context


def customer_profitability(user: Any) -> dict[str, Any]:
    """The most profitable customers of the last twelve months: revenue, cost of goods, profit, margin."""
    from modules.sales.analytics.tables import CustomerStats as S

    found = _customer_stats(user, PerModel(_name_column), S.currency, S.revenue_12m, S.cost_12m, S.profit_12m,
                            where=S.orders_12m > 0, top=(S.profit_12m, TOP))
    # the top by profit within each currency, the biggest currency first
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in found:
        totals[row[1]] += _dec(row[2])
    order = {c: i for i, c in enumerate(_ranked_currencies(totals))}
    found.sort(key=lambda r: (order.get(r[1], 99), -_dec(r[4])))
    rows = []
    for label, currency, revenue, cost, profit in found[:TOP]:
        rows.append([label, toolkit.format_currency(_dec(revenue), currency),
                     toolkit.format_currency(_dec(cost), currency), toolkit.format_currency(_dec(profit), currency),
                     f"{_pct(_dec(profit), _dec(revenue)) or 0} %"])
    context = _as_of(user)
    context.update({"columns": [_("Customer"), _("Revenue"), _("Cost of goods"), _("Profit"), _("Margin")],
                    "rows": rows})
    return context


def _name_column(model: Any) -> Any:
    if hasattr(model, "first_name"):
        return sa.func.trim(sa.func.coalesce(model.first_name, "") + " " + model.last_name)
    return model.name


def repeat_purchase(user: Any) -> dict[str, Any]:
    """Share of customers who ordered more than once, and the average days between their orders."""
    from modules.sales.analytics.tables import CustomerStats as S

    rows = _customer_stats(user, sa.func.count(), sa.func.sum(sa.case((S.orders >= 2, 1), else_=0)),
                           sa.func.sum(S.interval_days), sa.func.count(S.interval_days))
    customers = sum(int(r[0] or 0) for r in rows)
    repeat = sum(int(r[1] or 0) for r in rows)
    interval_sum = sum(_dec(r[2]) for r in rows)
    with_interval = sum(int(r[3] or 0) for r in rows)
    context = _as_of(user)
    figures = [
        {"label": _("Repeat-purchase rate"), "value": f"{_pct(repeat, customers) or 0} %",
         "delta": _("%(n)s of %(total)s customers ordered more than once", n=toolkit.format_number(repeat),
                    total=toolkit.format_number(customers))},
    ]
    if with_interval:
        figures.append({"label": _("Average days between orders"),
                        "value": float((interval_sum / with_interval).quantize(Decimal("0.1")))})
    context["figures"] = figures
    return context


def widgets() -> list[toolkit.Widget]:
    chart, kpi, table = ("sales/analytics/widget_chart.html", "sales/analytics/widget_kpi.html",
                         "sales/analytics/widget_table.html")
    w = toolkit.Widget
    return [
        w("sales.revenue_growth", _l("Sales revenue and growth"), revenue_growth, permission=PERMISSION,
          template=kpi, order=20, width=2),
        w("sales.win_rate", _l("Win rate, deal size and sales cycle"), win_rate, permission=PERMISSION,
          template=kpi, order=21, width=2),
        w("sales.revenue_by_month", _l("Revenue per month"), revenue_by_month, permission=PERMISSION,
          template=chart, order=22, width=2),
        w("sales.stage_conversion", _l("Conversion by stage"), stage_conversion, permission=PERMISSION,
          template=chart, order=23, width=2),
        w("sales.revenue_by_channel", _l("Revenue by channel"), revenue_by_channel, permission=PERMISSION,
          template=chart, order=24),
        w("sales.revenue_by_category", _l("Revenue by product category"), revenue_by_category,
          permission=PERMISSION, template=chart, order=25),
        w("sales.revenue_by_salesperson", _l("Revenue by salesperson"), revenue_by_salesperson,
          permission=PERMISSION, template=chart, order=26, width=2),
        w("sales.revenue_by_region", _l("Revenue by region"), revenue_by_region, permission=PERMISSION,
          template=chart, order=27, width=2),
        w("sales.customer_profitability", _l("Most profitable customers (12 months)"), customer_profitability,
          permission=PERMISSION, template=table, order=28, width=2),
        w("sales.repeat_purchase", _l("Repeat purchases"), repeat_purchase, permission=PERMISSION,
          template=kpi, order=29, width=2),
    ]
