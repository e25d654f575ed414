"""Front-end libraries from ``node_modules``, served at ``/static/vendor/<file>``.

The one ``/static/<path>`` route (``core.app._wire_static``) hands paths under
``vendor/`` to ``vendor_file``; being part of ``static`` they load on every
page, the first-run set-up page included.

``make setup`` installs them with ``npm ci`` from the lockfile; nothing of
them is committed. Only the files named in ``VENDOR_FILES`` are served, so
the rest of ``node_modules`` (sources, READMEs, other packages) stays private.
Pages must work without them: they only enhance (partial updates, drag and
drop, charts).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import abort, current_app, send_file, url_for
from flask.typing import ResponseReturnValue

from core.config import ROOT

#: public file name -> (npm package, path inside the package)
VENDOR_FILES: dict[str, tuple[str, str]] = {
    "htmx.min.js": ("htmx.org", "dist/htmx.min.js"),
    "Sortable.min.js": ("sortablejs", "Sortable.min.js"),
    "chart.umd.min.js": ("chart.js", "dist/chart.umd.min.js"),
    "chart.umd.min.js.map": ("chart.js", "dist/chart.umd.min.js.map"),
}


def node_modules() -> Path:
    """Where ``npm ci`` put the packages (``CRM_NODE_MODULES`` overrides, for packaged installs)."""
    return Path(current_app.config.get("CRM_NODE_MODULES") or ROOT / "node_modules")


@lru_cache(maxsize=32)
def _package_version(folder: str) -> str:
    try:
        return str(json.loads((Path(folder) / "package.json").read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return ""


def vendor_url(filename: str) -> str:
    """URL of a vendored file, with the package version so browsers refetch after an upgrade."""
    package, _inner = VENDOR_FILES[filename]
    version = _package_version(str(node_modules() / package))
    return url_for("static", filename=f"vendor/{filename}", v=version or None)


def vendor_file(filename: str) -> ResponseReturnValue:
    """The allowlisted file ``filename``; 404 for anything else."""
    entry = VENDOR_FILES.get(filename)
    if entry is None:
        abort(404)
    package, inner = entry
    path = node_modules() / package / inner
    if not path.is_file():
        abort(404)
    return send_file(path, max_age=86400)
