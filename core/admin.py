"""The admin Modules page and ``/-/modules.json``.

The page offers the same operations as ``crm modules``: install (with demo
data), upgrade, and uninstall after a preview of what will be removed. After
an operation the registry sequence in the database changes and every web
process rebuilds its app on its next request (see ``core.wsgi``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from core.i18n import gettext as _
from core.lifecycle import LifecycleError, ModuleManager
from core.loader import ModuleError
from core.security.access import require

bp = Blueprint("core_admin", __name__, url_prefix="")


def _crm() -> Any:
    return current_app.extensions["crm"]


def module_rows(manager: ModuleManager) -> list[dict[str, Any]]:
    states = manager.states()
    crm = _crm()
    hooks = crm.registry.hooks_by_module(crm.pm)
    rows = []
    for name in sorted(manager.graph.manifests):
        m = manager.graph.manifests[name]
        state, version = states.get(name, ("available", None))
        rows.append(
            {
                "name": name,
                "version": m.version,
                "installed_version": version,
                "state": state,
                "depends": list(m.depends),
                "summary": m.summary,
                "category": m.category,
                "auto_install": m.auto_install,
                "application": m.application,
                "origin": m.origin,
                "hooks": hooks.get(name, []),
                "upgradable": state == "installed" and version is not None and version != m.version,
            }
        )
    return rows


@bp.get("/-/modules.json")
@require("core.modules.manage")
def modules_json() -> ResponseReturnValue:
    manager = ModuleManager(current_app._get_current_object(), _crm().graph)  # type: ignore[attr-defined]
    return jsonify(core=_core_version(), modules=module_rows(manager))


def _core_version() -> str:
    from core import __version__

    return __version__


@bp.get("/admin/modules")
@require("core.modules.manage")
def modules() -> ResponseReturnValue:
    manager = ModuleManager(current_app._get_current_object(), _crm().graph)  # type: ignore[attr-defined]
    return render_template("core/admin/modules.html", rows=module_rows(manager))


@bp.post("/admin/modules/<name>/install")
@require("core.modules.manage")
def install(name: str) -> ResponseReturnValue:
    manager = ModuleManager(current_app._get_current_object(), _crm().graph)  # type: ignore[attr-defined]
    try:
        done = manager.install([name], demo=request.form.get("demo") == "1")
    except (ModuleError, LifecycleError) as exc:
        flash(str(exc), "error")
    else:
        flash(_("Installed: %(names)s", names=", ".join(done) or name), "success")
    return redirect(url_for("core_admin.modules"))


@bp.post("/admin/modules/<name>/upgrade")
@require("core.modules.manage")
def upgrade(name: str) -> ResponseReturnValue:
    manager = ModuleManager(current_app._get_current_object(), _crm().graph)  # type: ignore[attr-defined]
    try:
        done = manager.upgrade([name])
    except (ModuleError, LifecycleError) as exc:
        flash(str(exc), "error")
    else:
        flash(_("Upgraded: %(names)s", names=", ".join(done) or _("nothing to do")), "success")
    return redirect(url_for("core_admin.modules"))


@bp.route("/admin/modules/<name>/uninstall", methods=["GET", "POST"])
@require("core.modules.manage")
def uninstall(name: str) -> ResponseReturnValue:
    manager = ModuleManager(current_app._get_current_object(), _crm().graph)  # type: ignore[attr-defined]
    cascade = request.values.get("cascade") == "1"
    purge = request.values.get("purge") == "1"
    try:
        preview = manager.preview(name, cascade=cascade, purge=purge)
    except (ModuleError, LifecycleError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("core_admin.modules"))
    if request.method == "POST" and request.form.get("confirm") == "1":
        try:
            done = manager.uninstall(name, cascade=cascade, purge=purge)
        except (ModuleError, LifecycleError) as exc:
            flash(str(exc), "error")
        else:
            flash(_("Uninstalled: %(names)s", names=", ".join(done)), "success")
        return redirect(url_for("core_admin.modules"))
    return render_template(
        "core/admin/uninstall.html", name=name, preview=preview, cascade=cascade, purge=purge
    )
