"""The ``core_ui`` blueprint: every URL of the UI shell in one place.

The views live beside what they show (``dashboard``, ``search``, ``profile``,
``vendor``); this file only maps URLs to them.
"""

from __future__ import annotations

from flask import Blueprint

from core.ui.dashboard import dashboard
from core.ui.profile import profile, set_language
from core.ui.search import search
from core.ui.vendor import vendor

bp = Blueprint("core_ui", __name__)

bp.add_url_rule("/", "dashboard", dashboard, methods=["GET"])
bp.add_url_rule("/search", "search", search, methods=["GET"])
bp.add_url_rule("/profile", "profile", profile, methods=["GET", "POST"])
bp.add_url_rule("/language", "set_language", set_language, methods=["POST"])
bp.add_url_rule("/static/vendor/<path:filename>", "vendor", vendor, methods=["GET"])
