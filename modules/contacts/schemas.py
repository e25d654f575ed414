"""Validation of customer data: one set of schemas for forms, API and imports.

Every message names what is wrong in words a user understands; lengths match
the database columns so nothing is ever cut off silently.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context, request
from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from core import toolkit
from core.toolkit import _, _l
from modules.contacts import choices
from modules.contacts.normalize import InvalidValue, email_address, phone_e164


def _choice(options: dict[str, Any], **kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.OneOf(list(options), labels=list(options.values()),
                                error=_l("Choose one of: {choices}.")), **kwargs
    )


def _text(max_len: int, **kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Length(max=max_len, error=_l("At most {max} characters.")), **kwargs
    )


class _Base(toolkit.FormSchema):
    owner_id = fields.Integer(allow_none=True)
    department_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


class ProfileSchema(_Base):
    """Fields companies and people share; ``custom_object`` says whose custom fields apply."""

    custom_object = "contact"

    email = _text(254, allow_none=True, metadata={"label": _l("Email"), "widget": "email"})
    phone = _text(40, allow_none=True, metadata={"label": _l("Phone"), "widget": "tel"})
    mobile = _text(40, allow_none=True, metadata={"label": _l("Mobile"), "widget": "tel"})
    street = _text(200, allow_none=True, metadata={"label": _l("Street")})
    postal_code = _text(20, allow_none=True, metadata={"label": _l("Postal code")})
    city = _text(100, allow_none=True, metadata={"label": _l("City")})
    region = _text(100, allow_none=True, metadata={"label": _l("Region or state")})
    country = fields.String(
        allow_none=True,
        validate=validate.Regexp(r"^[A-Za-z]{2}$", error=_l("Use a two-letter country code, e.g. DE, CN, US.")),
        metadata={"label": _l("Country"), "help": _l("Two letters, e.g. DE, CN, US.")},
    )
    source_channel = _choice(choices.SOURCE_CHANNELS, allow_none=True, metadata={"label": _l("Source")})
    tier = _choice(choices.TIERS, load_default="standard", metadata={"label": _l("Tier")})
    lifecycle_stage = _choice(choices.LIFECYCLE_STAGES, load_default="prospect",
                              metadata={"label": _l("Lifecycle stage")})
    risk_rating = _choice(choices.RISK_RATINGS, allow_none=True, metadata={"label": _l("Risk")})
    preferred_channel = _choice(choices.CHANNELS, allow_none=True, metadata={"label": _l("Preferred channel")})
    annual_spend = fields.Decimal(
        places=2, allow_none=True, as_string=True,
        validate=validate.Range(min=0, max=Decimal("999999999999.99")),
        metadata={"label": _l("Annual spend")},
    )
    interests = _text(1000, allow_none=True, metadata={"label": _l("Interests"), "widget": "textarea"})
    habits = _text(1000, allow_none=True, metadata={"label": _l("Habits"), "widget": "textarea"})
    notes = _text(20000, allow_none=True, metadata={"label": _l("Notes"), "widget": "textarea"})
    last_interaction_at = fields.DateTime(dump_only=True)
    tags = fields.List(
        _text(50), load_default=list, validate=validate.Length(max=50, error=_l("At most {max} tags.")),
        metadata={"label": _l("Tags")},
    )
    #: values of the custom fields an administrator defined (see custom_fields.validate)
    custom = fields.Dict(keys=fields.String(), load_default=dict, metadata={"label": _l("Custom fields")})

    @validates_schema(skip_on_field_errors=False)
    def _normalise_contact_points(self, data: dict[str, Any], **_kw: Any) -> None:
        errors: dict[str, list[str]] = {}
        region = data.get("country")
        for key, fn in (("email", lambda v: email_address(v)), ("phone", lambda v: phone_e164(v, region)),
                        ("mobile", lambda v: phone_e164(v, region))):
            value = data.get(key)
            if value:
                try:
                    data[key] = fn(value)
                except InvalidValue as exc:
                    errors[key] = [str(exc)]
        if errors:
            raise ValidationError(errors)

    @validates_schema(skip_on_field_errors=False)
    def _custom_values_and_owner(self, data: dict[str, Any], partial: Any = None, **_kw: Any) -> None:
        """Custom values (type, choice, required, unique) and who may own the record.

        On a partial load (API PATCH) only the custom values sent are checked and
        they are merged into the stored ones (``null`` removes one).
        """
        from modules.contacts import custom_fields, ownership

        errors: dict[str, Any] = {}
        record_id = editing_id()
        if "custom" in data and "custom" in self.load_fields:
            sent = data.get("custom") or {}
            clean, problems = custom_fields.validate(
                self.custom_object, sent, record_id=record_id, partial=bool(partial)
            )
            if problems:
                errors["custom"] = problems
            elif partial:
                removed = {k: None for k, v in sent.items() if v is None or (isinstance(v, str) and not v.strip())}
                data["custom"] = custom_fields.CustomPatch({**removed, **clean})
            else:
                data["custom"] = clean
        errors.update(ownership.assignment_errors(self.custom_object, record_id, data))
        if errors:
            raise ValidationError(errors)

    @post_load
    def _upper_country(self, data: dict[str, Any], **_kw: Any) -> dict[str, Any]:
        if data.get("country"):
            data["country"] = data["country"].upper()
        return data


class CompanySchema(ProfileSchema):
    custom_object = "company"

    name = fields.String(
        required=True,
        validate=[validate.Length(min=1), validate.Length(max=200, error=_l("At most {max} characters."))],
        metadata={"label": _l("Name")},
    )
    type = _choice(choices.COMPANY_TYPES, load_default="customer", metadata={"label": _l("Type")})
    industry = _text(100, allow_none=True, metadata={"label": _l("Industry")})
    website = _text(200, allow_none=True, metadata={"label": _l("Website")})


class ConsentSchema(Schema):
    """One channel's consent: given or withdrawn, when, and where it came from."""

    granted = fields.Boolean(required=True, metadata={"label": _l("Consent given")})
    source = _text(100, allow_none=True, metadata={"label": _l("Source of the consent")})
    at = fields.DateTime(allow_none=True, metadata={"label": _l("Date")})

    @post_load
    def _naive_utc(self, data: dict[str, Any], **_kw: Any) -> dict[str, Any]:
        at = data.get("at")
        if at is not None and at.tzinfo is not None:
            data["at"] = at.astimezone(UTC).replace(tzinfo=None)
        return data


class ContactSchema(ProfileSchema):
    first_name = _text(100, allow_none=True, metadata={"label": _l("First name")})
    last_name = fields.String(
        required=True,
        validate=[validate.Length(min=1), validate.Length(max=100, error=_l("At most {max} characters."))],
        metadata={"label": _l("Last name")},
    )
    name = fields.String(dump_only=True)
    company_id = fields.Integer(allow_none=True, metadata={"label": _l("Company")})
    position = _text(100, allow_none=True, metadata={"label": _l("Position")})
    birthday = fields.Date(allow_none=True, metadata={"label": _l("Birthday")})
    gender = _choice(choices.GENDERS, allow_none=True, metadata={"label": _l("Gender")})
    age_group = _choice(choices.AGE_GROUPS, allow_none=True, metadata={"label": _l("Age group")})
    #: current consent per channel (email, sms, phone); sending a change records a new Consent row
    consent = fields.Dict(
        keys=fields.String(validate=validate.OneOf(list(choices.CONSENT_CHANNELS))),
        values=fields.Nested(ConsentSchema), metadata={"label": _l("Consent")},
    )

    @validates_schema
    def _company_and_birthday(self, data: dict[str, Any], **_kw: Any) -> None:
        errors: dict[str, list[str]] = {}
        company_id = data.get("company_id")
        if company_id is not None and not company_visible(company_id):
            errors["company_id"] = [_("There is no company with this number that you may see.")]
        birthday = data.get("birthday")
        if birthday is not None and not date(1900, 1, 1) <= birthday <= date.today():
            errors["birthday"] = [_("Enter a date between 1900 and today.")]
        if errors:
            raise ValidationError(errors)


def editing_id() -> int | None:
    """The id of the record a form or API request edits (``<id>`` in its URL), else None."""
    if not has_request_context() or not request.view_args:
        return None
    value = request.view_args.get("id")
    return value if isinstance(value, int) else None


def company_visible(company_id: Any) -> bool:
    """Whether the company exists and (in a request) the user may see it: no linking by guessed ids."""
    from modules.contacts.models import Company

    if not isinstance(company_id, int) or isinstance(company_id, bool) or not 0 < company_id < 2**31:
        return False
    stmt = toolkit.sa.select(Company.id).where(Company.id == company_id)
    if has_request_context():
        stmt = toolkit.scope(stmt, "contacts.company")
    return toolkit.db.session.scalar(stmt) is not None


class InteractionSchema(_Base):
    contact_id = fields.Integer(allow_none=True, metadata={
        "label": _l("Contact"), "help": _l("The contact's number (shown in the address of their page).")})
    company_id = fields.Integer(allow_none=True, metadata={
        "label": _l("Company"), "help": _l("The company's number; filled in from the contact when left empty.")})
    channel = _choice(choices.INTERACTION_CHANNELS, required=True, metadata={"label": _l("Channel")})
    direction = _choice(choices.DIRECTIONS, load_default="outbound", metadata={"label": _l("Direction")})
    occurred_at = fields.DateTime(allow_none=True, metadata={"label": _l("When"), "help": _l("Empty means now.")})
    summary = fields.String(required=True, validate=validate.Length(min=1, max=500),
                            metadata={"label": _l("Summary"), "widget": "textarea"})
    outcome = _text(500, allow_none=True, metadata={"label": _l("Outcome")})

    @validates_schema
    def _about_someone(self, data: dict[str, Any], partial: Any = None, **_kw: Any) -> None:
        if not partial and not data.get("contact_id") and not data.get("company_id"):
            raise ValidationError(_("Choose the contact or company this was with."), "contact_id")
        _check_references(data)

    @post_load
    def _times(self, data: dict[str, Any], **_kw: Any) -> dict[str, Any]:
        if "occurred_at" in data:
            data["occurred_at"] = naive_utc(data["occurred_at"]) or toolkit.utcnow()
        return data


class TaskSchema(_Base):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={"label": _l("Title")})
    contact_id = fields.Integer(allow_none=True, metadata={
        "label": _l("Contact"), "help": _l("The contact's number (shown in the address of their page).")})
    company_id = fields.Integer(allow_none=True, metadata={
        "label": _l("Company"), "help": _l("The company's number; filled in from the contact when left empty.")})
    due_at = fields.DateTime(required=True, metadata={"label": _l("Due")})
    remind_at = fields.DateTime(allow_none=True, metadata={
        "label": _l("Remind me at"), "help": _l("You get an email at this time.")})
    priority = _choice(choices.TASK_PRIORITIES, load_default="normal", metadata={"label": _l("Priority")})
    notes = _text(20000, allow_none=True, metadata={"label": _l("Notes"), "widget": "textarea"})
    done_at = fields.DateTime(allow_none=True, metadata={"label": _l("Done")})
    reminded_at = fields.DateTime(dump_only=True)

    @validates_schema
    def _reminder_before_due(self, data: dict[str, Any], **_kw: Any) -> None:
        remind, due = naive_utc(data.get("remind_at")), naive_utc(data.get("due_at"))
        if remind and due and remind > due:
            raise ValidationError(_("The reminder must come before the due date."), "remind_at")
        _check_references(data)

    @post_load
    def _times(self, data: dict[str, Any], **_kw: Any) -> dict[str, Any]:
        for key in ("due_at", "remind_at", "done_at"):
            if key in data:
                data[key] = naive_utc(data[key])
        return data


class SegmentSchema(_Base):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=100), metadata={"label": _l("Name")})
    object = fields.String(load_default="contact", validate=validate.OneOf(
        ["contact", "company"], labels=[_l("People"), _l("Companies")]), metadata={"label": _l("Members are")})
    description = _text(500, allow_none=True, metadata={"label": _l("Description"), "widget": "textarea"})
    filters = fields.List(fields.Dict(), load_default=list, metadata={"label": _l("Conditions")})
    #: members the reader may see (capped like list counts; see segments.member_count)
    count = fields.Method("_count", dump_only=True)
    count_capped = fields.Method("_count_capped", dump_only=True)

    @validates_schema
    def _known_filters(self, data: dict[str, Any], partial: Any = None, **_kw: Any) -> None:
        """Unknown fields, operators or bad values are field errors naming them (never a 500)."""
        from modules.contacts.segments import validate_filters

        if partial and "filters" not in data:
            return
        errors = validate_filters(data.get("object") or "contact", data.get("filters") or [])
        if errors:
            raise ValidationError({"filters": errors})

    def _count(self, segment: Any) -> int:
        from modules.contacts.segments import member_count

        return member_count(segment)[0]

    def _count_capped(self, segment: Any) -> bool:
        from modules.contacts.segments import member_count

        return member_count(segment)[1]


def naive_utc(value: Any) -> Any:
    """Datetimes are stored as naive UTC; an API client may send any offset."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _check_references(data: dict[str, Any]) -> None:
    """A linked contact or company must exist and be readable by the user (no peeking by id)."""
    from modules.contacts.models import Company, Contact

    errors = {}
    for key, model, obj, message in (
        ("contact_id", Contact, "contacts.contact", _("There is no contact with this number that you may see.")),
        ("company_id", Company, "contacts.company", _("There is no company with this number that you may see.")),
    ):
        ident = data.get(key)
        if ident is None:
            continue
        found = toolkit.db.session.scalar(
            toolkit.scope(toolkit.sa.select(model.id).where(model.id == ident), obj)
        ) if isinstance(ident, int) and 0 < ident < 2**31 else None
        if found is None:
            errors[key] = [message]
    if errors:
        raise ValidationError(errors)


class LenientContactSchema(ContactSchema):
    """For imports: unknown columns are reported by the mapper, not here."""

    class Meta:
        unknown = EXCLUDE
