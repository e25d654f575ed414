"""What an import column can fill, how headers are matched to it, and the fast row check.

Limits, required fields, choices and messages come from ``LenientContactSchema``
(the schema forms and the API use), read once when an import starts; each
mapped column then gets a small precompiled function, so a row costs a few
dictionary lookups and string checks instead of a marshmallow ``load``.
``tests/test_import_fields.py`` feeds the same rows to both and compares.

Header names are matched in English, German and Chinese after folding case
and dropping spaces and punctuation ("E-Mail" → "email", "邮箱" → "邮箱").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import fields as mfields
from marshmallow import validate

from core.toolkit import _, _l
from modules.contacts import choices
from modules.contacts.import_checks import InvalidValue, PhoneNormalizer, fast_email, fast_name_key
from modules.contacts.normalize import phone_region

#: header words per target (already folded: lower case, no spaces or punctuation)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("firstname", "first", "givenname", "given", "forename", "vorname", "rufname", "名", "名字"),
    "last_name": ("lastname", "last", "surname", "familyname", "family", "nachname", "familienname", "姓", "姓氏"),
    "full_name": ("name", "fullname", "contact", "contactname", "displayname", "kontakt", "kontaktname",
                  "vollständigername", "姓名", "联系人", "全名", "客户姓名", "客户名称"),
    "email": ("email", "emailaddress", "mail", "emailadresse", "mailadresse", "邮箱", "电子邮件", "电子邮箱",
              "邮件", "邮箱地址", "电子邮件地址"),
    "phone": ("phone", "telephone", "tel", "phonenumber", "telephonenumber", "businessphone", "workphone",
              "telefon", "telefonnummer", "festnetz", "电话", "电话号码", "固定电话", "座机", "联系电话"),
    "mobile": ("mobile", "cell", "cellphone", "mobilephone", "mobilenumber", "handy", "mobil", "mobiltelefon",
               "mobilnummer", "handynummer", "手机", "手机号", "手机号码", "移动电话"),
    "street": ("street", "address", "streetaddress", "address1", "addressline1", "straße", "strasse",
               "adresse", "anschrift", "straßeundhausnummer", "地址", "街道", "详细地址", "通讯地址"),
    "city": ("city", "town", "stadt", "ort", "wohnort", "城市", "市"),
    "region": ("region", "state", "province", "county", "bundesland", "省", "省份", "地区", "州"),
    "postal_code": ("postalcode", "zip", "zipcode", "postcode", "plz", "postleitzahl", "邮编", "邮政编码"),
    "country": ("country", "countrycode", "land", "staat", "国家", "国家地区", "国别"),
    "company": ("company", "companyname", "organisation", "organization", "org", "account", "employer",
                "firma", "unternehmen", "arbeitgeber", "公司", "公司名称", "单位", "企业", "所属公司"),
    "position": ("position", "jobtitle", "title", "role", "jobrole", "funktion", "stellung", "berufsbezeichnung",
                 "职位", "职务", "头衔", "岗位"),
    "source_channel": ("source", "sourcechannel", "leadsource", "quelle", "herkunft", "kanal", "来源", "渠道",
                       "客户来源"),
    "tier": ("tier", "level", "customerlevel", "customertier", "stufe", "kundenstufe", "kundenlevel", "等级",
             "客户等级", "级别", "会员等级"),
    "lifecycle_stage": ("stage", "lifecyclestage", "lifecycle", "phase", "lebenszyklus", "lebenszyklusphase",
                        "阶段", "生命周期", "客户阶段"),
    "risk_rating": ("risk", "riskrating", "risiko", "risikobewertung", "风险", "风险等级"),
    "preferred_channel": ("preferredchannel", "bevorzugterkanal", "首选渠道", "偏好渠道", "首选联系方式"),
    "interests": ("interests", "interessen", "兴趣", "爱好", "兴趣爱好"),
    "habits": ("habits", "gewohnheiten", "习惯"),
    "notes": ("notes", "note", "comment", "comments", "remarks", "notiz", "notizen", "bemerkung",
              "bemerkungen", "kommentar", "备注", "说明"),
    "annual_spend": ("annualspend", "spend", "yearlyspend", "revenue", "umsatz", "jahresumsatz", "年消费",
                     "年度消费", "消费额", "年消费额"),
    "birthday": ("birthday", "birthdate", "dateofbirth", "dob", "geburtstag", "geburtsdatum", "生日", "出生日期"),
    "gender": ("gender", "sex", "geschlecht", "性别"),
    "age_group": ("agegroup", "agerange", "altersgruppe", "年龄段", "年龄组"),
    "tags": ("tags", "tag", "labels", "categories", "schlagwörter", "stichwörter", "schlagworte", "标签"),
}

LABELS: dict[str, Any] = {
    "first_name": _l("First name"), "last_name": _l("Last name"), "full_name": _l("Full name (split into first and last)"),
    "email": _l("E-mail"), "phone": _l("Phone"), "mobile": _l("Mobile"), "street": _l("Street"),
    "city": _l("City"), "region": _l("Region"), "postal_code": _l("Postal code"), "country": _l("Country"),
    "company": _l("Company (by name)"), "position": _l("Position"), "source_channel": _l("Source channel"),
    "tier": _l("Tier"), "lifecycle_stage": _l("Lifecycle stage"), "risk_rating": _l("Risk rating"),
    "preferred_channel": _l("Preferred channel"), "interests": _l("Interests"), "habits": _l("Habits"),
    "notes": _l("Notes"), "annual_spend": _l("Annual spend"), "birthday": _l("Birthday"), "gender": _l("Gender"),
    "age_group": _l("Age group"), "tags": _l("Tags (separated by commas)"),
}
#: targets in the order the mapping form offers them
TARGETS = tuple(LABELS)
CHOICES = {"source_channel": choices.SOURCE_CHANNELS, "tier": choices.TIERS,
           "lifecycle_stage": choices.LIFECYCLE_STAGES, "risk_rating": choices.RISK_RATINGS,
           "preferred_channel": choices.CHANNELS, "gender": choices.GENDERS, "age_group": choices.AGE_GROUPS}
#: columns ``Contact`` stores as they are (after the checks)
PLAIN = ("first_name", "last_name", "street", "city", "region", "postal_code", "position", "interests",
         "habits", "notes")
TAG_MAX = 50
COMPANY_MAX = 200
SPEND_LIMIT = Decimal("1000000000000")  # Numeric(14, 2)
_FOLD = re.compile(r"[\s\-_.:/()\[\]#*'\"’]+")


def fold(header: str) -> str:
    """The form of a header that synonyms are written in."""
    return _FOLD.sub("", unicodedata.normalize("NFKC", header).casefold())


# -- mapping ----------------------------------------------------------------------------


class MappingError(ValueError):
    """The header or the chosen mapping cannot work; the message says what to fix."""


def check_headers(headers: list[str]) -> None:
    """Duplicated header names are refused: which column would be meant?"""
    seen: dict[str, int] = {}
    for index, header in enumerate(headers, start=1):
        key = fold(header)
        if not key:
            continue
        if key in seen:
            raise MappingError(_("The column name '%(name)s' appears twice (columns %(first)d and %(second)d). "
                                 "Rename one of them.", name=header, first=seen[key], second=index))
        seen[key] = index


def synonym_index(custom: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """folded header -> target, including target keys, English labels and custom fields."""
    index: dict[str, str] = {}
    for target, words in SYNONYMS.items():
        index.setdefault(fold(target), target)
        for word in words:
            index.setdefault(word, target)
    for key, label in custom:
        index.setdefault(fold(key), f"custom.{key}")
        index.setdefault(fold(label), f"custom.{key}")
    return index


def suggest_mapping(headers: list[str], custom: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """header -> target for every header a synonym recognises (each target used once)."""
    index = synonym_index(custom)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for header in headers:
        target = index.get(fold(header))
        if target and target not in used:
            mapping[header] = target
            used.add(target)
    return mapping


def check_mapping(headers: list[str], mapping: dict[str, str], known: Iterable[str]) -> dict[int, str]:
    """column index -> target; refuses a mapping without a name column or with a target twice."""
    allowed = set(known)
    by_index: dict[int, str] = {}
    used: dict[str, str] = {}
    for index, header in enumerate(headers):
        target = mapping.get(header) or ""
        if not target:
            continue
        if target not in allowed:
            raise MappingError(_("'%(target)s' is not a field a contact has.", target=target))
        if target in used:
            raise MappingError(_("The columns '%(first)s' and '%(second)s' are both mapped to %(field)s; "
                                 "map only one of them.", first=used[target], second=header,
                                 field=label(target)))
        used[target] = header
        by_index[index] = target
    if not by_index:
        shown = ", ".join(f"'{h}'" for h in headers[:5] if h)
        raise MappingError(_("None of the columns (%(headers)s) matches a contact field. The first line must "
                             "name the columns, e.g. First name, Last name, E-mail.", headers=shown or "—"))
    if "last_name" not in used and "full_name" not in used:
        raise MappingError(_("No column is mapped to %(field)s, which every contact needs. Map a column to "
                             "Last name or Full name.", field=label("last_name")))
    return by_index


def label(target: str) -> str:
    if target.startswith("custom."):
        return target[7:]
    return str(LABELS.get(target, target))


# -- limits and choices from the schema ------------------------------------------------------


@dataclass
class Limits:
    """What ``LenientContactSchema`` allows, read once per import."""

    max_len: dict[str, int] = field(default_factory=dict)
    choices: dict[str, dict[str, str]] = field(default_factory=dict)
    max_tags: int = 50

    @classmethod
    def from_schema(cls) -> Limits:
        from modules.contacts.schemas import LenientContactSchema

        schema = LenientContactSchema()
        limits = cls()
        for name, fld in schema.fields.items():
            for validator in _validators(fld):
                if isinstance(validator, validate.Length) and validator.max is not None:
                    limits.max_len.setdefault(name, validator.max)
        for validator in getattr(schema.fields.get("tags"), "validators", []):
            if isinstance(validator, validate.Length) and validator.max is not None:
                limits.max_tags = validator.max
        for name, options in CHOICES.items():
            limits.choices[name] = _choice_words(options)
        return limits


def _validators(fld: mfields.Field) -> list[Any]:
    """A field's validators; for a list (tags) those of its items."""
    inner = getattr(fld, "inner", None)
    return list(getattr(inner if inner is not None else fld, "validators", []))


def _choice_words(options: dict[str, Any]) -> dict[str, str]:
    """Every accepted spelling (code, English, German and Chinese label) -> code."""
    from flask_babel import force_locale

    words: dict[str, str] = {}
    for code, text in options.items():
        words[fold(code)] = code
        for locale in ("en", "de", "zh_CN"):
            with force_locale(locale):
                words.setdefault(fold(str(text)), code)
    return words


def choice_list(options: dict[str, Any]) -> str:
    return ", ".join(str(code) for code in options)


# -- converting one row ----------------------------------------------------------------------


@dataclass
class Cell:
    """One mapped column: where it is, what it fills, and the file's name for it."""

    index: int
    target: str
    header: str


@dataclass
class RowValues:
    """A checked row: contact columns plus what needs a lookup (company, tags)."""

    values: dict[str, Any]
    company: str | None = None
    tags: list[str] = field(default_factory=list)
    #: ``values`` as the database driver takes them (see importer ``_checked_chunk``); None
    #: once ``values`` change
    ready: tuple[Any, ...] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # checked rows cross a process boundary (import_fork): a plain call pickles and
        # loads about ten times faster than a dataclass's generic state
        return RowValues, (self.values, self.company, self.tags, self.ready)


Problem = tuple[str, str]  # (column header, message)


class RowChecker:
    """Turns the cells of one row into contact columns, or into problems per column.

    Built once per import: which cells to read, the schema's limits, and
    caches (choice and country spellings seen so far, the phone normaliser).
    Only mapped fields cost anything per row.
    """

    def __init__(self, cells: list[Cell], limits: Limits,
                 custom_check: Callable[[dict[str, str]], tuple[dict[str, Any], list[Problem]]] | None = None) -> None:
        self.cells = cells
        self.limits = limits
        self.phone = PhoneNormalizer()
        self.custom_check = custom_check
        self.by_target = {c.target: c for c in cells}
        self.reads = [(c.index, c.target) for c in cells]
        targets = set(self.by_target)
        names = targets | ({"first_name", "last_name"} if "full_name" in targets else set())
        self.plain = [(name, limits.max_len.get(name, 1 << 30)) for name in PLAIN if name in names]
        self.choices = [(name, limits.choices[name], {}) for name in CHOICES if name in targets]
        self.phones = [(name, limits.max_len.get(name, 40)) for name in ("phone", "mobile") if name in targets]
        self.email_max = limits.max_len.get("email", 254)
        self.region = phone_region()
        self.full_name = "full_name" in targets
        self.custom = any(t.startswith("custom.") for t in targets)
        self.countries = _country_words() if "country" in targets else {}
        self.country_seen: dict[str, str | None] = {}
        self.names: dict[tuple[str | None, str | None], str] = {}

    def header(self, target: str) -> str:
        cell = self.by_target.get(target)
        return cell.header if cell is not None else label(target)

    def check(self, raw: list[str]) -> tuple[RowValues | None, list[Problem]]:
        problems: list[Problem] = []
        got: dict[str, str] = {}
        size = len(raw)
        for index, target in self.reads:
            if index < size:
                text = raw[index].strip()
                if text:
                    got[target] = text
        out: dict[str, Any] = {}
        row = RowValues(out)
        if self.full_name:
            full = got.pop("full_name", None)
            if full is not None and not (got.get("last_name") or got.get("first_name")):
                first, last = split_name(full)
                got["last_name"] = last
                if first:
                    got["first_name"] = first
        for name, limit in self.plain:
            value = got.get(name)
            if value is not None:
                if len(value) > limit:
                    problems.append((self._where(name), self._too_long(limit, value)))
                else:
                    out[name] = value
        if "last_name" not in got:
            problems.append((self._where("last_name"), _("A contact needs a last name.")))
        if "country" in got:
            self._country(got["country"], out, problems)
        for name, options, seen in self.choices:
            value = got.get(name)
            if value is not None:
                code = seen.get(value)
                if code is None:
                    code = seen[value] = options.get(fold(value), "")
                if code:
                    out[name] = code
                else:
                    problems.append((self.header(name), _("'%(value)s' is not one of the choices: %(choices)s.",
                                                          value=value, choices=choice_list(CHOICES[name]))))
        email = got.get("email")
        if email is not None:
            if len(email) > self.email_max:
                problems.append((self.header("email"), self._too_long(self.email_max, email)))
            else:
                try:
                    out["email"] = fast_email(email)
                except InvalidValue as exc:
                    problems.append((self.header("email"), str(exc)))
        if self.phones:
            region = out.get("country") or self.region
            for name, limit in self.phones:
                value = got.get(name)
                if value is not None:
                    if len(value) > limit:
                        problems.append((self.header(name), self._too_long(limit, value)))
                        continue
                    try:
                        out[name] = self.phone(value, region)
                    except InvalidValue as exc:
                        problems.append((self.header(name), str(exc)))
        if len(got) > len(out):
            self._others(got, out, row, problems)
        if problems:
            return None, problems
        first, last = out.get("first_name"), out.get("last_name")
        key = self.names.get((first, last))
        if key is None:
            key = fast_name_key(first, last)
            if len(self.names) < 100_000:
                self.names[(first, last)] = key
        out["name_key"] = key
        if "email" in out:
            out["email_key"] = out["email"].lower()
        phone_key = out.get("phone") or out.get("mobile")
        if phone_key:
            out["phone_key"] = phone_key
        return row, []

    def _country(self, value: str, out: dict[str, Any], problems: list[Problem]) -> None:
        code = self.country_seen.get(value)
        if code is None and value not in self.country_seen:
            code = self.countries.get(fold(value)) or (value.upper() if _is_code(value) else None)
            self.country_seen[value] = code
        if code is None:
            problems.append((self.header("country"), _("'%(value)s' is not a country. Use a two-letter country "
                                                       "code, e.g. DE, CN, US.", value=value)))
        else:
            out["country"] = code

    def _others(self, got: dict[str, str], out: dict[str, Any], row: RowValues, problems: list[Problem]) -> None:
        """The less common fields: birthday, amount, company, tags, custom fields."""
        if "birthday" in got:
            try:
                out["birthday"] = parse_birthday(got["birthday"])
            except InvalidValue as exc:
                problems.append((self.header("birthday"), str(exc)))
        if "annual_spend" in got:
            try:
                out["annual_spend"] = parse_amount(got["annual_spend"])
            except InvalidValue as exc:
                problems.append((self.header("annual_spend"), str(exc)))
        if "company" in got:
            if len(got["company"]) > COMPANY_MAX:
                problems.append((self.header("company"), self._too_long(COMPANY_MAX, got["company"])))
            else:
                row.company = got["company"]
        if "tags" in got:
            tags = [t.strip() for t in re.split(r"[,;|]", got["tags"]) if t.strip()]
            limit = self.limits.max_len.get("tags", TAG_MAX)
            long = [t for t in tags if len(t) > limit]
            row.tags = list(dict.fromkeys(tags))
            if long:
                problems.append((self.header("tags"), self._too_long(limit, long[0])))
            elif len(row.tags) > self.limits.max_tags:
                problems.append((self.header("tags"), _("At most %(max)d tags.", max=self.limits.max_tags)))
        if self.custom and self.custom_check is not None:
            custom_raw = {k[7:]: v for k, v in got.items() if k.startswith("custom.")}
            custom, custom_problems = self.custom_check(custom_raw)
            problems.extend((self.header(f"custom.{key}"), message) for key, message in custom_problems)
            if custom:
                out["custom"] = custom

    def _where(self, target: str) -> str:
        if target in self.by_target:
            return self.by_target[target].header
        if target in ("first_name", "last_name") and "full_name" in self.by_target:
            return self.by_target["full_name"].header
        return label(target)

    def _too_long(self, limit: int, value: str) -> str:
        return _("At most %(max)d characters (this value has %(count)d).", max=limit, count=len(value))


def split_name(full: str) -> tuple[str, str]:
    """"Ann Lee" → ("Ann", "Lee"); "Lee, Ann" → ("Ann", "Lee"); "王小明" stays whole as the last name.

    A Chinese name written without spaces keeps its order when shown, so it is
    not split (splitting would show "小明 王").
    """
    text = " ".join(full.split())
    if "," in text:
        last, _sep, first = text.partition(",")
        return first.strip(), last.strip()
    first, _sep, last = text.rpartition(" ")
    return (first, last) if first else ("", text)


def _is_code(value: str) -> bool:
    return len(value) == 2 and value.isascii() and value.isalpha()


_COUNTRY_WORDS: dict[str, str] = {}


def _country_words() -> dict[str, str]:
    """Country names in English, German and Chinese (and ISO codes) -> ISO code."""
    if not _COUNTRY_WORDS:
        from babel import Locale

        for locale in ("zh_Hans_CN", "de", "en"):
            for code, name in Locale.parse(locale).territories.items():
                if len(code) == 2 and code.isalpha():
                    _COUNTRY_WORDS[fold(name)] = code
        for code in list(_COUNTRY_WORDS.values()):
            _COUNTRY_WORDS[fold(code)] = code
        _COUNTRY_WORDS.update({"usa": "US", "uk": "GB", "england": "GB", "prc": "CN", "brd": "DE"})
    return _COUNTRY_WORDS


_DATE_FORMATS = (
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
    re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})"),
    re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日?"),
)


def parse_date(text: str) -> date:
    """ISO (2024-05-17), 2024/05/17, 20240517, German 17.05.2024 or Chinese 2024年5月17日."""
    value = text.strip().split(" ")[0].split("T")[0]
    parts: tuple[str, str, str] | None = None
    digits = value[:4] + value[5:7] + value[8:]
    if len(value) == 10 and value[4] == value[7] == "-" and digits.isascii() and digits.isdigit():
        parts = (value[:4], value[5:7], value[8:])  # the common form, read without the patterns
    else:
        for pattern in _DATE_FORMATS:
            match = pattern.fullmatch(value)
            if match:
                parts = (match["y"], match["m"], match["d"])
                break
    if parts is not None:
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            pass
    raise InvalidValue(_("'%(value)s' is not a date. Use YYYY-MM-DD, e.g. 1980-05-17.", value=text))


def parse_birthday(text: str) -> date:
    """A date from 1900 until today (the schema's range)."""
    value = parse_date(text)
    if not date(1900, 1, 1) <= value <= date.today():
        raise InvalidValue(_("Enter a date between 1900 and today."))
    return value


def parse_amount(text: str) -> Decimal:
    """1234.5, 1,234.50, 1.234,50 or 1 234,50 (the last separator is the decimal point)."""
    value = text.strip().replace(" ", "").replace("\u00a0", "").replace("'", "")
    for symbol in ("€", "$", "¥", "£", "EUR", "USD", "CNY", "RMB"):
        value = value.replace(symbol, "")
    comma, dot = value.rfind(","), value.rfind(".")
    if comma > dot:
        decimals = value[comma + 1:]
        value = value.replace(".", "").replace(",", ".") if len(decimals) != 3 or dot >= 0 else value.replace(",", "")
    else:
        value = value.replace(",", "")
    try:
        amount = Decimal(value)
        if not amount.is_finite():
            raise InvalidOperation
        if amount < 0 or amount >= SPEND_LIMIT:
            raise InvalidValue(_("'%(value)s' is out of range: enter an amount from 0 to %(max)s.", value=text,
                                 max="999999999999.99"))
        return amount.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        if isinstance(exc, InvalidValue):
            raise
        raise InvalidValue(_("'%(value)s' is not a number.", value=text)) from None
