"""Pages of quotes, orders, contracts and invoices.

Lists and detail pages are core's generic ones (``crud_blueprint``); what is
special gets its own routes on the same blueprints: the quote editor with its
lines, print/PDF/mail/accept/revise, order status changes and invoicing,
issuing invoices and recording payments. Every route checks its permission and
the record rule; every change commits once, so a refusal writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm.exc import StaleDataError

from core import toolkit
from core.toolkit import _, _l, sa
from modules.sales.documents import pdf, services
from modules.sales.documents.models import (
    CHANNELS,
    PAYMENT_METHODS,
    Contract,
    Invoice,
    OrderLine,
    Payment,
    Quote,
    SalesOrder,
)
from modules.sales.documents.schemas import ContractSchema
from modules.sales.documents.services import DocumentError

db = toolkit.db
BLANK_LINES = 3
CHANNEL_LABELS = {
    "telesales": _l("Telesales"), "mobile": _l("Mobile"), "ecommerce": _l("E-commerce"), "partner": _l("Partner"),
    "field": _l("Field sales"), "web": _l("Web"),
}
PAYMENT_LABELS = {"transfer": _l("Bank transfer"), "card": _l("Card"), "cash": _l("Cash"), "cheque": _l("Cheque"),
                  "other": _l("Other")}


# -- list filters ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerFilter(toolkit.EqualsFilter):
    """Documents of customers whose company or contact name contains the text (or has that id)."""

    def condition(self, model: type, args: Mapping[str, Any]) -> Any:
        from modules.contacts.models import Company, Contact

        value = self.value(args)
        if value is None:
            return None
        if value.isdigit():
            return sa.or_(model.company_id == int(value), model.contact_id == int(value))
        pattern = "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        companies = sa.select(Company.id).where(Company.name.ilike(pattern, escape="\\"))
        people = sa.select(Contact.id).where(sa.or_(
            Contact.last_name.ilike(pattern, escape="\\"), Contact.first_name.ilike(pattern, escape="\\")))
        return sa.or_(model.company_id.in_(companies), model.contact_id.in_(people))


@dataclass(frozen=True)
class ProductFilter(toolkit.EqualsFilter):
    """Orders with a line of a product given by SKU, name (contains) or id."""

    def condition(self, model: type, args: Mapping[str, Any]) -> Any:
        from modules.products.models import Product

        value = self.value(args)
        if value is None:
            return None
        if value.isdigit():
            products = sa.select(Product.id).where(sa.or_(Product.id == int(value), Product.sku == value))
        else:
            pattern = "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            products = sa.select(Product.id).where(sa.or_(Product.sku == value.upper(), Product.sku == value,
                                                          Product.name.ilike(pattern, escape="\\")))
        return sa.exists().where(OrderLine.order_id == model.id, OrderLine.product_id.in_(products))


def _money_column(name: str, label: Any) -> toolkit.Column:
    return toolkit.Column(name, label, sortable=name == "amount_total", format=lambda v: toolkit.format_number(v)
                          if v is not None else "")


# -- lists and generic pages --------------------------------------------------------------------------------------

quote_list = toolkit.ListView(
    model=Quote, object="sales.quote", title=_l("Quotes"),
    columns=[
        toolkit.Column("number", _l("Number"), sortable=True, link=True),
        toolkit.Column("revision", _l("Revision")),
        toolkit.Column("company.name", _l("Company")),
        toolkit.Column("quote_date", _l("Date"), sortable=True),
        toolkit.Column("valid_until", _l("Valid until"), sortable=True),
        toolkit.Column("status", _l("Status"), choices=services.QUOTE_STATUS_LABELS),
        toolkit.Column("currency", _l("Currency")),
        _money_column("amount_total", _l("Total")),
    ],
    search=["number"],
    filters=[
        toolkit.ChoiceFilter("status", _l("Status"), choices=services.QUOTE_STATUS_LABELS),
        CustomerFilter("customer", _l("Customer"), column="company_id"),
        toolkit.DateRangeFilter("quote_date", _l("Date")),
    ],
    default_sort="-quote_date",
    template="sales/documents/quote_list.html",
)

order_list = toolkit.ListView(
    model=SalesOrder, object="sales.order", title=_l("Sales orders"),
    columns=[
        toolkit.Column("number", _l("Number"), sortable=True, link=True),
        toolkit.Column("company.name", _l("Company")),
        toolkit.Column("order_date", _l("Date"), sortable=True),
        toolkit.Column("status", _l("Status"), choices=services.ORDER_STATUS_LABELS),
        toolkit.Column("channel", _l("Channel"), choices=CHANNEL_LABELS),
        toolkit.Column("currency", _l("Currency")),
        _money_column("amount_total", _l("Total")),
    ],
    search=["number"],
    filters=[
        toolkit.ChoiceFilter("status", _l("Status"), choices=services.ORDER_STATUS_LABELS),
        CustomerFilter("customer", _l("Customer"), column="company_id"),
        ProductFilter("product", _l("Product (SKU or name)"), column="id"),
        toolkit.DateRangeFilter("order_date", _l("Date")),
    ],
    default_sort="-order_date",
)

invoice_list = toolkit.ListView(
    model=Invoice, object="sales.invoice", title=_l("Invoices"),
    columns=[
        toolkit.Column("number", _l("Number"), sortable=True, link=True),
        toolkit.Column("company.name", _l("Company")),
        toolkit.Column("issued_on", _l("Issued"), sortable=True),
        toolkit.Column("due_on", _l("Due"), sortable=True),
        toolkit.Column("status", _l("Status"), choices=services.INVOICE_STATUS_LABELS),
        toolkit.Column("currency", _l("Currency")),
        _money_column("amount_total", _l("Total")),
        _money_column("amount_paid", _l("Paid")),
    ],
    search=["number"],
    filters=[
        toolkit.ChoiceFilter("status", _l("Status"), choices=services.INVOICE_STATUS_LABELS),
        CustomerFilter("customer", _l("Customer"), column="company_id"),
        toolkit.DateRangeFilter("due_on", _l("Due")),
    ],
    default_sort="-id",
)

contract_list = toolkit.ListView(
    model=Contract, object="sales.contract", title=_l("Contracts"),
    columns=[
        toolkit.Column("name", _l("Name"), sortable=True, link=True),
        toolkit.Column("company.name", _l("Company")),
        toolkit.Column("start_date", _l("Start"), sortable=True),
        toolkit.Column("end_date", _l("End"), sortable=True),
        toolkit.Column("renewal_date", _l("Renewal"), sortable=True),
        toolkit.Column("status", _l("Status"), choices={"active": _l("active"), "cancelled": _l("cancelled")}),
        _money_column("value", _l("Value")),
        toolkit.Column("currency", _l("Currency")),
    ],
    search=["name"],
    filters=[
        toolkit.ChoiceFilter("status", _l("Status"), choices={"active": _l("active"), "cancelled": _l("cancelled")}),
        CustomerFilter("customer", _l("Customer"), column="company_id"),
        toolkit.DateRangeFilter("renewal_date", _l("Renewal")),
    ],
    default_sort="renewal_date",
)


def _prepare_contract(contract: Contract, data: dict[str, Any], creating: bool) -> None:
    contract.updated_at = toolkit.utcnow()


contract_form = toolkit.FormView(
    model=Contract, object="sales.contract", schema=ContractSchema, prepare=_prepare_contract,
    fields=["name", "company_id", "contact_id", "order_id", "start_date", "end_date", "value", "currency",
            "renewal_date", "reminder_days", "status", "notes"],
)


# -- shared helpers --------------------------------------------------------------------------------------------------


def _fmt_money(value: Any, currency: str) -> str:
    return toolkit.format_currency(value, currency) if value is not None else ""


def _fmt_qty(value: Any) -> str:
    return toolkit.format_number(value.normalize() if value is not None else 0)


def _names(product_ids: set[int]) -> dict[int, Any]:
    from modules.products.models import Product

    if not product_ids:
        return {}
    return {p.id: p for p in db.session.scalars(sa.select(Product).where(Product.id.in_(sorted(product_ids))))}


def _commit(on_conflict: str) -> bool:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(on_conflict, "error")
        return False
    return True


def _refuse(exc: DocumentError) -> None:
    db.session.rollback()
    flash(exc.text, "error")


def _check_version(record: Any) -> bool:
    sent = request.form.get("version", type=int)
    if sent is not None and sent != record.version:
        flash(_("Someone else changed this record meanwhile; nothing was done. Look at it again and retry."), "error")
        return False
    return True


# -- quotes ----------------------------------------------------------------------------------------------------------


def _quote_context(quote: Quote) -> dict[str, Any]:
    products = _names({line.product_id for line in quote.lines})
    revisions = list(db.session.scalars(toolkit.scope(
        sa.select(Quote).where(Quote.number == quote.number, Quote.id != quote.id), "sales.quote"
    ).order_by(Quote.revision)))
    return {
        "quote": quote, "products": products, "revisions": revisions, "fmt_money": _fmt_money, "fmt_qty": _fmt_qty,
        "customer": services.customer_name(quote.company_id, quote.contact_id),
        "customer_email": services.customer_email(quote.company_id, quote.contact_id),
        "status_label": services.quote_status_label(quote.status),
        "expired": quote.expired(services.today()),
        "editable": quote.status in services.EDITABLE_QUOTE_STATES,
        "can_write_quote": toolkit.can("sales.quote.write") and toolkit.record_allowed(quote, "sales.quote", "write"),
        "can_create_order": toolkit.can("sales.order.create"),
    }


quotes_bp = toolkit.crud_blueprint("sales", "quotes", list_view=quote_list, label="reference",
                                   detail_template="sales/documents/quote_detail.html",
                                   detail_context=_quote_context)


def _form_rows(form: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[int, dict[str, list[str]]]]:
    """Line rows typed into the quote form; products are given by SKU (or id)."""
    from modules.products.models import Product

    rows: list[dict[str, Any]] = []
    errors: dict[int, dict[str, list[str]]] = {}
    count = min(int(form.get("line_count", 0) or 0), 500) if str(form.get("line_count", "0")).isdigit() else 0
    for i in range(count):
        product = (form.get(f"line-{i}-product") or "").strip()
        quantity = (form.get(f"line-{i}-quantity") or "").strip()
        if not product and not quantity:
            continue
        index = len(rows)
        row = {"quantity": quantity, "discount": (form.get(f"line-{i}-discount") or "").strip(),
               "unit_price": (form.get(f"line-{i}-unit_price") or "").strip() or None,
               "description": (form.get(f"line-{i}-description") or "").strip()}
        found = db.session.scalar(sa.select(Product.id).where(sa.or_(Product.sku == product, Product.sku == product.upper())))
        if found is None and product.isdigit():
            found = int(product)
        if found is None:
            errors[index] = {"product_id": [_("Unknown product: %(sku)s.", sku=product) if product
                                            else _("Choose a product.")]}
            found = -1
        row["product_id"] = found
        row["_typed"] = product
        rows.append(row)
    return rows, errors


def _quote_values(quote: Quote | None) -> dict[str, Any]:
    if quote is None:
        today = services.today()
        values = {"company_id": request.args.get("company_id", ""), "contact_id": request.args.get("contact_id", ""),
                  "opportunity_id": request.args.get("opportunity_id", ""), "channel": "", "currency": "EUR",
                  "pricelist_id": "", "quote_date": today.isoformat(),
                  "valid_until": (today + timedelta(days=30)).isoformat(), "notes": "", "lines": []}
        return _from_opportunity(values)
    products = _names({line.product_id for line in quote.lines})
    return {
        "company_id": quote.company_id or "", "contact_id": quote.contact_id or "",
        "opportunity_id": quote.opportunity_id or "", "channel": quote.channel or "", "currency": quote.currency,
        "pricelist_id": quote.pricelist_id or "", "quote_date": quote.quote_date.isoformat(),
        "valid_until": quote.valid_until.isoformat(), "notes": quote.notes or "",
        "lines": [{"product": products[line.product_id].sku if line.product_id in products else line.product_id,
                   "quantity": _plain(line.quantity), "discount": _plain(line.discount),
                   "unit_price": _plain(line.unit_price) if line.price_overridden else "",
                   "description": line.description} for line in quote.lines],
    }


def _from_opportunity(values: dict[str, Any]) -> dict[str, Any]:
    """A new quote for an opportunity (``?opportunity_id=``) starts with its customer, channel and lines."""
    from modules.sales.pipeline.models import Opportunity, OpportunityLine

    opp_id = _int_or_none(values["opportunity_id"])
    opp = db.session.get(Opportunity, opp_id) if opp_id else None
    if opp is None or not toolkit.record_allowed(opp, "sales.opportunity", "read"):
        return values
    values.update(company_id=opp.company_id or "", contact_id=opp.contact_id or "", channel=opp.channel or "",
                  currency=opp.currency or "EUR")
    lines = list(db.session.scalars(sa.select(OpportunityLine).where(OpportunityLine.opportunity_id == opp.id)
                                    .order_by(OpportunityLine.id)))
    products = _names({line.product_id for line in lines})
    values["lines"] = [{"product": products[line.product_id].sku if line.product_id in products else "",
                        "quantity": _plain(line.quantity), "discount": _plain(line.discount), "unit_price": "",
                        "description": ""} for line in lines]
    return values


def _plain(value: Any) -> str:
    return format(value.normalize(), "f") if value is not None else ""


def _int_or_none(raw: Any) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() else None


def _date_or_none(raw: Any, field: str, errors: dict[str, list[str]]) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[field] = [_("Enter a date (YYYY-MM-DD).")]
        return None


def _render_quote_form(quote: Quote | None, values: dict[str, Any], errors: dict[str, Any] | None = None,
                       status: int = 200) -> ResponseReturnValue:
    from modules.products.models import PriceList, Product

    products = db.session.execute(sa.select(Product.sku, Product.name).where(Product.active.is_(True))
                                  .order_by(Product.sku).limit(500)).all()
    pricelists = db.session.execute(sa.select(PriceList.id, PriceList.name).where(PriceList.active.is_(True))
                                    .order_by(PriceList.name).limit(200)).all()
    rows = list(values.get("lines") or [])
    rows += [{}] * BLANK_LINES
    crumbs = [(_("Quotes"), url_for("sales_quotes.list"))]
    crumbs.append((quote.reference, url_for("sales_quotes.detail", id=quote.id)) if quote else (_("New"), None))
    if quote is not None:
        crumbs.append((_("Edit"), None))
    body = render_template(
        "sales/documents/quote_form.html", quote=quote, values=values, rows=rows, errors=errors or {},
        products=products, pricelists=pricelists, channels=[(c, CHANNEL_LABELS[c]) for c in CHANNELS],
        breadcrumbs=crumbs,
        action=url_for("sales_quotes.edit", id=quote.id) if quote else url_for("sales_quotes.new"),
    )
    return body, status


@quotes_bp.route("/new", methods=["GET", "POST"], endpoint="new")
@toolkit.require("sales.quote.create")
def quote_new() -> ResponseReturnValue:
    return _quote_form(None)


@quotes_bp.route("/<int:id>/edit", methods=["GET", "POST"], endpoint="edit")
@toolkit.require("sales.quote.write")
def quote_edit(id: int) -> ResponseReturnValue:
    quote = toolkit.get_or_404(Quote, id, "sales.quote", "write")
    if quote.status not in services.EDITABLE_QUOTE_STATES:
        flash(_("A quote that is %(status)s can no longer be changed; revise it instead.",
                status=services.quote_status_label(quote.status)), "error")
        return redirect(url_for("sales_quotes.detail", id=quote.id))
    return _quote_form(quote)


def _quote_form(quote: Quote | None) -> ResponseReturnValue:
    if request.method == "GET":
        return _render_quote_form(quote, _quote_values(quote))
    form = request.form
    submitted = {key: form.get(key, "") for key in ("company_id", "contact_id", "opportunity_id", "channel",
                                                     "currency", "pricelist_id", "quote_date", "valid_until", "notes")}
    rows, line_errors = _form_rows(form)
    submitted["lines"] = [{"product": row["_typed"], "quantity": row["quantity"], "discount": row["discount"],
                           "unit_price": row["unit_price"] or "", "description": row["description"]} for row in rows]
    if quote is not None and form.get("version", type=int) != quote.version:
        errors = {"": [_("Someone else changed this quote while you were editing it. Nothing was saved. Your input "
                         "is kept below; compare it with the saved quote and save again.")]}
        return _render_quote_form(quote, submitted, errors, status=409)
    errors: dict[str, Any] = {}
    creating = quote is None
    record = quote or Quote(owner_id=_current_user_id(),
                            department_id=_current_department_id())
    record.company_id = _int_or_none(submitted["company_id"])
    record.contact_id = _int_or_none(submitted["contact_id"])
    record.opportunity_id = _int_or_none(submitted["opportunity_id"])
    channel = submitted["channel"].strip() or None
    if channel is not None and channel not in CHANNELS:
        errors["channel"] = [_("Choose one of the offered values.")]
    record.channel = channel if channel in CHANNELS else None
    currency = submitted["currency"].strip().upper() or "EUR"
    if len(currency) != 3 or not currency.isalpha():
        errors["currency"] = [_("Use a three-letter ISO currency code such as EUR.")]
    record.currency = currency[:3]
    record.pricelist_id = _int_or_none(submitted["pricelist_id"])
    record.quote_date = _date_or_none(submitted["quote_date"], "quote_date", errors) or record.quote_date
    record.valid_until = _date_or_none(submitted["valid_until"], "valid_until", errors) or record.valid_until
    record.notes = submitted["notes"].strip() or None
    for key in ("company_id", "contact_id", "opportunity_id", "pricelist_id"):
        if submitted[key].strip() and not submitted[key].strip().isdigit():
            errors[key] = [_("Enter a number.")]
    if not errors:
        try:
            with db.session.no_autoflush:
                services.fill_quote(record, [{k: v for k, v in row.items() if k != "_typed"} for row in rows],
                                    creating=creating)
            if creating:
                db.session.add(record)
            record.updated_at = toolkit.utcnow()
        except DocumentError as exc:
            errors = dict(exc.messages)
    if line_errors:  # unknown products: the page's own message (the SKU as typed) wins for that field
        merged = errors.get("lines") if isinstance(errors.get("lines"), dict) else {}
        for index, problems in line_errors.items():
            merged[index] = {**merged.get(index, {}), **problems}
        errors["lines"] = merged
    if not errors:
        db.session.flush()
    if errors:
        db.session.rollback()
        return _render_quote_form(None if creating else toolkit.get_or_404(Quote, quote.id, "sales.quote", "write"),
                                  submitted, errors, status=422)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        fresh = toolkit.get_or_404(Quote, quote.id, "sales.quote", "write")
        errors = {"": [_("Someone else changed this quote while you were editing it. Nothing was saved. Your input "
                         "is kept below; compare it with the saved quote and save again.")]}
        return _render_quote_form(fresh, submitted, errors, status=409)
    flash(_("Saved."), "success")
    return redirect(url_for("sales_quotes.detail", id=record.id))


def _current_user_id() -> int | None:
    from flask_login import current_user

    return getattr(current_user, "id", None)


def _current_department_id() -> int | None:
    from flask_login import current_user

    return getattr(current_user, "department_id", None)


def _quote_action(id: int, action: str) -> ResponseReturnValue:
    quote = toolkit.get_or_404(Quote, id, "sales.quote", "write")
    if not _check_version(quote):
        return redirect(url_for("sales_quotes.detail", id=quote.id))
    target = url_for("sales_quotes.detail", id=quote.id)
    try:
        if action == "accept":
            if not toolkit.can("sales.order.create"):
                from flask import abort

                abort(403)
            order = services.accept_quote(quote)
            target = url_for("sales_orders.detail", id=order.id)
            message = _("Quote accepted: sales order %(number)s.", number=order.number)
        elif action == "revise":
            new = services.revise_quote(quote)
            target = url_for("sales_quotes.edit", id=new.id)
            message = _("Revision %(revision)s made; the previous one is kept as superseded.", revision=new.revision)
        elif action == "reject":
            services.reject_quote(quote)
            message = _("Quote marked as rejected.")
        else:  # send
            message = _send_quote(quote)
    except DocumentError as exc:
        _refuse(exc)
        return redirect(url_for("sales_quotes.detail", id=id))
    if _commit(_("Someone else changed this quote meanwhile; nothing was done. Look at it again and retry.")):
        flash(message, "success")
        return redirect(target)
    return redirect(url_for("sales_quotes.detail", id=id))


def _send_quote(quote: Quote) -> str:
    to = (request.form.get("to") or "").strip() or services.customer_email(quote.company_id, quote.contact_id)
    if not to or "@" not in to or "\n" in to or "\r" in to:
        raise DocumentError("to", _("Enter the e-mail address to send the quote to."))
    services.mark_sent(quote)
    db.session.flush()
    context = _quote_context(quote)
    html = render_template("sales/documents/quote_mail.html", **context)
    lines = "\n".join(f"{line.description}: {_fmt_qty(line.quantity)} × {_fmt_money(line.unit_price, quote.currency)}"
                      for line in quote.lines)
    text = _("Please find our quote %(reference)s of %(total)s, valid until %(day)s.",
             reference=quote.reference, total=_fmt_money(quote.amount_total, quote.currency),
             day=toolkit.format_date(quote.valid_until)) + "\n\n" + lines
    toolkit.send_mail(to, _("Quote %(reference)s", reference=quote.reference), text, html, module="sales")
    return _("Quote sent to %(to)s.", to=to)


for _name in ("accept", "revise", "reject", "send"):
    def _view(id: int, _action: str = _name) -> ResponseReturnValue:
        return _quote_action(id, _action)

    quotes_bp.add_url_rule(f"/<int:id>/{_name}", _name, toolkit.require("sales.quote.write")(_view), methods=["POST"])


@quotes_bp.route("/<int:id>/print", endpoint="print")
@toolkit.require("sales.quote.read")
def quote_print(id: int) -> ResponseReturnValue:
    quote = toolkit.get_or_404(Quote, id, "sales.quote", "read")
    return render_template("sales/documents/quote_print.html", **_quote_context(quote))


def _pdf_response(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@quotes_bp.route("/<int:id>/pdf", endpoint="pdf")
@toolkit.require("sales.quote.read")
def quote_pdf(id: int) -> ResponseReturnValue:
    quote = toolkit.get_or_404(Quote, id, "sales.quote", "read")
    ctx = _quote_context(quote)
    content = pdf.render(
        title=_("Quote"), reference=quote.reference, customer=ctx["customer"],
        facts=[(_("Date"), toolkit.format_date(quote.quote_date)),
               (_("Valid until"), toolkit.format_date(quote.valid_until)),
               (_("Status"), ctx["status_label"])],
        headings=[_("Product"), _("Quantity"), _("Unit price"), _("Discount"), _("Tax rate"), _("Amount")],
        rows=_pdf_rows(quote.lines, ctx["products"], quote.currency),
        totals=_pdf_totals(quote), notes=quote.notes,
    )
    return _pdf_response(content, f"{quote.reference}.pdf")


def _pdf_rows(lines: list[Any], products: dict[int, Any], currency: str) -> list[list[str]]:
    return [[f"{products[line.product_id].sku} {line.description}" if line.product_id in products else line.description,
             _fmt_qty(line.quantity), _fmt_money(line.unit_price, currency), toolkit.format_number(line.discount),
             toolkit.format_number(line.tax_rate), _fmt_money(line.subtotal, currency)] for line in lines]


def _pdf_totals(doc: Any) -> list[tuple[str, str]]:
    return [(_("Untaxed"), _fmt_money(doc.amount_untaxed, doc.currency)),
            (_("Tax"), _fmt_money(doc.amount_tax, doc.currency)),
            (_("Total"), _fmt_money(doc.amount_total, doc.currency))]


# -- orders ----------------------------------------------------------------------------------------------------------


def _order_context(order: SalesOrder) -> dict[str, Any]:
    products = _names({line.product_id for line in order.lines})
    history = services.order_history(order.id)
    users = _user_names({h.changed_by_id for h in history if h.changed_by_id})
    invoices = list(db.session.scalars(toolkit.scope(sa.select(Invoice).where(Invoice.order_id == order.id),
                                                     "sales.invoice").order_by(Invoice.id)))
    from modules.sales.documents.models import ORDER_TRANSITIONS

    may_write = toolkit.can("sales.order.write") and toolkit.record_allowed(order, "sales.order", "write")
    return {
        "order": order, "products": products, "history": history, "users": users, "invoices": invoices,
        "fmt_money": _fmt_money, "fmt_qty": _fmt_qty, "plain": _plain,
        "customer": services.customer_name(order.company_id, order.contact_id),
        "status_labels": services.ORDER_STATUS_LABELS, "invoice_labels": services.INVOICE_STATUS_LABELS,
        "next_states": ORDER_TRANSITIONS.get(order.status, ()) if may_write else (),
        "can_invoice": toolkit.can("sales.invoice.create") and order.status != "cancelled"
        and any(line.quantity_remaining > 0 for line in order.lines),
        "channel_label": CHANNEL_LABELS.get(order.channel or "", order.channel or ""),
    }


def _user_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    User = toolkit.User
    rows = db.session.execute(sa.select(User.id, User.name, User.email).where(User.id.in_(sorted(ids))))
    return {uid: name or email for uid, name, email in rows}


orders_bp = toolkit.crud_blueprint("sales", "orders", list_view=order_list, label="number",
                                   detail_template="sales/documents/order_detail.html",
                                   detail_context=_order_context)


@orders_bp.route("/<int:id>/status", methods=["POST"], endpoint="status")
@toolkit.require("sales.order.write")
def order_status(id: int) -> ResponseReturnValue:
    order = toolkit.get_or_404(SalesOrder, id, "sales.order", "write")
    if _check_version(order):
        try:
            services.change_order_status(order, request.form.get("status", ""), request.form.get("note"))
            order.updated_at = toolkit.utcnow()
        except DocumentError as exc:
            _refuse(exc)
        else:
            if _commit(_("Someone else changed this order meanwhile; nothing was done. Look at it again and retry.")):
                flash(_("Order %(number)s is now %(status)s.", number=order.number,
                        status=services.ORDER_STATUS_LABELS[order.status]), "success")
    return redirect(url_for("sales_orders.detail", id=id))


@orders_bp.route("/<int:id>/invoice", methods=["POST"], endpoint="invoice")
@toolkit.require("sales.invoice.create")
def order_invoice(id: int) -> ResponseReturnValue:
    order = toolkit.get_or_404(SalesOrder, id, "sales.order", "read")
    quantities = {line.id: request.form.get(f"quantity_{line.id}", "") for line in order.lines}
    try:
        invoice = services.create_invoice(order, quantities, payment_days=request.form.get("payment_days", 30,
                                                                                           type=int))
    except DocumentError as exc:
        _refuse(exc)
        return redirect(url_for("sales_orders.detail", id=id))
    db.session.commit()
    flash(_("Draft invoice made; issue it to give it its number."), "success")
    return redirect(url_for("sales_invoices.detail", id=invoice.id))


# -- invoices --------------------------------------------------------------------------------------------------------


def _invoice_context(invoice: Invoice) -> dict[str, Any]:
    order = db.session.get(SalesOrder, invoice.order_id)
    payments = list(db.session.scalars(sa.select(Payment).where(Payment.invoice_id == invoice.id)
                                       .order_by(Payment.paid_on, Payment.id)))
    may_write = toolkit.can("sales.invoice.write") and toolkit.record_allowed(invoice, "sales.invoice", "write")
    return {
        "invoice": invoice, "order": order, "payments": payments, "fmt_money": _fmt_money, "fmt_qty": _fmt_qty,
        "products": _names({line.product_id for line in invoice.lines}),
        "customer": services.customer_name(invoice.company_id, invoice.contact_id),
        "status_label": services.INVOICE_STATUS_LABELS.get(invoice.status, invoice.status),
        "may_write": may_write, "may_pay": may_write and toolkit.can("sales.payments")
        and invoice.status in ("sent", "overdue"),
        "methods": [(m, PAYMENT_LABELS[m]) for m in PAYMENT_METHODS], "today": services.today(),
    }


invoices_bp = toolkit.crud_blueprint("sales", "invoices", list_view=invoice_list, label="reference",
                                     detail_template="sales/documents/invoice_detail.html",
                                     detail_context=_invoice_context)


def _invoice_action(id: int, action: str) -> ResponseReturnValue:
    invoice = toolkit.get_or_404(Invoice, id, "sales.invoice", "write")
    if not _check_version(invoice):
        return redirect(url_for("sales_invoices.detail", id=id))
    try:
        if action == "issue":
            services.issue_invoice(invoice)
            message = _("Invoice %(number)s issued.", number=invoice.number)
        elif action == "cancel":
            services.cancel_invoice(invoice)
            message = _("Invoice cancelled.")
        else:
            if not toolkit.can("sales.payments"):
                from flask import abort

                abort(403)
            errors: dict[str, list[str]] = {}
            paid_on = _date_or_none(request.form.get("paid_on"), "paid_on", errors)
            if errors:
                raise DocumentError(errors)
            method = request.form.get("method") or "transfer"
            if method not in PAYMENT_METHODS:
                raise DocumentError("method", _("Choose one of the offered values."))
            services.record_payment(invoice, request.form.get("amount"), paid_on=paid_on, method=method,
                                    reference=(request.form.get("reference") or "").strip())
            message = _("Payment recorded.") if invoice.status != "paid" else _("Payment recorded; the invoice is "
                                                                                  "paid.")
        invoice.updated_at = toolkit.utcnow()
    except DocumentError as exc:
        _refuse(exc)
        return redirect(url_for("sales_invoices.detail", id=id))
    if _commit(_("Someone else changed this invoice meanwhile; nothing was done. Look at it again and retry.")):
        flash(message, "success")
    return redirect(url_for("sales_invoices.detail", id=id))


invoices_bp.add_url_rule("/<int:id>/issue", "issue", toolkit.require("sales.invoice.write")(
    lambda id: _invoice_action(id, "issue")), methods=["POST"])
invoices_bp.add_url_rule("/<int:id>/cancel", "cancel", toolkit.require("sales.invoice.write")(
    lambda id: _invoice_action(id, "cancel")), methods=["POST"])
invoices_bp.add_url_rule("/<int:id>/payment", "payment", toolkit.require("sales.payments")(
    lambda id: _invoice_action(id, "payment")), methods=["POST"])


@invoices_bp.route("/<int:id>/print", endpoint="print")
@toolkit.require("sales.invoice.read")
def invoice_print(id: int) -> ResponseReturnValue:
    invoice = toolkit.get_or_404(Invoice, id, "sales.invoice", "read")
    return render_template("sales/documents/invoice_print.html", **_invoice_context(invoice))


@invoices_bp.route("/<int:id>/pdf", endpoint="pdf")
@toolkit.require("sales.invoice.read")
def invoice_pdf(id: int) -> ResponseReturnValue:
    invoice = toolkit.get_or_404(Invoice, id, "sales.invoice", "read")
    ctx = _invoice_context(invoice)
    facts = [(_("Order"), ctx["order"].number if ctx["order"] else ""), (_("Status"), ctx["status_label"])]
    if invoice.issued_on:
        facts += [(_("Issued"), toolkit.format_date(invoice.issued_on)), (_("Due"), toolkit.format_date(invoice.due_on))]
    content = pdf.render(
        title=_("Invoice"), reference=invoice.number or _("(draft)"), customer=ctx["customer"], facts=facts,
        headings=[_("Product"), _("Quantity"), _("Unit price"), _("Discount"), _("Tax rate"), _("Amount")],
        rows=_pdf_rows(invoice.lines, ctx["products"], invoice.currency),
        totals=[*_pdf_totals(invoice), (_("Paid"), _fmt_money(invoice.amount_paid, invoice.currency)),
                (_("Due"), _fmt_money(invoice.amount_due, invoice.currency))],
        notes=invoice.notes,
    )
    return _pdf_response(content, f"{invoice.number or 'draft-' + str(invoice.id)}.pdf")


# -- contracts -------------------------------------------------------------------------------------------------------

contracts_bp = toolkit.crud_blueprint("sales", "contracts", list_view=contract_list, form_view=contract_form,
                                      label="name")


def opportunity_panels(opportunity_id: int) -> list[dict[str, Any]]:
    """A panel on the opportunity page: its quotes and orders, and a button for a new quote."""
    if not (toolkit.can("sales.quote.read") or toolkit.can("sales.order.read")):
        return []
    quotes = list(db.session.scalars(toolkit.scope(
        sa.select(Quote).where(Quote.opportunity_id == opportunity_id), "sales.quote"
    ).order_by(Quote.id.desc()).limit(20)))
    orders = list(db.session.scalars(toolkit.scope(
        sa.select(SalesOrder).where(SalesOrder.opportunity_id == opportunity_id), "sales.order"
    ).order_by(SalesOrder.id.desc()).limit(20)))
    html = render_template(
        "sales/documents/_opportunity_panel.html", quotes=quotes, orders=orders, opportunity_id=opportunity_id,
        fmt_money=_fmt_money, quote_labels=services.QUOTE_STATUS_LABELS, order_labels=services.ORDER_STATUS_LABELS,
        can_create=toolkit.can("sales.quote.create"),
    )
    return [{"title": _("Quotes and orders"), "html": html}]


def blueprints() -> list[Blueprint]:
    return [quotes_bp, orders_bp, invoices_bp, contracts_bp]


def menu_items() -> list[toolkit.MenuItem]:
    return [
        toolkit.MenuItem("sales.quotes", _l("Quotes"), endpoint="sales_quotes.list", permission="sales.quote.read",
                         parent="sales", order=40),
        toolkit.MenuItem("sales.orders", _l("Sales orders"), endpoint="sales_orders.list",
                         permission="sales.order.read", parent="sales", order=45),
        toolkit.MenuItem("sales.contracts", _l("Contracts"), endpoint="sales_contracts.list",
                         permission="sales.contract.read", parent="sales", order=50),
        toolkit.MenuItem("sales.invoices", _l("Invoices"), endpoint="sales_invoices.list",
                         permission="sales.invoice.read", parent="sales", order=55),
    ]
