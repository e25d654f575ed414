"""HTTP side of the generic views: ``crud_blueprint`` turns declarations into pages.

A module declares a ``ListView`` and a ``FormView`` and returns
``crud_blueprint(...)`` from ``crm_blueprints``; every route below goes
through ``require(<object>.<action>)`` and every record through the user's
record rule (``scope``/``get_or_404``), so a module cannot forget either.

URLs (``/<module>/<name>`` by default)::

    GET       /                 list (search, filters, sort, keyset pages)
    GET       /export.csv|xlsx  the filtered list as a file (and formats in ``ListView.exports``)
    POST      /columns          remember the chosen columns (session)
    POST      /bulk             a bulk action on the ticked rows
    GET/POST  /new              create
    GET       /<id>             detail with timeline
    GET/POST  /<id>/edit        edit (optimistic locking on ``version``)
    GET/POST  /<id>/delete      confirm, then delete
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from core.extensions import db
from core.i18n import gettext as _
from core.i18n import ngettext
from core.security import access
from core.ui.export import FORMATS, csv_response, xlsx_response
from core.ui.forms import FormView
from core.ui.lists import ListResult, ListView
from core.ui.timeline import timeline_for
from core.ui.values import Formatter, choice_map

#: most rows one bulk action takes (a page is 50; this leaves room for bigger pages)
MAX_BULK = 1000


def register_views(app: Flask) -> None:
    """Template helpers the generic views use (called from ``core.ui.init_app``)."""
    app.jinja_env.globals.setdefault("list_url", list_url)


def list_url(result: ListResult, **changes: Any) -> str:
    """The current list URL with some parameters changed (``None`` removes one)."""
    pairs = [(k, v) for k, v in _pairs(result.state.args) if k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        for item in value if isinstance(value, (list, tuple)) else [value]:
            pairs.append((key, item))
    query = urlencode(pairs)
    return f"{request.path}?{query}" if query else request.path


def _pairs(args: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Every (name, value) of a request's arguments, repeated names included."""
    if hasattr(args, "lists"):
        return [(k, v) for k, values in args.lists() for v in values]  # type: ignore[attr-defined]
    return list(args.items())


def _safe_next(target: str | None, fallback: str) -> str:
    """Only redirect back into this list (keeps its query string; no open redirect)."""
    if target and target.startswith(fallback) and not target.startswith("//"):
        return target
    return fallback


class Crud:
    """The pages of one declared object; ``crud_blueprint`` builds the routes."""

    def __init__(
        self,
        bp_name: str,
        list_view: ListView,
        form_view: FormView | None,
        detail: bool,
        label: str | Callable[[Any], str] | None,
        detail_fields: Sequence[str] | None,
        detail_template: str = "core/detail.html",
        detail_context: Callable[[Any], Mapping[str, Any]] | None = None,
    ) -> None:
        self.bp_name = bp_name
        self.detail_template = detail_template
        self.detail_context = detail_context
        self.list = list_view
        self.form = form_view
        self.detail = detail
        self.label = label
        self.object = list_view.object
        self.model = list_view.model
        self.detail_fields = list(detail_fields) if detail_fields is not None else None

    # -- helpers ---------------------------------------------------------------

    def endpoint(self, name: str) -> str:
        return f"{self.bp_name}.{name}"

    def title(self) -> str:
        if self.list.title is not None:
            return str(self.list.title)
        decl = current_app.extensions["crm"].registry.objects.get(self.object)
        return str(decl.label) if decl is not None else self.object

    def record_label(self, record: Any) -> str:
        if callable(self.label):
            return self.label(record)
        for attr in [self.label] if self.label else ["name", "title", "display_name"]:
            value = getattr(record, attr, None)
            if value:
                return str(value)
        return f"#{record.id}"

    def context(self, **extra: Any) -> dict[str, Any]:
        ctx = {
            "crud": self,
            "title": self.title(),
            "list_href": url_for(self.endpoint("list")),
            "can_create": self.form is not None and access.can(f"{self.object}.create"),
            "can_write": self.form is not None and access.can(f"{self.object}.write"),
            "can_delete": access.can(f"{self.object}.delete"),
        }
        ctx.update(extra)
        return ctx

    def record_href(self, record_id: int) -> str | None:
        if self.detail:
            return url_for(self.endpoint("detail"), id=record_id)
        if self.form is not None:
            return url_for(self.endpoint("edit"), id=record_id)
        return None

    # -- list, export, columns, bulk --------------------------------------------------

    def list_page(self) -> ResponseReturnValue:
        result = self.list.run(request.args)
        base = url_for(self.endpoint("list"))
        link = "detail" if self.detail else ("edit" if self.form is not None else None)
        bulk = [a for a in self.list.bulk_actions.values() if access.can(a.permission or "")]
        fmt = Formatter()
        count_text = fmt.number(result.count) + ("+" if result.count_capped else "")
        query = urlencode([(k, v) for k, v in _pairs(request.args) if k not in ("after", "before")])
        export_hrefs = {
            f: url_for(self.endpoint("export"), fmt=f) + (f"?{query}" if query else "")
            for f in (*FORMATS, *self.list.exports)
        } if self.may_export() else {}
        return render_template(
            self.list.template,
            **self.context(
                result=result,
                row_href=base if link else None,
                row_suffix="" if link == "detail" else "/edit",
                select_label=_("Select"),
                bulk_actions=bulk,
                count_text=count_text,
                export_hrefs=export_hrefs,
                breadcrumbs=[(self.title(), None)],
            ),
        )

    def may_export(self) -> bool:
        permission = self.list.export_permission
        return self.list.export and (permission is None or access.can(permission))

    def export(self, fmt: str) -> ResponseReturnValue:
        if not self.list.export or (fmt not in FORMATS and fmt not in self.list.exports):
            abort(404)
        if not self.may_export():
            abort(403)
        if fmt in self.list.exports:
            return self.list.exports[fmt](self.list, request.args)
        columns = self.list.visible_columns()
        if fmt == "csv":
            return csv_response(self.list, request.args, columns)
        return xlsx_response(self.list, request.args, columns)

    def columns(self) -> ResponseReturnValue:
        if request.form.get("reset"):
            self.list.choose_columns([])
        else:
            self.list.choose_columns(request.form.getlist("columns"))
        base = url_for(self.endpoint("list"))
        return redirect(_safe_next(request.form.get("next"), base))

    def bulk(self) -> ResponseReturnValue:
        base = url_for(self.endpoint("list"))
        back = _safe_next(request.form.get("next"), base)
        action = self.list.bulk_actions.get(request.form.get("action", ""))
        if action is None:
            abort(400)
        if not access.can(action.permission or ""):
            abort(403)
        ids = sorted({int(v) for v in request.form.getlist("ids") if v.isdigit()})[:MAX_BULK]
        if not ids:
            flash(_("Select at least one row first."), "warning")
            return redirect(back)
        if action.confirm and not request.form.get("confirmed"):
            return render_template(
                self.list.template,
                **self.context(
                    confirm_bulk={"action": action, "ids": ids, "next": back},
                    breadcrumbs=[(self.title(), base), (str(action.label), None)],
                ),
            )
        stmt = access.scope(sa.select(self.model).where(self.model.id.in_(ids)), self.object, action.record_action)  # type: ignore[attr-defined]
        records = list(db.session.scalars(stmt))
        try:
            changed = action.run(records)
            db.session.commit()
        except (StaleDataError, IntegrityError):
            db.session.rollback()
            flash(_("Nothing was changed: some of the records were changed or are still in use. Try again."), "error")
            return redirect(back)
        done = len(records) if changed is None else changed
        flash(ngettext("%(num)d record changed.", "%(num)d records changed.", done), "success")
        return redirect(back)

    # -- detail ---------------------------------------------------------------------

    def detail_page(self, id: int) -> ResponseReturnValue:
        record = access.get_or_404(self.model, id, self.object, "read")
        extra = dict(self.detail_context(record)) if self.detail_context is not None else {}
        return render_template(
            self.detail_template,
            **self.context(
                record=record,
                record_label=self.record_label(record),
                fields=self.detail_values(record),
                timeline=timeline_for(self.object, record.id),
                breadcrumbs=[(self.title(), url_for(self.endpoint("list"))), (self.record_label(record), None)],
                confirm_delete=False,
                **extra,
            ),
        )

    def detail_values(self, record: Any) -> list[tuple[str, str]]:
        fmt = Formatter()
        if self.detail_fields is not None:
            pairs = [(name, None, name.replace("_", " ").capitalize()) for name in self.detail_fields]
        elif self.form is not None:
            pairs = [(s.name, choice_map(s.choices), s.label) for s in self.form.specs]
        else:
            pairs = [(c.name, choice_map(c.choices), c.display_label()) for c in self.list.columns if not c.related]
        values = [(str(label), fmt(getattr(record, name, None), choices)) for name, choices, label in pairs]
        owner_id = getattr(record, "owner_id", None)
        if owner_id is not None:
            from core.security.models import User

            owner = db.session.get(User, owner_id)
            values.append((_("Owner"), str(getattr(owner, "display_name", None) or getattr(owner, "email", ""))))
        for attr, label in (("created_at", _("Created")), ("updated_at", _("Last changed"))):
            if getattr(record, attr, None) is not None:
                values.append((label, fmt(getattr(record, attr))))
        return values

    # -- create / edit ----------------------------------------------------------------

    def form_page(self, id: int | None = None) -> ResponseReturnValue:
        assert self.form is not None
        form = self.form
        record = access.get_or_404(self.model, id, self.object, "write") if id is not None else None
        if request.method == "GET":
            return self.render_form(record, form.initial(record))
        submitted = form.submitted(request.form)
        sent_version = request.form.get("version", type=int)
        if record is not None and sent_version != record.version:
            return self.conflict(record, submitted)
        data, errors = form.load(request.form)
        if errors:
            return self.render_form(record, submitted, errors=errors, status=422)
        creating = record is None
        if creating:
            record = self.model()
            owner = getattr(current_user, "id", None)
            if hasattr(record, "owner_id") and record.owner_id is None:
                record.owner_id = owner
            if hasattr(record, "department_id") and record.department_id is None:
                record.department_id = getattr(current_user, "department_id", None)
            db.session.add(record)
        form.apply(record, data)
        if form.prepare is not None:
            form.prepare(record, data, creating)
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            fresh = access.get_or_404(self.model, id, self.object, "write")
            return self.conflict(fresh, submitted)
        except IntegrityError:
            db.session.rollback()
            errors = {"": [_("This record could not be saved: a value is already in use or refers to something missing.")]}
            return self.render_form(None if creating else record, submitted, errors=errors, status=422)
        flash(_("Saved."), "success")
        target = self.record_href(record.id) or url_for(self.endpoint("list"))
        return redirect(target)

    def conflict(self, record: Any, submitted: Mapping[str, str]) -> ResponseReturnValue:
        """Someone saved in between: keep what the user typed, show what is saved now, write nothing.

        The form then carries the new version, so saving again is a deliberate
        choice to replace the other change.
        """
        assert self.form is not None
        return self.render_form(
            record,
            dict(submitted),
            errors={"": [_("Someone else changed this record while you were editing it. Nothing was saved. "
                           "Your input is kept below; compare it with the saved values and save again.")]},
            conflict=self.form.conflict_values(record, submitted),
            status=409,
        )

    def render_form(
        self,
        record: Any | None,
        values: Mapping[str, str],
        *,
        errors: Mapping[str, list[str]] | None = None,
        conflict: Mapping[str, str] | None = None,
        status: int = 200,
    ) -> ResponseReturnValue:
        assert self.form is not None
        if record is None:
            action, heading = url_for(self.endpoint("new")), _("New")
            crumbs = [(self.title(), url_for(self.endpoint("list"))), (heading, None)]
        else:
            action, heading = url_for(self.endpoint("edit"), id=record.id), self.record_label(record)
            crumbs = [
                (self.title(), url_for(self.endpoint("list"))),
                (heading, self.record_href(record.id)),
                (_("Edit"), None),
            ]
        body = render_template(
            self.form.template,
            **self.context(
                form=self.form,
                record=record,
                heading=heading,
                action=action,
                values=values,
                errors=errors or {},
                conflict=conflict or {},
                cancel_href=self.record_href(record.id) if record is not None else url_for(self.endpoint("list")),
                breadcrumbs=crumbs,
            ),
        )
        return body, status

    # -- delete ---------------------------------------------------------------------

    def delete(self, id: int) -> ResponseReturnValue:
        record = access.get_or_404(self.model, id, self.object, "delete")
        if request.method == "GET":
            return render_template(
                "core/detail.html",
                **self.context(
                    record=record,
                    record_label=self.record_label(record),
                    fields=self.detail_values(record),
                    timeline=[],
                    confirm_delete=True,
                    breadcrumbs=[
                        (self.title(), url_for(self.endpoint("list"))),
                        (self.record_label(record), self.record_href(record.id)),
                        (_("Delete"), None),
                    ],
                ),
            )
        label = self.record_label(record)
        db.session.delete(record)
        try:
            db.session.commit()
        except (StaleDataError, IntegrityError):
            db.session.rollback()
            flash(_("This record could not be deleted: it was changed meanwhile or is still in use."), "error")
            return redirect(self.record_href(id) or url_for(self.endpoint("list")))
        flash(_("Deleted %(name)s.", name=label), "success")
        return redirect(url_for(self.endpoint("list")))


def crud_blueprint(
    module: str,
    name: str,
    *,
    list_view: ListView,
    form_view: FormView | None = None,
    detail: bool = True,
    label: str | Callable[[Any], str] | None = None,
    detail_fields: Sequence[str] | None = None,
    url_prefix: str | None = None,
    detail_template: str = "core/detail.html",
    detail_context: Callable[[Any], Mapping[str, Any]] | None = None,
) -> Blueprint:
    """A blueprint ``<module>_<name>`` at ``/<module>/<name>`` with the generic pages.

    ``label`` names a record in titles and breadcrumbs (an attribute name or a
    function; default: ``name``/``title`` attribute, else ``#id``).
    ``detail_template`` (extending ``core/detail.html``) and
    ``detail_context(record)`` (extra template variables) let a module show
    more on the detail page. Return the blueprint from ``crm_blueprints``;
    core registers it.
    """
    if form_view is not None and (form_view.model is not list_view.model or form_view.object != list_view.object):
        raise ValueError(f"crud_blueprint({module}, {name}): list and form must use the same model and object")
    bp_name = f"{module}_{name}"
    bp = Blueprint(bp_name, __name__, url_prefix=url_prefix if url_prefix is not None else f"/{module}/{name}")
    crud = Crud(bp_name, list_view, form_view, detail, label, detail_fields, detail_template, detail_context)
    bp.crm_crud = crud  # type: ignore[attr-defined]
    obj = list_view.object
    read, create, write, delete = (access.require(f"{obj}.{a}") for a in ("read", "create", "write", "delete"))

    bp.add_url_rule("/", "list", read(crud.list_page), methods=["GET"])
    bp.add_url_rule("/export.<fmt>", "export", read(crud.export), methods=["GET"])
    bp.add_url_rule("/columns", "columns", read(crud.columns), methods=["POST"])
    bp.add_url_rule("/bulk", "bulk", read(crud.bulk), methods=["POST"])
    if detail:
        bp.add_url_rule("/<int:id>", "detail", read(crud.detail_page), methods=["GET"])
    bp.add_url_rule("/<int:id>/delete", "delete", delete(crud.delete), methods=["GET", "POST"])
    if form_view is not None:
        bp.add_url_rule("/new", "new", create(crud.form_page), methods=["GET", "POST"])
        bp.add_url_rule("/<int:id>/edit", "edit", write(crud.form_page), methods=["GET", "POST"])
    return bp
