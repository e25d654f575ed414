"""Pages beyond the generic ones: the kanban and its moves, product lines, the forecast, pipeline set-up.

URLs (blueprint ``sales_board`` under ``/sales``)::

    GET       /sales/kanban                                  the first active pipeline's kanban
    GET       /sales/pipelines/<pipeline_id>/kanban          the kanban of a pipeline
    GET       /sales/pipelines/<pipeline_id>/kanban/<stage>  more cards of one column (htmx partial)
    POST      /sales/opportunities/<id>/move                 a stage change (drag and drop, card form, detail page)
    POST      /sales/opportunities/<id>/lines                add a product line
    POST      /sales/opportunities/<id>/lines/<line>/delete  remove a product line
    GET       /sales/forecast                                forecast by period, salesperson or team
    GET       /sales/pipelines/                              pipelines (set-up)
    GET/POST  /sales/pipelines/new, /sales/pipelines/<id>/edit
    POST      /sales/pipelines/<id>/stages                   add a stage
    GET/POST  /sales/stages/<id>/edit
    POST      /sales/stages/<id>/up|down|delete
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError
from sqlalchemy.orm.exc import StaleDataError

from core import toolkit
from core.toolkit import _, sa
from modules.sales.pipeline import forecast as fc
from modules.sales.pipeline import kanban, schemas, services
from modules.sales.pipeline.models import Opportunity, OpportunityLine, Pipeline, Stage

db = toolkit.db
bp = Blueprint("sales_board", __name__, url_prefix="/sales")


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch" or request.accept_mimetypes.best == "application/json"


def _int_arg(source: Any, name: str) -> int | None:
    raw = (source.get(name) or "").strip()
    if not raw.isdigit() or len(raw) > 12:
        return None
    return int(raw)


# -- kanban ------------------------------------------------------------------------------------------


@bp.get("/kanban")
@toolkit.require("sales.opportunity.read")
def index() -> ResponseReturnValue:
    """The kanban of the first active pipeline (the menu's "Pipeline" entry)."""
    first = db.session.scalar(
        sa.select(Pipeline.id).where(Pipeline.active.is_(True)).order_by(Pipeline.sequence, Pipeline.id).limit(1)
    )
    if first is None:
        flash(_("There is no active pipeline yet."), "warning")
        return redirect(url_for("sales_opportunities.list"))
    return _kanban(first)


def _pipeline_or_404(pipeline_id: int) -> Pipeline:
    pipeline = db.session.get(Pipeline, pipeline_id) if pipeline_id < 2**31 else None
    if pipeline is None:
        abort(404)
    return pipeline


@bp.get("/pipelines/<int:pipeline_id>/kanban", endpoint="kanban")
@toolkit.require("sales.opportunity.read")
def kanban_page(pipeline_id: int) -> ResponseReturnValue:
    return _kanban(pipeline_id)


def _kanban(pipeline_id: int) -> ResponseReturnValue:
    pipeline = _pipeline_or_404(pipeline_id)
    columns = kanban.board(pipeline)
    pipelines = db.session.execute(
        sa.select(Pipeline.id, Pipeline.name).where(Pipeline.active.is_(True)).order_by(Pipeline.sequence, Pipeline.id)
    ).all()
    return render_template(
        "sales/pipeline/kanban.html", pipeline=pipeline, columns=columns, pipelines=pipelines,
        may_move=toolkit.can("sales.opportunity.write"), may_create=toolkit.can("sales.opportunity.create"),
        closed_days=kanban.CLOSED_DAYS, breadcrumbs=[(_("Pipeline"), None), (pipeline.name, None)],
    )


@bp.get("/pipelines/<int:pipeline_id>/kanban/<int:stage_id>")
@toolkit.require("sales.opportunity.read")
def column(pipeline_id: int, stage_id: int) -> ResponseReturnValue:
    pipeline = _pipeline_or_404(pipeline_id)
    stage = db.session.get(Stage, stage_id) if stage_id < 2**31 else None
    if stage is None or stage.pipeline_id != pipeline.id:
        abort(404)
    try:
        after = (float(request.args.get("after_rank", "")), int(request.args.get("after_id", "")))
    except ValueError:
        abort(400)
    col = kanban.more_cards(stage, after)
    stages = list(db.session.scalars(
        sa.select(Stage).where(Stage.pipeline_id == pipeline.id).order_by(Stage.sequence, Stage.id)))
    template = "sales/pipeline/_cards.html" if request.headers.get("HX-Request") else "sales/pipeline/column.html"
    return render_template(
        template, pipeline=pipeline, col=col, stages=stages, may_move=toolkit.can("sales.opportunity.write"),
    )


def _totals_json(stage_ids: list[int], currency: str) -> dict[str, Any]:
    totals = kanban.column_totals(stage_ids)
    return {
        str(sid): {"count": totals.get(sid, (0, Decimal(0)))[0],
                   "total": toolkit.format_currency(totals.get(sid, (0, Decimal(0)))[1], currency)}
        for sid in stage_ids
    }


@bp.post("/opportunities/<int:id>/move")
@toolkit.require("sales.opportunity.write")
def move(id: int) -> ResponseReturnValue:
    """A stage change: JSON for the board's script, a redirect with a message for the plain form."""
    if id >= 2**31:
        abort(404)
    opp = toolkit.get_or_404(Opportunity, id, "sales.opportunity", "write")
    form = request.form
    back = form.get("next") or ""
    if not back.startswith("/sales/") or back.startswith("//"):
        back = url_for("sales_board.kanban", pipeline_id=opp.pipeline_id)
    from_stage = opp.stage_id
    pipeline = db.session.get(Pipeline, opp.pipeline_id)
    stage_id = _int_arg(form, "stage_id")
    rank = kanban.rank_between(_int_arg(form, "above_id"), _int_arg(form, "below_id"), stage_id or 0)
    if rank is None and stage_id is not None and stage_id != from_stage:
        rank = services.top_rank(stage_id)  # a card moved without a position goes first in its new column
    try:
        moved = services.move(opp, stage_id, version=_int_arg(form, "version"), lost_reason=form.get("lost_reason"),
                              rank=rank)
        db.session.commit()
    except services.MoveError as exc:
        db.session.rollback()
        if _wants_json():
            return jsonify({"ok": False, "field": exc.field, "message": exc.message}), exc.status
        flash(exc.message, "error")
        return redirect(back)
    except StaleDataError:
        db.session.rollback()
        message = _("Someone else changed this opportunity meanwhile (it is now in another state); "
                    "nothing was changed. Reload and try again.")
        if _wants_json():
            return jsonify({"ok": False, "field": "version", "message": message}), 409
        flash(message, "error")
        return redirect(back)
    opp = moved.opportunity
    if moved.event == "opportunity.won":
        message = _("%(name)s is won.", name=opp.name)
    elif moved.event == "opportunity.lost":
        message = _("%(name)s is lost.", name=opp.name)
    else:
        message = _("%(name)s moved.", name=opp.name)
    if _wants_json():
        return jsonify({
            "ok": True, "message": message, "id": opp.id, "version": opp.version, "status": opp.status,
            "probability": opp.probability,
            "columns": _totals_json(sorted({from_stage, opp.stage_id}), pipeline.currency if pipeline else "EUR"),
        })
    flash(message, "success")
    return redirect(back)


# -- product lines -------------------------------------------------------------------------------------


def _decimal(raw: str | None, default: Decimal | None = None) -> Decimal | None:
    text = (raw or "").strip().replace(",", ".")
    if not text:
        return default
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


@bp.post("/opportunities/<int:id>/lines")
@toolkit.require("sales.opportunity.write")
def add_line(id: int) -> ResponseReturnValue:
    from modules.products.pricing import PricingError

    if id >= 2**31:
        abort(404)
    opp = toolkit.get_or_404(Opportunity, id, "sales.opportunity", "write")
    back = url_for("sales_opportunities.detail", id=opp.id) + "#lines"
    errors: list[str] = []
    product_id = _int_arg(request.form, "product_id")
    numbers: dict[str, Decimal | None] = {}
    for name, default, label in (("quantity", Decimal("1"), _("Quantity")), ("unit_price", None, _("Unit price")),
                                 ("discount", Decimal("0"), _("Discount"))):
        try:
            numbers[name] = _decimal(request.form.get(name), default)
        except ValueError:
            errors.append(_("%(field)s: enter a number.", field=label))
    quantity, unit_price, discount = numbers.get("quantity"), numbers.get("unit_price"), numbers.get("discount")
    if product_id is None:
        errors.append(_("Product: choose a product."))
    if not errors:
        assert quantity is not None and discount is not None and product_id is not None
        try:
            services.add_line(opp, product_id, quantity, unit_price=unit_price, discount=discount)
            db.session.flush()
            if opp.status == "open":
                total = services.lines_total(opp.id)
                if total > 0:
                    opp.amount = total
                    opp.recompute()
            db.session.commit()
        except PricingError as exc:
            db.session.rollback()
            errors.append(f"{_field_label(exc.field)}: {exc.message}")
        except services.MoveError as exc:
            db.session.rollback()
            errors.append(f"{_field_label(exc.field)}: {exc.message}")
    if errors:
        for message in errors:
            flash(message, "error")
    else:
        flash(_("Line added."), "success")
    return redirect(back)


def _field_label(name: str) -> str:
    return {"product": _("Product"), "quantity": _("Quantity"), "pricelist": _("Price list"),
            "currency": _("Currency"), "discount": _("Discount"), "unit_price": _("Unit price")}.get(name, name)


@bp.post("/opportunities/<int:id>/lines/<int:line_id>/delete")
@toolkit.require("sales.opportunity.write")
def delete_line(id: int, line_id: int) -> ResponseReturnValue:
    if id >= 2**31 or line_id >= 2**31:
        abort(404)
    opp = toolkit.get_or_404(Opportunity, id, "sales.opportunity", "write")
    line = db.session.get(OpportunityLine, line_id)
    if line is None or line.opportunity_id != opp.id:
        abort(404)
    db.session.delete(line)
    db.session.flush()
    if opp.status == "open":
        total = services.lines_total(opp.id)
        if total > 0:
            opp.amount = total
            opp.recompute()
    db.session.commit()
    flash(_("Line removed."), "success")
    return redirect(url_for("sales_opportunities.detail", id=opp.id) + "#lines")


# -- forecast -------------------------------------------------------------------------------------------


def _date_arg(name: str) -> date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


@bp.get("/forecast")
@toolkit.require("sales.opportunity.read")
def forecast() -> ResponseReturnValue:
    period = request.args.get("period") if request.args.get("period") in ("month", "quarter") else "quarter"
    grouping = request.args.get("group") if request.args.get("group") in fc.GROUPINGS else "owner"
    may_teams = toolkit.can("sales.forecast")
    if grouping == "team" and not may_teams:
        grouping = "owner"
    start, end = fc.default_range(period)
    start = _date_arg("from") or start
    end = _date_arg("to") or end
    errors = []
    if end < start:
        errors.append(_("The end of the range must not be before its start."))
        start, end = fc.default_range(period)
    if fc.months_between(start, end) > 36:
        errors.append(_("Choose at most 36 months."))
        start, end = fc.default_range(period)
    pipeline_id = _int_arg(request.args, "pipeline")
    if pipeline_id is not None and (pipeline_id >= 2**31 or db.session.get(Pipeline, pipeline_id) is None):
        pipeline_id = None
    result = fc.compute(period=period, grouping=grouping, start=start, end=end, pipeline_id=pipeline_id)
    pipelines = db.session.execute(sa.select(Pipeline.id, Pipeline.name).order_by(Pipeline.sequence, Pipeline.id)).all()
    currency = "EUR"
    if pipeline_id is not None:
        currency = db.session.get(Pipeline, pipeline_id).currency
    return render_template(
        "sales/pipeline/forecast.html", result=result, period=period, grouping=grouping, may_teams=may_teams,
        start=start, end=end, pipelines=pipelines, pipeline_id=pipeline_id, errors=errors, currency=currency,
        label=lambda key: fc.period_label(key, period), breadcrumbs=[(_("Forecast"), None)],
    )


# -- pipelines and stages (set-up) ------------------------------------------------------------------------


def _load_form(schema: type, form: Any, names: list[str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    raw: dict[str, Any] = {}
    fields = schema().fields
    for name in names:
        f = fields[name]
        if f.__class__.__name__ == "Boolean":
            raw[name] = bool(form.get(name))
        else:
            raw[name] = (form.get(name) or "").strip()
    try:
        return schema().load(raw), {}
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"": exc.messages}
        return {}, {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in messages.items()}


PIPELINE_FIELDS = ["name", "currency", "active", "sequence"]
STAGE_FIELDS = ["name", "sequence", "probability", "forecast_category", "is_won", "is_lost"]


@bp.get("/pipelines/")
@toolkit.require("sales.pipeline.read")
def pipelines() -> ResponseReturnValue:
    rows = db.session.execute(
        sa.select(Pipeline, sa.func.count(Stage.id)).outerjoin(Stage, Stage.pipeline_id == Pipeline.id)
        .group_by(Pipeline.id).order_by(Pipeline.sequence, Pipeline.id)
    ).all()
    return render_template(
        "sales/pipeline/pipelines.html", rows=rows, may_create=toolkit.can("sales.pipeline.create"),
        may_write=toolkit.can("sales.pipeline.write"), breadcrumbs=[(_("Pipelines and stages"), None)],
    )


def _pipeline_values(pipeline: Pipeline | None) -> dict[str, Any]:
    if pipeline is None:
        return {"name": "", "currency": "EUR", "active": True, "sequence": 10}
    return {"name": pipeline.name, "currency": pipeline.currency, "active": pipeline.active,
            "sequence": pipeline.sequence}


def _render_pipeline(pipeline: Pipeline | None, values: dict[str, Any], errors: dict[str, list[str]],
                     stage_values: dict[str, Any] | None = None, stage_errors: dict[str, list[str]] | None = None,
                     status: int = 200) -> ResponseReturnValue:
    stages = list(db.session.scalars(
        sa.select(Stage).where(Stage.pipeline_id == pipeline.id).order_by(Stage.sequence, Stage.id)
    )) if pipeline is not None else []
    counts = dict(db.session.execute(
        sa.select(Opportunity.stage_id, sa.func.count()).where(Opportunity.pipeline_id == pipeline.id)
        .group_by(Opportunity.stage_id)
    ).all()) if pipeline is not None else {}
    return render_template(
        "sales/pipeline/pipeline_form.html", pipeline=pipeline, values=values, errors=errors, stages=stages,
        counts=counts, stage_values=stage_values or {"sequence": (len(stages) + 1) * 10, "probability": 0,
                                                     "forecast_category": "pipeline"},
        stage_errors=stage_errors or {}, categories=schemas.CATEGORY_LABELS,
        breadcrumbs=[(_("Pipelines and stages"), url_for("sales_board.pipelines")),
                     (pipeline.name if pipeline is not None else _("New pipeline"), None)],
    ), status


@bp.route("/pipelines/new", methods=["GET", "POST"])
@toolkit.require("sales.pipeline.create")
def pipeline_new() -> ResponseReturnValue:
    if request.method == "GET":
        return _render_pipeline(None, _pipeline_values(None), {})
    data, errors = _load_form(schemas.PipelineSchema, request.form, PIPELINE_FIELDS)
    if errors:
        return _render_pipeline(None, dict(request.form), errors, status=422)
    if request.form.get("with_stages"):
        pipeline = services.install_default_pipeline(data["name"], data["currency"], data["sequence"])
        pipeline.active = data["active"]
    else:
        pipeline = Pipeline(**data)
        db.session.add(pipeline)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("sales_board.pipeline_edit", id=pipeline.id))


@bp.route("/pipelines/<int:id>/edit", methods=["GET", "POST"])
@toolkit.require("sales.pipeline.write")
def pipeline_edit(id: int) -> ResponseReturnValue:
    pipeline = _pipeline_or_404(id)
    if request.method == "GET":
        return _render_pipeline(pipeline, _pipeline_values(pipeline), {})
    if _int_arg(request.form, "version") != pipeline.version:
        return _render_pipeline(pipeline, dict(request.form), {"": [_(
            "Someone else changed this pipeline while you were editing it. Nothing was saved; "
            "the saved values are shown.")]}, status=409)
    data, errors = _load_form(schemas.PipelineSchema, request.form, PIPELINE_FIELDS)
    if errors:
        return _render_pipeline(pipeline, dict(request.form), errors, status=422)
    for key, value in data.items():
        setattr(pipeline, key, value)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _render_pipeline(_pipeline_or_404(id), dict(request.form), {"": [_(
            "Someone else changed this pipeline while you were editing it. Nothing was saved.")]}, status=409)
    flash(_("Saved."), "success")
    return redirect(url_for("sales_board.pipeline_edit", id=pipeline.id))


@bp.post("/pipelines/<int:id>/stages")
@toolkit.require("sales.pipeline.write")
def stage_new(id: int) -> ResponseReturnValue:
    pipeline = _pipeline_or_404(id)
    form = {**request.form.to_dict(), "pipeline_id": str(pipeline.id)}
    data, errors = _load_form(schemas.StageSchema, form, ["pipeline_id", *STAGE_FIELDS])
    if errors:
        return _render_pipeline(pipeline, _pipeline_values(pipeline), {}, dict(request.form), errors, status=422)
    db.session.add(Stage(**data))
    db.session.commit()
    flash(_("Stage added."), "success")
    return redirect(url_for("sales_board.pipeline_edit", id=pipeline.id))


def _stage_or_404(id: int) -> Stage:
    stage = db.session.get(Stage, id) if id < 2**31 else None
    if stage is None:
        abort(404)
    return stage


@bp.route("/stages/<int:id>/edit", methods=["GET", "POST"])
@toolkit.require("sales.pipeline.write")
def stage_edit(id: int) -> ResponseReturnValue:
    stage = _stage_or_404(id)
    values: dict[str, Any] = {n: getattr(stage, n) for n in STAGE_FIELDS}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        form = {**request.form.to_dict(), "pipeline_id": str(stage.pipeline_id)}
        data, errors = _load_form(schemas.StageSchema, form, ["pipeline_id", *STAGE_FIELDS])
        used = db.session.scalar(sa.select(sa.func.count()).where(Opportunity.stage_id == stage.id)) or 0
        if not errors and used and (data["is_won"] != stage.is_won or data["is_lost"] != stage.is_lost):
            errors = {"is_won": [_("Opportunities are in this stage: its won/lost flags cannot change.")]}
        if not errors:
            for key in STAGE_FIELDS:
                setattr(stage, key, data[key])
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("sales_board.pipeline_edit", id=stage.pipeline_id))
        values, status = dict(request.form), 422
    return render_template(
        "sales/pipeline/stage_form.html", stage=stage, values=values, errors=errors,
        categories=schemas.CATEGORY_LABELS,
        breadcrumbs=[(_("Pipelines and stages"), url_for("sales_board.pipelines")),
                     (stage.name, None)],
    ), status


@bp.post("/stages/<int:id>/up", endpoint="stage_up", defaults={"direction": "up"})
@bp.post("/stages/<int:id>/down", endpoint="stage_down", defaults={"direction": "down"})
@toolkit.require("sales.pipeline.write")
def stage_reorder(id: int, direction: str) -> ResponseReturnValue:
    stage = _stage_or_404(id)
    stages = list(db.session.scalars(
        sa.select(Stage).where(Stage.pipeline_id == stage.pipeline_id).order_by(Stage.sequence, Stage.id)))
    index = stages.index(stage)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(stages):
        stages[index], stages[other] = stages[other], stages[index]
        for position, item in enumerate(stages):
            item.sequence = (position + 1) * 10
        db.session.commit()
    return redirect(url_for("sales_board.pipeline_edit", id=stage.pipeline_id))


@bp.post("/stages/<int:id>/delete")
@toolkit.require("sales.pipeline.delete")
def stage_delete(id: int) -> ResponseReturnValue:
    stage = _stage_or_404(id)
    pipeline_id = stage.pipeline_id
    used = db.session.scalar(sa.select(sa.func.count()).where(Opportunity.stage_id == stage.id)) or 0
    if used:
        flash(_("This stage holds %(count)d opportunities; move them first.", count=used), "error")
    else:
        db.session.delete(stage)
        db.session.commit()
        flash(_("Stage deleted."), "success")
    return redirect(url_for("sales_board.pipeline_edit", id=pipeline_id))
