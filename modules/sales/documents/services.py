"""What happens to quotes, orders, contracts and invoices: the rules, in one place for pages, API and jobs.

Every function works inside the caller's transaction and never commits: the
page or API view commits once at the end, so a refused step leaves nothing
written. A refusal is a :class:`DocumentError` (a marshmallow ``ValidationError``)
with a message per field, which forms show beside the input and the API
answers with 422 naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import marshmallow as ma

from core import toolkit
from core.toolkit import _, sa
from modules.sales.documents import totals
from modules.sales.documents.models import (
    ORDER_TRANSITIONS,
    Contract,
    Counter,
    Invoice,
    InvoiceLine,
    OrderLine,
    OrderStatusChange,
    Payment,
    Quote,
    QuoteLine,
    SalesOrder,
)

db = toolkit.db
MODULE = "sales"
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


class DocumentError(ma.ValidationError):
    """A refused change; ``messages`` maps field names to lists of messages (lines: ``{"lines": {i: {...}}}``)."""

    def __init__(self, field: str | dict[str, Any], message: str | None = None) -> None:
        messages = field if isinstance(field, dict) else {field: [message or ""]}
        super().__init__(messages)

    @property
    def text(self) -> str:
        """All messages as one line (flash messages)."""
        return " ".join(_flatten(self.messages))


def _flatten(messages: Any) -> list[str]:
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in _flatten(value)]
    if isinstance(messages, list | tuple):
        return [text for value in messages for text in _flatten(value)]
    return [str(messages)]


def today() -> date:
    return toolkit.utcnow().date()


# -- numbers -------------------------------------------------------------------------------------------------------

PREFIXES = {"invoice": "INV", "order": "SO", "quote": "Q"}


def next_number(kind: str, year: int) -> str:
    """The next number of ``kind`` in ``year`` (``INV-2026-00001``), in the caller's transaction.

    The counter row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite
    the ``UPDATE`` takes the database's write lock) until the caller commits, so
    two issuers wait for each other and a rolled-back transaction gives its
    number back: invoice numbers have no gaps.
    """
    table = Counter.__table__
    where = sa.and_(table.c.kind == kind, table.c.year == year)
    for _attempt in range(3):
        locked = db.session.execute(sa.select(table.c.last).where(where).with_for_update()).first()
        if locked is None:
            try:
                with db.session.begin_nested():
                    db.session.execute(sa.insert(table).values(kind=kind, year=year, last=0))
            except sa.exc.IntegrityError:
                pass  # another transaction created it first; lock theirs
            continue
        db.session.execute(sa.update(table).where(where).values(last=table.c.last + 1))
        last = db.session.execute(sa.select(table.c.last).where(where)).scalar_one()
        return f"{PREFIXES[kind]}-{year}-{last:05d}"
    raise RuntimeError(f"could not reserve a {kind} number for {year}")


# -- customers and prices ------------------------------------------------------------------------------------------


def _company(company_id: int | None) -> Any:
    from modules.contacts.models import Company

    return db.session.get(Company, company_id) if company_id else None


def _contact(contact_id: int | None) -> Any:
    from modules.contacts.models import Contact

    return db.session.get(Contact, contact_id) if contact_id else None


def customer_tier(company_id: int | None, contact_id: int | None) -> str | None:
    """The tier prices are chosen for: the company's, else the person's."""
    company = _company(company_id)
    if company is not None:
        return company.tier
    contact = _contact(contact_id)
    return contact.tier if contact is not None else None


def customer_name(company_id: int | None, contact_id: int | None) -> str:
    company, contact = _company(company_id), _contact(contact_id)
    names = [str(company.name) if company is not None else "", _person(contact)]
    return " — ".join(name for name in names if name)


def _person(contact: Any) -> str:
    if contact is None:
        return ""
    return " ".join(part for part in (contact.first_name, contact.last_name) if part) or str(contact.id)


def customer_email(company_id: int | None, contact_id: int | None) -> str | None:
    for who in (_contact(contact_id), _company(company_id)):
        if who is not None and getattr(who, "email", None):
            return who.email
    return None


def _decimal(value: Any, field: str, message: str) -> Decimal:
    if value is None or value == "" or isinstance(value, bool):
        raise DocumentError(field, message)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DocumentError(field, message) from None
    if not number.is_finite():
        raise DocumentError(field, message)
    return number


def check_customer(company_id: int | None, contact_id: int | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not company_id and not contact_id:
        errors["company_id"] = [_("Choose the customer: a company, a contact or both.")]
        return errors
    if company_id and _company(company_id) is None:
        errors["company_id"] = [_("There is no company with the id %(id)s.", id=company_id)]
    if contact_id and _contact(contact_id) is None:
        errors["contact_id"] = [_("There is no contact with the id %(id)s.", id=contact_id)]
    return errors


def build_lines(quote: Quote, rows: Iterable[Mapping[str, Any]]) -> list[QuoteLine]:
    """Quote lines from submitted rows, priced from the applicable price list; all errors at once.

    A row is ``{"product_id", "quantity", "discount"?, "unit_price"?, "description"?}``;
    ``unit_price`` given overrides the price list. Raises :class:`DocumentError`
    with ``{"lines": {index: {field: [message]}}}`` (and ``pricelist`` when the
    quote's chosen price list cannot be used).
    """
    from modules.products.pricing import PricingError, price_for

    tier = customer_tier(quote.company_id, quote.contact_id)
    on = quote.quote_date or today()
    lines: list[QuoteLine] = []
    errors: dict[int, dict[str, list[str]]] = {}
    header: dict[str, list[str]] = {}
    for index, row in enumerate(rows):
        problems: dict[str, list[str]] = {}
        try:
            quantity = _decimal(row.get("quantity"), "quantity", _("Enter a quantity greater than zero."))
            if quantity <= 0:
                raise DocumentError("quantity", _("Enter a quantity greater than zero."))
        except DocumentError as exc:
            problems.update(exc.messages)
            quantity = None
        try:
            discount = _decimal(row.get("discount") if row.get("discount") not in (None, "") else "0", "discount",
                                _("Enter the discount in percent, from 0 to 100."))
            if discount < 0 or discount > HUNDRED:
                raise DocumentError("discount", _("A discount must be from 0 to 100 %%; %(value)s %% is not possible.",
                                                  value=discount))
        except DocumentError as exc:
            problems.update(exc.messages)
            discount = ZERO
        override = row.get("unit_price")
        unit_price: Decimal | None = None
        if override not in (None, ""):
            try:
                unit_price = _decimal(override, "unit_price", _("Enter the unit price as a number."))
                if unit_price < 0:
                    raise DocumentError("unit_price", _("A unit price cannot be negative."))
            except DocumentError as exc:
                problems.update(exc.messages)
        price = None
        try:
            price = price_for(row.get("product_id"), quantity if quantity is not None else Decimal(1),
                              currency=quote.currency, tier=tier, channel=quote.channel or None, on=on,
                              pricelist_id=quote.pricelist_id)
        except PricingError as exc:
            if exc.field == "pricelist":
                header["pricelist_id"] = [exc.message]
            elif exc.field == "currency" and unit_price is not None:
                price = None  # a typed price needs no list in the currency; take the product's tax below
            else:
                problems.setdefault("product_id" if exc.field in ("product", "currency") else exc.field,
                                    []).append(exc.message)
        product = None
        if price is None and not problems and unit_price is not None:
            from modules.products.models import Product

            product = db.session.get(Product, int(row["product_id"]))
        if problems:
            errors[index] = problems
            continue
        if price is None and product is None:
            continue
        line = QuoteLine(
            sequence=index + 1,
            product_id=price.product_id if price else product.id,
            description=str(row.get("description") or "")[:200] or _product_label(price.product_id if price
                                                                                 else product.id),
            quantity=quantity,
            unit_price=unit_price if unit_price is not None else price.unit_price,
            price_overridden=unit_price is not None and (price is None or unit_price != price.unit_price),
            pricelist_id=price.pricelist_id if price else None,
            discount=discount,
            tax_rate=price.tax_rate if price else product.tax_rate,
        )
        totals.compute_line(line)
        lines.append(line)
    if errors or header:
        messages: dict[str, Any] = dict(header)
        if errors:
            messages["lines"] = errors
        raise DocumentError(messages)
    if not lines:
        raise DocumentError("lines", _("Add at least one line with a product."))
    return lines


def _product_label(product_id: int) -> str:
    from modules.products.models import Product

    product = db.session.get(Product, product_id)
    return str(product.name)[:200] if product is not None else ""


# -- quotes --------------------------------------------------------------------------------------------------------

EDITABLE_QUOTE_STATES = ("draft", "sent")


def check_quote_header(quote: Quote) -> None:
    errors = check_customer(quote.company_id, quote.contact_id)
    if quote.quote_date and quote.valid_until and quote.valid_until < quote.quote_date:
        errors["valid_until"] = [_("The quote must be valid at least until its own date.")]
    if quote.opportunity_id:
        from modules.sales.pipeline.models import Opportunity

        if db.session.get(Opportunity, quote.opportunity_id) is None:
            errors["opportunity_id"] = [_("There is no opportunity with the id %(id)s.", id=quote.opportunity_id)]
    if errors:
        raise DocumentError(errors)


def fill_quote(quote: Quote, rows: Iterable[Mapping[str, Any]] | None, *, creating: bool) -> Quote:
    """Check the header, price the lines (when given) and compute the totals; the caller commits."""
    with db.session.no_autoflush:  # a new quote may already be in the session, still without its number
        return _fill_quote(quote, rows, creating=creating)


def _fill_quote(quote: Quote, rows: Iterable[Mapping[str, Any]] | None, *, creating: bool) -> Quote:
    if not creating and quote.status not in EDITABLE_QUOTE_STATES:
        raise DocumentError("status", _("A quote that is %(status)s can no longer be changed; revise it instead.",
                                        status=quote_status_label(quote.status)))
    if creating:
        quote.status = "draft"
        quote.currency = quote.currency or "EUR"
        quote.quote_date = quote.quote_date or today()
        quote.valid_until = quote.valid_until or quote.quote_date + timedelta(days=30)
        quote.revision = quote.revision or 1
    check_quote_header(quote)
    if rows is not None:
        new_lines = build_lines(quote, list(rows))
        quote.lines.clear()
        db.session.flush() if quote.id else None
        quote.lines.extend(new_lines)
    elif creating:
        raise DocumentError("lines", _("Add at least one line with a product."))
    totals.compute_document(quote)
    if creating and not quote.number:
        quote.number = next_number("quote", quote.quote_date.year)
    return quote


def quote_status_label(status: str) -> str:
    return str(QUOTE_STATUS_LABELS.get(status, status))


QUOTE_STATUS_LABELS = {
    "draft": toolkit._l("draft"), "sent": toolkit._l("sent"), "accepted": toolkit._l("accepted"),
    "rejected": toolkit._l("rejected"), "superseded": toolkit._l("superseded"),
}
ORDER_STATUS_LABELS = {
    "confirmed": toolkit._l("confirmed"), "in_delivery": toolkit._l("in delivery"),
    "delivered": toolkit._l("delivered"), "cancelled": toolkit._l("cancelled"),
}
INVOICE_STATUS_LABELS = {
    "draft": toolkit._l("draft"), "sent": toolkit._l("sent"), "paid": toolkit._l("paid"),
    "overdue": toolkit._l("overdue"), "cancelled": toolkit._l("cancelled"),
}


def revise_quote(quote: Quote) -> Quote:
    """A new revision with the same lines; the old one is kept, marked superseded."""
    if quote.status not in EDITABLE_QUOTE_STATES:
        raise DocumentError("status", _("Only a draft or sent quote can be revised; this one is %(status)s.",
                                        status=quote_status_label(quote.status)))
    latest = db.session.scalar(sa.select(sa.func.max(Quote.revision)).where(Quote.number == quote.number)) or 1
    new = Quote(
        number=quote.number, revision=latest + 1, opportunity_id=quote.opportunity_id, company_id=quote.company_id,
        contact_id=quote.contact_id, channel=quote.channel, currency=quote.currency, pricelist_id=quote.pricelist_id,
        quote_date=today(), valid_until=max(quote.valid_until, today() + timedelta(days=30)), status="draft",
        notes=quote.notes, owner_id=quote.owner_id, department_id=quote.department_id,
    )
    for line in quote.lines:
        new.lines.append(QuoteLine(
            sequence=line.sequence, product_id=line.product_id, description=line.description, quantity=line.quantity,
            unit_price=line.unit_price, price_overridden=line.price_overridden, pricelist_id=line.pricelist_id,
            discount=line.discount, tax_rate=line.tax_rate,
        ))
    totals.compute_document(new)
    db.session.add(new)
    db.session.flush()
    quote.status = "superseded"
    quote.superseded_by_id = new.id
    return new


def mark_sent(quote: Quote) -> None:
    if quote.status not in EDITABLE_QUOTE_STATES:
        raise DocumentError("status", _("A quote that is %(status)s cannot be sent.",
                                        status=quote_status_label(quote.status)))
    quote.status = "sent"
    quote.sent_at = toolkit.utcnow()


def reject_quote(quote: Quote) -> None:
    if quote.status not in EDITABLE_QUOTE_STATES:
        raise DocumentError("status", _("A quote that is %(status)s cannot be rejected.",
                                        status=quote_status_label(quote.status)))
    quote.status = "rejected"


def accept_quote(quote: Quote, *, on: date | None = None) -> SalesOrder:
    """Accept the quote: a confirmed sales order with its lines, in the caller's transaction."""
    from modules.products.models import Product

    on = on or today()
    if quote.status not in EDITABLE_QUOTE_STATES:
        raise DocumentError("status", _("A quote that is %(status)s cannot be accepted.",
                                        status=quote_status_label(quote.status)))
    if quote.expired(on):
        raise DocumentError("valid_until", _(
            "The quote expired on %(day)s and can no longer be accepted; revise it to make a new offer.",
            day=toolkit.format_date(quote.valid_until)))
    if not quote.lines:
        raise DocumentError("lines", _("A quote without lines cannot be accepted."))
    order = SalesOrder(
        number=next_number("order", on.year), quote_id=quote.id, opportunity_id=quote.opportunity_id,
        company_id=quote.company_id, contact_id=quote.contact_id, channel=quote.channel, order_date=on,
        status="confirmed", currency=quote.currency, notes=quote.notes, owner_id=quote.owner_id,
        department_id=quote.department_id,
    )
    costs = dict(db.session.execute(
        sa.select(Product.id, Product.cost).where(Product.id.in_({line.product_id for line in quote.lines}))
    ).all())
    for line in quote.lines:
        order.lines.append(OrderLine(
            sequence=line.sequence, product_id=line.product_id, description=line.description,
            quantity=line.quantity, unit_price=line.unit_price, discount=line.discount, tax_rate=line.tax_rate,
            cost=costs.get(line.product_id) or ZERO, quantity_invoiced=Decimal(0),
        ))
    totals.compute_document(order)
    quote.status = "accepted"
    quote.accepted_at = toolkit.utcnow()
    db.session.add(order)
    db.session.flush()
    quote.order_id = order.id
    confirm_order(order)
    return order


# -- orders --------------------------------------------------------------------------------------------------------


def confirm_order(order: SalesOrder) -> None:
    """A new order is confirmed: its first history row, a sales record for the salesperson, ``order.confirmed``."""
    from modules.sales.pipeline.models import SalesRecord

    db.session.add(OrderStatusChange(order_id=order.id, from_status=None, to_status="confirmed",
                                     changed_at=toolkit.utcnow(), changed_by_id=toolkit.acting_user_id()))
    db.session.add(SalesRecord(
        owner_id=order.owner_id, department_id=order.department_id, sold_on=order.order_date,
        amount=order.amount_untaxed, currency=order.currency, company_id=order.company_id,
        contact_id=order.contact_id, notes=_("Sales order %(number)s", number=order.number), order_ref=order.number,
    ))
    toolkit.publish("order.confirmed", order_payload(order), module=MODULE, object="sales.order", record_id=order.id)


def order_payload(order: SalesOrder) -> dict[str, Any]:
    return {
        "id": order.id, "number": order.number, "quote_id": order.quote_id, "opportunity_id": order.opportunity_id,
        "company_id": order.company_id, "contact_id": order.contact_id, "owner_id": order.owner_id,
        "order_date": order.order_date.isoformat(), "currency": order.currency,
        "amount_untaxed": str(order.amount_untaxed), "amount_total": str(order.amount_total),
    }


def create_order(order: SalesOrder, rows: Iterable[Mapping[str, Any]]) -> SalesOrder:
    """An order entered directly (without a quote): lines priced like a quote's, then confirmed."""
    from modules.products.models import Product

    errors = check_customer(order.company_id, order.contact_id)
    if errors:
        raise DocumentError(errors)
    order.order_date = order.order_date or today()
    probe = Quote(company_id=order.company_id, contact_id=order.contact_id, channel=order.channel,
                  currency=order.currency or "EUR", quote_date=order.order_date)
    quote_lines = build_lines(probe, list(rows))
    costs = dict(db.session.execute(
        sa.select(Product.id, Product.cost).where(Product.id.in_({line.product_id for line in quote_lines}))
    ).all())
    order.lines.clear()
    for line in quote_lines:
        order.lines.append(OrderLine(
            sequence=line.sequence, product_id=line.product_id, description=line.description, quantity=line.quantity,
            unit_price=line.unit_price, discount=line.discount, tax_rate=line.tax_rate,
            cost=costs.get(line.product_id) or ZERO, quantity_invoiced=Decimal(0),
        ))
    order.status = "confirmed"
    order.number = next_number("order", order.order_date.year)
    totals.compute_document(order)
    db.session.add(order)
    db.session.flush()
    confirm_order(order)
    return order


def change_order_status(order: SalesOrder, to: str, note: str | None = None) -> None:
    """Move the order along confirmed → in delivery → delivered (or cancelled); other moves are refused."""
    if to not in ORDER_TRANSITIONS:
        raise DocumentError("status", _("Unknown order status %(status)s.", status=to))
    if to == order.status:
        return
    allowed = ORDER_TRANSITIONS.get(order.status, ())
    if to not in allowed:
        if allowed:
            names = ", ".join(str(ORDER_STATUS_LABELS[s]) for s in allowed)
            message = _("An order that is %(current)s cannot become %(new)s; it can become: %(allowed)s.",
                        current=ORDER_STATUS_LABELS[order.status], new=ORDER_STATUS_LABELS[to], allowed=names)
        else:
            message = _("An order that is %(current)s cannot change its status any more.",
                        current=ORDER_STATUS_LABELS[order.status])
        raise DocumentError("status", message)
    if to == "cancelled":
        invoiced = db.session.scalar(sa.select(sa.func.count(Invoice.id)).where(
            Invoice.order_id == order.id, Invoice.status != "cancelled"))
        if invoiced:
            raise DocumentError("status", _("Cancel the order's invoices first: %(count)s invoice(s) are not cancelled.",
                                            count=invoiced))
    db.session.add(OrderStatusChange(order_id=order.id, from_status=order.status, to_status=to,
                                     changed_at=toolkit.utcnow(), changed_by_id=toolkit.acting_user_id(),
                                     note=(note or None) and note[:500]))
    order.status = to


def order_history(order_id: int) -> list[OrderStatusChange]:
    return list(db.session.scalars(sa.select(OrderStatusChange).where(OrderStatusChange.order_id == order_id)
                                   .order_by(OrderStatusChange.changed_at, OrderStatusChange.id)))


# -- invoices ------------------------------------------------------------------------------------------------------


def _invoiced_by_line(order_id: int) -> dict[int, Decimal]:
    rows = db.session.execute(
        sa.select(InvoiceLine.order_line_id, sa.func.sum(InvoiceLine.quantity))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(Invoice.order_id == order_id, Invoice.status != "cancelled")
        .group_by(InvoiceLine.order_line_id)
    ).all()
    return {line_id: Decimal(total or 0) for line_id, total in rows}


def create_invoice(order: SalesOrder, quantities: Mapping[int, Any] | None = None, *,
                   payment_days: int = 30, notes: str | None = None, invoice: Invoice | None = None) -> Invoice:
    """A draft invoice for the order: every line's remaining quantity, or ``quantities`` by order line id.

    The order row is locked first, so two people invoicing the same order at
    once cannot both take the last units. Invoicing more than was ordered
    (counting invoices that are not cancelled) is refused per line, naming
    the product and what is left.
    """
    db.session.execute(sa.select(SalesOrder.id).where(SalesOrder.id == order.id).with_for_update())
    if order.status == "cancelled":
        raise DocumentError("order_id", _("A cancelled order cannot be invoiced."))
    payment_days = invoice.payment_days if invoice is not None and invoice.payment_days is not None else payment_days
    if payment_days is None or payment_days < 0 or payment_days > 365:
        raise DocumentError("payment_days", _("Payment terms are from 0 to 365 days."))
    done = _invoiced_by_line(order.id)
    by_id = {line.id: line for line in order.lines}
    errors: dict[str, list[str]] = {}
    if quantities is not None:
        for key in quantities:
            if int(key) not in by_id:
                errors.setdefault("lines", []).append(
                    _("Line %(id)s is not a line of order %(number)s.", id=key, number=order.number))
    if invoice is None:
        invoice = Invoice(payment_days=payment_days, notes=notes)
    invoice.order_id, invoice.company_id, invoice.contact_id = order.id, order.company_id, order.contact_id
    invoice.status, invoice.currency, invoice.amount_paid = "draft", order.currency, ZERO
    invoice.owner_id, invoice.department_id = order.owner_id, order.department_id
    for line in order.lines:
        remaining = line.quantity - done.get(line.id, Decimal(0))
        if quantities is None:
            wanted = remaining
        else:
            raw = quantities.get(line.id, quantities.get(str(line.id)))
            if raw in (None, ""):
                continue
            try:
                wanted = _decimal(raw, "quantity", _("Enter a quantity."))
            except DocumentError:
                errors.setdefault(f"quantity_{line.id}", []).append(_("Enter a quantity for %(product)s.",
                                                                      product=line.description))
                continue
            if wanted < 0:
                errors.setdefault(f"quantity_{line.id}", []).append(
                    _("The quantity for %(product)s cannot be negative.", product=line.description))
                continue
        if wanted == 0:
            continue
        if wanted > remaining:
            errors.setdefault(f"quantity_{line.id}", []).append(_(
                "%(product)s: %(wanted)s cannot be invoiced, only %(remaining)s of %(ordered)s remain to be invoiced.",
                product=line.description, wanted=_qty(wanted), remaining=_qty(remaining), ordered=_qty(line.quantity)))
            continue
        invoice.lines.append(InvoiceLine(
            sequence=line.sequence, order_line_id=line.id, product_id=line.product_id, description=line.description,
            quantity=wanted, unit_price=line.unit_price, discount=line.discount, tax_rate=line.tax_rate,
        ))
    if errors:
        raise DocumentError(errors)
    if not invoice.lines:
        raise DocumentError("lines", _("Nothing is left to invoice on order %(number)s.", number=order.number))
    totals.compute_document(invoice)
    db.session.add(invoice)
    for inv_line in invoice.lines:
        by_id[inv_line.order_line_id].quantity_invoiced = done.get(inv_line.order_line_id, Decimal(0)) + inv_line.quantity
    db.session.flush()
    return invoice


def _qty(value: Decimal) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text


def issue_invoice(invoice: Invoice, *, on: date | None = None) -> None:
    """Draft → sent: the next gap-free number, issue and due dates, in the caller's transaction."""
    on = on or today()
    if invoice.status != "draft":
        raise DocumentError("status", _("Only a draft invoice can be issued; this one is %(status)s.",
                                        status=INVOICE_STATUS_LABELS.get(invoice.status, invoice.status)))
    invoice.number = next_number("invoice", on.year)
    invoice.issued_on = on
    invoice.due_on = on + timedelta(days=invoice.payment_days or 0)
    invoice.status = "sent"


def cancel_invoice(invoice: Invoice) -> None:
    if invoice.status not in ("draft", "sent", "overdue"):
        raise DocumentError("status", _("An invoice that is %(status)s cannot be cancelled.",
                                        status=INVOICE_STATUS_LABELS.get(invoice.status, invoice.status)))
    if invoice.amount_paid and invoice.amount_paid > 0:
        raise DocumentError("status", _("An invoice with payments cannot be cancelled."))
    invoice.status = "cancelled"
    db.session.flush()
    order = db.session.get(SalesOrder, invoice.order_id)
    done = _invoiced_by_line(invoice.order_id)
    for line in order.lines:
        line.quantity_invoiced = done.get(line.id, Decimal(0))


def record_payment(invoice: Invoice, amount: Any, *, paid_on: date | None = None, method: str = "transfer",
                   reference: str | None = None) -> Payment:
    """Record money received; paying it all marks the invoice paid and publishes ``invoice.paid``."""
    if invoice.status not in ("sent", "overdue"):
        raise DocumentError("status", _("Payments can be recorded only on issued, unpaid invoices; this one is "
                                        "%(status)s.", status=INVOICE_STATUS_LABELS.get(invoice.status,
                                                                                         invoice.status)))
    value = _decimal(amount, "amount", _("Enter the amount received."))
    if value <= 0:
        raise DocumentError("amount", _("Enter an amount greater than zero."))
    if value != totals.money(value):
        raise DocumentError("amount", _("Enter the amount in cents at most (two decimals)."))
    due = invoice.amount_due
    if value > due:
        raise DocumentError("amount", _("%(amount)s is more than the %(due)s still due on invoice %(number)s.",
                                        amount=toolkit.format_currency(value, invoice.currency),
                                        due=toolkit.format_currency(due, invoice.currency), number=invoice.number))
    paid_on = paid_on or today()
    if invoice.issued_on and paid_on < invoice.issued_on:
        raise DocumentError("paid_on", _("A payment cannot be dated before the invoice was issued."))
    payment = Payment(invoice_id=invoice.id, amount=value, paid_on=paid_on, method=method or "transfer",
                      reference=(reference or None) and reference[:100], created_at=toolkit.utcnow(),
                      created_by_id=toolkit.acting_user_id())
    db.session.add(payment)
    invoice.amount_paid = (invoice.amount_paid or ZERO) + value
    if invoice.amount_paid >= invoice.amount_total:
        invoice.status = "paid"
        invoice.paid_on = paid_on
        toolkit.publish("invoice.paid", {
            "id": invoice.id, "number": invoice.number, "order_id": invoice.order_id,
            "company_id": invoice.company_id, "contact_id": invoice.contact_id, "owner_id": invoice.owner_id,
            "currency": invoice.currency, "amount_total": str(invoice.amount_total), "paid_on": paid_on.isoformat(),
        }, module=MODULE, object="sales.invoice", record_id=invoice.id)
    return payment


def mark_overdue(on: date | None = None) -> int:
    """Issued invoices past their due date become overdue (the daily job); returns how many."""
    on = on or today()
    result = db.session.execute(
        sa.update(Invoice).where(Invoice.status == "sent", Invoice.due_on < on)
        .values(status="overdue", version=Invoice.version + 1, updated_at=toolkit.utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


# -- contracts -----------------------------------------------------------------------------------------------------


def check_contract(contract: Contract) -> None:
    errors = check_customer(contract.company_id, contract.contact_id)
    if contract.end_date and contract.start_date and contract.end_date < contract.start_date:
        errors["end_date"] = [_("The contract cannot end before it starts.")]
    if contract.renewal_date and contract.start_date and contract.renewal_date < contract.start_date:
        errors["renewal_date"] = [_("The renewal date cannot be before the start.")]
    if contract.value is not None and contract.value < 0:
        errors["value"] = [_("The contract value cannot be negative.")]
    if contract.reminder_days is not None and not 0 <= contract.reminder_days <= 365:
        errors["reminder_days"] = [_("Remind from 0 to 365 days before the renewal.")]
    if errors:
        raise DocumentError(errors)


def renewal_reminders(on: date | None = None) -> int:
    """A task for each contract's owner when its renewal date is ``reminder_days`` away; once per renewal date."""
    from datetime import datetime, time

    from modules.contacts.models import Task

    on = on or today()
    due = list(db.session.scalars(
        sa.select(Contract).where(
            Contract.status == "active", Contract.renewal_date.is_not(None),
            Contract.renewal_date >= on,
            sa.or_(Contract.reminded_for.is_(None), Contract.reminded_for != Contract.renewal_date),
        ).order_by(Contract.renewal_date, Contract.id)
    ))
    made = 0
    for contract in due:
        if contract.renewal_date - timedelta(days=contract.reminder_days or 0) > on:
            continue
        db.session.add(Task(
            owner_id=contract.owner_id, department_id=contract.department_id, company_id=contract.company_id,
            contact_id=contract.contact_id,
            title=_("Renew contract %(name)s (renewal on %(day)s)", name=contract.name,
                    day=toolkit.format_date(contract.renewal_date))[:200],
            notes=_("Contract value: %(value)s", value=toolkit.format_currency(contract.value, contract.currency)),
            priority="high", due_at=datetime.combine(contract.renewal_date, time(9, 0)),
        ))
        contract.reminded_for = contract.renewal_date
        made += 1
    return made
