"""Demo quotes, orders, invoices and contracts for some of the pipeline's demo opportunities.

Runs after the pipeline part's demo (``plugin.PARTS`` order) and uses what it
and the products demo made; with no opportunities or products it does nothing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from core import toolkit
from core.toolkit import sa
from modules.sales.documents import services
from modules.sales.documents.models import Contract, Quote

db = toolkit.db


def install_data(demo: bool) -> None:
    if not demo:
        return
    from modules.products.models import Product
    from modules.sales.pipeline.models import Opportunity

    products = list(db.session.scalars(sa.select(Product).where(Product.active.is_(True)).order_by(Product.id)
                                       .limit(12)))
    opportunities = list(db.session.scalars(sa.select(Opportunity).order_by(Opportunity.id).limit(8)))
    if not products or not opportunities:
        return
    today = services.today()
    for index, opp in enumerate(opportunities):
        picked = [products[(index + k) % len(products)] for k in range(1 + index % 3)]
        currency = picked[0].currency
        picked = [p for p in picked if p.currency == currency]
        quote = Quote(
            opportunity_id=opp.id, company_id=opp.company_id, contact_id=opp.contact_id, channel=opp.channel,
            currency=currency, quote_date=today - timedelta(days=40 - index * 3),
            valid_until=today + timedelta(days=20 + index), owner_id=opp.owner_id, department_id=opp.department_id,
            notes="Demo quote",
        )
        try:
            services.fill_quote(quote, [{"product_id": p.id, "quantity": Decimal(1 + (index + n) % 5),
                                         "discount": Decimal(5 * (n % 2))} for n, p in enumerate(picked)],
                                creating=True)
        except services.DocumentError:
            continue
        db.session.add(quote)
        db.session.flush()
        if index % 4 == 3:
            services.mark_sent(quote)
            continue
        if index % 4 == 2:
            continue
        order = services.accept_quote(quote, on=quote.quote_date + timedelta(days=5))
        if index % 2 == 0:
            invoice = services.create_invoice(order)
            services.issue_invoice(invoice, on=order.order_date + timedelta(days=2))
            if index % 3 == 0:
                services.record_payment(invoice, invoice.amount_total, paid_on=invoice.issued_on + timedelta(days=10))
            services.change_order_status(order, "in_delivery")
        db.session.add(Contract(
            name=f"Service contract {order.number}", order_id=order.id, company_id=order.company_id,
            contact_id=order.contact_id, start_date=order.order_date, end_date=order.order_date + timedelta(days=365),
            value=order.amount_untaxed, currency=order.currency, renewal_date=order.order_date + timedelta(days=335),
            reminder_days=30, owner_id=order.owner_id, department_id=order.department_id,
        ))
    db.session.flush()
