"""The home page: dashboard widgets contributed by installed modules.

Each ``Widget`` is checked against the user's permissions, asked for its
context with ``render(user)`` and rendered with its template. A widget that
raises (in ``render`` or in its template) becomes an error box and a log
entry; the rest of the dashboard still shows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from markupsafe import Markup

from core.declarations import Widget
from core.extensions import db
from core.security.access import can, require
from core.ui import SIGNED_IN

log = logging.getLogger("crm.ui")


@dataclass
class RenderedWidget:
    widget: Widget
    html: Markup
    failed: bool = False

    @property
    def width(self) -> int:
        """Grid columns the widget spans (1-4)."""
        return max(1, min(4, int(self.widget.width or 1)))


def visible_widgets(widgets: dict[str, Widget], user: Any) -> list[Widget]:
    """Widgets ``user`` may see, in display order."""
    if not getattr(user, "is_authenticated", False):
        return []
    allowed = [w for w in widgets.values() if w.permission is None or can(w.permission, user)]
    return sorted(allowed, key=lambda w: (w.order, w.key))


def render_widget(widget: Widget, user: Any) -> RenderedWidget:
    """One widget's HTML, or an error box when it fails (the failure is logged)."""
    try:
        context = widget.render(user) or {}
        html = render_template(widget.template, widget=widget, **context)
    except Exception:
        log.exception("dashboard widget %s failed", widget.key)
        db.session.rollback()  # a failed query must not poison the next widget's
        return RenderedWidget(widget, Markup(render_template("core/widgets/error.html", widget=widget)), True)
    return RenderedWidget(widget, Markup(html))


@require(SIGNED_IN)
def dashboard() -> ResponseReturnValue:
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    registry = current_app.extensions["crm"].registry
    rendered = [render_widget(w, user) for w in visible_widgets(registry.widgets, user)]
    return render_template("core/dashboard.html", widgets=rendered)
