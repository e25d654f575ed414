"""Validation of the catalog: one set of schemas for the forms, the REST API and imports.

The checks that need the database (a SKU already taken, a price list
overlapping another, a category moved under itself) run inside the schemas
too (``validates_schema``), so every way in reports them as field errors before
anything is written. On an API PATCH the stored values fill in what was not
sent, so a partial change is checked as the whole record it produces.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import has_request_context, request
from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate, validates_schema

from core import toolkit
from core.toolkit import _, _l
from modules.products import choices, validation

MAX_MONEY = Decimal("999999999999.99")
MAX_QUANTITY = Decimal("99999999999.999")


def editing_id() -> int | None:
    """The id of the record a form or API request edits (``<id>`` in its URL), else None."""
    if not has_request_context() or not request.view_args:
        return None
    value = request.view_args.get("id")
    return value if isinstance(value, int) else None


def _choice(options: dict[str, Any], **kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.OneOf(list(options), labels=list(options.values()),
                                error=_l("Choose one of: {choices}.")), **kwargs
    )


def _text(max_len: int, *, required: bool = False, **kwargs: Any) -> fields.String:
    rules: list[Any] = [validate.Length(max=max_len, error=_l("At most {max} characters."))]
    if required:
        rules.insert(0, validate.Length(min=1, error=_l("This field is required.")))
    return fields.String(required=required, validate=rules, **kwargs)


class Exact(fields.Decimal):
    """A Decimal with at most ``places`` decimals: more are refused, never rounded away silently.

    Dumped as a string (``"19.90"``) so no client turns money into a float.
    """

    def __init__(self, places: int = 2, *, minimum: Decimal = Decimal(0), maximum: Decimal = MAX_MONEY,
                 min_inclusive: bool = True, min_error: Any = None, max_error: Any = None, **kwargs: Any) -> None:
        self.digits = places
        rules = [validate.Range(min=minimum, min_inclusive=min_inclusive,
                                error=min_error or _l("Enter {min} or more.")),
                 validate.Range(max=maximum, error=max_error or _l("Enter {max} or less."))]
        super().__init__(places=places, as_string=True, validate=rules, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, str | int | float | Decimal) and not isinstance(value, bool):
            text = str(value).strip().replace(",", ".") if isinstance(value, str) else value
            try:
                raw = Decimal(str(text))
            except (InvalidOperation, ValueError):
                raw = None
            if raw is not None and raw.is_finite() and raw != raw.quantize(Decimal(1).scaleb(-self.digits)):
                raise ValidationError(_("At most %(places)s decimal places.", places=self.digits))
            if isinstance(value, str):
                value = text
        return super()._deserialize(value, attr, data, **kwargs)


class _Base(toolkit.FormSchema):
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)

    def blank_means_absent(self, field: fields.Field) -> bool:
        """Also a blank optional field that may not be empty: it is simply not given."""
        return super().blank_means_absent(field) or (not field.allow_none and not field.required)

    def stored(self) -> Any:
        """The record being edited (None when creating)."""
        record_id = editing_id()
        model = getattr(self, "model", None)
        return toolkit.db.session.get(model, record_id) if record_id is not None and model is not None else None

    def merged(self, data: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
        """``data`` completed by the stored record's values (API PATCH sends only what changes)."""
        record = self.stored()
        values = {}
        for name in names:
            if name in data:
                values[name] = data[name]
            elif record is not None:
                values[name] = getattr(record, name)
            else:
                values[name] = None
        return values


# -- categories --------------------------------------------------------------------------------------------


class CategorySchema(_Base):
    name = _text(100, required=True, metadata={"label": _l("Name")})
    parent_id = fields.Integer(allow_none=True, metadata={"label": _l("Parent category")})
    path = fields.String(dump_only=True)

    @property
    def model(self) -> type:
        from modules.products.models import Category

        return Category

    @validates_schema
    def _tree(self, data: dict[str, Any], **_kw: Any) -> None:
        values = self.merged(data, ("name", "parent_id"))
        errors = validation.category_problems(editing_id(), values["name"], values["parent_id"])
        if errors:
            raise ValidationError(errors)


# -- products ---------------------------------------------------------------------------------------------


class RelatedSchema(Schema):
    class Meta:
        unknown = RAISE

    related_id = fields.Integer(required=True, metadata={"label": _l("Related product")})
    kind = _choice(choices.RELATION_KINDS, required=True, metadata={"label": _l("Kind")})


class ProductSchema(_Base):
    sku = fields.String(
        required=True,
        validate=[validate.Length(min=1, error=_l("This field is required.")),
                  validate.Length(max=40, error=_l("At most {max} characters.")),
                  validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
                                  error=_l("Use letters, digits and - _ . / only (no spaces)."))],
        metadata={"label": _l("SKU"), "help": _l("The stock keeping unit: unique, stored in capitals.")},
    )
    name = _text(200, required=True, metadata={"label": _l("Name")})
    category_id = fields.Integer(allow_none=True, metadata={"label": _l("Category")})
    type = _choice(choices.PRODUCT_TYPES, load_default="goods", metadata={"label": _l("Type")})
    unit = fields.String(
        load_default="pc",
        validate=[validate.Length(min=1, error=_l("This field is required.")),
                  validate.Length(max=20, error=_l("At most {max} characters."))],
        metadata={"label": _l("Unit"), "help": _l("For example pc, h, kg, m, licence.")},
    )
    cost = Exact(load_default=Decimal("0.00"), min_error=_l("The cost cannot be negative."),
                 metadata={"label": _l("Cost")})
    list_price = Exact(required=True, min_error=_l("The price cannot be negative."),
                       metadata={"label": _l("List price")})
    currency = fields.String(
        load_default="EUR",
        validate=validate.Regexp(r"^[A-Za-z]{3}$", error=_l("Use a three-letter currency code, e.g. EUR, USD, CNY.")),
        metadata={"label": _l("Currency")},
    )
    tax_rate = Exact(load_default=Decimal("19.00"), maximum=Decimal(100),
                     min_error=_l("Enter a tax rate from 0 to 100 (percent)."),
                     max_error=_l("Enter a tax rate from 0 to 100 (percent)."),
                     metadata={"label": _l("Tax rate (%)")})
    active = fields.Boolean(load_default=True, metadata={"label": _l("Active (can be sold)")})
    description = _text(5000, allow_none=True, metadata={"label": _l("Description"), "widget": "textarea"})
    related = fields.List(
        fields.Nested(RelatedSchema), attribute="related_rows", validate=validate.Length(
            max=100, error=_l("At most {max} related products.")),
        metadata={"label": _l("Related products")},
    )

    @property
    def model(self) -> type:
        from modules.products.models import Product

        return Product

    @post_load
    def _normalise(self, data: dict[str, Any], **_kw: Any) -> dict[str, Any]:
        if data.get("sku"):
            data["sku"] = data["sku"].strip().upper()
        if data.get("currency"):
            data["currency"] = data["currency"].upper()
        return data

    @validates_schema
    def _unique_and_references(self, data: dict[str, Any], **_kw: Any) -> None:
        errors = validation.product_problems(editing_id(), data.get("sku"), data.get("category_id"),
                                             data.get("related_rows"))
        if errors:
            raise ValidationError(errors)


# -- price lists ------------------------------------------------------------------------------------------


class ItemSchema(Schema):
    class Meta:
        unknown = RAISE

    product_id = fields.Integer(required=True, metadata={"label": _l("Product")})
    min_quantity = Exact(3, load_default=Decimal(1), maximum=MAX_QUANTITY, min_inclusive=False,
                         min_error=_l("A quantity break starts above 0."), metadata={"label": _l("From quantity")})
    unit_price = Exact(required=True, min_error=_l("The price cannot be negative."),
                       metadata={"label": _l("Unit price")})


class _PriceListBase(_Base):
    items_field = "items"

    name = _text(100, required=True, metadata={"label": _l("Name")})
    currency = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Za-z]{3}$", error=_l("Use a three-letter currency code, e.g. EUR, USD, CNY.")),
        metadata={"label": _l("Currency")},
    )
    customer_tier = _choice(choices.TIERS, allow_none=True, metadata={
        "label": _l("Customer tier"), "help": _l("Empty: for customers of every tier.")})
    channel = _choice(choices.CHANNELS, allow_none=True, metadata={
        "label": _l("Channel"), "help": _l("Empty: for every channel.")})
    valid_from = fields.Date(required=True, metadata={"label": _l("Valid from")})
    valid_to = fields.Date(allow_none=True, metadata={"label": _l("Valid to"), "help": _l("Empty: open-ended.")})
    active = fields.Boolean(load_default=True, metadata={"label": _l("Active")})

    @property
    def model(self) -> type:
        from modules.products.models import PriceList

        return PriceList

    @post_load
    def _upper(self, data: dict[str, Any], **_kw: Any) -> dict[str, Any]:
        if data.get("currency"):
            data["currency"] = data["currency"].upper()
        return data

    @validates_schema
    def _dates_and_overlaps(self, data: dict[str, Any], **_kw: Any) -> None:
        values = self.merged(data, ("name", "currency", "customer_tier", "channel", "valid_from", "valid_to"))
        if values["currency"]:
            values["currency"] = values["currency"].upper()
        if "item_rows" in data:
            rows = data["item_rows"] or []
        else:
            record = self.stored()
            rows = [item.as_dict() for item in record.items] if record is not None else []
        errors = validation.pricelist_problems(editing_id(), values, rows, self.items_field)
        if errors:
            raise ValidationError(errors)


class PriceListSchema(_PriceListBase):
    """The API's price list: its items nested (``items``, replaced as a whole when sent)."""

    items = fields.List(fields.Nested(ItemSchema), attribute="item_rows", load_default=list,
                        validate=validate.Length(max=validation.MAX_ITEMS, error=_l("At most {max} prices.")),
                        metadata={"label": _l("Prices")})


class ItemLines(fields.String):
    """The form's prices: one line per price, ``SKU  from-quantity  unit price`` (or ``SKU  price``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[dict[str, Any]]:
        text = super()._deserialize(value, attr, data, **kwargs)
        return validation.parse_item_lines(text)


class PriceListFormSchema(_PriceListBase):
    items_field = "items_text"

    items_text = ItemLines(attribute="item_rows", allow_none=True, metadata={
        "label": _l("Prices"), "widget": "textarea",
        "help": _l("One line per price: SKU, from quantity, unit price, e.g. \"LAP-14 10 899.00\". "
                   "A line with SKU and price only starts at quantity 1.")})
