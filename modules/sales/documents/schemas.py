"""Schemas of quotes, orders, contracts and invoices: the REST API's shape and its first checks.

Lines travel nested (``"lines": [{"product_id": 3, "quantity": "2", "discount": "5"}]``);
their prices, amounts and the business rules (price lists, quantities,
invoicing limits) come from ``services``, called by the resources' ``prepare``,
so the API refuses exactly what the pages refuse. ``status`` is how a client
moves a document along (accept a quote, deliver an order, issue an invoice);
``services`` decides which moves are allowed.
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from core import toolkit
from core.toolkit import _, _l
from modules.sales.documents.models import CHANNELS, INVOICE_STATES, ORDER_STATES, PAYMENT_METHODS, QUOTE_STATES

MAX_LINES = 500


def _text(max_len: int, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(max=max_len, error=_l("At most {max} characters.")), **kwargs)


def _currency(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Regexp(r"^[A-Z]{3}$", error=_l("Use a three-letter ISO currency code "
                                                                          "such as EUR.")), **kwargs)


class _Base(toolkit.FormSchema):
    class Meta(toolkit.FormSchema.Meta):
        ordered = True

    owner_id = fields.Integer(dump_only=True)
    department_id = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class LineSchema(Schema):
    """A line as the API shows it."""

    class Meta:
        ordered = True

    id = fields.Integer()
    sequence = fields.Integer()
    product_id = fields.Integer()
    description = fields.String()
    quantity = fields.Decimal(as_string=True)
    unit_price = fields.Decimal(as_string=True)
    discount = fields.Decimal(as_string=True)
    tax_rate = fields.Decimal(as_string=True)
    subtotal = fields.Decimal(as_string=True)
    tax_amount = fields.Decimal(as_string=True)
    total = fields.Decimal(as_string=True)


class QuoteLineSchema(LineSchema):
    price_overridden = fields.Boolean()


class OrderLineSchema(LineSchema):
    cost = fields.Decimal(as_string=True)
    quantity_invoiced = fields.Decimal(as_string=True)


class InvoiceLineSchema(LineSchema):
    order_line_id = fields.Integer()


_LINE_KEYS = {"product_id", "quantity", "discount", "unit_price", "description"}


def _rows(value: Any, keys: set[str]) -> list[dict[str, Any]]:
    """The submitted lines: a list of objects with known keys (values are checked by ``services``)."""
    if not isinstance(value, list):
        raise ValidationError(_("Send the lines as a list of objects."))
    if len(value) > MAX_LINES:
        raise ValidationError(_("At most %(count)s lines.", count=MAX_LINES))
    rows = []
    for index, row in enumerate(value):
        if not isinstance(row, dict):
            raise ValidationError({index: [_("Send each line as an object.")]})
        unknown = sorted(set(row) - keys)
        if unknown:
            raise ValidationError({index: {key: [_("Unknown field.")] for key in unknown}})
        for key, item in row.items():
            if isinstance(item, dict | list):
                raise ValidationError({index: {key: [_("Send a single value.")]}})
        rows.append(dict(row))
    return rows


class QuoteSchema(_Base):
    number = fields.String(dump_only=True)
    revision = fields.Integer(dump_only=True)
    reference = fields.String(dump_only=True)
    opportunity_id = fields.Integer(allow_none=True, metadata={"label": _l("Opportunity")})
    company_id = fields.Integer(allow_none=True, metadata={"label": _l("Company")})
    contact_id = fields.Integer(allow_none=True, metadata={"label": _l("Contact")})
    channel = fields.String(allow_none=True, validate=validate.OneOf(CHANNELS, error=_l("Choose one of: {choices}.")),
                            metadata={"label": _l("Channel")})
    currency = _currency(load_default="EUR", metadata={"label": _l("Currency")})
    pricelist_id = fields.Integer(allow_none=True, metadata={"label": _l("Price list")})
    quote_date = fields.Date(allow_none=True, metadata={"label": _l("Quote date")})
    valid_until = fields.Date(allow_none=True, metadata={"label": _l("Valid until")})
    status = fields.String(validate=validate.OneOf(QUOTE_STATES, error=_l("Choose one of: {choices}.")), metadata={"label": _l("Status")})
    superseded_by_id = fields.Integer(dump_only=True)
    notes = fields.String(allow_none=True, metadata={"label": _l("Notes"), "widget": "textarea"})
    amount_untaxed = fields.Decimal(as_string=True, dump_only=True)
    amount_tax = fields.Decimal(as_string=True, dump_only=True)
    amount_total = fields.Decimal(as_string=True, dump_only=True)
    sent_at = fields.DateTime(dump_only=True)
    accepted_at = fields.DateTime(dump_only=True)
    order_id = fields.Integer(dump_only=True)
    line_rows = fields.Method("dump_lines", "load_lines", data_key="lines")

    def dump_lines(self, quote: Any) -> list[dict[str, Any]]:
        return QuoteLineSchema(many=True).dump(quote.lines)

    def load_lines(self, value: Any) -> list[dict[str, Any]]:
        return _rows(value, _LINE_KEYS)


class OrderSchema(_Base):
    number = fields.String(dump_only=True)
    quote_id = fields.Integer(dump_only=True)
    opportunity_id = fields.Integer(allow_none=True)
    company_id = fields.Integer(allow_none=True)
    contact_id = fields.Integer(allow_none=True)
    channel = fields.String(allow_none=True, validate=validate.OneOf(CHANNELS, error=_l("Choose one of: {choices}.")))
    order_date = fields.Date(allow_none=True)
    status = fields.String(validate=validate.OneOf(ORDER_STATES, error=_l("Choose one of: {choices}.")))
    status_note = _text(500, load_only=True, allow_none=True, attribute="status_note")
    currency = _currency(load_default="EUR")
    amount_untaxed = fields.Decimal(as_string=True, dump_only=True)
    amount_tax = fields.Decimal(as_string=True, dump_only=True)
    amount_total = fields.Decimal(as_string=True, dump_only=True)
    notes = fields.String(allow_none=True)
    line_rows = fields.Method("dump_lines", "load_lines", data_key="lines")

    def dump_lines(self, order: Any) -> list[dict[str, Any]]:
        return OrderLineSchema(many=True).dump(order.lines)

    def load_lines(self, value: Any) -> list[dict[str, Any]]:
        return _rows(value, _LINE_KEYS)


class ContractSchema(_Base):
    name = _text(200, required=True, metadata={"label": _l("Name")})
    order_id = fields.Integer(allow_none=True, metadata={"label": _l("Sales order")})
    company_id = fields.Integer(allow_none=True, metadata={"label": _l("Company")})
    contact_id = fields.Integer(allow_none=True, metadata={"label": _l("Contact")})
    start_date = fields.Date(required=True, metadata={"label": _l("Start")})
    end_date = fields.Date(allow_none=True, metadata={"label": _l("End")})
    value = fields.Decimal(as_string=True, places=2, required=True, validate=validate.Range(min=0),
                           metadata={"label": _l("Value")})
    currency = _currency(load_default="EUR", metadata={"label": _l("Currency")})
    renewal_date = fields.Date(allow_none=True, metadata={"label": _l("Renewal date")})
    reminder_days = fields.Integer(load_default=30, validate=validate.Range(min=0, max=365),
                                   metadata={"label": _l("Remind days before renewal")})
    status = fields.String(load_default="active",
                           validate=validate.OneOf(("active", "cancelled"), error=_l("Choose one of: {choices}.")),
                           metadata={"label": _l("Status")})
    reminded_for = fields.Date(dump_only=True)
    notes = fields.String(allow_none=True, metadata={"label": _l("Notes"), "widget": "textarea"})

    @validates_schema
    def _dates_and_customer(self, data: dict[str, Any], partial: Any = None, **_kw: Any) -> None:
        errors: dict[str, list[Any]] = {}
        start = data.get("start_date")
        if start and data.get("end_date") and data["end_date"] < start:
            errors["end_date"] = [_("The contract cannot end before it starts.")]
        if start and data.get("renewal_date") and data["renewal_date"] < start:
            errors["renewal_date"] = [_("The renewal date cannot be before the start.")]
        if not partial and not data.get("company_id") and not data.get("contact_id"):
            errors["company_id"] = [_("Choose the customer: a company, a contact or both.")]
        if errors:
            raise ValidationError(errors)


class PaymentSchema(Schema):
    class Meta:
        unknown = RAISE

    amount = fields.Decimal(required=True, as_string=True)
    paid_on = fields.Date(allow_none=True)
    method = fields.String(load_default="transfer",
                           validate=validate.OneOf(PAYMENT_METHODS, error=_l("Choose one of: {choices}.")))
    reference = _text(100, allow_none=True)


class InvoiceSchema(_Base):
    number = fields.String(dump_only=True)
    order_id = fields.Integer(required=True)
    company_id = fields.Integer(dump_only=True)
    contact_id = fields.Integer(dump_only=True)
    status = fields.String(validate=validate.OneOf(INVOICE_STATES, error=_l("Choose one of: {choices}.")))
    issued_on = fields.Date(dump_only=True)
    due_on = fields.Date(dump_only=True)
    payment_days = fields.Integer(load_default=30, validate=validate.Range(min=0, max=365))
    currency = fields.String(dump_only=True)
    amount_untaxed = fields.Decimal(as_string=True, dump_only=True)
    amount_tax = fields.Decimal(as_string=True, dump_only=True)
    amount_total = fields.Decimal(as_string=True, dump_only=True)
    amount_paid = fields.Decimal(as_string=True, dump_only=True)
    paid_on = fields.Date(dump_only=True)
    notes = fields.String(allow_none=True)
    payment = fields.Nested(PaymentSchema, load_only=True, attribute="new_payment")
    line_rows = fields.Method("dump_lines", "load_lines", data_key="lines")

    def dump_lines(self, invoice: Any) -> list[dict[str, Any]]:
        return InvoiceLineSchema(many=True).dump(invoice.lines)

    def load_lines(self, value: Any) -> list[dict[str, Any]]:
        return _rows(value, {"order_line_id", "quantity"})
