"""Languages: Flask-Babel set-up and the translation functions modules use."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel, gettext, lazy_gettext, ngettext

__all__ = ["gettext", "lazy_gettext", "ngettext", "init_app"]

babel = Babel()


def init_app(app: Flask) -> None:
    babel.init_app(app)
