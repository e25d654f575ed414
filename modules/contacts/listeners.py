"""What follows every ORM write of a company or contact, whichever way it came in.

Chosen over the schema's ``post_load``: forms, the API, merges, demo data,
tests and code in other modules all write through the ORM, but only some go
through a schema. A mapper listener sees every one of them, so

- the normalised columns (``name_key``, ``email_key``, ``phone_key``) can never
  drift from what they are derived from;
- a change of owner or department always leaves an ``Assignment`` row (the
  ownership history, kept forever), with who did it and, when the code that
  made the change said so, why (``ownership.reason``);
- the domain events ``company.created/updated/deleted`` and
  ``contact.created/updated/deleted`` are published (dispatched after commit).

Set-based writes (``UPDATE ... WHERE`` in the bulk transfer, bulk inserts of
the importer) bypass mapper events: such code fills the keys with
``record_keys`` and writes history rows itself.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from core import toolkit
from core.toolkit import sa
from modules.contacts.normalize import InvalidValue, name_key, person_name, phone_e164

MODULE = "contacts"
#: reason written on Assignment rows made while it is set (see ``ownership.reason``)
_reason: contextvars.ContextVar[str | None] = contextvars.ContextVar("contacts_assignment_reason", default=None)


@contextmanager
def assignment_reason(text: str | None) -> Iterator[None]:
    """Owner changes flushed inside this block get ``text`` as their reason in the history."""
    token = _reason.set(text[:200] if text else None)
    try:
        yield
    finally:
        _reason.reset(token)


# -- normalised keys -------------------------------------------------------------


def phone_key(raw: str | None, country: str | None = None) -> str | None:
    """E.164 when the number parses; otherwise ``+`` and its digits, so search still finds it."""
    if not raw or not raw.strip():
        return None
    try:
        return phone_e164(raw, country)
    except InvalidValue:
        digits = re.sub(r"\D", "", raw)
        return f"+{digits}"[:32] if digits else None


def record_keys(kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """``name_key``, ``email_key`` and ``phone_key`` for a company's or contact's values.

    ``kind`` is ``"company"`` or ``"contact"``; for code that inserts rows without
    the ORM (bulk import), so its rows are found by search exactly like the others.
    """
    if kind == "company":
        key = name_key(values.get("name"))
    else:
        key = name_key(person_name(values.get("first_name"), values.get("last_name")))
    email = values.get("email")
    return {
        "name_key": key,
        "email_key": email.strip().lower() if isinstance(email, str) and email.strip() else None,
        "phone_key": phone_key(values.get("phone") or values.get("mobile"), values.get("country")),
    }


_KEY_SOURCES = {
    "company": ("name", "email", "phone", "mobile", "country"),
    "contact": ("first_name", "last_name", "email", "phone", "mobile", "country"),
}


def _fill_keys(kind: str, target: Any) -> None:
    values = {name: getattr(target, name, None) for name in _KEY_SOURCES[kind]}
    for key, value in record_keys(kind, values).items():
        if getattr(target, key, None) != value:
            setattr(target, key, value)


# -- ownership history -------------------------------------------------------------


def _changed(target: Any, attr: str) -> tuple[bool, Any]:
    """(changed?, previous value) of a column attribute during a flush."""
    history = sa.inspect(target).attrs[attr].history
    if not history.has_changes():
        return False, None
    before = history.deleted[0] if history.deleted else None
    after = history.added[0] if history.added else None
    return before != after, before


def _record_assignment(kind: str, connection: sa.Connection, target: Any) -> None:
    owner_changed, old_owner = _changed(target, "owner_id")
    dept_changed, old_dept = _changed(target, "department_id")
    if not (owner_changed or dept_changed):
        return
    from modules.contacts.models import Assignment

    connection.execute(
        sa.insert(Assignment.__table__).values(
            object=kind,
            record_id=target.id,
            from_user_id=old_owner if owner_changed else target.owner_id,
            to_user_id=target.owner_id,
            from_department_id=old_dept if dept_changed else target.department_id,
            to_department_id=target.department_id,
            by_user_id=toolkit.acting_user_id(),
            at=toolkit.utcnow(),
            reason=_reason.get(),
        )
    )


# -- domain events ----------------------------------------------------------------------


def event_payload(kind: str, target: Any) -> dict[str, Any]:
    """What subscribers and webhooks receive about a company or contact (JSON-ready)."""
    payload: dict[str, Any] = {
        "id": target.id,
        "name": target.name,
        "email": target.email,
        "phone": target.phone,
        "tier": target.tier,
        "lifecycle_stage": target.lifecycle_stage,
        "owner_id": target.owner_id,
        "department_id": target.department_id,
    }
    if kind == "contact":
        payload["company_id"] = target.company_id
    return payload


def _has_net_changes(target: Any) -> bool:
    state = sa.inspect(target)
    return any(attr.history.has_changes() for attr in state.attrs if attr.key not in ("version", "updated_at"))


def register(company: type, contact: type) -> None:
    """Attach the listeners to the two models (called once when the models are imported)."""
    for model, kind in ((company, "company"), (contact, "contact")):
        _listen(model, kind)


def _listen(model: type, kind: str) -> None:
    obj = f"{MODULE}.{kind}"

    def before_insert(_mapper: Any, _connection: Any, target: Any) -> None:
        _fill_keys(kind, target)

    def before_update(_mapper: Any, _connection: Any, target: Any) -> None:
        _fill_keys(kind, target)

    def after_insert(_mapper: Any, _connection: Any, target: Any) -> None:
        toolkit.publish(f"{kind}.created", event_payload(kind, target), module=MODULE, object=obj,
                        record_id=target.id)

    def after_update(_mapper: Any, connection: Any, target: Any) -> None:
        _record_assignment(kind, connection, target)
        if _has_net_changes(target):
            toolkit.publish(f"{kind}.updated", event_payload(kind, target), module=MODULE, object=obj,
                            record_id=target.id)

    def after_delete(_mapper: Any, _connection: Any, target: Any) -> None:
        toolkit.publish(f"{kind}.deleted", {"id": target.id, "name": target.name}, module=MODULE, object=obj,
                        record_id=target.id)

    for name, fn in (("before_insert", before_insert), ("before_update", before_update),
                     ("after_insert", after_insert), ("after_update", after_update),
                     ("after_delete", after_delete)):
        sa.event.listen(model, name, fn)

