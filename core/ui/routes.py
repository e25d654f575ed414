"""The ``core_ui`` blueprint: every URL of the UI shell in one place.

The views live beside what they show (``dashboard``, ``search``,
``profile``); this file only maps URLs to them. Vendored npm files are
served by the ``static`` route (see ``core.ui.vendor``).
"""

from __future__ import annotations

from flask import Blueprint

from core.ui.dashboard import dashboard
from core.ui.profile import profile, set_language
from core.ui.search import search

bp = Blueprint("core_ui", __name__)

bp.add_url_rule("/", "dashboard", dashboard, methods=["GET"])
bp.add_url_rule("/search", "search", search, methods=["GET"])
bp.add_url_rule("/profile", "profile", profile, methods=["GET", "POST"])
bp.add_url_rule("/language", "set_language", set_language, methods=["POST"])
