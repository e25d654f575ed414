"""Demo data (``crm modules install sales --demo``, after contacts' and products' demo data).

A second pipeline ("Key accounts", in EUR too), about 150 opportunities of the
contacts demo customers spread over both pipelines and the last 18 months
(open ones in every stage with expected close dates around today, won and lost
ones with their closing dates and stage history), product lines where the
products demo catalog has products, sales records for the won deals and
quarterly quotas for the salespeople and teams that exist. Fixed seed: every
installation gets the same data. Owned like the contacts demo customers.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from core import toolkit
from core.toolkit import sa
from modules.sales.pipeline import services
from modules.sales.pipeline.models import (
    CHANNELS,
    Opportunity,
    OpportunityLine,
    Pipeline,
    Quota,
    SalesRecord,
    Stage,
    StageHistory,
)

SEED = 20261125
OPPORTUNITIES = 150
SOURCES = ("website", "trade fair", "referral", "cold call", "newsletter", "partner")
TOPICS = ("Fleet renewal", "Annual licences", "Service contract", "Pilot project", "Expansion", "Upgrade",
          "Spare parts", "Training", "Consulting days", "Hardware refresh", "Subscription", "Framework deal")
LOST_REASONS = ("Price too high", "Went with a competitor", "No budget", "Project cancelled", "No decision")


def _customers() -> list[tuple[int, int | None, int | None, int | None]]:
    """(company id, contact id, owner, department) of the contacts demo data."""
    from modules.contacts.models import Company, Contact

    companies = list(toolkit.db.session.execute(
        sa.select(Company.id, Company.owner_id, Company.department_id).order_by(Company.id).limit(200)))
    contacts = dict(toolkit.db.session.execute(
        sa.select(Contact.company_id, sa.func.min(Contact.id)).where(Contact.company_id.is_not(None))
        .group_by(Contact.company_id)).all())
    return [(cid, contacts.get(cid), owner, dep) for cid, owner, dep in companies]


def load(count: int = OPPORTUNITIES) -> None:
    """Add the demo pipeline, opportunities, lines, sales records and quotas (the install commits them)."""
    rng = random.Random(SEED)
    session = toolkit.db.session
    customers = _customers()
    if not customers:
        return
    services.install_default_pipeline(name="Key accounts", currency="EUR", sequence=20)
    pipelines = list(session.scalars(sa.select(Pipeline).order_by(Pipeline.sequence, Pipeline.id)))
    stages = {p.id: list(session.scalars(sa.select(Stage).where(Stage.pipeline_id == p.id)
                                          .order_by(Stage.sequence, Stage.id))) for p in pipelines}
    from modules.products.models import Product

    products = list(session.execute(sa.select(Product.id, Product.list_price).where(Product.active.is_(True))
                                    .order_by(Product.id).limit(50)))
    now = toolkit.utcnow().replace(microsecond=0)
    for n in range(count):
        pipeline = pipelines[0] if n % 3 else pipelines[-1]
        _opportunity(rng, n, pipeline, stages[pipeline.id], rng.choice(customers), products, now)
        if n % 50 == 49:
            session.flush()
    session.flush()
    _quotas(rng, now.date())


def _opportunity(rng: random.Random, n: int, pipeline: Pipeline, stages: list[Stage],
                 customer: tuple[int, int | None, int | None, int | None], products: list[Any], now: datetime) -> None:
    session = toolkit.db.session
    company_id, contact_id, owner_id, department_id = customer
    created = now - timedelta(days=rng.randint(0, 540), hours=rng.randint(0, 23))
    open_stages = [s for s in stages if not s.closed]
    won = next(s for s in stages if s.is_won)
    lost = next(s for s in stages if s.is_lost)
    roll = rng.random()
    age = (now - created).days
    if age > 60 and roll < 0.45:
        final = won
    elif age > 60 and roll < 0.75:
        final = lost
    else:
        final = rng.choice(open_stages)
    amount = Decimal(rng.choice((800, 1500, 2500, 4000, 7500, 12000, 25000, 60000))) + Decimal(rng.randint(0, 99))
    opp = Opportunity(
        name=f"{rng.choice(TOPICS)} {n + 1:03d}", pipeline_id=pipeline.id, stage_id=open_stages[0].id,
        company_id=company_id, contact_id=contact_id, amount=amount, currency=pipeline.currency,
        channel=rng.choice(CHANNELS), source=rng.choice(SOURCES), priority=rng.choice((0, 0, 1, 2, 3)),
        owner_id=owner_id, department_id=department_id, status="open", probability=open_stages[0].probability,
        probability_manual=False, created_at=created, updated_at=created, stage_entered_at=created,
        kanban_rank=float(n),
    )
    session.add(opp)
    session.flush()
    session.add(StageHistory(opportunity_id=opp.id, from_stage_id=None, to_stage_id=open_stages[0].id,
                             changed_at=created, changed_by_id=owner_id))
    # walk through the stages up to the final one, a few days to weeks in each
    path = [s for s in open_stages if s.sequence <= final.sequence] if not final.closed else \
        open_stages[: rng.randint(1, len(open_stages))]
    if final.closed:
        path = [*path, final]
    moment, current = created, open_stages[0]
    span = max((now - created).total_seconds(), 3600.0)
    for stage in path[1:]:
        moment = min(moment + timedelta(seconds=rng.uniform(0.1, 0.4) * span / max(len(path), 1)), now)
        session.add(StageHistory(
            opportunity_id=opp.id, from_stage_id=current.id, to_stage_id=stage.id, changed_at=moment,
            changed_by_id=owner_id, seconds_in_from_stage=int((moment - (opp.stage_entered_at)).total_seconds()),
        ))
        opp.stage_entered_at = moment
        current = stage
    opp.stage_id = current.id
    opp.probability = current.probability
    if current.is_won:
        opp.status, opp.closed_at, opp.expected_close = "won", moment, moment.date()
        opp.probability = 100
    elif current.is_lost:
        opp.status, opp.closed_at, opp.expected_close = "lost", moment, moment.date()
        opp.lost_reason = rng.choice(LOST_REASONS)
    else:
        opp.expected_close = (now + timedelta(days=rng.randint(-20, 200))).date()
        opp.next_step = rng.choice(("Call back", "Send proposal", "Demo", "Meet the buyer", "Negotiate terms"))
        opp.next_step_date = (now + timedelta(days=rng.randint(1, 30))).date()
    if products and rng.random() < 0.6:
        product_id, price = rng.choice(products)
        quantity = Decimal(rng.randint(1, 20))
        session.add(OpportunityLine(opportunity_id=opp.id, product_id=product_id, quantity=quantity,
                                    unit_price=price, discount=Decimal("0.00"),
                                    amount=services.line_amount(quantity, price, Decimal("0"))))
    opp.recompute()
    if opp.status == "won":
        session.add(SalesRecord(sold_on=opp.closed_at.date(), amount=opp.amount, currency=opp.currency,
                                company_id=company_id, contact_id=contact_id, owner_id=owner_id,
                                department_id=department_id, notes=opp.name,
                                created_at=opp.closed_at, updated_at=opp.closed_at))


def _quotas(rng: random.Random, today: date) -> None:
    """Quarterly quotas for the last four quarters and this one: per salesperson owning demo deals, per team."""
    owners = [o for o in toolkit.db.session.scalars(
        sa.select(Opportunity.owner_id).where(Opportunity.owner_id.is_not(None)).distinct()) if o is not None]
    teams = list(toolkit.db.session.scalars(sa.select(toolkit.Department.id).order_by(toolkit.Department.id)))
    quarter_start = date(today.year, ((today.month - 1) // 3) * 3 + 1, 1)
    for back in range(5):
        index = quarter_start.year * 12 + quarter_start.month - 1 - 3 * back
        start = date(index // 12, index % 12 + 1, 1)
        end_index = index + 3
        end = date.fromordinal(date(end_index // 12, end_index % 12 + 1, 1).toordinal() - 1)
        for owner in owners:
            toolkit.db.session.add(Quota(user_id=owner, period_start=start, period_end=end,
                                         amount=Decimal(rng.choice((50000, 75000, 100000))), currency="EUR"))
        for team in teams:
            toolkit.db.session.add(Quota(department_id=team, period_start=start, period_end=end,
                                         amount=Decimal(rng.choice((150000, 250000))), currency="EUR"))
