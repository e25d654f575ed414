"""The company and contact lists: the generic list plus custom fields, tags and normalised search.

``ProfileList`` is a ``toolkit.ListView`` whose columns grow by one (hidden,
choosable) column per custom field at request time, and whose filters include
every custom field (``cf_<key>`` parameters). Searching compares what was
typed in the stored form of each key column: a name as ``name_key`` (lower
case, no accents), an e-mail address in lower case, a phone number in E.164,
so "+49 (30) 1234" finds "+49301234567" through the prefix index.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import phonenumbers
from flask import has_request_context
from flask_babel import get_locale

from core import toolkit
from core.toolkit import _l, sa
from modules.contacts import custom_fields
from modules.contacts.normalize import name_key, person_name, phone_region

_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]+$")
#: most rows a drop-down filter lists (beyond that the filter takes a number)
OPTIONS_CAP = 200


# -- what a typed search means for each key column -----------------------------------------


def _is_phone(q: str) -> bool:
    return bool(_PHONE_LIKE.match(q)) and len(re.sub(r"\D", "", q)) >= 3


def name_query(q: str) -> str | None:
    """Names: lower case without accents, like ``name_key``; not for numbers or e-mail addresses."""
    if "@" in q or _is_phone(q):
        return None
    return name_key(q) or None


def last_name_query(q: str) -> str | None:
    """The last name as typed, so "Lee" finds "Ann Lee" (``name_key`` starts with the first name)."""
    if "@" in q or _is_phone(q) or " " in q.strip():
        return None
    return q.strip() or None


def email_query(q: str) -> str | None:
    """E-mail addresses in lower case; one word (no spaces) may be the start of one."""
    text = q.strip().lower()
    if not text or any(ch.isspace() for ch in text) or _is_phone(text):
        return None
    return text


def phone_query(q: str) -> str | None:
    """International forms: ``+49 30 …`` and ``0049 30 …`` become ``+4930…``; bare digits get a ``+``."""
    if not _is_phone(q):
        return None
    digits = re.sub(r"\D", "", q)
    if q.strip().startswith("00"):
        digits = digits[2:]
    return "+" + digits if digits else None


def _national(q: str, region: str | None) -> str | None:
    text = q.strip()
    if region is None or not _is_phone(text) or text.startswith(("+", "00")):
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return f"+{number.country_code}{number.national_number}"


def national_phone_query(q: str) -> str | None:
    """A national number (``030 1234…``) read in the installation's region, as stored for such numbers."""
    return _national(q, phone_region())


#: the country a user's language most likely dials from
LANGUAGE_REGIONS = {"de": "DE", "zh": "CN", "en": "US"}


def language_phone_query(q: str) -> str | None:
    """The same number read in the region of the user's language (a German user types German numbers)."""
    locale = get_locale() if has_request_context() else None
    region = LANGUAGE_REGIONS.get(getattr(locale, "language", ""), None)
    return None if region is None or region == phone_region() else _national(q, region)


def key_searches(*, last_name: bool) -> list[toolkit.Search]:
    """The list searches of a company (``last_name=False``) or contact list."""
    # the keys are stored normalised: one index per key serves these searches and the
    # exact lookups of dedupe and import (toolkit.key_search_index)
    searches = [toolkit.Search("name_key", "key", normalize=name_query)]
    if last_name:
        searches.append(toolkit.Search("last_name", "prefix", normalize=last_name_query))
    searches += [
        toolkit.Search("email_key", "key", normalize=email_query),
        toolkit.Search("phone_key", "key", normalize=phone_query),
        toolkit.Search("phone_key", "key", normalize=national_phone_query),
        toolkit.Search("phone_key", "key", normalize=language_phone_query),
    ]
    return searches


# -- filters -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountryFilter(toolkit.EqualsFilter):
    """Two-letter country code, whatever case it is typed in."""

    def value(self, args: Mapping[str, Any]) -> Any:
        raw = super().value(args)
        return raw.upper()[:2] if raw else None


@dataclass(frozen=True)
class TagFilter(toolkit.EqualsFilter):
    """Records carrying one tag (``?tag=vip``); a drop-down of the tags in use."""

    link: Any = None
    link_column: str = ""
    multiple = False
    kind = "choice"

    def options(self) -> list[tuple[str, str]]:
        from modules.contacts.models import Tag

        names = toolkit.db.session.scalars(sa.select(Tag.name).order_by(Tag.name).limit(OPTIONS_CAP))
        return [(name, name) for name in names]

    def condition(self, model: type, args: Mapping[str, Any]) -> Any:
        from modules.contacts.models import Tag

        value = self.value(args)
        if value is None:
            return None
        owner = getattr(self.link, self.link_column)
        tagged = sa.select(owner).join(Tag, Tag.id == self.link.tag_id).where(Tag.name == value)
        return model.id.in_(tagged)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class CustomFieldFilter(toolkit.EqualsFilter):
    """One filter for all custom fields: ``?cf_<key>=value`` (text contains, others equal)."""

    custom_object: str = "contact"
    kind = "custom"
    template = "contacts/_custom_filters.html"

    def definitions(self) -> list[custom_fields.Definition]:
        return custom_fields.definitions(self.custom_object)

    def value(self, args: Mapping[str, Any]) -> Any:
        picked = {d.param: str(args.get(d.param)).strip() for d in self.definitions() if args.get(d.param)}
        return {k: v for k, v in picked.items() if v} or None

    def condition(self, model: type, args: Mapping[str, Any]) -> Any:
        values = self.value(args)
        if not values:
            return None
        conds = [custom_fields.condition(model, d, values[d.param]) for d in self.definitions() if d.param in values]
        conds = [c for c in conds if c is not None]
        return sa.and_(*conds) if conds else None


def user_options() -> list[tuple[int, str]]:
    """Active users for owner pickers and filters, by name."""
    user = toolkit.User
    rows = toolkit.db.session.execute(
        sa.select(user.id, user.name, user.email).where(user.active.is_(True))
        .order_by(sa.func.coalesce(sa.func.nullif(user.name, ""), user.email)).limit(OPTIONS_CAP)
    )
    return [(uid, name or email) for uid, name, email in rows]


def _capped_options(model: Any, object_name: str, columns: list[Any], limit: int) -> list[Any] | None:
    """Rows of ``columns`` the user may see, by name; None when there are more than ``limit``.

    Whether there are too many is asked first, from the first ``limit + 1`` ids:
    sorting 50,000 company names (or a million people) to find that out cost
    18 ms and more on every page that shows a picker.
    """
    visible = toolkit.scope(sa.select(model.id), object_name)
    many = toolkit.db.session.scalar(sa.select(sa.func.count()).select_from(visible.limit(limit + 1).subquery()))
    if (many or 0) > limit:
        return None
    return list(toolkit.db.session.execute(
        toolkit.scope(sa.select(model.id, *columns), object_name).order_by(model.name_key)
    ))


def company_options(limit: int = OPTIONS_CAP) -> list[tuple[int, str]]:
    """Companies the user may see, by name; empty when there are more than ``limit`` (a number field then)."""
    from modules.contacts.models import Company

    rows = _capped_options(Company, "contacts.company", [Company.name], limit)
    return [] if rows is None else [(cid, name) for cid, name in rows]


def contact_options(limit: int = OPTIONS_CAP) -> list[tuple[int, str]]:
    """People the user may see, by name; empty when there are more than ``limit`` (a number field then)."""
    from modules.contacts.models import Contact

    rows = _capped_options(Contact, "contacts.contact", [Contact.first_name, Contact.last_name], limit)
    return [] if rows is None else [(cid, person_name(first, last)) for cid, first, last in rows]


# -- the list ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomColumn(toolkit.Column):
    """A custom field shown as a column (hidden until chosen); the value is read from the JSON in SQL."""

    definition: custom_fields.Definition | None = None

    @property
    def key(self) -> str:
        assert self.definition is not None
        return self.definition.param


class ProfileList(toolkit.ListView):
    """``toolkit.ListView`` with a column per custom field of ``custom_object``."""

    def __init__(self, *, custom_object: str, **kwargs: Any) -> None:
        self.custom_object = custom_object
        super().__init__(**kwargs)

    @property  # type: ignore[override]
    def columns(self) -> list[toolkit.Column]:
        return [*self._declared, *self.custom_columns()]

    @columns.setter
    def columns(self, value: list[toolkit.Column]) -> None:
        self._declared = list(value)

    def custom_columns(self) -> list[CustomColumn]:
        if not has_request_context():
            return []  # start-up (declaration checks) must not read the database
        return [
            CustomColumn("custom", d.label, visible=False, definition=d,
                         format=lambda value, d=d: custom_fields.display(d, value))
            for d in custom_fields.definitions(self.custom_object)
        ]

    def custom_definitions(self) -> list[custom_fields.Definition]:
        return custom_fields.definitions(self.custom_object)

    def select_columns(self, stmt: sa.Select[Any], columns: Sequence[toolkit.Column], sort: Any) -> sa.Select[Any]:
        """Declared columns as usual; each chosen custom field as its own typed JSON value."""
        custom = [c for c in columns if isinstance(c, CustomColumn)]
        plain = [c for c in columns if not isinstance(c, CustomColumn)]
        stmt = super().select_columns(stmt, plain, sort)
        if custom:
            stmt = stmt.add_columns(*(
                custom_fields.selected_value(self.model, c.definition).label(c.key)  # type: ignore[arg-type]
                for c in custom
            ))
        return stmt


def standard_filters(kind: str) -> list[Any]:
    """The filters both lists share (tier, stage, source, owner, country, tags, custom fields)."""
    from modules.contacts import choices
    from modules.contacts.models import CompanyTag, ContactTag

    link, link_column = (ContactTag, "contact_id") if kind == "contact" else (CompanyTag, "company_id")
    return [
        toolkit.ChoiceFilter("tier", _l("Tier"), choices=choices.TIERS),
        toolkit.ChoiceFilter("stage", _l("Lifecycle stage"), column="lifecycle_stage", choices=choices.LIFECYCLE_STAGES),
        toolkit.ChoiceFilter("source", _l("Source"), column="source_channel", choices=choices.SOURCE_CHANNELS),
        toolkit.RelatedFilter("owner", _l("Owner"), column="owner_id", options=user_options),
        CountryFilter("country", _l("Country")),
        TagFilter("tag", _l("Tag"), column="id", link=link, link_column=link_column),
        CustomFieldFilter("cf", _l("Custom fields"), column="custom", custom_object=kind),
    ]
