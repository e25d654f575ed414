"""The UI shell: layout helpers for templates, menu, search, dashboard, profile.

``init_app`` gives every template what the layout (``themes/default/
templates/layout.html``) needs:

- globals: ``current_menu()``, ``menu_breadcrumbs()``, ``has_endpoint(name)``,
  ``can(permission)``, ``vendor_url(file)``, ``csrf_token()`` (when the
  accounts set-up has not registered Flask-WTF's already), plus the i18n ones
  (``current_language()``, ``languages``, ``get_locale()``);
- the blocks other templates fill: ``title``, ``head``, ``breadcrumbs``,
  ``content``, ``scripts``; a view may instead pass ``breadcrumbs=[(label,
  url_or_None), ...]`` and the layout renders them (else they come from the
  menu position of the page).

Front-end behaviour (``themes/default/static/crm.js``), all optional enhancement:
htmx on every signed-in page (requests carry the CSRF token); charts from
``core/widgets/chart.html``; drag and drop for ``<ul data-sortable
data-sortable-url=... [data-sortable-group=...] [data-sortable-key=...]>``
with ``<li data-id=...>`` items (SortableJS, loaded on demand): after a drop
the list POSTs ``item``, ``list``, ``index`` and ``order`` (every id) to its URL.

The blueprint with the pages is ``core.ui.routes.bp`` (registered by
``core/plugin.py``).
"""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import generate_csrf

from core.security.access import can
from core.ui.menu import current_menu, has_endpoint, menu_breadcrumbs
from core.ui.vendor import vendor_url
from core.ui.views import register_views

#: the permission every active signed-in user has (``core.security.access.AUTHENTICATED``):
#: the dashboard, search and the own profile belong to everyone, not to a role
SIGNED_IN = "core.authenticated"


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        current_menu=current_menu,
        menu_breadcrumbs=menu_breadcrumbs,
        has_endpoint=has_endpoint,
        vendor_url=vendor_url,
    )
    app.jinja_env.globals.setdefault("can", can)
    app.jinja_env.globals.setdefault("csrf_token", generate_csrf)
    register_views(app)
