"""Validation of pipelines, stages, opportunities, quotas and sales records: one schema per record for form and API.

Rules that need the database (the stage belongs to the pipeline, a closed
opportunity is not moved, a lost stage needs a reason, the customer is one
the user may see) are checked here too, so a form and an API client get the
same message on the same field, before anything is written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import has_request_context, request
from marshmallow import ValidationError, fields, validate, validates_schema

from core import toolkit
from core.toolkit import _, _l, sa
from modules.sales.pipeline.models import CHANNELS, FORECAST_CATEGORIES, Opportunity, Pipeline, Stage

db = toolkit.db

CHANNEL_LABELS = {
    "telesales": _l("Telesales"), "mobile": _l("Mobile"), "ecommerce": _l("E-commerce"),
    "partner": _l("Partner"), "field": _l("Field sales"), "web": _l("Web"),
}
STATUS_LABELS = {"open": _l("Open"), "won": _l("Won"), "lost": _l("Lost")}
CATEGORY_LABELS = {
    "pipeline": _l("Pipeline"), "best_case": _l("Best case"), "commit": _l("Commit"),
    "closed": _l("Closed won"), "omitted": _l("Omitted"),
}
PRIORITY_LABELS = {0: _l("Normal"), 1: _l("Low"), 2: _l("High"), 3: _l("Very high")}


def _choice(options: dict[str, Any], **kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.OneOf(list(options), labels=list(options.values()), error=_l("Choose one of: {choices}.")),
        **kwargs,
    )


def _text(max_len: int, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(max=max_len, error=_l("At most {max} characters.")), **kwargs)


def _money(**kwargs: Any) -> fields.Decimal:
    return fields.Decimal(
        places=2, as_string=True,
        validate=validate.Range(min=0, max=10**12 - 1, error=_l("Enter an amount from {min} to {max}.")), **kwargs,
    )


def _currency(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Regexp(r"^[A-Z]{3}$", error=_l("Use a three-letter currency code, e.g. EUR, USD, CNY.")),
        **kwargs,
    )


def editing_id() -> int | None:
    """The id in the URL of the form or API request that edits a record, else None."""
    if not has_request_context() or not request.view_args:
        return None
    value = request.view_args.get("id")
    return value if isinstance(value, int) else None


def _small_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


class _Base(toolkit.FormSchema):
    pass


class _Record(_Base):
    owner_id = fields.Integer(allow_none=True, metadata={"label": _l("Salesperson")})
    department_id = fields.Integer(allow_none=True, metadata={"label": _l("Team")})
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)


def _visible(model_path: str, object_name: str, record_id: Any) -> bool:
    from modules.contacts.models import Company, Contact

    model = {"company": Company, "contact": Contact}[model_path]
    if not _small_id(record_id):
        return False
    stmt = sa.select(model.id).where(model.id == record_id)
    if has_request_context():
        stmt = toolkit.scope(stmt, object_name)
    return db.session.scalar(stmt) is not None


def check_customer(data: dict[str, Any], errors: dict[str, list[str]], *, current: Any = None) -> None:
    """Company and contact exist and are visible to the user; at least one of them (counting ``current``)."""
    for key, kind, obj in (("company_id", "company", "contacts.company"), ("contact_id", "contact", "contacts.contact")):
        value = data.get(key)
        if value is not None and not _visible(kind, obj, value):
            errors[key] = [_("There is no %(kind)s with this number that you may see.",
                             kind=_("company") if kind == "company" else _("contact"))]
    company = data["company_id"] if "company_id" in data else getattr(current, "company_id", None)
    contact = data["contact_id"] if "contact_id" in data else getattr(current, "contact_id", None)
    if company is None and contact is None and "company_id" not in errors:
        errors["company_id"] = [_("Choose a company or a contact (at least one).")]


class StageSchema(_Base):
    pipeline_id = fields.Integer(required=True, metadata={"label": _l("Pipeline")})
    name = fields.String(required=True, validate=validate.Length(min=1, max=100), metadata={"label": _l("Name")})
    sequence = fields.Integer(load_default=10, validate=validate.Range(min=0, max=100000),
                              metadata={"label": _l("Order"), "help": _l("Stages are shown from low to high.")})
    probability = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100),
                                 metadata={"label": _l("Probability (%)")})
    forecast_category = _choice(CATEGORY_LABELS, load_default="pipeline", metadata={"label": _l("Forecast category")})
    is_won = fields.Boolean(load_default=False, metadata={"label": _l("Won stage")})
    is_lost = fields.Boolean(load_default=False, metadata={"label": _l("Lost stage")})

    @validates_schema
    def _flags(self, data: dict[str, Any], **_kw: Any) -> None:
        if data.get("is_won") and data.get("is_lost"):
            raise ValidationError(_("A stage is either won or lost, not both."), "is_lost")
        pipeline_id = data.get("pipeline_id")
        if pipeline_id is not None and (not _small_id(pipeline_id) or db.session.get(Pipeline, pipeline_id) is None):
            raise ValidationError(_("Choose an existing pipeline."), "pipeline_id")


class PipelineSchema(_Base):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100), metadata={"label": _l("Name")})
    currency = _currency(load_default="EUR", metadata={"label": _l("Currency")})
    active = fields.Boolean(load_default=True, metadata={"label": _l("Active")})
    sequence = fields.Integer(load_default=10, validate=validate.Range(min=0, max=100000),
                              metadata={"label": _l("Order")})
    version = fields.Integer(dump_only=True)
    stages = fields.Method("_stages", dump_only=True)

    def _stages(self, pipeline: Pipeline) -> list[dict[str, Any]]:
        rows = db.session.scalars(
            sa.select(Stage).where(Stage.pipeline_id == pipeline.id).order_by(Stage.sequence, Stage.id)
        )
        return [
            {"id": s.id, "name": s.name, "sequence": s.sequence, "probability": s.probability,
             "forecast_category": s.forecast_category, "is_won": s.is_won, "is_lost": s.is_lost}
            for s in rows
        ]


class OpportunitySchema(_Record):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200, error=_l("Between {min} and {max} characters.")),
                         metadata={"label": _l("Name")})
    pipeline_id = fields.Integer(required=True, metadata={"label": _l("Pipeline")})
    stage_id = fields.Integer(allow_none=True, metadata={
        "label": _l("Stage"), "help": _l("Empty: the first stage of the pipeline.")})
    company_id = fields.Integer(allow_none=True, metadata={"label": _l("Company")})
    contact_id = fields.Integer(allow_none=True, metadata={"label": _l("Contact")})
    amount = _money(load_default=Decimal("0.00"), metadata={"label": _l("Amount")})
    currency = _currency(allow_none=True, metadata={"label": _l("Currency"), "help": _l("Empty: the pipeline's.")})
    expected_close = fields.Date(allow_none=True, metadata={"label": _l("Expected close")})
    probability = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=100), metadata={
        "label": _l("Probability (%)"), "help": _l("Used only when 'set probability by hand' is ticked.")})
    probability_manual = fields.Boolean(load_default=False, metadata={"label": _l("Set probability by hand")})
    weighted_amount = fields.Decimal(places=2, as_string=True, dump_only=True)
    learned_probability = fields.Decimal(places=2, as_string=True, dump_only=True)
    channel = _choice(CHANNEL_LABELS, allow_none=True, metadata={"label": _l("Channel")})
    source = _text(100, allow_none=True, metadata={"label": _l("Source")})
    priority = fields.Integer(load_default=0, validate=validate.Range(min=0, max=3), metadata={
        "label": _l("Priority"), "help": _l("0 normal to 3 very high.")})
    tags = _text(200, allow_none=True, metadata={"label": _l("Tags")})
    next_step = _text(200, allow_none=True, metadata={"label": _l("Next step")})
    next_step_date = fields.Date(allow_none=True, metadata={"label": _l("Next step on")})
    lost_reason = _text(200, allow_none=True, metadata={
        "label": _l("Lost reason"), "help": _l("Needed when the opportunity is moved to a lost stage.")})
    status = fields.String(dump_only=True)
    closed_at = fields.DateTime(dump_only=True)
    stage_entered_at = fields.DateTime(dump_only=True)
    kanban_rank = fields.Float(dump_only=True)

    @validates_schema
    def _consistent(self, data: dict[str, Any], partial: Any = None, **_kw: Any) -> None:
        errors: dict[str, list[str]] = {}
        record_id = editing_id()
        current = db.session.get(Opportunity, record_id) if record_id is not None else None
        check_customer(data, errors, current=current if partial or current is not None else None)
        pipeline_id = data.get("pipeline_id", getattr(current, "pipeline_id", None))
        pipeline = db.session.get(Pipeline, pipeline_id) if _small_id(pipeline_id) else None
        if "pipeline_id" in data and (pipeline is None or (current is not None and pipeline.id != current.pipeline_id)):
            errors["pipeline_id"] = [_("Choose an existing pipeline.") if pipeline is None else
                                     _("An opportunity stays in its pipeline; create a new one instead.")]
        stage_id = data.get("stage_id")
        stage = db.session.get(Stage, stage_id) if _small_id(stage_id) else None
        if stage_id is not None and (stage is None or (pipeline is not None and stage.pipeline_id != pipeline.id)):
            errors["stage_id"] = [_("Choose a stage of this opportunity's pipeline.")]
        elif stage is not None:
            if current is not None and current.status != "open" and stage.id != current.stage_id:
                errors["stage_id"] = [_("This opportunity is closed (%(status)s); a won or lost opportunity "
                                        "cannot be moved.", status=str(STATUS_LABELS[current.status]).lower())]
            reason = data.get("lost_reason", getattr(current, "lost_reason", None))
            if stage.is_lost and not (reason or "").strip():
                errors["lost_reason"] = [_("Give the reason why the opportunity was lost.")]
        if data.get("probability_manual") and data.get("probability") is None and current is None:
            errors["probability"] = [_("Enter the probability you set by hand.")]
        if errors:
            raise ValidationError(errors)


class QuotaSchema(_Base):
    user_id = fields.Integer(allow_none=True, metadata={"label": _l("Salesperson")})
    department_id = fields.Integer(allow_none=True, metadata={"label": _l("Team")})
    period_start = fields.Date(required=True, metadata={"label": _l("From")})
    period_end = fields.Date(required=True, metadata={"label": _l("To")})
    amount = _money(required=True, metadata={"label": _l("Quota")})
    currency = _currency(load_default="EUR", metadata={"label": _l("Currency")})
    version = fields.Integer(dump_only=True)

    @validates_schema
    def _target(self, data: dict[str, Any], partial: Any = None, **_kw: Any) -> None:
        from modules.sales.pipeline.models import Quota

        current = db.session.get(Quota, editing_id()) if editing_id() is not None else None
        user = data["user_id"] if "user_id" in data else getattr(current, "user_id", None)
        dep = data["department_id"] if "department_id" in data else getattr(current, "department_id", None)
        if (user is None) == (dep is None):
            raise ValidationError(_("Choose either a salesperson or a team (exactly one)."), "user_id")
        if user is not None and (not _small_id(user) or db.session.get(toolkit.User, user) is None):
            raise ValidationError(_("Choose an existing user."), "user_id")
        if dep is not None and (not _small_id(dep) or db.session.get(toolkit.Department, dep) is None):
            raise ValidationError(_("Choose an existing team."), "department_id")
        start = data.get("period_start", getattr(current, "period_start", None))
        end = data.get("period_end", getattr(current, "period_end", None))
        if start and end and end < start:
            raise ValidationError(_("The period must end on or after its first day."), "period_end")


class SalesRecordSchema(_Record):
    sold_on = fields.Date(required=True, metadata={"label": _l("Date")})
    amount = _money(required=True, metadata={"label": _l("Amount")})
    currency = _currency(load_default="EUR", metadata={"label": _l("Currency")})
    company_id = fields.Integer(allow_none=True, metadata={"label": _l("Company")})
    contact_id = fields.Integer(allow_none=True, metadata={"label": _l("Contact")})
    notes = _text(5000, allow_none=True, metadata={"label": _l("Notes"), "widget": "textarea"})
    order_ref = fields.String(dump_only=True)

    @validates_schema
    def _customer(self, data: dict[str, Any], partial: Any = None, **_kw: Any) -> None:
        from modules.sales.pipeline.models import SalesRecord

        errors: dict[str, list[str]] = {}
        record_id = editing_id()
        current = db.session.get(SalesRecord, record_id) if record_id is not None else None
        check_customer(data, errors, current=current)
        if errors:
            raise ValidationError(errors)


__all__ = ["CHANNELS", "FORECAST_CATEGORIES", "OpportunitySchema", "PipelineSchema", "QuotaSchema",
           "SalesRecordSchema", "StageSchema"]
