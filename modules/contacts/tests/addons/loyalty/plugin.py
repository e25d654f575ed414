"""Hooks of the loyalty test module: its cards follow merges and take part in personal data requests."""

from __future__ import annotations

from typing import Any

from core import toolkit
from core.toolkit import sa


@toolkit.hookimpl
def crm_models() -> list[type]:
    from loyalty.models import Card

    return [Card]


@toolkit.hookimpl
def crm_merge_records(object: str, target_id: int, source_ids: list[int]) -> int:  # noqa: A002
    from loyalty.models import Card

    if object != "contacts.contact":
        return 0
    result = toolkit.db.session.execute(
        sa.update(Card).where(Card.contact_id.in_(source_ids)).values(contact_id=target_id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


@toolkit.hookimpl
def crm_personal_data_export(subject: dict[str, Any]) -> dict[str, Any] | None:
    from loyalty.models import Card

    cards = toolkit.db.session.scalars(sa.select(Card).where(Card.contact_id == subject.get("contact_id"))).all()
    if not cards:
        return None
    return {"cards": [{"number": c.number, "holder": c.holder, "points": c.points} for c in cards]}


@toolkit.hookimpl
def crm_personal_data_erase(subject: dict[str, Any]) -> int:
    from loyalty.models import Card

    ids = list(toolkit.db.session.scalars(sa.select(Card.id).where(Card.contact_id == subject.get("contact_id"))))
    toolkit.db.session.execute(
        sa.update(Card).where(Card.id.in_(ids)).values(holder="[erased]").execution_options(synchronize_session=False)
    )
    toolkit.audit_redact("loyalty.card", ids)  # the trail recorded the holder's name too
    return len(ids)
