"""The global search box: quotes, orders and invoices by number, through their lists' own search and rules."""

from __future__ import annotations

from typing import Any

from flask import url_for

from core import toolkit
from core.toolkit import _l


def _hits(view: Any, query: str, limit: int, endpoint: str, label: Any, kind: str) -> list[toolkit.SearchHit]:
    from modules.sales.documents import services

    model = view.model
    stmt = view.base(view.state({"q": query})).order_by(model.id.desc()).limit(limit)
    hits = []
    for row in toolkit.db.session.scalars(stmt):
        customer = services.customer_name(row.company_id, row.contact_id)
        title = label(row)
        hits.append(toolkit.SearchHit(
            f"{title} · {customer}" if customer else title, url_for(endpoint, id=row.id), kind=kind,
            detail=toolkit.format_currency(row.amount_total, row.currency),
        ))
    return hits


def _quotes(query: str, user: Any, limit: int) -> list[toolkit.SearchHit]:
    from modules.sales.documents.views import quote_list

    return _hits(quote_list, query, limit, "sales_quotes.detail", lambda q: q.reference, "quote")


def _orders(query: str, user: Any, limit: int) -> list[toolkit.SearchHit]:
    from modules.sales.documents.views import order_list

    return _hits(order_list, query, limit, "sales_orders.detail", lambda o: o.number, "order")


def _invoices(query: str, user: Any, limit: int) -> list[toolkit.SearchHit]:
    from modules.sales.documents.views import invoice_list

    return _hits(invoice_list, query, limit, "sales_invoices.detail", lambda i: i.reference, "invoice")


def providers() -> list[toolkit.SearchProvider]:
    return [
        toolkit.SearchProvider("sales.quotes", _l("Quotes"), _quotes, permission="sales.quote.read"),
        toolkit.SearchProvider("sales.orders", _l("Sales orders"), _orders, permission="sales.order.read"),
        toolkit.SearchProvider("sales.invoices", _l("Invoices"), _invoices, permission="sales.invoice.read"),
    ]
