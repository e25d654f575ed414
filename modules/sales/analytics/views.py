"""Pages of the analytics part: the sales reports (every sales widget on one page, or one alone) and the
win-probability model (figures, strongest features, retrain button)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from markupsafe import Markup

from core import toolkit
from core.toolkit import _, _l

log = logging.getLogger("crm.sales")
bp = Blueprint("sales_analytics", __name__, url_prefix="/sales/analytics")


class _Rendered:
    def __init__(self, widget: toolkit.Widget, html: Markup, failed: bool = False) -> None:
        self.widget, self.html, self.failed = widget, html, failed

    @property
    def width(self) -> int:
        return max(1, min(4, int(self.widget.width or 1)))


def _user() -> Any:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _visible() -> list[toolkit.Widget]:
    from modules.sales.analytics.kpi_widgets import widgets

    user = _user()
    return [w for w in widgets() if w.permission is None or toolkit.can(w.permission, user)]


def _render(widget: toolkit.Widget) -> _Rendered:
    """One widget's HTML; a failing one becomes core's error box (and a log entry), as on the dashboard."""
    try:
        context = widget.render(_user()) or {}
        return _Rendered(widget, Markup(render_template(widget.template, widget=widget, **context)))
    except Exception:
        log.exception("sales widget %s failed", widget.key)
        toolkit.db.session.rollback()
        return _Rendered(widget, Markup(render_template("core/widgets/error.html", widget=widget)), True)


@bp.get("/")
@toolkit.require("sales.reports")
def index() -> ResponseReturnValue:
    return render_template("sales/analytics/reports.html", widgets=[_render(w) for w in _visible()])


@bp.get("/widgets/<key>")
@toolkit.require("sales.reports")
def widget(key: str) -> ResponseReturnValue:
    """One widget as an HTML fragment (for loading widgets one by one, and for timing each)."""
    found = next((w for w in _visible() if w.key == key), None)
    if found is None:
        abort(404)
    item = _render(found)
    return str(item.html), (500 if item.failed else 200), {"Content-Type": "text/html; charset=utf-8"}


@bp.post("/refresh")
@toolkit.require("sales.reports")
def refresh() -> ResponseReturnValue:
    toolkit.enqueue("sales.refresh_kpis")
    flash(_("The sales figures are being recomputed; reload the page in a moment."), "success")
    return redirect(url_for("sales_analytics.index"))


FEATURE_LABELS = {"stage": _l("Stage reached"), "channel": _l("Channel"), "source": _l("Source"),
                  "tier": _l("Customer tier"), "amount_band": _l("Amount band"), "owner": _l("Salesperson")}


def _value_labels(top: list[dict[str, Any]], cuts: list[Any]) -> None:
    """Names instead of ids: stages, salespeople, amount ranges."""
    from modules.sales.pipeline.models import Stage

    stage_ids = [int(t["value"]) for t in top if t["feature"] == "stage" and t["value"].isdigit()]
    owner_ids = [int(t["value"]) for t in top if t["feature"] == "owner" and t["value"].isdigit()]
    stages = {k: v for k, v in toolkit.db.session.execute(
        toolkit.sa.select(Stage.id, Stage.name).where(Stage.id.in_(stage_ids)))} if stage_ids else {}
    owners = {k: v for k, v in toolkit.db.session.execute(
        toolkit.sa.select(toolkit.User.id, toolkit.User.name).where(toolkit.User.id.in_(owner_ids)))} \
        if owner_ids else {}
    for item in top:
        value = item["value"]
        item["feature_label"] = FEATURE_LABELS.get(item["feature"], item["feature"])
        if value == "":
            item["value_label"] = _("Not known")
        elif item["feature"] == "stage" and value.isdigit():
            item["value_label"] = stages.get(int(value), value)
        elif item["feature"] == "owner" and value.isdigit():
            item["value_label"] = owners.get(int(value)) or value
        elif item["feature"] == "amount_band" and value.isdigit():
            band = int(value)
            low = cuts[band - 1] if band > 0 and band - 1 < len(cuts) else None
            high = cuts[band] if band < len(cuts) else None
            if low is None:
                item["value_label"] = _("below %(amount)s", amount=toolkit.format_number(high))
            elif high is None:
                item["value_label"] = _("%(amount)s and more", amount=toolkit.format_number(low))
            else:
                item["value_label"] = f"{toolkit.format_number(low)} – {toolkit.format_number(high)}"
        else:
            item["value_label"] = value


@bp.get("/win-model")
@toolkit.require("sales.win_model")
def win_model() -> ResponseReturnValue:
    from modules.sales.analytics.learning import current
    from modules.sales.analytics.winmodel import WinModel

    run = current()
    top: list[dict[str, Any]] = []
    if run is not None and run.params:
        model = WinModel.from_json(run.params)
        top = model.top_features(limit=12)
        _value_labels(top, model.cuts)
    return render_template("sales/analytics/win_model.html", run=run, top=top)


@bp.post("/win-model/retrain")
@toolkit.require("sales.win_model")
def retrain() -> ResponseReturnValue:
    toolkit.enqueue("sales.retrain_win_model", user_id=_user().id)
    flash(_("The model is being retrained; reload the page in a moment."), "success")
    return redirect(url_for("sales_analytics.win_model"))
