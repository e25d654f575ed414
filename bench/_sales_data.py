"""Realistic sales data for benchmarks: catalog, pipelines, N opportunities with stage history, orders with 2N lines.

Deterministic (seeded). Each opportunity draws its values from a generator
seeded with its number, so the first pass (who wins, how many order lines)
and the second (the rows) agree without holding a million rows in memory.

Distributions: three pipelines (the first holds ``min(50,000, N/4)`` open
opportunities: the kanban measurement); created over the last three years;
amounts log-normal (median about 8,000); channels, sources and salespeople
skewed as in a real team. Whether a deal is won depends on channel, source,
customer tier, amount and the salesperson (a logistic model with noise), so
the learned win probability has something to find. Won deals pass through
every open stage (a few skip one); lost deals drop out early more often than
late. Every won deal becomes a sales order whose lines (products with
log-normal prices and their cost) add up to the deal's amount.

Rows are written by ``bench.contacts.bulk_load`` (secondary indexes dropped
and rebuilt, ``executemany`` on SQLite, ``COPY`` on PostgreSQL).
"""

from __future__ import annotations

import math
import random
import time
from array import array
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from bench.contacts import bulk_load

CHANNELS = (("telesales", 0.22, -0.5), ("mobile", 0.08, -0.3), ("ecommerce", 0.15, 0.3), ("partner", 0.15, 0.8),
            ("field", 0.25, 0.4), ("web", 0.15, -0.2))
SOURCES = (("referral", 0.15, 0.6), ("event", 0.15, 0.2), ("campaign", 0.2, -0.1), ("cold_call", 0.2, -0.7),
           ("website", 0.25, 0.0), (None, 0.05, 0.0))
TIER_EFFECT = {"standard": -0.2, "silver": 0.1, "gold": 0.4, "platinum": 0.7}
CURRENCIES = (("EUR", 0.6), ("USD", 0.3), ("CNY", 0.1))
PIPELINES = ("Enterprise", "SMB", "Partners")
#: (name, probability, forecast category, won, lost)
STAGES = (("New", 10, "pipeline", False, False), ("Qualified", 25, "pipeline", False, False),
          ("Proposal", 50, "best_case", False, False), ("Negotiation", 75, "commit", False, False),
          ("Won", 100, "closed", True, False), ("Lost", 0, "omitted", False, True))
OPEN_STAGES = 4
LOST_AT = (0.4, 0.3, 0.2, 0.1)
OPEN_AT = (0.35, 0.3, 0.2, 0.15)
LOST_REASONS = ("Price", "Competitor", "No budget", "No decision", "Timing")
CATEGORY_ROOTS = ("Hardware", "Software", "Services", "Consumables", "Training", "Spare parts")
CATEGORY_LEAVES = ("Basic", "Professional", "Enterprise", "Accessories")
PRODUCTS = 2000
SPAN_DAYS = 3 * 365
BIG_OPEN = 50_000


def _pick(rng: random.Random, table: tuple[tuple[Any, ...], ...]) -> tuple[Any, ...]:
    roll = rng.random()
    for row in table:
        roll -= row[1]
        if roll <= 0:
            return row
    return table[-1]


def _index(rng: random.Random, weights: tuple[float, ...]) -> int:
    roll = rng.random()
    for i, w in enumerate(weights):
        roll -= w
        if roll <= 0:
            return i
    return len(weights) - 1


class SalesData:
    """Generator of the sales tables for ``n`` opportunities and ``2 n`` order lines."""

    def __init__(self, n: int, owners: list[tuple[int, int | None]], companies: list[str], contacts: list[str],
                 seed: int = 11, now: datetime | None = None) -> None:
        self.n = n
        self.owners = owners
        self.company_tiers = companies  # tier of company id i+1
        self.contact_tiers = contacts
        self.seed = seed
        self.now = (now or datetime.utcnow()).replace(microsecond=0)
        self.big_open = min(BIG_OPEN, n // 4)
        rng = random.Random(seed)
        self.skill = [rng.uniform(-0.5, 0.5) for _ in owners]
        self.stage_ids: dict[int, list[int]] = {}

    # -- the decisions of one opportunity ----------------------------------------------------------

    def draw(self, i: int) -> dict[str, Any]:
        rng = random.Random(i * 7919 + self.seed)
        if i <= self.big_open:
            pipeline, status_roll = 0, None
        else:
            pipeline = _index(rng, (0.25, 0.5, 0.25))
            status_roll = rng.random()
        channel, _w, c_eff = _pick(rng, CHANNELS)
        source, _w, s_eff = _pick(rng, SOURCES)
        owner = rng.randrange(len(self.owners))
        if rng.random() < 0.7 and self.company_tiers:
            company, contact = rng.randint(1, len(self.company_tiers)), None
            tier = self.company_tiers[company - 1]
        else:
            company, contact = None, rng.randint(1, len(self.contact_tiers))
            tier = self.contact_tiers[contact - 1]
        amount = math.exp(rng.gauss(math.log(8000), 1.1))
        amount = max(50.0, min(amount, 5_000_000.0))
        logit = -0.6 + c_eff + s_eff + TIER_EFFECT.get(tier, 0) + self.skill[owner] - 0.35 * (math.log10(amount) - 3.9)
        p_win = 1 / (1 + math.exp(-(logit + rng.gauss(0, 0.6))))
        created = self.now - timedelta(days=rng.uniform(0, SPAN_DAYS))
        if status_roll is None:
            status = "open"
            created = self.now - timedelta(days=rng.uniform(0, 120))
        elif pipeline != 0 and status_roll < 0.12:
            status = "open"
            created = self.now - timedelta(days=rng.uniform(0, 120))
        else:
            status = "won" if rng.random() < p_win else "lost"
        cycle = min(400.0, math.exp(rng.gauss(math.log(35), 0.6)))
        closed = created + timedelta(days=cycle) if status != "open" else None
        if closed is not None and closed > self.now:
            created -= closed - self.now + timedelta(days=1)
            closed = self.now - timedelta(days=1) + timedelta(seconds=rng.randrange(80000))
        currency = _pick(rng, CURRENCIES)[0]
        lines = 1 + min(40, int(rng.expovariate(1 / 5.5))) if status == "won" else 0
        return {"rng": rng, "pipeline": pipeline, "channel": channel, "source": source, "owner": owner,
                "company": company, "contact": contact, "amount": amount, "status": status, "created": created,
                "closed": closed, "currency": currency, "lines": lines}

    # -- pass one: who wins, how many order lines ---------------------------------------------------

    def plan(self) -> None:
        """Line counts of the orders (one per won deal) scaled so they add up to exactly ``2 n``."""
        counts = array("H")
        for i in range(1, self.n + 1):
            d = self.draw(i)
            if d["status"] == "won":
                counts.append(d["lines"])
        target = 2 * self.n
        total = sum(counts)
        if counts:
            scale = target / total
            for k in range(len(counts)):
                counts[k] = max(1, min(60000, round(counts[k] * scale)))
            diff = target - sum(counts)
            k = 0
            while diff != 0 and counts:
                if diff > 0:
                    counts[k % len(counts)] += 1
                    diff -= 1
                elif counts[k % len(counts)] > 1:
                    counts[k % len(counts)] -= 1
                    diff += 1
                k += 1
        self.line_counts = counts

    # -- catalog and pipelines ----------------------------------------------------------------------

    def categories(self) -> Iterator[tuple[Any, ...]]:
        """(id, name, parent_id, path, created_at, updated_at, version)."""
        next_id = 1
        for root in CATEGORY_ROOTS:
            root_id = next_id
            next_id += 1
            yield (root_id, root, None, f"{root_id}/", self.now, self.now, 1)
            for leaf in CATEGORY_LEAVES:
                yield (next_id, f"{root} {leaf}", root_id, f"{root_id}/{next_id}/", self.now, self.now, 1)
                next_id += 1

    def products(self) -> Iterator[tuple[Any, ...]]:
        """(id, sku, name, category_id, type, unit, cost, list_price, currency, tax_rate, active, created_at,
        updated_at, version)."""
        rng = random.Random(self.seed + 1)
        leaves = [c[0] for c in self.categories() if c[2] is not None]
        self.product_prices: list[tuple[Decimal, Decimal]] = []
        for i in range(1, PRODUCTS + 1):
            price = Decimal(f"{math.exp(rng.gauss(math.log(120), 1.2)):.2f}") + Decimal("1")
            cost = (price * Decimal(str(round(rng.uniform(0.35, 0.8), 2)))).quantize(Decimal("0.01"))
            self.product_prices.append((price, cost))
            kind = rng.choice(("goods", "goods", "service", "subscription"))
            yield (i, f"SKU-{i:05d}", f"Product {i}", rng.choice(leaves), kind, "pc" if kind == "goods" else "h",
                   cost, price, "EUR", Decimal("19.00"), True, self.now, self.now, 1)

    def pipelines(self) -> Iterator[tuple[Any, ...]]:
        """(id, name, currency, active, sequence, version)."""
        for k, name in enumerate(PIPELINES):
            yield (k + 1, name, "EUR", True, (k + 1) * 10, 1)

    def stages(self) -> Iterator[tuple[Any, ...]]:
        """(id, pipeline_id, name, sequence, probability, forecast_category, is_won, is_lost)."""
        next_id = 1
        for k in range(len(PIPELINES)):
            self.stage_ids[k] = []
            for s, (name, prob, category, won, lost) in enumerate(STAGES):
                self.stage_ids[k].append(next_id)
                yield (next_id, k + 1, name, (s + 1) * 10, prob, category, won, lost)
                next_id += 1

    # -- opportunities, history, orders ---------------------------------------------------------------

    def stream(self, kind: str) -> Iterator[tuple[Any, ...]]:
        """Rows of one table: ``opportunity``, ``history``, ``order`` or ``line``.

        One pass over the deals per table: each deal's generator is seeded with
        its number, so every pass sees the same deal, and a pass stops drawing
        as soon as it has what its table needs (memory stays flat at any N).
        """
        won_index = history_id = order_id = line_id = 0
        for i in range(1, self.n + 1):
            d = self.draw(i)
            rng: random.Random = d["rng"]
            stages = self.stage_ids[d["pipeline"]]
            owner_id, department_id = self.owners[d["owner"]]
            status = d["status"]
            created: datetime = d["created"]
            if status == "won":
                path = [s for s in range(OPEN_STAGES) if s == 0 or rng.random() > 0.1] + [4]
            elif status == "lost":
                path = list(range(_index(rng, LOST_AT) + 1)) + [5]
            else:
                path = list(range(_index(rng, OPEN_AT) + 1))
            end: datetime = d["closed"] or self.now - timedelta(hours=rng.uniform(1, 240))
            span = max((end - created).total_seconds(), 60.0)
            moments = [created] + sorted(created + timedelta(seconds=rng.uniform(0, span)) for _ in path[1:-1])
            if len(path) > 1:
                moments.append(end if status != "open" else created + timedelta(seconds=rng.uniform(0, span)))
            if kind == "history":
                previous, since = None, created
                for stage, moment in zip(path, moments, strict=True):
                    history_id += 1
                    seconds = int((moment - since).total_seconds()) if previous is not None else None
                    yield (history_id, i, stages[previous] if previous is not None else None, stages[stage], moment,
                           owner_id, seconds)
                    previous, since = stage, moment
                continue
            amount = Decimal(f"{d['amount']:.2f}")
            if status == "won":
                order_id += 1
                count = self.line_counts[won_index]
                won_index += 1
                lines, order = self._order(rng, i, order_id, line_id, count, d, owner_id, department_id, amount)
                line_id += count
                amount = order[14]
                if kind == "line":
                    yield from lines
                elif kind == "order":
                    yield order
            if kind != "opportunity":
                continue
            probability = STAGES[path[-1]][1]
            expected = (d["closed"] or self.now + timedelta(days=rng.uniform(5, 120))).date()
            yield (
                i, owner_id, department_id, created, end if status != "open" else moments[-1], 1,
                f"Deal {i}", d["pipeline"] + 1, stages[path[-1]], d["company"], d["contact"], amount, d["currency"],
                expected, probability, False,
                (amount * probability / 100).quantize(Decimal("0.01")), None, d["channel"], d["source"],
                rng.randint(0, 3), None, None, None, status,
                rng.choice(LOST_REASONS) if status == "lost" else None, d["closed"], moments[-1],
                float(i),
            )

    OPPORTUNITY_COLUMNS = (
        "id", "owner_id", "department_id", "created_at", "updated_at", "version",
        "name", "pipeline_id", "stage_id", "company_id", "contact_id", "amount", "currency",
        "expected_close", "probability", "probability_manual", "weighted_amount", "learned_probability", "channel",
        "source", "priority", "tags", "next_step", "next_step_date", "status", "lost_reason", "closed_at",
        "stage_entered_at", "kanban_rank",
    )
    HISTORY_COLUMNS = ("id", "opportunity_id", "from_stage_id", "to_stage_id", "changed_at", "changed_by_id",
                       "seconds_in_from_stage")
    ORDER_COLUMNS = ("id", "owner_id", "department_id", "created_at", "updated_at", "version", "number",
                     "opportunity_id", "company_id", "contact_id", "channel", "order_date", "status", "currency",
                     "amount_untaxed", "amount_tax", "amount_total")
    LINE_COLUMNS = ("id", "order_id", "product_id", "sequence", "description", "quantity", "unit_price", "discount",
                    "tax_rate", "subtotal", "tax_amount", "total", "cost", "quantity_invoiced")

    def _order(self, rng: random.Random, opp: int, order_id: int, line_id: int, count: int, d: dict[str, Any],
               owner_id: int, department_id: int | None, amount: Decimal) -> tuple[list[tuple[Any, ...]], tuple[Any, ...]]:
        """The order of a won deal and its lines; the untaxed amount becomes the deal's amount."""
        weights = [rng.random() + 0.2 for _ in range(count)]
        scale = float(amount) / sum(weights)
        untaxed = Decimal("0")
        rate = Decimal("19.00")
        lines = []
        for k, w in enumerate(weights):
            product = rng.randint(1, PRODUCTS)
            price, cost = self.product_prices[product - 1]
            target = max(w * scale, 1.0)
            quantity = Decimal(max(1, round(target / float(price))))
            unit = max(Decimal("0.01"), (Decimal(f"{target:.2f}") / quantity).quantize(Decimal("0.01")))
            subtotal = (unit * quantity).quantize(Decimal("0.01"))
            tax = (subtotal * rate / 100).quantize(Decimal("0.01"))
            untaxed += subtotal
            lines.append((line_id + k + 1, order_id, product, k + 1, f"Product {product}", quantity, unit,
                          Decimal("0.00"), rate, subtotal, tax, subtotal + tax, cost, quantity))
        tax_total = (untaxed * rate / 100).quantize(Decimal("0.01"))
        closed: datetime = d["closed"]
        status = "delivered" if closed < self.now - timedelta(days=30) else rng.choice(("confirmed", "in_delivery"))
        if rng.random() < 0.03:
            status = "cancelled"
        order = (order_id, owner_id, department_id, closed, closed, 1, f"SO-{order_id:08d}", opp, d["company"],
                 d["contact"], d["channel"], closed.date(), status, d["currency"], untaxed, tax_total,
                 untaxed + tax_total)
        return lines, order


def _complete(engine: sa.Engine, table: str, columns: tuple[str, ...],
              rows: Iterator[tuple[Any, ...]]) -> tuple[tuple[str, ...], Iterator[tuple[Any, ...]]]:
    """Add the table's other NOT NULL columns (filled with their model default), so the generator survives
    columns added later."""
    from core.extensions import db

    model_table = db.metadata.tables[table]
    with engine.connect() as conn:
        present = {c["name"]: c for c in sa.inspect(conn).get_columns(table)}
    extra: list[tuple[str, Any]] = []
    now = datetime.utcnow()
    for name, info in present.items():
        if name in columns or info.get("nullable", True):
            continue
        column = model_table.c.get(name)
        default = getattr(column, "default", None) if column is not None else None
        if default is not None and default.is_scalar:
            extra.append((name, default.arg))
        elif default is not None and default.is_callable:
            extra.append((name, now))
        elif info.get("default") is not None:
            continue  # a server default fills it
        else:
            raise RuntimeError(f"bench: {table}.{name} is NOT NULL without a default; add it to the generator")
    if not extra:
        return columns, rows
    names = columns + tuple(n for n, _v in extra)
    values = tuple(v for _n, v in extra)
    return names, (row + values for row in rows)


def load(engine: sa.Engine, table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]] | list[Any]) -> None:
    names, complete = _complete(engine, table, columns, iter(rows))
    bulk_load(engine, table, names, complete)


def fill_sales(engine: sa.Engine, n: int, owners: list[tuple[int, int | None]]) -> dict[str, Any]:
    """Write catalog, pipelines, opportunities, history, orders and lines; returns timings and counts."""
    started = time.perf_counter()
    with engine.connect() as conn:
        companies = [t for (t,) in conn.execute(sa.text("SELECT tier FROM contacts_company ORDER BY id"))]
        contacts = [t for (t,) in conn.execute(sa.text("SELECT tier FROM contacts_contact ORDER BY id"))]
    data = SalesData(n, owners, companies, contacts)
    load(engine, "products_category", ("id", "name", "parent_id", "path", "created_at", "updated_at", "version"),
         list(data.categories()))
    load(engine, "products_product", ("id", "sku", "name", "category_id", "type", "unit", "cost", "list_price",
                                      "currency", "tax_rate", "active", "created_at", "updated_at", "version"),
         list(data.products()))
    with engine.begin() as conn:  # the install's default pipeline makes way for the benchmark's
        conn.exec_driver_sql("DELETE FROM sales_stage")
        conn.exec_driver_sql("DELETE FROM sales_pipeline")
    load(engine, "sales_pipeline", ("id", "name", "currency", "active", "sequence", "version"), list(data.pipelines()))
    load(engine, "sales_stage", ("id", "pipeline_id", "name", "sequence", "probability", "forecast_category",
                                 "is_won", "is_lost"), list(data.stages()))
    data.plan()
    planned = time.perf_counter()
    # foreign keys are not checked during the bulk load, so each table is one more pass over the deals
    load(engine, "sales_opportunity", SalesData.OPPORTUNITY_COLUMNS, data.stream("opportunity"))
    load(engine, "sales_stage_history", SalesData.HISTORY_COLUMNS, data.stream("history"))
    load(engine, "sales_order", SalesData.ORDER_COLUMNS, data.stream("order"))
    load(engine, "sales_order_line", SalesData.LINE_COLUMNS, data.stream("line"))
    _reset_sequences(engine)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    with engine.connect() as conn:
        counts = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in
                  ("sales_opportunity", "sales_stage_history", "sales_order", "sales_order_line")}
        big_open = conn.execute(sa.text(
            "SELECT count(*) FROM sales_opportunity WHERE pipeline_id = 1 AND status = 'open'")).scalar()
    return {"fill_sales_s": round(time.perf_counter() - started, 1), "plan_s": round(planned - started, 1),
            "opportunities": counts["sales_opportunity"], "stage_history": counts["sales_stage_history"],
            "orders": counts["sales_order"], "order_lines": counts["sales_order_line"], "kanban_open": big_open}


def _reset_sequences(engine: sa.Engine) -> None:
    """PostgreSQL: ids were given explicitly, so move each table's sequence past them."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for table in ("products_category", "products_product", "sales_pipeline", "sales_stage", "sales_opportunity",
                      "sales_stage_history", "sales_order", "sales_order_line"):
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
            )
