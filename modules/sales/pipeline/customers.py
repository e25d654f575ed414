"""Sales on the customer: opportunities and sales records on a contact's or company's timeline,
re-pointed when contacts merges duplicates, exported and erased with a person's data.

Timeline entries are two bounded queries (``LIMIT limit`` on the ``company_id``/``contact_id``
indexes), narrowed by the reader's record rules.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from core import toolkit
from core.toolkit import _, sa
from modules.sales.pipeline.models import Opportunity, SalesRecord

db = toolkit.db

#: which column points at the customer, per contacts object
KEYS = {"contacts.contact": "contact_id", "contacts.company": "company_id"}


def _money(amount: Any, currency: str) -> str:
    return toolkit.format_currency(amount, currency)


def opportunity_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:  # noqa: A002
    key = KEYS.get(object)
    if key is None or not toolkit.can("sales.opportunity.read"):
        return []
    moment = sa.func.coalesce(Opportunity.closed_at, Opportunity.created_at)
    rows = list(db.session.scalars(
        toolkit.scope(sa.select(Opportunity).where(getattr(Opportunity, key) == record_id), "sales.opportunity")
        .order_by(moment.desc(), Opportunity.id.desc()).limit(limit)
    ))
    entries = []
    for opp in rows:
        amount = _money(opp.amount, opp.currency)
        if opp.status == "won":
            title = _("Opportunity won: %(name)s (%(amount)s)", name=opp.name, amount=amount)
            when, kind = opp.closed_at, "opportunity.won"
        elif opp.status == "lost":
            title = _("Opportunity lost: %(name)s (%(amount)s)", name=opp.name, amount=amount)
            when, kind = opp.closed_at, "opportunity.lost"
        else:
            title = _("Opportunity opened: %(name)s (%(amount)s)", name=opp.name, amount=amount)
            when, kind = opp.created_at, "opportunity"
        entries.append({
            "when": when, "title": title, "detail": opp.lost_reason or opp.next_step or "", "kind": kind,
            "url": url_for("sales_opportunities.detail", id=opp.id),
        })
    return entries


def record_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:  # noqa: A002
    key = KEYS.get(object)
    if key is None or not toolkit.can("sales.sales_record.read"):
        return []
    rows = list(db.session.scalars(
        toolkit.scope(sa.select(SalesRecord).where(getattr(SalesRecord, key) == record_id), "sales.sales_record")
        .order_by(SalesRecord.sold_on.desc(), SalesRecord.id.desc()).limit(limit)
    ))
    from datetime import datetime, time

    return [{
        "when": datetime.combine(r.sold_on, time.min),
        "title": _("Purchase: %(amount)s", amount=_money(r.amount, r.currency)),
        "detail": r.notes or "", "kind": "sale", "url": url_for("sales_records.detail", id=r.id),
    } for r in rows]


def timeline_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:  # noqa: A002
    return [*opportunity_entries(object, record_id, limit), *record_entries(object, record_id, limit)]


def merge_records(object: str, target_id: int, source_ids: list[int]) -> int:  # noqa: A002
    """Opportunities and sales records of merged duplicates follow to the kept contact or company."""
    key = KEYS.get(object)
    if key is None or not source_ids:
        return 0
    moved = 0
    for model in (Opportunity, SalesRecord):
        column = getattr(model, key)
        moved += db.session.execute(
            sa.update(model).where(column.in_(source_ids)).values({key: target_id})
            .execution_options(synchronize_session=False)
        ).rowcount or 0
    return moved


def personal_data_export(subject: dict[str, Any]) -> dict[str, Any]:
    contact_id = subject.get("contact_id")
    if contact_id is None:
        return {}
    opps = db.session.scalars(sa.select(Opportunity).where(Opportunity.contact_id == contact_id)
                              .order_by(Opportunity.id))
    records = db.session.scalars(sa.select(SalesRecord).where(SalesRecord.contact_id == contact_id)
                                 .order_by(SalesRecord.id))
    data = {
        "opportunities": [{"id": o.id, "name": o.name, "amount": str(o.amount), "currency": o.currency,
                           "status": o.status, "expected_close": o.expected_close.isoformat() if o.expected_close
                           else None, "next_step": o.next_step, "lost_reason": o.lost_reason} for o in opps],
        "sales_records": [{"id": r.id, "sold_on": r.sold_on.isoformat(), "amount": str(r.amount),
                           "currency": r.currency, "notes": r.notes} for r in records],
    }
    return {key: value for key, value in data.items() if value}


def personal_data_erase(subject: dict[str, Any]) -> int:
    """Free texts about the person are blanked; amounts and dates stay (they are the company's books)."""
    contact_id = subject.get("contact_id")
    if contact_id is None:
        return 0
    opp_ids = list(db.session.scalars(sa.select(Opportunity.id).where(Opportunity.contact_id == contact_id)))
    rec_ids = list(db.session.scalars(sa.select(SalesRecord.id).where(SalesRecord.contact_id == contact_id)))
    if opp_ids:
        db.session.execute(sa.update(Opportunity).where(Opportunity.id.in_(opp_ids))
                           .values(next_step=None, tags=None).execution_options(synchronize_session=False))
        toolkit.audit_redact("sales.opportunity", opp_ids)
    if rec_ids:
        db.session.execute(sa.update(SalesRecord).where(SalesRecord.id.in_(rec_ids))
                           .values(notes=None).execution_options(synchronize_session=False))
        toolkit.audit_redact("sales.sales_record", rec_ids)
    return len(opp_ids) + len(rec_ids)
