"""Custom fields: definitions an administrator makes, and the checks every way in shares.

Values live in the ``custom`` JSON column of companies and contacts, keyed by
the field's ``key``. Forms, the API, imports and exports all call
``validate(object, values, record_id=...)``, so a rule (type, choice,
required, unique) holds whichever way data arrives. Stored forms: text and
choice as strings, numbers as JSON numbers, dates as ``YYYY-MM-DD`` strings
(so they sort and compare as text), booleans as true/false.

Definitions are read once per request (or job) and kept on ``flask.g``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import g, has_app_context

from core import toolkit
from core.toolkit import _, sa

OBJECTS = ("contact", "company")
TYPES = ("text", "number", "date", "choice", "boolean")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: longest text value (the JSON column has no limit of its own; keep rows small)
MAX_TEXT = 1000
MAX_CHOICES = 100
#: numbers are stored as JSON numbers; keep them where every database and JavaScript agree
MAX_NUMBER = Decimal(10) ** 15
_TRUE = {"1", "true", "yes", "on", "y", "ja", "是"}
_FALSE = {"0", "false", "no", "off", "n", "nein", "否"}
_CACHE = "_contacts_custom_fields"


@dataclass(frozen=True)
class Definition:
    """A custom field as the rest of the code sees it (a plain snapshot, safe to cache)."""

    id: int
    object: str
    key: str
    label: str
    type: str
    required: bool = False
    unique: bool = False
    choices: tuple[str, ...] = field(default_factory=tuple)
    position: int = 100

    @property
    def param(self) -> str:
        """Name of its form input and list filter parameter (``cf_<key>``)."""
        return f"cf_{self.key}"


def _model(object: str) -> Any:
    from modules.contacts.models import Company, Contact

    if object not in OBJECTS:
        raise ValueError(f"custom fields exist for {OBJECTS}, not {object!r}")
    return Contact if object == "contact" else Company


def definitions(object: str) -> list[Definition]:
    """The fields defined for ``"contact"`` or ``"company"``, in display order."""
    if object not in OBJECTS:
        raise ValueError(f"custom fields exist for {OBJECTS}, not {object!r}")
    cache = g.setdefault(_CACHE, {}) if has_app_context() else {}
    if object not in cache:
        from modules.contacts.models import CustomField

        rows = toolkit.db.session.scalars(
            sa.select(CustomField).where(CustomField.object == object).order_by(CustomField.position, CustomField.id)
        )
        cache[object] = [
            Definition(r.id, r.object, r.key, r.label, r.type, bool(r.required), bool(r.unique),
                       tuple(r.choices or ()), r.position)
            for r in rows
        ]
    return list(cache[object])


def forget() -> None:
    """Drop the cached definitions (after an administrator changed them in this request)."""
    if has_app_context():
        g.pop(_CACHE, None)


def by_key(object: str) -> dict[str, Definition]:
    return {d.key: d for d in definitions(object)}


# -- converting one value --------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def convert(defn: Definition, value: Any) -> Any:
    """``value`` (typed by a person, or JSON) in its stored form; ``ValueError`` with a message when it does not fit."""
    if defn.type == "text":
        if not isinstance(value, (str, int, float, Decimal)) or isinstance(value, bool):
            raise ValueError(_("Enter text."))
        text = str(value).strip()
        if len(text) > MAX_TEXT:
            raise ValueError(_("At most %(max)s characters.", max=MAX_TEXT))
        return text
    if defn.type == "number":
        if isinstance(value, bool):
            raise ValueError(_("Enter a number."))
        try:
            number = Decimal(str(value).strip().replace(",", ".")) if isinstance(value, str) else Decimal(str(value))
        except (InvalidOperation, ValueError) as exc:
            raise ValueError(_("Enter a number.")) from exc
        if not number.is_finite():
            raise ValueError(_("Enter a number."))
        if abs(number) >= MAX_NUMBER:
            limit = f"{MAX_NUMBER - 1}"
            raise ValueError(_("Enter a value from %(min)s to %(max)s.", min=f"-{limit}", max=limit))
        return int(number) if number == number.to_integral_value() else float(number)
    if defn.type == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(str(value).strip()).isoformat()
        except ValueError as exc:
            raise ValueError(_("Enter a date (YYYY-MM-DD).")) from exc
    if defn.type == "choice":
        text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
        if text not in defn.choices:
            raise ValueError(_("Choose one of: %(choices)s.", choices=", ".join(defn.choices)))
        return text
    if defn.type == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(_("Choose yes or no."))
    raise ValueError(_("This field has an unknown type."))


def json_value(model: Any, defn: Definition) -> Any:
    """SQL expression of a custom value, typed for comparisons (both databases)."""
    element = model.custom[defn.key]
    if defn.type == "number":
        return element.as_float()
    if defn.type == "boolean":
        return element.as_boolean()
    return element.as_string()


def selected_value(model: Any, defn: Definition) -> Any:
    """SQL expression to *read* a custom value for lists and exports: numbers come back as written
    (``10``, not ``10.0``), booleans as booleans, everything else as text."""
    element = model.custom[defn.key]
    return element.as_boolean() if defn.type == "boolean" else element.as_string()


def _taken(object: str, defn: Definition, value: Any, record_id: int | None) -> bool:
    """Whether another record of ``object`` already holds ``value`` (every record, whoever owns it)."""
    model = _model(object)
    stmt = sa.select(model.id).where(json_value(model, defn) == value)
    if record_id is not None:
        stmt = stmt.where(model.id != record_id)
    return toolkit.db.session.scalar(stmt.limit(1)) is not None


def validate(
    object: str,
    values: Mapping[str, Any] | None,
    *,
    record_id: int | None = None,
    partial: bool = False,
    check_unique: bool = True,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check custom values for ``object`` (``"contact"``/``"company"``): ``(clean, errors)``.

    ``values`` maps field keys to values as typed or sent as JSON. ``clean``
    holds the stored form of each given value (blank values left out).
    ``errors`` maps a key to messages: unknown field, wrong type, unknown
    choice, missing required value (every required field unless ``partial``,
    then only the ones given), value already used by another record for a
    ``unique`` field (``record_id`` is the record being edited, which may keep
    its own value; ``check_unique=False`` for callers that check a whole batch
    themselves).
    """
    defs = by_key(object)
    values = dict(values or {})
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key in values:
        if key not in defs:
            errors[str(key)] = [_("There is no custom field '%(key)s'.", key=key)]
    for key, defn in defs.items():
        if key not in values:
            if defn.required and not partial and defn.type != "boolean":
                errors[key] = [_("This field is required.")]
            continue
        raw = values[key]
        if _blank(raw):
            if defn.required:
                errors[key] = [_("This field is required.")]
            continue
        try:
            value = convert(defn, raw)
        except ValueError as exc:
            errors[key] = [str(exc)]
            continue
        if defn.unique and check_unique and _taken(object, defn, value, record_id):
            errors[key] = [_("Another record already has this value.")]
            continue
        clean[key] = value
    return clean, errors


def display(defn: Definition, value: Any) -> str:
    """A stored value as text for a person (lists, detail page, exports)."""
    if value is None or value == "":
        return ""
    if defn.type == "boolean":
        return _("Yes") if value else _("No")
    if defn.type == "date":
        try:
            return toolkit.format_date(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if defn.type == "number":
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        return toolkit.format_number(int(number) if number == number.to_integral_value() else number)
    return str(value)


def condition(model: Any, defn: Definition, raw: str) -> Any:
    """The list/segment filter for one custom field and the text typed into its filter input.

    Text fields match anywhere (case-insensitive); other types match exactly.
    An unparsable value matches nothing rather than failing the page.
    """
    raw = raw.strip()
    if not raw:
        return None
    if defn.type == "text":
        escaped = raw.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return json_value(model, defn).ilike(f"%{escaped}%", escape="\\")
    try:
        value = convert(defn, raw)
    except ValueError:
        return sa.false()
    return json_value(model, defn) == value


# -- definitions: what the administration page saves -----------------------------------------


def check_definition(object: str, data: Mapping[str, Any], existing_id: int | None = None) -> dict[str, list[str]]:
    """Field errors of a definition an administrator submits (``key``, ``label``, ``type``, ``choices``)."""
    from modules.contacts.models import CustomField

    errors: dict[str, list[str]] = {}
    if object not in OBJECTS:
        errors["object"] = [_("Choose companies or contacts.")]
    key = data.get("key") or ""
    if not KEY_RE.match(key):
        errors["key"] = [_("Use 1-40 lower-case letters, digits or _, starting with a letter.")]
    elif object in OBJECTS and toolkit.db.session.scalar(
        sa.select(CustomField.id).where(CustomField.object == object, CustomField.key == key,
                                        CustomField.id != (existing_id or 0))
    ):
        errors["key"] = [_("This key is already used.")]
    label = (data.get("label") or "").strip()
    if not label:
        errors["label"] = [_("This field is required.")]
    elif len(label) > 100:
        errors["label"] = [_("At most %(max)s characters.", max=100)]
    if data.get("type") not in TYPES:
        errors["type"] = [_("Choose one of the offered values.")]
    choices = list(data.get("choices") or [])
    if data.get("type") == "choice":
        if not choices:
            errors["choices"] = [_("Give at least one choice.")]
        elif len(choices) > MAX_CHOICES or any(len(c) > 100 for c in choices):
            errors["choices"] = [_("At most %(num)s choices of at most 100 characters each.", num=MAX_CHOICES)]
    if data.get("unique") and data.get("type") == "boolean":
        errors["unique"] = [_("A yes/no field cannot be unique.")]
    return errors


class CustomPatch(dict):  # type: ignore[type-arg]
    """Custom values to merge into a record's stored ones (an API PATCH); ``None`` removes a value.

    A plain ``dict`` assigned to ``record.custom`` replaces everything (forms,
    creation); the models merge a ``CustomPatch`` instead.
    """


def merged(stored: Mapping[str, Any] | None, patch: Mapping[str, Any]) -> dict[str, Any]:
    result = dict(stored or {})
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result
