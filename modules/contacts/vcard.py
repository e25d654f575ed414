"""vCard in and out: reading vCard 3.0/4.0 files for the importer, writing vCard 4.0.

Reading: the text is cut into cards first (``BEGIN:VCARD`` … ``END:VCARD``)
so each card keeps the line it starts on and a broken card becomes one row
error instead of stopping the file; each card is then parsed by ``vobject``.
The importer receives the cards as rows whose header cells are contact field
names, so no column mapping is needed.

Writing: RFC 6350 (vCard 4.0) by hand — escaping of ``\\ , ; newline``, lines
folded at 75 octets without splitting a UTF-8 character, CRLF line ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from core.toolkit import _
from modules.contacts.normalize import person_name

#: the contact fields a card fills, in the order of the table's columns
FIELDS = ("first_name", "last_name", "email", "phone", "mobile", "company", "position", "street", "city",
          "region", "postal_code", "country", "birthday", "gender", "notes", "tags")
_BEGIN = re.compile(r"^BEGIN:VCARD\s*$", re.IGNORECASE)
_END = re.compile(r"^END:VCARD\s*$", re.IGNORECASE)
_GENDERS_IN = {"m": "male", "f": "female", "o": "diverse", "n": "unknown", "u": "unknown"}
_GENDERS_OUT = {"male": "M", "female": "F", "diverse": "O", "unknown": "U"}


# -- reading ---------------------------------------------------------------------------


def split_cards(text: str) -> Iterator[tuple[int, str | None, str | None]]:
    """``(line, card text, problem)`` for each card; text outside cards is a problem."""
    start: int | None = None
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if start is None:
            if _BEGIN.match(line):
                start, lines = number, [line]
            elif line.strip():
                yield number, None, _("This line is outside a vCard (BEGIN:VCARD … END:VCARD).")
            continue
        lines.append(line)
        if _END.match(line):
            yield start, "\r\n".join(lines) + "\r\n", None
            start = None
        elif _BEGIN.match(line):
            yield start, None, _("This vCard has no END:VCARD before the next BEGIN:VCARD.")
            start, lines = number, [line]
    if start is not None:
        yield start, None, _("This vCard has no END:VCARD.")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value if v)
    return str(value).strip()


def _types(child: Any) -> set[str]:
    found: set[str] = set()
    for value in child.params.get("TYPE", []):
        found.update(part.strip().lower() for part in str(value).split(","))
    return found


def card_fields(card: Any) -> dict[str, str]:
    """The contact fields of one parsed card (``vobject`` component)."""
    out: dict[str, str] = {}
    contents = card.contents
    name = contents.get("n", [None])[0]
    if name is not None and not isinstance(name.value, str):
        out["last_name"] = _text(name.value.family)
        out["first_name"] = _text(name.value.given)
    if not out.get("last_name"):
        full = _text(contents.get("fn", [None])[0].value) if contents.get("fn") else ""
        first, _sep, last = full.rpartition(" ")
        out["first_name"], out["last_name"] = (first, last) if first else ("", full)
    emails = contents.get("email", [])
    if emails:
        preferred = [e for e in emails if "pref" in _types(e) or e.params.get("PREF")]
        out["email"] = _text((preferred or emails)[0].value)
    for tel in contents.get("tel", []):
        number = _text(tel.value)
        number = number[4:] if number.lower().startswith("tel:") else number
        key = "mobile" if "cell" in _types(tel) else "phone"
        out.setdefault(key, number)
    adr = contents.get("adr", [None])[0]
    if adr is not None and not isinstance(adr.value, str):
        out["street"] = _text(adr.value.street)
        out["city"] = _text(adr.value.city)
        out["region"] = _text(adr.value.region)
        out["postal_code"] = _text(adr.value.code)
        out["country"] = _text(adr.value.country)
    if contents.get("org"):
        org = contents["org"][0].value
        out["company"] = _text(org[0] if isinstance(org, (list, tuple)) and org else org)
    if contents.get("title"):
        out["position"] = _text(contents["title"][0].value)
    if contents.get("bday"):
        out["birthday"] = _birthday(_text(contents["bday"][0].value))
    if contents.get("gender"):
        code = _text(contents["gender"][0].value).split(";")[0].strip().lower()
        out["gender"] = _GENDERS_IN.get(code, code)
    if contents.get("note"):
        out["notes"] = "\n".join(_text(n.value) for n in contents["note"])
    tags: list[str] = []
    for categories in contents.get("categories", []):
        value = categories.value
        tags.extend(str(v).strip() for v in (value if isinstance(value, (list, tuple)) else [value]) if v)
    if tags:
        out["tags"] = ", ".join(tags)
    return out


def _birthday(value: str) -> str:
    """``19800517`` and ``1980-05-17T00:00:00`` become ``1980-05-17``; a date without year is dropped."""
    if value.startswith("--"):
        return ""
    value = value.split("T")[0]
    if re.fullmatch(r"\d{8}", value):
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value


def vcard_table(text: str, encoding: str | None) -> Any:
    """The importer's ``Table`` of a vCard file."""
    import vobject

    from modules.contacts.import_read import ImportFileError, Table

    cards = split_cards(text)
    first = next(cards, None)
    if first is None:
        raise ImportFileError(_("The file is empty."))

    def rows() -> Iterator[tuple[int, list[str], str | None]]:
        for line, card_text, problem in _chain(first, cards):
            if card_text is None:
                yield line, [], problem
                continue
            try:
                card = vobject.readOne(card_text, ignoreUnreadable=False)
                values = card_fields(card)
            except Exception as exc:  # vobject raises many kinds of errors for broken input
                yield line, [], _("This vCard cannot be read: %(reason)s", reason=str(exc)[:200])
                continue
            yield line, [values.get(f, "") for f in FIELDS], None

    estimate = text.upper().count("BEGIN:VCARD")
    return Table("vcard", list(FIELDS), rows(), estimate=estimate, encoding=encoding,
                 fixed_mapping={f: f for f in FIELDS})


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


# -- writing ---------------------------------------------------------------------------


def escape(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after CRLF and one space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with a space
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts) + "\r\n"


def _get(record: Any, name: str) -> Any:
    return record.get(name) if isinstance(record, dict) else getattr(record, name, None)


def contact_card(contact: Any, company: str | None = None, tags: Iterable[str] = ()) -> str:
    """One vCard 4.0 for a contact (a model instance, row or dict with the contact's fields)."""
    first = _get(contact, "first_name") or ""
    last = _get(contact, "last_name") or ""
    full = person_name(first, last) or "-"
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"FN:{escape(full)}", f"N:{escape(last)};{escape(first)};;;"]
    if _get(contact, "id") is not None:
        lines.append(f"UID:urn:crm-suite:contacts.contact:{_get(contact, 'id')}")
    if _get(contact, "email"):
        lines.append(f"EMAIL;TYPE=work:{escape(_get(contact, 'email'))}")
    if _get(contact, "phone"):
        lines.append(f"TEL;VALUE=uri;TYPE=voice:tel:{_get(contact, 'phone')}")
    if _get(contact, "mobile"):
        lines.append(f"TEL;VALUE=uri;TYPE=cell:tel:{_get(contact, 'mobile')}")
    address = [_get(contact, k) or "" for k in ("street", "city", "region", "postal_code", "country")]
    if any(address):
        lines.append("ADR:;;" + ";".join(escape(str(part)) for part in address))
    if company:
        lines.append(f"ORG:{escape(company)}")
    if _get(contact, "position"):
        lines.append(f"TITLE:{escape(_get(contact, 'position'))}")
    birthday = _get(contact, "birthday")
    if birthday:
        lines.append(f"BDAY:{birthday.strftime('%Y%m%d') if hasattr(birthday, 'strftime') else birthday}")
    gender = _GENDERS_OUT.get(_get(contact, "gender") or "")
    if gender:
        lines.append(f"GENDER:{gender}")
    tag_list = [t for t in tags if t]
    if tag_list:
        lines.append("CATEGORIES:" + ",".join(escape(t) for t in tag_list))
    if _get(contact, "notes"):
        lines.append(f"NOTE:{escape(_get(contact, 'notes'))}")
    updated = _get(contact, "updated_at")
    if updated is not None and hasattr(updated, "strftime"):
        lines.append(f"REV:{updated.strftime('%Y%m%dT%H%M%SZ')}")
    lines.append("END:VCARD")
    return "".join(fold(line) for line in lines)


def export_vcard(contacts: Iterable[Any]) -> str:
    """vCard 4.0 text of ``contacts`` (``Contact`` instances, rows or dicts).

    Company names and tags are looked up in one query each for all contacts
    given as records with an ``id``.
    """
    return "".join(iter_vcards(contacts))


def iter_vcards(contacts: Iterable[Any], chunk: int = 1000) -> Iterator[str]:
    """The cards one by one, with company names and tags read per ``chunk`` contacts."""
    batch: list[Any] = []
    for contact in contacts:
        batch.append(contact)
        if len(batch) >= chunk:
            yield from _cards(batch)
            batch = []
    if batch:
        yield from _cards(batch)


def _cards(batch: list[Any]) -> Iterator[str]:
    from core.toolkit import db, sa
    from modules.contacts.models import Company, ContactTag, Tag

    company_ids = {_get(c, "company_id") for c in batch} - {None}
    companies: dict[int, str] = {}
    if company_ids:
        companies = dict(db.session.execute(sa.select(Company.id, Company.name).where(Company.id.in_(company_ids))).all())
    ids = [_get(c, "id") for c in batch if _get(c, "id") is not None]
    tags: dict[int, list[str]] = {}
    if ids:
        rows = db.session.execute(
            sa.select(ContactTag.contact_id, Tag.name).join(Tag, Tag.id == ContactTag.tag_id)
            .where(ContactTag.contact_id.in_(ids)).order_by(Tag.name)
        )
        for contact_id, name in rows:
            tags.setdefault(contact_id, []).append(name)
    for contact in batch:
        # dicts may carry names; records never touch their (lazy="raise") relationships
        given = contact if isinstance(contact, dict) else {}
        company = given.get("company") or companies.get(_get(contact, "company_id"))
        yield contact_card(contact, company, tags.get(_get(contact, "id"), given.get("tags") or []))
