"""Personal data of one person: export everything every module holds (JSON), or erase it.

``export_person`` and ``erase_person`` ask every installed module through
``crm_personal_data_export`` / ``crm_personal_data_erase`` with the subject
``{"contact_id", "email", "phone"}`` and record one audit entry each. Erasure
keeps an anonymised stub of the contact (``[erased]``), so rows of other
modules that point at it stay consistent, and blanks the values the audit
trail recorded about the person (the entries stay, saying who changed what
and when). Both need ``contacts.privacy`` (administrators by default).

This module's own part (``contact_data`` / ``erase_contacts``): the contact
records matching the subject (its id, or the same e-mail or phone), with
tags, consent history, interactions, tasks and ownership history.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from core import toolkit
from core.toolkit import db, sa

OBJECT = "contacts.contact"
ERASED = "[erased]"
#: contact columns that hold something about the person (blanked on erasure)
PERSONAL = ("first_name", "email", "phone", "mobile", "street", "city", "region", "postal_code", "country",
            "position", "birthday", "gender", "age_group", "interests", "habits", "notes", "annual_spend",
            "source_channel", "risk_rating", "preferred_channel", "company_id")


def subject_for(contact: Any) -> dict[str, Any]:
    return {"contact_id": contact.id, "email": contact.email, "phone": contact.phone or contact.mobile}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(record: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {c.key: _plain(getattr(record, c.key)) for c in sa.inspect(record).mapper.column_attrs if c.key not in skip}


def export_person(contact_id: int) -> dict[str, Any]:
    """Everything every module holds about the person behind contact ``contact_id``; audited."""
    from modules.contacts.models import Contact

    contact = db.session.get(Contact, contact_id)
    if contact is None:
        raise LookupError(f"no contact {contact_id}")
    subject = subject_for(contact)
    parts = {module: answer for module, answer in toolkit.hook_each("crm_personal_data_export", subject=subject)
             if answer}
    toolkit.audit_log(OBJECT, contact_id, "export", {"personal data": [None, ", ".join(sorted(parts))]})
    return {"subject": subject, "exported_at": toolkit.utcnow().isoformat() + "Z", "modules": parts}


def erase_person(contact_id: int) -> dict[str, int]:
    """Erase or anonymise the person behind contact ``contact_id`` in every module; rows changed per module."""
    from modules.contacts.models import Contact

    contact = db.session.get(Contact, contact_id)
    if contact is None:
        raise LookupError(f"no contact {contact_id}")
    subject = subject_for(contact)
    with toolkit.audit_disabled():
        counts = {module: int(n or 0) for module, n in toolkit.hook_each("crm_personal_data_erase", subject=subject)}
        db.session.flush()
    toolkit.audit_log(OBJECT, contact_id, "erase", {"rows": [None, sum(counts.values())]})
    return counts


# -- this module's part (crm_personal_data_export / _erase) -----------------------------------------


def _matching(subject: dict[str, Any]) -> list[Any]:
    """The contacts the subject names: by id, and any other record with the same e-mail or phone."""
    from modules.contacts.listeners import phone_key
    from modules.contacts.models import Contact

    conditions = []
    if subject.get("contact_id") is not None:
        conditions.append(Contact.id == subject["contact_id"])
    if subject.get("email"):
        conditions.append(Contact.email_key == str(subject["email"]).strip().lower())
    key = phone_key(subject.get("phone")) if subject.get("phone") else None
    if key:
        conditions.append(Contact.phone_key == key)
    if not conditions:
        return []
    return list(db.session.scalars(sa.select(Contact).where(sa.or_(*conditions)).order_by(Contact.id)))


def contact_data(subject: dict[str, Any]) -> dict[str, Any] | None:
    """``crm_personal_data_export`` of contacts: each matching contact with everything attached to it."""
    from modules.contacts.models import Assignment, Company, Interaction, Task

    people = _matching(subject)
    if not people:
        return None
    ids = [p.id for p in people]
    companies = dict(db.session.execute(sa.select(Company.id, Company.name).where(
        Company.id.in_({p.company_id for p in people if p.company_id}))).all())
    interactions = db.session.scalars(sa.select(Interaction).where(Interaction.contact_id.in_(ids))
                                      .order_by(Interaction.occurred_at)).all()
    tasks = db.session.scalars(sa.select(Task).where(Task.contact_id.in_(ids)).order_by(Task.due_at)).all()
    history = db.session.scalars(sa.select(Assignment).where(Assignment.object == "contact",
                                                             Assignment.record_id.in_(ids))
                                 .order_by(Assignment.at)).all()
    out = []
    for person in people:
        record = _row(person, skip=("name_key", "email_key", "phone_key"))
        record["company"] = companies.get(person.company_id)
        record["tags"] = person.tags
        record["consent"] = [_row(c, skip=("contact_id",)) for c in person.consents]
        record["interactions"] = [_row(i, skip=("contact_id",)) for i in interactions if i.contact_id == person.id]
        record["tasks"] = [_row(t, skip=("contact_id",)) for t in tasks if t.contact_id == person.id]
        record["ownership_history"] = [_row(a, skip=("object", "record_id")) for a in history
                                       if a.record_id == person.id]
        out.append(record)
    return {"contacts": out}


def erase_contacts(subject: dict[str, Any]) -> int:
    """``crm_personal_data_erase`` of contacts: blank the people, keep anonymised stubs; rows changed."""
    from modules.contacts.models import Consent, ContactTag, Interaction, Task

    people = _matching(subject)
    if not people:
        return 0
    ids = [p.id for p in people]
    changed = 0
    for person in people:
        for name in PERSONAL:
            setattr(person, name, None)
        person.last_name = ERASED
        person.custom = {}
        changed += 1
    interaction_ids = list(db.session.scalars(sa.select(Interaction.id).where(Interaction.contact_id.in_(ids))))
    task_ids = list(db.session.scalars(sa.select(Task.id).where(Task.contact_id.in_(ids))))
    consent_ids = list(db.session.scalars(sa.select(Consent.id).where(Consent.contact_id.in_(ids))))
    changed += db.session.execute(sa.update(Interaction).where(Interaction.id.in_(interaction_ids))
                                  .values(summary=ERASED, outcome=None)
                                  .execution_options(synchronize_session=False)).rowcount or 0
    changed += db.session.execute(sa.update(Task).where(Task.id.in_(task_ids)).values(title=ERASED, notes=None)
                                  .execution_options(synchronize_session=False)).rowcount or 0
    for person in people:
        db.session.expire(person, ["consents", "tag_items"])
    changed += db.session.execute(sa.delete(Consent).where(Consent.contact_id.in_(ids))
                                  .execution_options(synchronize_session=False)).rowcount or 0
    changed += db.session.execute(sa.delete(ContactTag.__table__).where(ContactTag.contact_id.in_(ids))).rowcount or 0
    db.session.flush()
    for object_name, record_ids in (("contacts.contact", ids), ("contacts.interaction", interaction_ids),
                                    ("contacts.task", task_ids), ("contacts.consent", consent_ids)):
        toolkit.audit_redact(object_name, record_ids)
    return changed


def erased(contact: Any) -> bool:
    """Whether ``contact`` is the stub an erasure left."""
    return contact.last_name == ERASED and not contact.email
