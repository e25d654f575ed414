"""The customer's purchase history on the contacts timeline, and re-pointing documents on merges.

Orders (when they were placed, with their status) and invoices (issued, paid)
appear on the timeline of their company and contact; each kind is one bounded
query narrowed by the reader's record rule. When contacts or companies are
merged, every document of the merged records moves to the one kept.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from flask import url_for

from core import toolkit
from core.toolkit import _, sa
from modules.sales.documents import services
from modules.sales.documents.models import Contract, Invoice, Quote, SalesOrder

KEYS = {"contacts.contact": "contact_id", "contacts.company": "company_id"}
#: every document table with a customer, re-pointed on merges
DOCUMENTS = (Quote, SalesOrder, Contract, Invoice)


def _moment(day: Any) -> datetime:
    return day if isinstance(day, datetime) else datetime.combine(day, time(12, 0))


def order_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:  # noqa: A002
    key = KEYS.get(object)
    if key is None or not toolkit.can("sales.order.read"):
        return []
    rows = list(toolkit.db.session.scalars(
        toolkit.scope(sa.select(SalesOrder).where(getattr(SalesOrder, key) == record_id), "sales.order")
        .order_by(SalesOrder.order_date.desc(), SalesOrder.id.desc()).limit(limit)
    ))
    return [{
        "when": row.created_at if row.created_at and row.created_at.date() == row.order_date
        else _moment(row.order_date),
        "title": _("Order %(number)s: %(amount)s", number=row.number,
                   amount=toolkit.format_currency(row.amount_total, row.currency)),
        "detail": _("Status: %(status)s", status=services.ORDER_STATUS_LABELS.get(row.status, row.status)),
        "kind": "order",
        "url": url_for("sales_orders.detail", id=row.id),
    } for row in rows]


def invoice_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:  # noqa: A002
    key = KEYS.get(object)
    if key is None or not toolkit.can("sales.invoice.read"):
        return []
    rows = list(toolkit.db.session.scalars(
        toolkit.scope(sa.select(Invoice).where(getattr(Invoice, key) == record_id,
                                               Invoice.status.in_(("sent", "paid", "overdue"))), "sales.invoice")
        .order_by(Invoice.issued_on.desc(), Invoice.id.desc()).limit(limit)
    ))
    entries = []
    for row in rows:
        amount = toolkit.format_currency(row.amount_total, row.currency)
        if row.status == "paid" and row.paid_on:
            title, when = _("Invoice %(number)s paid: %(amount)s", number=row.number, amount=amount), row.paid_on
        else:
            title, when = _("Invoice %(number)s issued: %(amount)s", number=row.number, amount=amount), row.issued_on
        entries.append({
            "when": _moment(when),
            "title": title,
            "detail": _("Status: %(status)s", status=services.INVOICE_STATUS_LABELS.get(row.status, row.status)),
            "kind": "invoice",
            "url": url_for("sales_invoices.detail", id=row.id),
        })
    return entries


def timeline_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:  # noqa: A002
    return [*order_entries(object, record_id, limit), *invoice_entries(object, record_id, limit)]


def merge_records(object: str, target_id: int, source_ids: list[int]) -> int:  # noqa: A002
    key = KEYS.get(object)
    if key is None or not source_ids:
        return 0
    moved = 0
    for model in DOCUMENTS:
        column = getattr(model, key)
        moved += toolkit.db.session.execute(
            sa.update(model).where(column.in_(list(source_ids))).values({key: target_id})
            .execution_options(synchronize_session=False)
        ).rowcount or 0
    return moved


def personal_data_export(subject: dict[str, Any]) -> dict[str, Any] | None:
    contact_id = subject.get("contact_id")
    if not contact_id:
        return None
    session = toolkit.db.session
    quotes = session.execute(sa.select(Quote.number, Quote.revision, Quote.quote_date, Quote.status,
                                       Quote.amount_total, Quote.currency).where(Quote.contact_id == contact_id)).all()
    orders = session.execute(sa.select(SalesOrder.number, SalesOrder.order_date, SalesOrder.status,
                                       SalesOrder.amount_total, SalesOrder.currency)
                             .where(SalesOrder.contact_id == contact_id)).all()
    invoices = session.execute(sa.select(Invoice.number, Invoice.issued_on, Invoice.status, Invoice.amount_total,
                                         Invoice.amount_paid, Invoice.currency)
                               .where(Invoice.contact_id == contact_id)).all()
    contracts = session.execute(sa.select(Contract.name, Contract.start_date, Contract.end_date, Contract.value,
                                          Contract.currency).where(Contract.contact_id == contact_id)).all()
    if not (quotes or orders or invoices or contracts):
        return None

    def plain(rows: list[Any]) -> list[dict[str, Any]]:
        return [{k: (v.isoformat() if hasattr(v, "isoformat") else str(v) if v is not None and not isinstance(
            v, str | int) else v) for k, v in row._mapping.items()} for row in rows]

    return {"sales_documents": {"quotes": plain(quotes), "orders": plain(orders), "invoices": plain(invoices),
                                "contracts": plain(contracts)}}


def personal_data_erase(subject: dict[str, Any]) -> int:
    """Sales documents are business records a company must keep (tax law); the person's link is kept
    on the contact's anonymised stub, so nothing here is changed."""
    return 0
