"""Start the platform services on an app, in dependency order.

Each service is a small package with an ``init_app(app)``; they run after the
module registry is built (so they can read what modules declared) and before
blueprints are wired.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from core import events, i18n, jobs
    from core.api import init_app as init_api
    from core.security import init_app as init_security
    from core.ui import init_app as init_ui

    i18n.init_app(app)
    init_security(app)
    events.init_app(app)
    jobs.init_app(app)
    init_ui(app)
    init_api(app)
