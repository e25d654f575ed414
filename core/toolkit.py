"""The one import surface for modules: ``from core import toolkit``.

Modules import only this (and the modules their manifest depends on). Core
may move code around behind it; what is exported here stays stable, and a
test checks that bundled modules import nothing else from core.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import (  # events, jobs, audit, mail (core.events, core.jobs, core.audit, core.mail)
    audit_disabled,
    audit_log,
    audit_redact,
)
from core.declarations import (
    ACTIONS,
    RULES,
    ApiResource,
    MenuItem,
    ObjectAccess,
    Permission,
    Schedule,
    SearchHit,
    SearchProvider,
    Setting,
    Subscriber,
    TaskSpec,
    Widget,
)
from core.events import Event, acting_user_id, publish  # events, jobs, audit, mail
from core.extensions import db
from core.hookspecs import hookimpl, hookspec
from core.i18n import (  # gettext and friends; UI: per-locale formatting
    format_currency,
    format_date,
    format_datetime,
    format_number,
    gettext,
    lazy_gettext,
    ngettext,
)
from core.jobs import enqueue  # events, jobs, audit, mail
from core.mail import send_mail  # events, jobs, audit, mail
from core.mixins import RecordMixin, record_columns
from core.models import OwnedRow, utcnow
from core.security.access import (  # accounts, permissions and record rules (core.security)
    AUTHENTICATED,
    can,
    check_record,
    get_or_404,
    public,
    record_allowed,
    require,
    require_login,
    rule_for,
    scope,
    team_departments,
)
from core.security.models import Department, User  # accounts, read by modules (owner pickers, transfers)
from core.ui.filters import (  # generic views (core.ui)
    BoolFilter,
    ChoiceFilter,
    DateRangeFilter,
    EqualsFilter,
    RelatedFilter,
)
from core.ui.forms import FieldSpec, FormSchema, FormView  # generic views (core.ui)
from core.ui.lists import (  # generic views (core.ui)
    BulkAction,
    Column,
    ListView,
    Search,
    key_search_index,
    prefix_search_index,
)
from core.ui.timeline import timeline_for  # generic views (core.ui)
from core.ui.views import crud_blueprint  # generic views (core.ui)

_ = gettext
_l = lazy_gettext

__all__ = [
    "ACTIONS", "RULES", "ApiResource", "Mapped", "MenuItem", "ObjectAccess", "Permission", "Schedule",
    "SearchHit", "SearchProvider", "Setting", "Subscriber", "TaskSpec", "Widget", "_", "_l", "can", "db",
    "gettext", "hookimpl", "hookspec", "lazy_gettext", "load_security", "mapped_column", "ngettext", "own_row",
    "public", "record_columns", "RecordMixin", "relationship", "require", "sa", "utcnow",
    # UI shell: per-locale formatting (also Jinja filters of the same names)
    "format_currency", "format_date", "format_datetime", "format_number",
    # events, background jobs, audit trail, outgoing mail
    "Event", "acting_user_id", "audit_disabled", "enqueue", "publish", "send_mail",
    # a job's state for a module's own progress page; one audit entry for a bulk operation (contacts C3)
    "audit_log", "audit_redact", "job_info", "hook_each",
    # accounts, permissions and record rules
    "AUTHENTICATED", "check_record", "get_or_404", "record_allowed", "require_login", "rule_for", "scope",
    "team_departments", "Department", "User",
    # generic views: list, form, detail with timeline, export (core.ui)
    "BoolFilter", "BulkAction", "FieldSpec", "FormSchema", "ChoiceFilter", "Column", "DateRangeFilter", "EqualsFilter", "FormView",
    "ListView", "RelatedFilter", "Search", "crud_blueprint", "key_search_index", "prefix_search_index", "timeline_for",
]


class SecurityFileError(ValueError):
    """A module's ``security.toml`` is malformed; the message names file and key."""


def load_security(module: str, folder: str | Path) -> list[ObjectAccess | Permission]:
    """Read ``security.toml`` in ``folder`` (pass ``Path(__file__).parent``).

    Format::

        [objects.contact]            # object "<module>.contact"
        label = "Contacts"
        grants = { user = "rcw", manager = "rcwd" }
        rules = { user = "own", manager = "team" }

        [permissions.import]         # permission "<module>.import"
        label = "Import contacts"
        roles = ["manager"]
    """
    folder = Path(folder)
    if folder.is_file():
        folder = folder.parent
    path = folder / "security.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SecurityFileError(f"{path}: {exc}") from exc
    unknown = set(data) - {"objects", "permissions"}
    if unknown:
        raise SecurityFileError(f"{path}: unknown section(s) {sorted(unknown)}; use [objects.*] and [permissions.*]")
    result: list[ObjectAccess | Permission] = []
    for short, spec in data.get("objects", {}).items():
        where = f"{path}: objects.{short}"
        extra = set(spec) - {"label", "grants", "rules", "owner_field"}
        if extra:
            raise SecurityFileError(f"{where}: unknown key(s) {sorted(extra)}")
        grants = spec.get("grants", {})
        for role, letters in grants.items():
            if not isinstance(letters, str) or set(letters) - set(ACTIONS):
                raise SecurityFileError(f"{where}.grants.{role}: use letters from 'rcwd', got {letters!r}")
        rules = spec.get("rules", {})
        for role, rule in rules.items():
            if rule not in RULES:
                raise SecurityFileError(f"{where}.rules.{role}: use one of {', '.join(RULES)}, got {rule!r}")
        result.append(
            ObjectAccess(
                object=f"{module}.{short}",
                label=spec.get("label", short),
                grants=dict(grants),
                rules=dict(rules),
                owner_field=spec.get("owner_field", "owner_id"),
            )
        )
    for short, spec in data.get("permissions", {}).items():
        roles = spec.get("roles", [])
        if not isinstance(roles, list):
            raise SecurityFileError(f"{path}: permissions.{short}.roles must be a list")
        result.append(Permission(name=f"{module}.{short}", label=spec.get("label", short), roles=tuple(roles)))
    return result


def job_info(job_id: int) -> dict[str, Any] | None:
    """State, progress, message and result of a job (``Job.as_dict()``), or None when there is none.

    For a module page that follows its own job (an import's result page). It
    does not check who may see the job: the caller knows whose job it is.
    """
    from core.jobs.models import Job

    job = db.session.get(Job, job_id)
    return job.as_dict() if job is not None else None


def hook_each(hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
    """``(module, answer)`` of every installed module implementing the cross-module ``hook``.

    For services that report per module what happened (personal data export,
    erasure, merges). Implementations get only the arguments they name, as
    pluggy passes them; core's own implementation is named ``core``.
    """
    from flask import current_app

    caller = getattr(current_app.extensions["crm"].pm.hook, hook)
    answers = []
    for impl in reversed(caller.get_hookimpls()):  # the order a hook call runs them in
        answers.append((impl.plugin_name, impl.function(**{name: kwargs[name] for name in impl.argnames})))
    return answers


def own_row(module: str, xmlid: str, row: Any) -> None:
    """Record that ``module`` created ``row`` in a table it does not own.

    Call from ``crm_install_data`` after flushing the row; uninstall with
    ``--purge`` deletes it. ``xmlid`` is a stable name unique within the module.
    """
    db.session.add(OwnedRow(module=module, xmlid=xmlid, table_name=row.__tablename__, row_id=row.id))
