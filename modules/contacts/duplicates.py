"""Finding duplicate contacts and merging them.

Detection, always within the records the user may read:

- *same e-mail* / *same phone*: exact matches of the normalised keys
  (``email_key``, ``phone_key``), found by ``GROUP BY`` over their indexes;
- *similar names*: contacts are read in ``name_key`` order, block by block
  (the first three letters of the key, the first two characters of a Chinese
  name), and within a block the distinct names are compared with rapidfuzz.
  Two people with similar names are only suspected when nothing tells them
  apart: different e-mail addresses or different phone numbers mean
  different people (otherwise every "James Smith" would be one group).
  A page reads at most ``SCAN_ROWS`` contacts and continues where it stopped,
  so it stays fast at a million contacts.

Merging 2–5 contacts: the user picks, field by field, whose value the kept
record gets; tags and consent history are joined; every installed module
re-points its rows from the other records to the kept one through the
``crm_merge_records`` hook (this module's own: interactions, tasks, consent,
tags, ownership history); one audit entry names the ids merged into the
kept one; then the others are deleted. All in the caller's transaction.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from core import toolkit
from core.toolkit import _, db, sa

OBJECT = "contacts.contact"
MIN_MERGE, MAX_MERGE = 2, 5
#: contacts read per page of the name comparison
SCAN_ROWS = 20_000
#: rapidfuzz ratio (0–100) from which two names count as similar
NAME_SCORE = 88
#: fields a merge chooses, in the order the merge page shows them
MERGE_FIELDS = ("first_name", "last_name", "company_id", "position", "email", "phone", "mobile", "street",
                "postal_code", "city", "region", "country", "birthday", "gender", "age_group", "source_channel",
                "tier", "lifecycle_stage", "risk_rating", "preferred_channel", "annual_spend", "interests",
                "habits", "notes", "owner_id", "department_id")
#: how long ``duplicate_count`` answers from memory
COUNT_TTL = 300.0
_SHOWN = ("id", "first_name", "last_name", "name_key", "email", "email_key", "phone", "phone_key", "mobile",
          "city", "company_id", "owner_id", "updated_at")


@dataclass
class Group:
    """Contacts suspected to be one person: why, how sure (0–100), and who."""

    reason: str
    score: int
    members: list[Any] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [m.id for m in self.members]


def _contacts(user: Any) -> sa.Select[Any]:
    from modules.contacts.models import Contact

    stmt = sa.select(Contact)
    return stmt if user is None else toolkit.scope(stmt, OBJECT, "read", user)


def _columns() -> list[Any]:
    from modules.contacts.models import Contact

    return [getattr(Contact, name) for name in _SHOWN]


# -- exact matches -------------------------------------------------------------------------


def exact_groups(key: str, user: Any = None, after: str | None = None, limit: int = 20) -> tuple[list[Group], str | None]:
    """Groups of contacts sharing ``email_key`` or ``phone_key``, in key order after ``after``; and the next cursor."""
    from modules.contacts.models import Contact

    column = getattr(Contact, key)
    base = _contacts(user).where(column.is_not(None))
    if after:
        base = base.where(column > after)
    keys = list(db.session.scalars(
        base.with_only_columns(column).group_by(column).having(sa.func.count() > 1).order_by(column).limit(limit + 1)
    ))
    more = len(keys) > limit
    keys = keys[:limit]
    if not keys:
        return [], None
    rows = db.session.execute(_contacts(user).with_only_columns(*_columns()).where(column.in_(keys))
                              .order_by(column, Contact.id)).all()
    by_key: dict[str, list[Any]] = {}
    for row in rows:
        by_key.setdefault(getattr(row, key), []).append(row)
    reason = _("Same e-mail address") if key == "email_key" else _("Same phone number")
    score = 100 if key == "email_key" else 95
    groups = [Group(reason, score, members) for k in keys if len(members := by_key.get(k, [])) > 1]
    return groups, (keys[-1] if more else None)


def duplicate_count(user: Any = None) -> int:
    """Contacts (that ``user`` may read) sharing a normalised e-mail or phone with another one, less one per group.

    That is how many records merging would remove. Name similarity is left
    out: it is a suspicion for the review page, not a count. Answers are kept
    for ``COUNT_TTL`` seconds per user, so the dashboard does not scan a
    million rows on every visit.
    """
    from modules.contacts.models import Contact

    cache: dict[Any, tuple[float, int]] = current_app.extensions.setdefault("contacts_duplicate_count", {})
    key = getattr(user, "id", None)
    hit = cache.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < COUNT_TTL:
        return hit[1]
    scoped = _contacts(user)
    surplus = 0
    for column in (Contact.email_key, Contact.phone_key):
        counts = scoped.with_only_columns(sa.func.count().label("n")).where(column.is_not(None)).group_by(column) \
            .having(sa.func.count() > 1).subquery()
        surplus += db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(counts.c.n - 1), 0))) or 0
    # a pair with the same e-mail and the same phone was counted twice
    both = scoped.with_only_columns(sa.func.count().label("n")).where(
        Contact.email_key.is_not(None), Contact.phone_key.is_not(None)
    ).group_by(Contact.email_key, Contact.phone_key).having(sa.func.count() > 1).subquery()
    surplus -= db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(both.c.n - 1), 0))) or 0
    cache[key] = (now, int(surplus))
    return int(surplus)


def forget_count() -> None:
    """Drop remembered counts (after a merge or an import)."""
    current_app.extensions.pop("contacts_duplicate_count", None)


# -- similar names ------------------------------------------------------------------------------


def block_of(name_key: str) -> str:
    """The block a name is compared within: first three letters, or first two Chinese characters."""
    if name_key and unicodedata.east_asian_width(name_key[0]) in ("W", "F"):
        return name_key[:2]
    return name_key[:3]


def _conflict(a: Any, b: Any) -> bool:
    """Different e-mail addresses or different phone numbers: two people, however alike their names."""
    return bool((a.email_key and b.email_key and a.email_key != b.email_key)
                or (a.phone_key and b.phone_key and a.phone_key != b.phone_key))


def name_groups(user: Any = None, after: str | None = None, limit: int = 20,
                scan_rows: int = SCAN_ROWS) -> tuple[list[Group], str | None]:
    """Groups of contacts with similar names, reading blocks from ``after`` on; and the next cursor.

    A page reads at most ``scan_rows`` contacts. A block that goes on beyond
    them is left for the next page, unless it is the only one (a huge block is
    compared as far as read, and the next page starts after it).
    """
    from modules.contacts.models import Contact

    stmt = _contacts(user).with_only_columns(*_columns()).where(Contact.name_key != "")
    if after:
        stmt = stmt.where(Contact.name_key >= after)
    rows = db.session.execute(stmt.order_by(Contact.name_key, Contact.id).limit(scan_rows + 1)).all()
    blocks: dict[str, list[Any]] = {}
    for row in rows[:scan_rows]:
        blocks.setdefault(block_of(row.name_key), []).append(row)
    cursor: str | None = None
    if len(rows) > scan_rows:
        unread = block_of(rows[scan_rows].name_key)
        cursor = unread
        if unread in blocks:
            if len(blocks) > 1:
                del blocks[unread]
            else:
                cursor = unread + "\U0010ffff"  # past the rest of this block
    groups: list[Group] = []
    keys = list(blocks)
    for index, block in enumerate(keys):
        groups.extend(_compare(blocks[block]))
        if len(groups) >= limit and index + 1 < len(keys):
            return groups, keys[index + 1]
    return groups, cursor


def _compare(rows: list[Any]) -> list[Group]:
    """Similar names within one block, split into groups of people nothing tells apart (at most five)."""
    from rapidfuzz import fuzz, process

    by_name: dict[str, list[Any]] = {}
    for row in rows:
        by_name.setdefault(row.name_key, []).append(row)
    names = list(by_name)
    parent = list(range(len(names)))
    best: dict[int, int] = {}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, name in enumerate(names):
        for _match, score, j in process.extract(name, names[i + 1:], scorer=fuzz.ratio, score_cutoff=NAME_SCORE,
                                                limit=None):
            a, b = root(i), root(i + 1 + j)
            if a != b:
                parent[b] = a
            best[root(i)] = min(best.get(root(i), 100), int(score))
    clusters: dict[int, list[Any]] = {}
    for i, name in enumerate(names):
        clusters.setdefault(root(i), []).extend(by_name[name])
    groups: list[Group] = []
    for cluster_root, members in clusters.items():
        if len(members) < 2:
            continue
        score = best.get(cluster_root, 100)
        for people in _split(members):
            groups.append(Group(_("Similar names"), score if len({p.name_key for p in people}) > 1 else 90, people))
    return groups


def _split(members: list[Any]) -> list[list[Any]]:
    """Greedy groups of at most ``MAX_MERGE`` members without a conflict; single people are dropped."""
    groups: list[list[Any]] = []
    for person in sorted(members, key=lambda r: r.id):
        for group in groups:
            if len(group) < MAX_MERGE and not any(_conflict(person, other) for other in group):
                group.append(person)
                break
        else:
            groups.append([person])
    return [g for g in groups if len(g) > 1]


# -- merging ------------------------------------------------------------------------------------


class MergeError(ValueError):
    """The merge cannot be done as asked; the message says why."""


def merge_fields() -> list[str]:
    """Built-in fields and ``custom.<key>`` for every custom field of contacts."""
    from modules.contacts import custom_fields

    return [*MERGE_FIELDS, *(f"custom.{d.key}" for d in custom_fields.definitions("contact"))]


def load_for_merge(ids: Sequence[int], user: Any = None) -> list[Any]:
    """The contacts to merge, each one the user may change (and, except the kept one, delete)."""
    from modules.contacts.models import Contact

    unique = list(dict.fromkeys(int(i) for i in ids))
    if not MIN_MERGE <= len(unique) <= MAX_MERGE:
        raise MergeError(_("Choose between %(min)d and %(max)d contacts to merge.", min=MIN_MERGE, max=MAX_MERGE))
    records = {c.id: c for c in db.session.scalars(sa.select(Contact).where(Contact.id.in_(unique)))}
    missing = [i for i in unique if i not in records]
    if missing or (user is not None and not all(toolkit.record_allowed(records[i], OBJECT, "write", user)
                                                for i in unique)):
        raise MergeError(_("Some of these contacts do not exist or you may not change them."))
    return [records[i] for i in unique]


def merge(target_id: int, source_ids: Sequence[int], choices: dict[str, int] | None = None,
          user: Any = None) -> dict[str, int]:
    """Merge ``source_ids`` into ``target_id``; ``choices`` maps a field to the id whose value it keeps.

    Fields not in ``choices`` keep the kept record's value, or the first other
    record's value where the kept one is empty. Returns rows re-pointed per
    module. Writes in the caller's transaction; the caller commits.
    """
    sources = [int(i) for i in source_ids if int(i) != int(target_id)]
    records = load_for_merge([target_id, *sources], user)
    target, others = records[0], records[1:]
    if user is not None and not all(toolkit.record_allowed(r, OBJECT, "delete", user) for r in others):
        raise MergeError(_("You may not delete some of the contacts that would be merged away."))
    by_id = {r.id: r for r in records}
    chosen = dict(choices or {})
    for name in merge_fields():
        source_id = chosen.get(name)
        if source_id is not None and int(source_id) not in by_id:
            raise MergeError(_("A value was chosen from a contact that is not being merged."))
        value = _value(by_id[int(source_id)], name) if source_id is not None else _default(target, others, name)
        _set(target, name, value)
    tags = sorted({*target.tags, *(t for r in others for t in r.tags)})
    target.tags = tags
    last = [r.last_interaction_at for r in records if r.last_interaction_at is not None]
    target.last_interaction_at = max(last) if last else None
    target.created_at = min(r.created_at for r in records if r.created_at is not None) if any(
        r.created_at for r in records) else target.created_at
    db.session.flush()
    moved = {module: int(count or 0) for module, count in toolkit.hook_each(
        "crm_merge_records", object=OBJECT, target_id=target.id, source_ids=[r.id for r in others])}
    toolkit.audit_log(OBJECT, target.id, "merge", {"merged": [[r.id for r in others], target.id]})
    for record in others:
        # their consent rows were re-pointed in SQL: deleting must not cascade to the loaded copies
        db.session.expire(record)
        db.session.delete(record)
    db.session.flush()
    db.session.expire(target)
    forget_count()
    return moved


def _value(record: Any, name: str) -> Any:
    if name.startswith("custom."):
        return (record.custom or {}).get(name[7:])
    return getattr(record, name)


def _default(target: Any, others: Iterable[Any], name: str) -> Any:
    value = _value(target, name)
    if value not in (None, ""):
        return value
    return next((v for r in others if (v := _value(r, name)) not in (None, "")), value)


def _set(target: Any, name: str, value: Any) -> None:
    if name.startswith("custom."):
        custom = dict(target.custom or {})
        if value is None:
            custom.pop(name[7:], None)
        else:
            custom[name[7:]] = value
        target.custom = custom
    elif getattr(target, name) != value:
        setattr(target, name, value)


# -- this module's rows (crm_merge_records) --------------------------------------------------------


def repoint(object: str, target_id: int, source_ids: list[int]) -> int:  # noqa: A002
    """Interactions, tasks, consent history, tags and ownership history of ``source_ids`` move to ``target_id``."""
    if object != OBJECT or not source_ids:
        return 0
    from modules.contacts.models import Assignment, Consent, ContactTag, Interaction, Task

    moved = 0
    for model in (Interaction, Task, Consent):
        moved += db.session.execute(
            sa.update(model).where(model.contact_id.in_(source_ids)).values(contact_id=target_id)
            .execution_options(synchronize_session=False)
        ).rowcount or 0
    moved += db.session.execute(
        sa.update(Assignment).where(Assignment.object == "contact", Assignment.record_id.in_(source_ids))
        .values(record_id=target_id).execution_options(synchronize_session=False)
    ).rowcount or 0
    have = set(db.session.scalars(sa.select(ContactTag.tag_id).where(ContactTag.contact_id == target_id)))
    for tag_id in sorted(set(db.session.scalars(
            sa.select(ContactTag.tag_id).where(ContactTag.contact_id.in_(source_ids)))) - have):
        db.session.execute(sa.insert(ContactTag.__table__).values(contact_id=target_id, tag_id=tag_id))
        moved += 1
    return moved
