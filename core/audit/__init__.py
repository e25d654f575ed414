"""Audit trail: every create, update and delete of module records, kept read-only.

Capture is automatic (``core.audit.capture``); ``timeline_entries`` feeds
each record's timeline and ``core.audit.views`` is the admin's audit page.
Modules add entries for bulk operations with ``audit_log``; the only change
to existing entries is ``audit_redact``, which blanks the values of a person
whose data is erased (the entries themselves stay).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.audit.capture import audit_disabled, audited_tables
from core.audit.models import AuditEntry
from core.extensions import db
from core.i18n import gettext as _

__all__ = ["AuditEntry", "audit_disabled", "audit_log", "audit_redact", "audited_tables", "describe", "timeline_entries",
           "user_names"]


def user_names(ids: set[int | None]) -> dict[int, str]:
    """id -> display name for the users in ``ids`` (one query)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    from core.security.models import User

    rows = db.session.execute(sa.select(User.id, User.name, User.email).where(User.id.in_(wanted)))
    return {uid: name or email for uid, name, email in rows}


def _short(value: Any) -> str:
    text = "∅" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def describe(action: str, changes: dict[str, list[Any]]) -> str:
    """``name: Ann → Anna; phone: ∅ → 555`` (created/deleted: the values)."""
    parts = []
    for field, pair in sorted((changes or {}).items()):
        old, new = (list(pair) + [None, None])[:2]
        if action == "create" or (action not in ("update", "delete") and old is None):
            parts.append(f"{field}: {_short(new)}")
        elif action == "delete":
            parts.append(f"{field}: {_short(old)}")
        else:
            parts.append(f"{field}: {_short(old)} → {_short(new)}")
    text = "; ".join(parts)
    return text if len(text) <= 400 else text[:399] + "…"


def audit_log(object: str, record_id: int | None, action: str, changes: dict[str, Any] | None = None) -> None:  # noqa: A002
    """Write one trail entry for what is not a single captured row write: an import, a merge, an erasure.

    ``object`` is ``<module>.<object>``; ``action`` a short word (at most 10
    characters: ``import``, ``merge``, ``erase`` ...); ``changes`` maps a name to
    ``[old, new]`` like captured entries (``[None, value]`` shows just the value).
    The entry joins the caller's transaction (it commits or rolls back with the
    work it describes) and is attributed to the acting user.
    """
    from core.audit.capture import plain
    from core.events import acting_user_id
    from core.models import utcnow

    if len(action) > 10:
        raise ValueError(f"audit action '{action}' is longer than 10 characters")
    module = object.split(".", 1)[0]
    entry = {
        "at": utcnow(), "user_id": acting_user_id(), "module": module, "object": object, "record_id": record_id,
        "action": action,
        "changes": {key: [plain(v) for v in (list(pair) + [None, None])[:2]] for key, pair in (changes or {}).items()},
    }
    db.session.execute(sa.insert(AuditEntry.__table__), [entry])


#: what erased values read as in the trail
REDACTED = "[erased]"


def audit_redact(object: str, record_ids: list[int]) -> int:  # noqa: A002
    """Blank the recorded values of ``object``'s records ``record_ids`` (erasure of personal data).

    The one change the trail allows: the entries stay (who, when, what
    action, which fields), their old and new values become ``[erased]``.
    Returns how many entries were blanked.
    """
    if not record_ids:
        return 0
    rows = db.session.execute(
        sa.select(AuditEntry.id, AuditEntry.changes)
        .where(AuditEntry.object == object, AuditEntry.record_id.in_(sorted(set(record_ids))))
    ).all()
    updates = [
        {"b_id": entry_id, "changes": {key: [None if v is None else REDACTED for v in (pair or [])]
                                       for key, pair in (changes or {}).items()}}
        for entry_id, changes in rows
    ]
    if updates:
        table = AuditEntry.__table__
        db.session.execute(sa.update(table).where(table.c.id == sa.bindparam("b_id")), updates)
    return len(updates)


def action_label(action: str) -> str:
    return {"create": _("Created"), "update": _("Changed"), "delete": _("Deleted")}.get(action, action)


def timeline_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:  # noqa: A002
    """The record's audit rows as timeline entries, newest first."""
    rows = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.object == object, AuditEntry.record_id == record_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    ).all()
    names = user_names({row.user_id for row in rows})
    return [
        {
            "when": row.at,
            "title": action_label(row.action),
            "detail": describe(row.action, row.changes),
            "kind": "audit",
            "user": names.get(row.user_id, "") if row.user_id else "",
        }
        for row in rows
    ]
