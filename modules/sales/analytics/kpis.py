"""The ``sales.refresh_kpis`` job: rollups for the heavy widgets, customer statistics, tiers from annual spend.

Widgets that sum recent orders or closed opportunities read those tables
directly through covering indexes (``sales_0003``). Three figures would have
to group the two million order lines or the stage history per request; the
job computes them instead, in a few set-based statements:

- revenue and cost per month, product category, salesperson, team and currency
  (``sales_kpi_category``);
- per month of closing, stage, salesperson and team: closed opportunities that
  reached the stage and how many of them were won (``sales_kpi_stage``);
- per month of closing, status, currency, salesperson and team: closed deals, their amount and the
  days they took (``sales_kpi_closed``: win rate, deal size, sales cycle);
- per customer and currency: orders, revenue and cost of goods of the last
  twelve months, first and last order, average days between orders
  (``sales_customer_stats``).

Then it sets each customer's ``annual_spend`` (net revenue of the orders of
the last twelve months, in the currency the customer spent most in) and the
``tier`` the thresholds give. Only customers with at least one order are
touched: a tier set by hand on a customer who never ordered stays.

Revenue is the untaxed amount of orders that are not cancelled; cost of goods
is quantity × unit cost copied onto each order line at order time.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app

from core import toolkit
from core.toolkit import _l, sa

#: default thresholds of annual spend for the tiers (in the currency the customer buys in)
TIER_DEFAULTS = (("platinum", Decimal("200000")), ("gold", Decimal("50000")), ("silver", Decimal("10000")))
#: the stage funnel covers opportunities closed in this many months
STAGE_MONTHS = 24
ZERO = Decimal("0")


def settings() -> list[toolkit.Setting]:
    help_text = _l("Annual spend (net order revenue of the last 12 months, in the currency the customer buys in) "
                   "from which a customer gets this tier; the sales.refresh_kpis job applies it.")
    return [
        toolkit.Setting(f"sales.tier_{name}", label, type="int", default=int(amount), help=help_text)
        for (name, amount), label in zip(TIER_DEFAULTS, (_l("Platinum tier from"), _l("Gold tier from"),
                                                         _l("Silver tier from")), strict=True)
    ] + [toolkit.Setting("sales.tier_from_spend", _l("Set customer tiers from annual spend"), type="bool",
                         default=True, help=_l("Off: the job still computes annual spend but leaves tiers alone."))]


def tier_thresholds() -> list[tuple[str, Decimal]]:
    """(tier, lowest annual spend) from the highest tier down; ``CRM_SALES_TIER_<NAME>`` overrides a default."""
    found = []
    for name, default in TIER_DEFAULTS:
        raw = current_app.config.get(f"CRM_SALES_TIER_{name.upper()}", default)
        try:
            found.append((name, Decimal(str(raw))))
        except ArithmeticError:
            found.append((name, default))
    return sorted(found, key=lambda item: item[1], reverse=True)


def tier_for(spend: Decimal, thresholds: list[tuple[str, Decimal]]) -> str:
    for name, lowest in thresholds:
        if spend >= lowest:
            return name
    return "standard"


def _tiers_enabled() -> bool:
    raw = current_app.config.get("CRM_SALES_TIER_FROM_SPEND", True)
    return str(raw).strip().lower() not in ("0", "false", "no", "off")


def month_start(column: Any) -> Any:
    """First day of the month of a date or timestamp, on the running database."""
    if toolkit.db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.date_trunc("month", column), sa.Date)
    return sa.func.date(column, "start of month")


def _models() -> tuple[Any, ...]:
    from modules.products.models import Product
    from modules.sales.documents.models import OrderLine, SalesOrder
    from modules.sales.pipeline.models import Opportunity, StageHistory

    return Product, SalesOrder, OrderLine, Opportunity, StageHistory


def refresh_category(session: Any) -> None:
    from modules.sales.analytics.tables import KpiCategoryMonth as K

    Product, SalesOrder, OrderLine, _o, _h = _models()
    month = month_start(SalesOrder.order_date)
    cost = sa.func.sum(OrderLine.cost * OrderLine.quantity)
    select = (
        sa.select(month, Product.category_id, SalesOrder.owner_id, SalesOrder.department_id, SalesOrder.currency,
                  sa.func.sum(OrderLine.subtotal), cost, sa.func.count())
        .select_from(OrderLine)
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(SalesOrder.status != "cancelled")
        .group_by(month, Product.category_id, SalesOrder.owner_id, SalesOrder.department_id, SalesOrder.currency)
    )
    session.execute(sa.delete(K))
    session.execute(sa.insert(K).from_select(
        ["month", "category_id", "owner_id", "department_id", "currency", "revenue", "cost", "lines"], select))


def refresh_stages(session: Any, today: date) -> None:
    from modules.sales.analytics.tables import KpiStageMonth as K

    _p, _so, _ol, Opportunity, StageHistory = _models()
    from modules.sales.pipeline.models import Stage

    since = _month_back(today, STAGE_MONTHS)
    month = month_start(Opportunity.closed_at)
    reached = sa.func.count(sa.distinct(Opportunity.id))
    won = sa.func.count(sa.distinct(sa.case((Opportunity.status == "won", Opportunity.id))))
    select = (
        sa.select(month, Opportunity.pipeline_id, Stage.id, Opportunity.owner_id, Opportunity.department_id,
                  reached, won)
        .select_from(Opportunity)
        .join(StageHistory, StageHistory.opportunity_id == Opportunity.id)
        .join(Stage, sa.or_(Stage.id == StageHistory.from_stage_id, Stage.id == StageHistory.to_stage_id))
        .where(Opportunity.status.in_(("won", "lost")), Opportunity.closed_at >= since)
        .group_by(month, Opportunity.pipeline_id, Stage.id, Opportunity.owner_id, Opportunity.department_id)
    )
    session.execute(sa.delete(K))
    session.execute(sa.insert(K).from_select(
        ["month", "pipeline_id", "stage_id", "owner_id", "department_id", "reached", "won"], select))


def refresh_closed(session: Any, today: date) -> None:
    """Closed deals per month, status, currency, salesperson and team, with the days they took."""
    from modules.sales.analytics.tables import KpiClosedMonth as K

    _p, _so, _ol, Opportunity, _h = _models()
    since = _month_back(today, STAGE_MONTHS)
    month = month_start(Opportunity.closed_at)
    if toolkit.db.session.get_bind().dialect.name == "postgresql":
        days = sa.func.extract("epoch", Opportunity.closed_at - Opportunity.created_at) / 86400.0
    else:
        days = sa.func.julianday(Opportunity.closed_at) - sa.func.julianday(Opportunity.created_at)
    select = (
        sa.select(month, Opportunity.status, Opportunity.currency, Opportunity.owner_id, Opportunity.department_id,
                  sa.func.count(), sa.func.coalesce(sa.func.sum(Opportunity.amount), 0),
                  sa.func.coalesce(sa.func.sum(days), 0))
        .where(Opportunity.status.in_(("won", "lost")), Opportunity.closed_at >= since)
        .group_by(month, Opportunity.status, Opportunity.currency, Opportunity.owner_id, Opportunity.department_id)
    )
    session.execute(sa.delete(K))
    session.execute(sa.insert(K).from_select(
        ["month", "status", "currency", "owner_id", "department_id", "deals", "amount", "cycle_days"], select))


def _month_back(today: date, months: int) -> date:
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _dec(value: Any) -> Decimal:
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def refresh_customers(session: Any, today: date) -> list[dict[str, Any]]:
    """Rebuild ``sales_customer_stats``; returns the rows written."""
    from modules.sales.analytics.tables import CustomerStats

    _p, SalesOrder, OrderLine, _o, _h = _models()
    since = today - timedelta(days=365)
    person = sa.case((SalesOrder.company_id.is_(None), SalesOrder.contact_id))
    recent = SalesOrder.order_date >= since
    live = SalesOrder.status != "cancelled"
    rows = session.execute(
        sa.select(SalesOrder.company_id, person, SalesOrder.currency, sa.func.count(),
                  sa.func.sum(sa.case((recent, 1), else_=0)), sa.func.sum(SalesOrder.amount_untaxed),
                  sa.func.sum(sa.case((recent, SalesOrder.amount_untaxed), else_=0)),
                  sa.func.min(SalesOrder.order_date), sa.func.max(SalesOrder.order_date))
        .where(live).group_by(SalesOrder.company_id, person, SalesOrder.currency)
    ).all()
    costs = {
        (company, contact, currency): _dec(cost)
        for company, contact, currency, cost in session.execute(
            sa.select(SalesOrder.company_id, person, SalesOrder.currency,
                      sa.func.sum(OrderLine.cost * OrderLine.quantity))
            .select_from(OrderLine).join(SalesOrder, SalesOrder.id == OrderLine.order_id)
            .where(live, recent).group_by(SalesOrder.company_id, person, SalesOrder.currency)
        )
    }
    stats = []
    for company, contact, currency, orders, orders_12m, revenue, revenue_12m, first, last in rows:
        if company is None and contact is None:
            continue
        first, last = _day(first), _day(last)
        revenue_12m = _dec(revenue_12m).quantize(Decimal("0.01"))
        cost_12m = costs.get((company, contact, currency), ZERO).quantize(Decimal("0.01"))
        interval = None
        if orders >= 2 and first is not None and last is not None:
            interval = Decimal((last - first).days) / Decimal(orders - 1)
        stats.append({
            "company_id": company, "contact_id": contact, "currency": currency, "orders": int(orders),
            "orders_12m": int(orders_12m or 0), "revenue": _dec(revenue).quantize(Decimal("0.01")),
            "revenue_12m": revenue_12m, "cost_12m": cost_12m, "profit_12m": revenue_12m - cost_12m,
            "first_order": first, "last_order": last,
            "interval_days": interval.quantize(Decimal("0.1")) if interval is not None else None,
        })
    session.execute(sa.delete(CustomerStats))
    if stats:
        session.execute(sa.insert(CustomerStats), stats)
        from modules.contacts.models import Company, Contact

        table = CustomerStats.__table__
        for model, key in ((Company, table.c.company_id), (Contact, table.c.contact_id)):
            region = sa.select(model.region).where(model.id == key).scalar_subquery()
            session.execute(sa.update(table).where(key.is_not(None)).values(region=region))
    return stats


def apply_tiers(session: Any, stats: list[dict[str, Any]]) -> int:
    """Write ``annual_spend`` and ``tier`` of customers with orders whose values changed; returns how many."""
    from modules.contacts.models import Company, Contact

    spend: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
    for row in stats:
        key = ("company", row["company_id"]) if row["company_id"] is not None else ("contact", row["contact_id"])
        spend[key] = max(spend[key], row["revenue_12m"])  # the currency the customer spent most in
    thresholds = tier_thresholds()
    set_tiers = _tiers_enabled()
    changed = 0
    for kind, model in (("company", Company), ("contact", Contact)):
        wanted = {key[1]: amount for key, amount in spend.items() if key[0] == kind}
        if not wanted:
            continue
        updates = []
        ids = sorted(wanted)
        for start in range(0, len(ids), 5000):
            chunk = ids[start:start + 5000]
            for id_, tier, annual in session.execute(
                sa.select(model.id, model.tier, model.annual_spend).where(model.id.in_(chunk))
            ):
                amount = wanted[id_]
                new_tier = tier_for(amount, thresholds) if set_tiers else tier
                if new_tier != tier or annual is None or _dec(annual) != amount:
                    updates.append({"b_id": id_, "tier": new_tier, "annual_spend": amount})
        if updates:
            table = model.__table__
            session.execute(
                sa.update(table).where(table.c.id == sa.bindparam("b_id"))
                .values(tier=sa.bindparam("tier"), annual_spend=sa.bindparam("annual_spend")),
                updates,
            )
        changed += len(updates)
    return changed


def refresh_kpis(commit: bool = True) -> dict[str, Any]:
    """The ``sales.refresh_kpis`` task: every rollup, customer statistics and tiers, in one transaction.

    ``commit=False`` leaves the work in the caller's transaction (the demo data at install)."""
    from modules.sales.analytics.tables import KpiRefresh

    session = toolkit.db.session
    started = time.perf_counter()
    today = toolkit.utcnow().date()
    refresh_category(session)
    refresh_stages(session, today)
    refresh_closed(session, today)
    stats = refresh_customers(session, today)
    changed = apply_tiers(session, stats)
    seconds = round(time.perf_counter() - started, 2)
    session.add(KpiRefresh(refreshed_at=toolkit.utcnow(), seconds=seconds, customers=len(stats),
                           tiers_changed=changed))
    if commit:
        session.commit()
    else:
        session.flush()
    return {"customers": len(stats), "tiers_changed": changed, "seconds": seconds}


def last_refresh() -> Any:
    from modules.sales.analytics.tables import KpiRefresh

    return toolkit.db.session.scalar(sa.select(KpiRefresh).order_by(KpiRefresh.id.desc()).limit(1))
