"""Opportunity, quota and sales record pages, declared on the platform's generic views.

``crud_blueprint`` gives each list (search, filters, sort, keyset pages,
export), form (field errors, optimistic locking) and detail page behind
``sales.<object>.<action>`` and the record rules. The opportunity page adds
the stage, probability (and the learned one), weighted amount, product lines,
panels from other modules (``sales_opportunity_panels``), a move form and the
stage history with the time spent in each stage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from flask import Blueprint, has_request_context, url_for
from markupsafe import Markup

from core import toolkit
from core.toolkit import _, _l, sa
from modules.sales.pipeline import schemas
from modules.sales.pipeline.models import (
    Opportunity,
    OpportunityLine,
    Pipeline,
    Quota,
    SalesRecord,
    Stage,
    StageHistory,
)

db = toolkit.db
Column = toolkit.Column

#: most entries a picker offers (beyond that a number field)
OPTIONS_CAP = 200


# -- pickers ---------------------------------------------------------------------------------------


def pipeline_options() -> list[tuple[int, str]]:
    return [(i, n) for i, n in db.session.execute(
        sa.select(Pipeline.id, Pipeline.name).where(Pipeline.active.is_(True)).order_by(Pipeline.sequence, Pipeline.id)
    )]


def stage_options() -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(Stage.id, Stage.name, Pipeline.name).join(Pipeline, Pipeline.id == Stage.pipeline_id)
        .where(Pipeline.active.is_(True)).order_by(Pipeline.sequence, Pipeline.id, Stage.sequence, Stage.id)
    )
    return [(i, f"{p} · {n}") for i, n, p in rows]


def company_options() -> list[tuple[int, str]]:
    from modules.contacts.profile_lists import company_options as options

    return options(OPTIONS_CAP)


def contact_options() -> list[tuple[int, str]]:
    from modules.contacts.profile_lists import contact_options as options

    return options(OPTIONS_CAP)


def user_options() -> list[tuple[int, str]]:
    User = toolkit.User
    rows = list(db.session.execute(
        sa.select(User.id, User.name, User.email).where(User.active.is_(True)).order_by(User.name, User.email)
        .limit(OPTIONS_CAP + 1)
    ))
    return [] if len(rows) > OPTIONS_CAP else [(i, n or e) for i, n, e in rows]


def team_options() -> list[tuple[int, str]]:
    Department = toolkit.Department
    return [(i, n) for i, n in db.session.execute(sa.select(Department.id, Department.name).order_by(Department.name))]


class PickerForm(toolkit.FormView):
    """``toolkit.FormView`` whose id fields become select boxes with choices read per request."""

    def __init__(self, *, pickers: dict[str, Callable[[], list[tuple[int, str]]]], **kwargs: Any) -> None:
        self.pickers = pickers
        super().__init__(**kwargs)

    @property
    def specs(self) -> list[toolkit.FieldSpec]:
        if not has_request_context():
            return self._specs
        result = []
        for spec in self._specs:
            picker = self.pickers.get(spec.name)
            options = picker() if picker is not None else []
            result.append(replace(spec, widget="select", choices=options) if options else spec)
        return result

    @specs.setter
    def specs(self, value: list[toolkit.FieldSpec]) -> None:
        self._specs = value


# -- opportunities -----------------------------------------------------------------------------------


def _money(value: Any) -> str:
    return toolkit.format_number(value, "#,##0.00") if value is not None else ""


opportunity_list = toolkit.ListView(
    model=Opportunity,
    object="sales.opportunity",
    title=_l("Opportunities"),
    columns=[
        Column("name", _l("Name"), sortable=True, link=True),
        Column("company.name", _l("Company")),
        Column("stage.name", _l("Stage")),
        Column("amount", _l("Amount"), sortable=True, format=_money),
        Column("currency", _l("Currency"), visible=False),
        Column("probability", _l("Probability (%)")),
        Column("weighted_amount", _l("Weighted amount"), format=_money, visible=False),
        Column("expected_close", _l("Expected close"), sortable=True),
        Column("status", _l("Status"), choices=schemas.STATUS_LABELS),
        Column("channel", _l("Channel"), choices=schemas.CHANNEL_LABELS, visible=False),
        Column("owner.name", _l("Salesperson")),
        Column("updated_at", _l("Last changed"), sortable=True),
    ],
    search=["name"],
    filters=[
        toolkit.ChoiceFilter("status", _l("Status"), choices=schemas.STATUS_LABELS),
        toolkit.RelatedFilter("pipeline", _l("Pipeline"), column="pipeline_id", options=pipeline_options),
        toolkit.RelatedFilter("stage", _l("Stage"), column="stage_id", options=stage_options),
        toolkit.RelatedFilter("owner", _l("Salesperson"), column="owner_id", options=user_options),
        toolkit.ChoiceFilter("channel", _l("Channel"), choices=schemas.CHANNEL_LABELS),
        toolkit.DateRangeFilter("expected_close", _l("Expected close")),
    ],
    default_sort="-updated_at",
    bulk_actions=[toolkit.BulkAction.delete()],
)

OPPORTUNITY_FIELDS = [
    "name", "pipeline_id", "stage_id", "company_id", "contact_id", "amount", "currency", "expected_close",
    "probability_manual", "probability", "channel", "source", "priority", "tags", "next_step", "next_step_date",
    "lost_reason", "owner_id", "department_id",
]


def _prepare_opportunity(record: Opportunity, data: dict[str, Any], creating: bool) -> None:
    from modules.sales.pipeline import services

    services.prepare_opportunity(record, data, creating)


opportunity_form = PickerForm(
    model=Opportunity, object="sales.opportunity", schema=schemas.OpportunitySchema, fields=OPPORTUNITY_FIELDS,
    prepare=_prepare_opportunity,
    pickers={"pipeline_id": pipeline_options, "stage_id": stage_options, "company_id": company_options,
             "contact_id": contact_options, "owner_id": user_options, "department_id": team_options},
)


def duration_text(seconds: int | None) -> str:
    """``3 d 4 h`` / ``5 h 10 min`` / ``12 min``: how long an opportunity stayed in a stage."""
    if seconds is None:
        return ""
    minutes = seconds // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h", days=days, hours=hours)
    if hours:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
    return _("%(minutes)d min", minutes=minutes)


def stage_history(opportunity: Opportunity) -> list[dict[str, Any]]:
    """The stage changes, oldest first, with the time spent in the stage left (and so far in the current one)."""
    From = sa.orm.aliased(Stage)
    To = sa.orm.aliased(Stage)
    User = toolkit.User
    rows = db.session.execute(
        sa.select(StageHistory, From.name, To.name, User.name, User.email)
        .outerjoin(From, From.id == StageHistory.from_stage_id)
        .outerjoin(To, To.id == StageHistory.to_stage_id)
        .outerjoin(User, User.id == StageHistory.changed_by_id)
        .where(StageHistory.opportunity_id == opportunity.id)
        .order_by(StageHistory.changed_at, StageHistory.id).limit(500)
    ).all()
    entries = [
        {"when": h.changed_at, "from": from_name or "", "to": to_name or "", "by": name or email or "",
         "seconds": h.seconds_in_from_stage, "duration": duration_text(h.seconds_in_from_stage)}
        for h, from_name, to_name, name, email in rows
    ]
    return entries


def opportunity_detail(record: Opportunity) -> dict[str, Any]:
    from modules.contacts.models import Company, Contact
    from modules.products.models import Product

    stage = db.session.get(Stage, record.stage_id)
    pipeline = db.session.get(Pipeline, record.pipeline_id)
    stages = list(db.session.scalars(
        sa.select(Stage).where(Stage.pipeline_id == record.pipeline_id).order_by(Stage.sequence, Stage.id)
    ))
    company = db.session.get(Company, record.company_id) if record.company_id else None
    contact = db.session.get(Contact, record.contact_id) if record.contact_id else None
    lines = db.session.execute(
        sa.select(OpportunityLine, Product.sku, Product.name).join(Product, Product.id == OpportunityLine.product_id)
        .where(OpportunityLine.opportunity_id == record.id).order_by(OpportunityLine.id)
    ).all()
    products = list(db.session.execute(
        sa.select(Product.id, Product.sku, Product.name).where(Product.active.is_(True)).order_by(Product.sku)
        .limit(OPTIONS_CAP + 1)
    ))
    panels = []
    for module, answer in toolkit.hook_each("sales_opportunity_panels", opportunity_id=record.id):
        for panel in answer or []:
            panels.append({"module": module, "title": str(panel.get("title", "")), "html": Markup(panel.get("html", ""))})
    history = stage_history(record)
    now = toolkit.utcnow()
    in_stage = int((now - record.stage_entered_at).total_seconds()) if record.status == "open" else None
    may_write = toolkit.record_allowed(record, "sales.opportunity", "write")
    return {
        "opp": record,
        "stage": stage,
        "pipeline": pipeline,
        "stages": stages,
        "company": company,
        "contact": contact,
        "lines": lines,
        "lines_total": sum((line.amount for line, _s, _n in lines), Decimal("0.00")),
        "products": [] if len(products) > OPTIONS_CAP else products,
        "panels": panels,
        "history": history,
        "in_stage": duration_text(in_stage) if in_stage is not None else "",
        "may_write": may_write,
        "status_label": str(schemas.STATUS_LABELS.get(record.status, record.status)),
        "kanban_href": url_for("sales_board.kanban", pipeline_id=record.pipeline_id),
    }


# -- quotas ----------------------------------------------------------------------------------------

quota_list = toolkit.ListView(
    model=Quota,
    object="sales.quota",
    title=_l("Quotas"),
    columns=[
        Column("period_start", _l("From"), sortable=True, link=True),
        Column("period_end", _l("To"), sortable=True),
        Column("user.name", _l("Salesperson")),
        Column("department.name", _l("Team")),
        Column("amount", _l("Quota"), sortable=True, format=_money),
        Column("currency", _l("Currency")),
    ],
    filters=[
        toolkit.RelatedFilter("user", _l("Salesperson"), column="user_id", options=user_options),
        toolkit.RelatedFilter("team", _l("Team"), column="department_id", options=team_options),
        toolkit.DateRangeFilter("period_start", _l("From")),
    ],
    default_sort="-period_start",
)
quota_form = PickerForm(
    model=Quota, object="sales.quota", schema=schemas.QuotaSchema,
    fields=["user_id", "department_id", "period_start", "period_end", "amount", "currency"],
    pickers={"user_id": user_options, "department_id": team_options},
)


def quota_label(quota: Quota) -> str:
    return _("Quota %(start)s – %(end)s", start=toolkit.format_date(quota.period_start),
             end=toolkit.format_date(quota.period_end))


def quota_detail(record: Quota) -> dict[str, Any]:
    from modules.sales.pipeline.forecast import won_for

    won = won_for(record)
    attainment = (won * 100 / record.amount).quantize(Decimal("0.1")) if record.amount else None
    target = (db.session.get(toolkit.User, record.user_id) if record.user_id
              else db.session.get(toolkit.Department, record.department_id))
    name = getattr(target, "display_name", None) or getattr(target, "name", "")
    return {"won": won, "attainment": attainment, "target_name": name}


# -- sales records -----------------------------------------------------------------------------------

record_list = toolkit.ListView(
    model=SalesRecord,
    object="sales.sales_record",
    title=_l("Sales records"),
    columns=[
        Column("sold_on", _l("Date"), sortable=True, link=True),
        Column("owner.name", _l("Salesperson")),
        Column("company.name", _l("Company")),
        Column("amount", _l("Amount"), sortable=True, format=_money),
        Column("currency", _l("Currency")),
        Column("notes", _l("Notes")),
        Column("order_ref", _l("Order"), visible=False),
    ],
    search=["notes"],
    filters=[
        toolkit.RelatedFilter("owner", _l("Salesperson"), column="owner_id", options=user_options),
        toolkit.DateRangeFilter("sold_on", _l("Date")),
    ],
    default_sort="-sold_on",
)
def _prepare_record(record: SalesRecord, data: dict[str, Any], creating: bool) -> None:
    """An empty salesperson means the one entering the sale (or, when editing, the one it had)."""
    if record.owner_id is None:
        history = sa.inspect(record).attrs.owner_id.history
        record.owner_id = history.deleted[0] if history.deleted and not creating else toolkit.acting_user_id()


record_form = PickerForm(
    model=SalesRecord, object="sales.sales_record", schema=schemas.SalesRecordSchema,
    fields=["sold_on", "amount", "currency", "company_id", "contact_id", "notes", "owner_id"],
    pickers={"company_id": company_options, "contact_id": contact_options, "owner_id": user_options},
    prepare=_prepare_record,
)


def record_label(record: SalesRecord) -> str:
    return _("Sale of %(date)s", date=toolkit.format_date(record.sold_on))


# -- registration ------------------------------------------------------------------------------------


def blueprints() -> list[Blueprint]:
    from modules.sales.pipeline import board

    return [
        toolkit.crud_blueprint(
            "sales", "opportunities", list_view=opportunity_list, form_view=opportunity_form, label="name",
            detail_template="sales/pipeline/opportunity_detail.html", detail_context=opportunity_detail,
        ),
        toolkit.crud_blueprint(
            "sales", "quotas", list_view=quota_list, form_view=quota_form, label=quota_label,
            detail_template="sales/pipeline/quota_detail.html", detail_context=quota_detail,
        ),
        toolkit.crud_blueprint(
            "sales", "records", list_view=record_list, form_view=record_form, label=record_label,
        ),
        board.bp,
    ]


def menu_items() -> list[toolkit.MenuItem]:
    item = toolkit.MenuItem
    return [
        item("sales", _l("Sales"), order=30, icon="chart"),
        item("sales.kanban", _l("Pipeline"), endpoint="sales_board.index", permission="sales.opportunity.read",
             parent="sales", order=10),
        item("sales.opportunities", _l("Opportunities"), endpoint="sales_opportunities.list",
             permission="sales.opportunity.read", parent="sales", order=20),
        item("sales.forecast", _l("Forecast"), endpoint="sales_board.forecast", permission="sales.opportunity.read",
             parent="sales", order=30),
        item("sales.quotas", _l("Quotas"), endpoint="sales_quotas.list", permission="sales.quota.read",
             parent="sales", order=70),
        item("sales.records", _l("Sales records"), endpoint="sales_records.list",
             permission="sales.sales_record.read", parent="sales", order=60),
        item("sales.pipelines", _l("Pipelines and stages"), endpoint="sales_board.pipelines",
             permission="sales.pipeline.write", parent="sales", order=90),
    ]

