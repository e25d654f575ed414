"""Who owns a customer: assigning, reassigning within a department, transferring a whole book.

The owner (``owner_id``) and department (``department_id``) of a company or
contact are what the record rules (own / team / all) look at, so changing
them changes who sees the customer. Every change leaves an ``Assignment`` row
that is never deleted: single changes through the ORM get theirs from the
mapper listener (``listeners.py``); the bulk transfer, which updates
thousands of rows with set-based statements, writes its rows itself.

Who may change ownership:

- administrators and holders of ``contacts.transfer``: anyone's customers, to anyone;
- a department head: customers within the departments they head (and their
  sub-departments), to users or departments within them;
- everyone else: nobody's (a new record is theirs; they may leave it as is).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from flask import has_request_context

from core import toolkit
from core.toolkit import _, sa
from modules.contacts.listeners import assignment_reason

TASK = "contacts.transfer_all"
#: transfers of more records than this run as a background job
BACKGROUND_THRESHOLD = 500
#: records updated per statement in a bulk transfer
CHUNK = 1000
KINDS = ("contact", "company")
PERMISSION = "contacts.transfer"

__all__ = [
    "BACKGROUND_THRESHOLD", "TASK", "assign", "assignment_errors", "count_owned", "headed_departments",
    "history", "may_manage", "may_reassign", "timeline_entries", "transfer_all", "assignment_reason",
    "assignable_users", "assignable_departments",
]


def _model(kind: str) -> Any:
    from modules.contacts.models import Company, Contact

    return {"contact": Contact, "company": Company}[kind]


def _current_user() -> Any:
    if not has_request_context():
        return None
    from flask_login import current_user

    return current_user._get_current_object() if getattr(current_user, "is_authenticated", False) else None  # type: ignore[attr-defined]


# -- who may do what ----------------------------------------------------------------------


def headed_departments(user: Any) -> set[int]:
    """Departments ``user`` heads, with every department nested below them."""
    if user is None or getattr(user, "id", None) is None:
        return set()
    rows = list(toolkit.db.session.execute(
        sa.select(toolkit.Department.id, toolkit.Department.parent_id, toolkit.Department.head_id)
    ))
    children: dict[int | None, list[int]] = {}
    for dep_id, parent_id, _head in rows:
        children.setdefault(parent_id, []).append(dep_id)
    todo = [dep_id for dep_id, _parent, head in rows if head == user.id]
    found: set[int] = set()
    while todo:
        dep = todo.pop()
        if dep not in found:
            found.add(dep)
            todo.extend(children.get(dep, []))
    return found


def may_transfer_any(user: Any = None) -> bool:
    """Administrators and holders of ``contacts.transfer`` may move any customer to anyone."""
    user = user if user is not None else _current_user()
    return user is not None and toolkit.can(PERMISSION, user)


def _department_of(user_id: int | None) -> int | None:
    if user_id is None:
        return None
    return toolkit.db.session.scalar(sa.select(toolkit.User.department_id).where(toolkit.User.id == user_id))


def may_reassign(
    current: tuple[int | None, int | None],
    new: tuple[int | None, int | None],
    user: Any = None,
) -> bool:
    """May ``user`` change (owner, department) from ``current`` to ``new``?"""
    if current == new:
        return True
    user = user if user is not None else _current_user()
    if user is None:
        return False
    if may_transfer_any(user):
        return True
    heads = headed_departments(user)
    if not heads:
        return False
    owner, department = current
    inside = department in heads or owner == user.id or _department_of(owner) in heads
    new_owner, new_department = new
    target_ok = (new_owner is None or new_owner == user.id or _department_of(new_owner) in heads) and (
        new_department is None or new_department in heads
    )
    return inside and target_ok


def may_manage(record: Any, user: Any = None) -> bool:
    """Whether ``user`` may reassign this record at all (to someone they may give it to)."""
    user = user if user is not None else _current_user()
    if user is None:
        return False
    if may_transfer_any(user):
        return True
    heads = headed_departments(user)
    return bool(heads) and (
        record.department_id in heads or record.owner_id == user.id or _department_of(record.owner_id) in heads
    )


def assignable_users(user: Any = None) -> list[tuple[int, str]]:
    """(id, name) of the users ``user`` may give customers to: everyone, or the people of their departments."""
    user = user if user is not None else _current_user()
    if user is None:
        return []
    stmt = sa.select(toolkit.User.id, toolkit.User.name, toolkit.User.email).where(toolkit.User.active.is_(True))
    if not may_transfer_any(user):
        heads = headed_departments(user)
        stmt = stmt.where(sa.or_(toolkit.User.department_id.in_(sorted(heads)), toolkit.User.id == user.id))
    rows = toolkit.db.session.execute(stmt.order_by(toolkit.User.name, toolkit.User.email).limit(1000))
    return [(uid, name or email) for uid, name, email in rows]


def assignable_departments(user: Any = None) -> list[tuple[int, str]]:
    """(id, name) of the departments ``user`` may give customers to."""
    user = user if user is not None else _current_user()
    if user is None:
        return []
    stmt = sa.select(toolkit.Department.id, toolkit.Department.name)
    if not may_transfer_any(user):
        stmt = stmt.where(toolkit.Department.id.in_(sorted(headed_departments(user))))
    return [(i, n) for i, n in toolkit.db.session.execute(stmt.order_by(toolkit.Department.name))]


def assignment_errors(kind: str, record_id: int | None, data: dict[str, Any]) -> dict[str, list[str]]:
    """Field errors when ``data`` changes ``owner_id``/``department_id`` in a way the user may not.

    Used by the API schemas: a new record starts as the user's own. Outside a
    request (imports run as jobs, checked by the importer) nothing is refused.
    """
    if "owner_id" not in data and "department_id" not in data:
        return {}
    user = _current_user()
    if user is None:
        return {}
    errors: dict[str, list[str]] = {}
    for key, model in (("owner_id", toolkit.User), ("department_id", toolkit.Department)):
        value = data.get(key)
        if value is not None and (
            not isinstance(value, int) or not 0 < value < 2**31
            or toolkit.db.session.get(model, value) is None
        ):
            errors[key] = [_("There is no user with this number.") if key == "owner_id"
                           else _("There is no department with this number.")]
    if errors:
        return errors
    if record_id is not None:
        row = toolkit.db.session.execute(
            sa.select(_model(kind).owner_id, _model(kind).department_id).where(_model(kind).id == record_id)
        ).first()
        current = (row[0], row[1]) if row is not None else (user.id, user.department_id)
    else:
        current = (user.id, user.department_id)
    new = (data.get("owner_id", current[0]), data.get("department_id", current[1]))
    if may_reassign(current, new, user):
        return {}
    message = [_("You may not give this customer to that user or department.")]
    return {key: message for key in ("owner_id", "department_id") if key in data}


# -- changing ownership ---------------------------------------------------------------------


def assign(record: Any, *, owner_id: int | None, department_id: int | None, reason: str | None = None) -> bool:
    """Give one company or contact to a user and/or department; the history row follows on flush.

    Checks nothing (callers check ``may_reassign``); returns whether anything changed.
    """
    if (record.owner_id, record.department_id) == (owner_id, department_id):
        return False
    with assignment_reason(reason):
        record.owner_id = owner_id
        record.department_id = department_id
        toolkit.db.session.flush()
    return True


def count_owned(user_id: int) -> dict[str, int]:
    """How many contacts and companies ``user_id`` owns (every record, whatever the reader's rule)."""
    return {
        kind: toolkit.db.session.scalar(
            sa.select(sa.func.count()).select_from(_model(kind)).where(_model(kind).owner_id == user_id)
        ) or 0
        for kind in KINDS
    }


def transfer_all(
    from_user_id: int,
    to_user_ids: Sequence[int],
    *,
    kinds: Iterable[str] = KINDS,
    move_department: bool = True,
    reason: str | None = None,
    by_user_id: int | None = None,
    progress: Callable[..., Any] | None = None,
) -> dict[str, int]:
    """Give every customer of ``from_user_id`` to ``to_user_ids`` (round robin when several).

    Set-based: per chunk of ``CHUNK`` ids one history ``INSERT`` and one
    ``UPDATE`` per target, so a book of 100,000 customers moves in seconds.
    ``move_department``: the records also take the new owner's department
    (when they have one), so the old team no longer sees them. Does not
    commit; returns the number moved per kind.
    """
    from modules.contacts.models import Assignment

    targets = [t for t in dict.fromkeys(to_user_ids) if t != from_user_id]
    if not targets:
        return {kind: 0 for kind in KINDS}
    session = toolkit.db.session
    departments = {
        uid: dep for uid, dep in session.execute(
            sa.select(toolkit.User.id, toolkit.User.department_id).where(toolkit.User.id.in_(targets))
        )
    }
    kinds = [k for k in KINDS if k in set(kinds)]
    total = sum(count_owned(from_user_id)[k] for k in kinds) or 1
    done_all = 0
    moved: dict[str, int] = {}
    now = toolkit.utcnow()
    turn = 0
    for kind in kinds:
        model = _model(kind)
        moved[kind] = 0
        last_id = 0
        while True:
            rows = list(session.execute(
                sa.select(model.id, model.department_id)
                .where(model.owner_id == from_user_id, model.id > last_id)
                .order_by(model.id).limit(CHUNK)
            ))
            if not rows:
                break
            last_id = rows[-1][0]
            per_target: dict[int, list[tuple[int, int | None]]] = {}
            for ident, dept in rows:
                per_target.setdefault(targets[turn % len(targets)], []).append((ident, dept))
                turn += 1
            history = []
            for target, items in per_target.items():
                new_dept = departments.get(target) if move_department else None
                for ident, dept in items:
                    history.append({
                        "object": kind, "record_id": ident, "from_user_id": from_user_id, "to_user_id": target,
                        "from_department_id": dept, "to_department_id": new_dept if new_dept is not None else dept,
                        "by_user_id": by_user_id, "at": now, "reason": (reason or None) and reason[:200],
                    })
                values: dict[str, Any] = {"owner_id": target, "updated_at": now, "version": model.version + 1}
                if new_dept is not None:
                    values["department_id"] = new_dept
                session.execute(
                    sa.update(model).where(model.id.in_([i for i, _d in items]), model.owner_id == from_user_id)
                    .values(**values).execution_options(synchronize_session=False)
                )
            session.execute(sa.insert(Assignment), history)
            moved[kind] += len(rows)
            done_all += len(rows)
            if progress is not None:
                progress(100 * done_all / total, _("%(num)s of %(total)s moved", num=done_all, total=total))
    toolkit.publish(
        "contacts.transferred",
        {"from_user_id": from_user_id, "to_user_ids": targets, "counts": moved, "reason": reason},
        module="contacts",
    )
    return moved


def transfer_all_task(
    from_user_id: int,
    to_user_ids: list[int],
    kinds: list[str] | None = None,
    move_department: bool = True,
    reason: str | None = None,
    by_user_id: int | None = None,
    progress: Callable[..., Any] | None = None,
) -> dict[str, int]:
    """The background job ``contacts.transfer_all`` (committed by the job runner with its state)."""
    return transfer_all(
        from_user_id, to_user_ids, kinds=kinds or KINDS, move_department=move_department, reason=reason,
        by_user_id=by_user_id, progress=progress,
    )


# -- history ------------------------------------------------------------------------------------


def history(kind: str, record_id: int, limit: int = 50) -> list[Any]:
    """The ``Assignment`` rows of one record, newest first."""
    from modules.contacts.models import Assignment

    return list(toolkit.db.session.scalars(
        sa.select(Assignment).where(Assignment.object == kind, Assignment.record_id == record_id)
        .order_by(Assignment.at.desc(), Assignment.id.desc()).limit(limit)
    ))


def names(user_ids: Iterable[int | None], department_ids: Iterable[int | None]) -> tuple[dict[int, str], dict[int, str]]:
    """Display names of users and departments, two queries for any number."""
    users = {i for i in user_ids if i is not None}
    deps = {i for i in department_ids if i is not None}
    session = toolkit.db.session
    user_names = {
        uid: name or email for uid, name, email in session.execute(
            sa.select(toolkit.User.id, toolkit.User.name, toolkit.User.email).where(toolkit.User.id.in_(users))
        )
    } if users else {}
    dep_names = dict(session.execute(
        sa.select(toolkit.Department.id, toolkit.Department.name).where(toolkit.Department.id.in_(deps))
    ).all()) if deps else {}
    return user_names, dep_names


def timeline_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:
    """Ownership changes of a company or contact for its timeline (``crm_timeline_entries``)."""
    kind = {"contacts.contact": "contact", "contacts.company": "company"}.get(object)
    if kind is None:
        return []
    rows = history(kind, record_id, limit)
    if not rows:
        return []
    users, deps = names(
        [u for r in rows for u in (r.from_user_id, r.to_user_id, r.by_user_id)],
        [d for r in rows for d in (r.from_department_id, r.to_department_id)],
    )
    nobody = _("nobody")
    entries = []
    for row in rows:
        if row.from_user_id != row.to_user_id:
            title = _("Owner: %(old)s → %(new)s", old=users.get(row.from_user_id, nobody),
                      new=users.get(row.to_user_id, nobody))
        else:
            title = _("Department: %(old)s → %(new)s", old=deps.get(row.from_department_id, nobody),
                      new=deps.get(row.to_department_id, nobody))
        detail = []
        if row.by_user_id is not None:
            detail.append(_("by %(name)s", name=users.get(row.by_user_id, f"#{row.by_user_id}")))
        if row.reason:
            detail.append(row.reason)
        entries.append({"when": row.at, "title": title, "detail": " · ".join(detail), "kind": "assignment"})
    return entries


def task_specs() -> list[toolkit.TaskSpec]:
    return [toolkit.TaskSpec(TASK, transfer_all_task)]
