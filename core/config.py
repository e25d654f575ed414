"""Configuration: defaults, overridden by ``CRM_*`` environment variables.

Every setting a deployment needs is read from the environment so that secrets
never live in files. ``load_config`` returns a plain dict that ``create_app``
puts into ``app.config``; tests pass their own overrides on top.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = ROOT / "instance"


class ConfigError(RuntimeError):
    """A configuration problem that must stop the start-up."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(value: str | None) -> list[str]:
    if not value:
        return []
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


#: (environment variable, config key, kind, default, help) — the README's
#: configuration table is checked against this list by a test.
SETTINGS: list[tuple[str, str, str, Any, str]] = [
    ("CRM_ENV", "CRM_ENV", "str", "development", "`production` refuses to start without a secret key"),
    ("CRM_SECRET_KEY", "SECRET_KEY", "str", None, "signs sessions and CSRF tokens; required in production"),
    ("CRM_DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "str", None, "SQLAlchemy URL; default `sqlite:///instance/crm.sqlite3`"),
    ("CRM_BROKER_URL", "CRM_BROKER_URL", "str", "", "Celery broker, e.g. `redis://127.0.0.1:6379/0`; empty runs jobs in-process"),
    ("CRM_RESULT_BACKEND", "CRM_RESULT_BACKEND", "str", "", "Celery result backend; defaults to the broker"),
    ("CRM_JOB_QUEUE", "CRM_JOB_QUEUE", "str", "crm", "Celery queue name (several CRMs can share one broker)"),
    ("CRM_PORT", "CRM_PORT", "int", 5000, "port for `python run.py`"),
    ("CRM_HOST", "CRM_HOST", "str", "127.0.0.1", "host for `python run.py`"),
    ("CRM_THEME", "CRM_THEME", "str", "default", "theme folder under `themes/`"),
    ("CRM_MODULES", "CRM_MODULES", "list", [], "modules a fresh database gets (default: all bundled)"),
    ("CRM_ADDONS_PATH", "CRM_ADDONS_PATH", "str", "", "extra folders of modules (`<name>/manifest.toml`), separated by `:`"),
    ("CRM_TRACE_HOOKS", "CRM_TRACE_HOOKS", "bool", False, "log every hook call with its duration"),
    ("CRM_INSTANCE_PATH", "CRM_INSTANCE_PATH", "str", str(DEFAULT_INSTANCE), "folder for the SQLite file and uploads"),
    ("CRM_SECURE_COOKIES", "SESSION_COOKIE_SECURE", "bool", False, "mark cookies Secure (behind HTTPS)"),
    ("CRM_PROXY_HOPS", "CRM_PROXY_HOPS", "int", 0, "reverse proxies in front of the app whose X-Forwarded-* headers to trust"),
    ("CRM_DEFAULT_LOCALE", "BABEL_DEFAULT_LOCALE", "str", "en", "language when the browser asks for none we have"),
    ("CRM_SMTP_HOST", "CRM_SMTP_HOST", "str", "", "outgoing mail server; empty keeps mail in the outbox log"),
    ("CRM_SMTP_PORT", "CRM_SMTP_PORT", "int", 587, "outgoing mail port"),
    ("CRM_SMTP_USER", "CRM_SMTP_USER", "str", "", "SMTP user"),
    ("CRM_SMTP_PASSWORD", "CRM_SMTP_PASSWORD", "str", "", "SMTP password"),
    ("CRM_SMTP_STARTTLS", "CRM_SMTP_STARTTLS", "bool", True, "use STARTTLS"),
    ("CRM_MAIL_FROM", "CRM_MAIL_FROM", "str", "crm@localhost", "sender address"),
    ("CRM_RATELIMIT_STORAGE_URL", "RATELIMIT_STORAGE_URI", "str", "memory://", "login throttling store; use Redis with several processes"),
]


def load_config(environ: os._Environ[str] | dict[str, str] | None = None) -> dict[str, Any]:
    """Read settings from ``environ`` (default: ``os.environ``)."""
    env = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for var, key, kind, default, _help in SETTINGS:
        raw = env.get(var)
        if raw is None or raw == "":
            config[key] = list(default) if isinstance(default, list) else default
        elif kind == "int":
            try:
                config[key] = int(raw)
            except ValueError as exc:
                raise ConfigError(f"{var} must be a whole number, got {raw!r}") from exc
        elif kind == "bool":
            config[key] = _bool(raw)
        elif kind == "list":
            config[key] = _list(raw)
        else:
            config[key] = raw
    return config


def finalize(config: dict[str, Any]) -> dict[str, Any]:
    """Fill derived defaults and refuse unsafe production settings."""
    instance = Path(config["CRM_INSTANCE_PATH"])
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        instance.mkdir(parents=True, exist_ok=True)
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'crm.sqlite3'}"
    if not config.get("SECRET_KEY"):
        if config.get("CRM_ENV") == "production":
            raise ConfigError(
                "CRM_SECRET_KEY is not set. In production crm-suite refuses to start without it: "
                "set CRM_SECRET_KEY to a long random string (e.g. `python -c \"import secrets; "
                "print(secrets.token_hex(32))\"`)."
            )
        config["SECRET_KEY"] = _dev_secret(instance)
    config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    config.setdefault("SQLALCHEMY_TRACK_MODIFICATIONS", False)
    return config


def _dev_secret(instance: Path) -> str:
    """A per-instance random secret for development, kept so sessions survive restarts."""
    path = instance / "dev-secret-key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        instance.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        path.write_text(key)
        path.chmod(0o600)
        return key
