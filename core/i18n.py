"""Languages: Flask-Babel set-up and the translation functions modules use.

English is the source language; German (``de``) and Simplified Chinese
(``zh_CN``) catalogs live in ``core/translations`` and in each installed
module's ``translations/`` folder, all merged into one ``messages`` domain.

The language of a request is, in this order: the user's profile choice, the
choice made with the layout's language switcher (kept in the session, so the
login page can be switched too), the browser's ``Accept-Language``, and
``BABEL_DEFAULT_LOCALE``.

``.mo`` files are build artifacts (not committed): ``init_app`` compiles every
catalog whose ``.mo`` is missing or older than its ``.po``, so a fresh clone
works without an extra step.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel import Locale, support
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import Babel, Domain, get_locale, gettext, lazy_gettext, ngettext
from flask_babel import format_currency as _babel_format_currency
from flask_babel import format_date as _babel_format_date
from flask_babel import format_datetime as _babel_format_datetime
from flask_babel import format_decimal as _babel_format_decimal

__all__ = [
    "LANGUAGES", "babel", "compile_catalogs", "current_language", "format_currency", "format_date",
    "format_datetime", "format_number", "gettext", "init_app", "lazy_gettext", "ngettext",
    "translation_dirs",
]

log = logging.getLogger("crm.i18n")

#: the languages every catalog must cover, with their names in their own language
#: (a language's own name is never translated: a reader must find it in any UI language)
LANGUAGES: dict[str, str] = {"en": "English", "de": "Deutsch", "zh_CN": "简体中文"}

CORE_TRANSLATIONS = Path(__file__).parent / "translations"
SESSION_KEY = "crm_locale"


class _AppDomain(Domain):
    """The ``messages`` domain, with catalogs cached per app instead of per process.

    Flask-Babel caches merged catalogs on the one global ``Babel`` object; two
    apps with different installed modules (tests, or the app rebuilt after a
    module install) would then share the first app's catalogs.
    """

    def get_translations_cache(self, ctx: Any) -> dict[Any, Any]:
        return current_app.extensions.setdefault("crm_i18n_cache", {})

    def get_translations(self) -> Any:
        if not has_app_context():
            return support.NullTranslations()
        cache = self.get_translations_cache(None)
        locale = get_locale()
        key = str(locale)
        if key not in cache:
            translations = support.Translations()
            for dirname in self.translation_directories:
                catalog = support.Translations.load(dirname, _catalog_names(locale), self.domain[0])
                translations.merge(catalog)
                if hasattr(catalog, "plural"):
                    translations.plural = catalog.plural
            cache[key] = translations
        return cache[key]


def _catalog_names(locale: Locale | None) -> list[str]:
    """Folder names to try: Babel spells ``zh_CN`` as ``zh_Hans_CN``, our folders do not."""
    if locale is None:
        return ["en"]
    names = [str(locale)]
    if locale.territory:
        names.append(f"{locale.language}_{locale.territory}")
    names.append(locale.language)
    return list(dict.fromkeys(names))


class _CrmBabel(Babel):
    """Flask-Babel with the per-app catalog cache of ``_AppDomain``."""

    @property  # type: ignore[override]
    def domain_instance(self) -> Domain:
        return _DOMAIN


_DOMAIN = _AppDomain(domain="messages")
babel = _CrmBabel()


# -- choosing the language -------------------------------------------------------


def _user_locale() -> str | None:
    """The logged-in user's profile choice, when accounts are set up and it is set."""
    if getattr(current_app, "login_manager", None) is None:
        return None
    from flask_login import current_user

    if not getattr(current_user, "is_authenticated", False):
        return None
    value = getattr(current_user, "locale", None)
    return value if value in LANGUAGES else None


def _browser_locale() -> str | None:
    best = request.accept_languages.best_match(list(LANGUAGES))
    if best:
        return best
    # "zh-TW" or "zh-Hant": Simplified Chinese reads better to them than English
    for value, _quality in request.accept_languages:
        primary = value.replace("_", "-").split("-")[0].lower()
        for code in LANGUAGES:
            if code.split("_")[0].lower() == primary:
                return code
    return None


def select_locale() -> str:
    """Flask-Babel's locale selector (see the module docstring for the order)."""
    if not has_request_context():
        return current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    cached = g.get("crm_locale")
    if cached:
        return cached
    choice = (
        _user_locale()
        or (session.get(SESSION_KEY) if session.get(SESSION_KEY) in LANGUAGES else None)
        or _browser_locale()
        or current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    )
    g.crm_locale = choice
    return choice


def select_timezone() -> str | None:
    """The user's profile time zone; ``None`` falls back to ``BABEL_DEFAULT_TIMEZONE`` (UTC)."""
    if not has_request_context() or getattr(current_app, "login_manager", None) is None:
        return None
    from flask_login import current_user

    if not getattr(current_user, "is_authenticated", False):
        return None
    return getattr(current_user, "timezone", None) or None


def current_language() -> str:
    """The code (``en``, ``de``, ``zh_CN``) of the request's language."""
    return select_locale()


def forget_locale() -> None:
    """Drop the request's chosen language after the user changed it."""
    from flask_babel import refresh

    g.pop("crm_locale", None)
    refresh()


# -- formatting ------------------------------------------------------------------


def format_date(value: date | datetime | None, format: str | None = None) -> str:
    """A date in the request's language (``medium`` by default); empty for ``None``."""
    if value is None or value == "":
        return ""
    return _babel_format_date(value, format)


def format_datetime(value: datetime | None, format: str | None = None) -> str:
    """A date and time in the request's language and time zone; empty for ``None``."""
    if value is None or value == "":
        return ""
    return _babel_format_datetime(value, format)


def format_number(value: int | float | Decimal | None, format: str | None = None) -> str:
    """A number with the locale's grouping and decimal signs (1,234.5 / 1.234,5)."""
    if value is None or value == "":
        return ""
    return _babel_format_decimal(value, format)


def format_currency(value: int | float | Decimal | None, currency: str = "EUR", format: str | None = None) -> str:
    """An amount with its currency, placed and spelt as the locale writes it (€1,234.50 / 1.234,50 €)."""
    if value is None or value == "":
        return ""
    return _babel_format_currency(value, currency, format)


# -- catalogs --------------------------------------------------------------------


def translation_dirs(app: Flask) -> list[Path]:
    """Core's ``translations`` folder, then each installed module's, in load order."""
    dirs = [CORE_TRANSLATIONS]
    crm = app.extensions.get("crm")
    if crm is not None:
        for name in crm.registry.order:
            manifest = crm.registry.manifests[name]
            path = getattr(manifest, "path", None)
            if path is not None and (Path(path) / "translations").is_dir():
                dirs.append(Path(path) / "translations")
    return dirs


def compile_catalogs(folders: Iterable[Path], *, force: bool = False) -> list[Path]:
    """Write ``messages.mo`` beside every ``messages.po`` that is newer (or has none).

    Fuzzy entries are left out, as ``msgfmt`` does. Returns the files written.
    The file is written to a temporary name and renamed, so several processes
    starting at once never read half a catalog.
    """
    written: list[Path] = []
    for folder in folders:
        for po in sorted(Path(folder).glob("*/LC_MESSAGES/*.po")):
            mo = po.with_suffix(".mo")
            if not force and mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            try:
                with po.open("rb") as fh:
                    catalog = read_po(fh, locale=po.parent.parent.name)
                fd, tmp = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
                with os.fdopen(fd, "wb") as out:
                    write_mo(out, catalog, use_fuzzy=False)
                os.replace(tmp, mo)
            except OSError as exc:  # read-only install: use what is there
                log.warning("cannot compile %s: %s", po, exc)
                continue
            written.append(mo)
    return written


def init_app(app: Flask) -> None:
    dirs = translation_dirs(app)
    compile_catalogs(dirs)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(d) for d in dirs)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.extensions["crm_i18n_cache"] = {}
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters.update(
        format_date=format_date,
        format_datetime=format_datetime,
        format_number=format_number,
        format_currency=format_currency,
    )
    app.jinja_env.globals.update(
        get_locale=get_locale, current_language=current_language, languages=LANGUAGES
    )
