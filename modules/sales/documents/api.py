"""REST resources ``/api/v1/quotes``, ``/orders``, ``/contracts`` and ``/invoices`` (core serves them).

Core's resources have no custom actions, so a document moves along by a
``PATCH`` of its ``status`` (with the record's ``version``), checked by the
same services as the pages:

- quote: ``sent``, ``accepted`` (creates the sales order; its id is in
  ``order_id``), ``rejected``, ``superseded`` (creates the next revision; its
  id is in ``superseded_by_id``);
- order: ``in_delivery``, ``delivered``, ``cancelled`` (``status_note`` is kept
  in the history);
- invoice: ``sent`` (issues it: number, dates), ``cancelled``; a ``payment``
  object (``{"amount": "100.00", "paid_on": ..., "method": ...}``) records a
  payment (needs ``sales.payments``); ``paid`` and ``overdue`` are never sent,
  payments and the daily job set them.

Orders and invoices cannot be deleted (cancel them instead): invoice numbers
must stay without gaps.
"""

from __future__ import annotations

from typing import Any

from flask import abort

from core import toolkit
from core.toolkit import _, sa
from modules.sales.documents import services
from modules.sales.documents.models import Contract, Invoice, Quote, SalesOrder
from modules.sales.documents.schemas import ContractSchema, InvoiceSchema, OrderSchema, QuoteSchema
from modules.sales.documents.services import DocumentError

_REPRICE_KEYS = {"company_id", "contact_id", "channel", "currency", "pricelist_id", "quote_date"}


def _take_status(record: Any, loaded: dict[str, Any]) -> str | None:
    """The status the client asked for; the record keeps its stored one until a service moves it."""
    requested = loaded.get("status")
    if requested is None:
        return None
    history = sa.inspect(record).attrs.status.history
    if history.deleted:
        record.status = history.deleted[0]
    elif not history.unchanged:
        record.status = None  # a new record: the service sets its first status
    return requested


def existing_rows(quote: Quote) -> list[dict[str, Any]]:
    """The quote's lines as submitted rows (to price them again after a header change)."""
    return [{"product_id": line.product_id, "quantity": line.quantity, "discount": line.discount,
             "description": line.description, "unit_price": line.unit_price if line.price_overridden else None}
            for line in quote.lines]


def prepare_quote(quote: Quote, loaded: dict[str, Any], creating: bool) -> None:
    requested = _take_status(quote, loaded)
    rows = loaded.get("line_rows")
    if creating:
        if requested not in (None, "draft"):
            raise DocumentError("status", _("A new quote starts as a draft."))
        services.fill_quote(quote, rows, creating=True)
        toolkit.db.session.add(quote)
        toolkit.db.session.flush()
        return
    changed = set(loaded) - {"status"}
    if changed:
        if rows is None and changed & _REPRICE_KEYS:
            rows = existing_rows(quote)
        services.fill_quote(quote, rows, creating=False)
        quote.updated_at = toolkit.utcnow()
    if requested in (None, quote.status):
        return
    apply_quote_status(quote, requested)


def apply_quote_status(quote: Quote, requested: str) -> Any:
    if requested == "sent":
        return services.mark_sent(quote)
    if requested == "accepted":
        return services.accept_quote(quote)
    if requested == "rejected":
        return services.reject_quote(quote)
    if requested == "superseded":
        return services.revise_quote(quote)
    raise DocumentError("status", _("A quote cannot go back to %(status)s.",
                                    status=services.quote_status_label(requested)))


def prepare_order(order: SalesOrder, loaded: dict[str, Any], creating: bool) -> None:
    requested = _take_status(order, loaded)
    rows = loaded.get("line_rows")
    if creating:
        if requested not in (None, "confirmed"):
            raise DocumentError("status", _("A new order starts as confirmed."))
        if rows is None:
            raise DocumentError("lines", _("Add at least one line with a product."))
        services.create_order(order, rows)
        return
    if rows is not None:
        raise DocumentError("lines", _("The lines of a confirmed order cannot be changed; cancel it and enter a "
                                       "new one."))
    if {"currency"} & set(loaded):
        raise DocumentError("currency", _("The currency of an order cannot be changed."))
    errors = services.check_customer(order.company_id, order.contact_id)
    if errors:
        raise DocumentError(errors)
    if requested is not None:
        services.change_order_status(order, requested, loaded.get("status_note"))
    order.updated_at = toolkit.utcnow()


def prepare_contract(contract: Contract, loaded: dict[str, Any], creating: bool) -> None:
    if contract.order_id and toolkit.db.session.get(SalesOrder, contract.order_id) is None:
        raise DocumentError("order_id", _("There is no sales order with the id %(id)s.", id=contract.order_id))
    services.check_contract(contract)


def prepare_invoice(invoice: Invoice, loaded: dict[str, Any], creating: bool) -> None:
    requested = _take_status(invoice, loaded)
    rows = loaded.get("line_rows")
    payment = loaded.get("new_payment")
    if creating:
        order = toolkit.db.session.get(SalesOrder, invoice.order_id)
        if order is None or not toolkit.record_allowed(order, "sales.order", "read"):
            raise DocumentError("order_id", _("There is no sales order with the id %(id)s.", id=invoice.order_id))
        if requested not in (None, "draft", "sent"):
            raise DocumentError("status", _("A new invoice is a draft, or sent when it is issued at once."))
        quantities = None
        if rows is not None:
            quantities = {}
            for index, row in enumerate(rows):
                if not isinstance(row.get("order_line_id"), int):
                    raise DocumentError({"lines": {index: {"order_line_id": [_("Give the order line's id.")]}}})
                quantities[row["order_line_id"]] = row.get("quantity")
        services.create_invoice(order, quantities, invoice=invoice)
        if requested == "sent":
            services.issue_invoice(invoice)
        return
    if rows is not None:
        raise DocumentError("lines", _("The lines of an invoice cannot be changed; cancel it and make a new one."))
    if "order_id" in loaded and loaded["order_id"] != invoice.order_id:
        raise DocumentError("order_id", _("An invoice stays with its order."))
    if "payment_days" in loaded and invoice.status != "draft":
        raise DocumentError("payment_days", _("Payment terms can be changed only on a draft invoice."))
    if payment is not None:
        if not toolkit.can("sales.payments"):
            abort(403)
        try:
            services.record_payment(invoice, payment.get("amount"), paid_on=payment.get("paid_on"),
                                    method=payment.get("method") or "transfer", reference=payment.get("reference"))
        except DocumentError as exc:
            if "status" in exc.messages:
                raise
            raise DocumentError({"payment": exc.messages}) from exc
    if requested not in (None, invoice.status):
        if requested == "sent":
            services.issue_invoice(invoice)
        elif requested == "cancelled":
            services.cancel_invoice(invoice)
        else:
            raise DocumentError("status", _("An invoice becomes paid by its payments and overdue by its due date; "
                                            "it cannot be set to %(status)s.",
                                            status=services.INVOICE_STATUS_LABELS.get(requested, requested)))
    invoice.updated_at = toolkit.utcnow()


def api_resources() -> list[toolkit.ApiResource]:
    return [
        toolkit.ApiResource(
            path="quotes", model=Quote, schema=QuoteSchema, object="sales.quote",
            sortable=("id", "quote_date", "valid_until", "updated_at", "amount_total"),
            filterable=("status", "company_id", "contact_id", "opportunity_id", "number", "owner_id"),
            searchable=("number",), prepare=prepare_quote,
        ),
        toolkit.ApiResource(
            path="orders", model=SalesOrder, schema=OrderSchema, object="sales.order",
            sortable=("id", "order_date", "updated_at", "amount_total"),
            filterable=("status", "company_id", "contact_id", "opportunity_id", "channel", "number", "owner_id"),
            searchable=("number",), methods=("GET", "POST", "PATCH"), prepare=prepare_order,
        ),
        toolkit.ApiResource(
            path="contracts", model=Contract, schema=ContractSchema, object="sales.contract",
            sortable=("id", "start_date", "end_date", "renewal_date", "updated_at"),
            filterable=("status", "company_id", "contact_id", "order_id", "owner_id"),
            searchable=("name",), prepare=prepare_contract,
        ),
        toolkit.ApiResource(
            path="invoices", model=Invoice, schema=InvoiceSchema, object="sales.invoice",
            sortable=("id", "issued_on", "due_on", "updated_at"),
            filterable=("status", "order_id", "company_id", "contact_id", "number", "owner_id"),
            searchable=("number",), methods=("GET", "POST", "PATCH"), prepare=prepare_invoice,
        ),
    ]
