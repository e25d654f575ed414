"""``/admin/audit``: the trail with filters (object, user, dates, record), newest first.

Read-only on purpose: there is no route that changes or deletes audit rows.
Paging is keyset (``?before=<id>``), so the page stays fast on a long trail.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue

from core.audit import AuditEntry, action_label, audited_tables, describe, user_names
from core.extensions import db
from core.security.access import require

bp = Blueprint("core_audit", __name__, url_prefix="/admin/audit")
PAGE = 50


def _date(value: str | None) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d") if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _user_filter(text: str) -> Any:
    """A user id, or part of an e-mail address or name."""
    from core.security.models import User

    if text.isdigit():
        return AuditEntry.user_id == int(text)
    like = f"%{text.lower()}%"
    matching = sa.select(User.id).where(sa.or_(sa.func.lower(User.email).like(like), sa.func.lower(User.name).like(like)))
    return AuditEntry.user_id.in_(matching)


@bp.get("")
@require("core.admin")
def index() -> ResponseReturnValue:
    args = request.args
    query = sa.select(AuditEntry)
    filters = {
        "object": args.get("object", "").strip(),
        "user": args.get("user", "").strip(),
        "record_id": args.get("record_id", "").strip(),
        "action": args.get("action", "").strip(),
        "since": args.get("since", "").strip(),
        "until": args.get("until", "").strip(),
    }
    if filters["object"]:
        query = query.where(AuditEntry.object == filters["object"])
    if filters["user"]:
        query = query.where(_user_filter(filters["user"]))
    record_id = _int(filters["record_id"])
    if record_id is not None:
        query = query.where(AuditEntry.record_id == record_id)
    if filters["action"]:
        query = query.where(AuditEntry.action == filters["action"])
    since, until = _date(filters["since"]), _date(filters["until"])
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until + timedelta(days=1))
    before = _int(args.get("before"))
    if before:
        query = query.where(AuditEntry.id < before)
    rows = db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(PAGE + 1)).all()
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    names = user_names({row.user_id for row in rows})
    entries = [
        {"row": row, "user": names.get(row.user_id, "") if row.user_id else "",
         "action": action_label(row.action), "detail": describe(row.action, row.changes)}
        for row in rows
    ]
    objects = sorted({obj for _module, obj in audited_tables(current_app).values()})
    next_args = {k: v for k, v in filters.items() if v}
    if more and rows:
        next_args["before"] = str(rows[-1].id)
    return render_template(
        "core/audit.html", entries=entries, filters=filters, objects=objects, more=more, next_args=next_args,
    )
