"""Segment conditions: which fields can be filtered, with which operators, and their SQL.

A segment stores its conditions as JSON, all of which must hold::

    [{"field": "tier", "op": "in", "value": ["gold", "platinum"]},
     {"field": "custom.vip", "op": "eq", "value": true},
     {"field": "tags", "op": "in", "value": ["newsletter"]},
     {"field": "last_interaction_at", "op": "not_within_days", "value": 90}]

Fields are the profile columns of the segment's object (contact or company),
``tags``, and ``custom.<key>`` for the administrator's custom fields. Each
field has a type and each type its operators. ``check`` turns a condition
into a typed one or an error naming what is wrong (the form and the API show
it at the field); ``condition`` turns a checked one into SQL that runs on
SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from core import toolkit
from core.toolkit import _, _l, sa
from modules.contacts import choices, custom_fields
from modules.contacts.models import Company, CompanyTag, Contact, ContactTag, Tag

OBJECTS = ("contact", "company")
MAX_CONDITIONS = 30
MAX_LIST = 200
MAX_DAYS = 36500
CUSTOM_PREFIX = "custom."

#: operators per field type, in the order forms offer them
OPERATORS: dict[str, tuple[str, ...]] = {
    "text": ("eq", "ne", "in", "contains", "starts_with", "empty", "not_empty"),
    "choice": ("eq", "ne", "in", "not_in", "empty", "not_empty"),
    "number": ("eq", "ne", "lt", "gt", "between", "empty", "not_empty"),
    "date": ("eq", "lt", "gt", "between", "within_days", "not_within_days", "empty", "not_empty"),
    "boolean": ("eq", "empty", "not_empty"),
    "tags": ("in", "not_in", "all", "empty", "not_empty"),
    "user": ("eq", "ne", "in", "empty", "not_empty"),
    "id": ("eq", "ne", "in", "empty", "not_empty"),
}
OPERATOR_LABELS = {
    "eq": _l("is"), "ne": _l("is not"), "in": _l("is one of"), "not_in": _l("is none of"),
    "all": _l("has all of"), "contains": _l("contains"), "starts_with": _l("starts with"),
    "lt": _l("is before / less than"), "gt": _l("is after / more than"), "between": _l("is between"),
    "within_days": _l("within the last N days"), "not_within_days": _l("not within the last N days"),
    "empty": _l("is empty"), "not_empty": _l("is not empty"),
}
NO_VALUE = frozenset({"empty", "not_empty"})
LIST_OPS = frozenset({"in", "not_in", "all"})


@dataclass(frozen=True)
class Field:
    """A field conditions can use: ``column`` of the model, or tags, or a custom field."""

    key: str
    label: Any
    type: str
    column: str | None = None
    choices: Mapping[str, Any] | None = None
    custom: custom_fields.Definition | None = None
    #: a datetime column (dates compare by whole days in it)
    timestamp: bool = False

    @property
    def operators(self) -> tuple[str, ...]:
        return OPERATORS[self.type]


def _profile_fields() -> list[Field]:
    return [
        Field("email", _l("Email"), "text", "email"),
        Field("phone", _l("Phone"), "text", "phone"),
        Field("mobile", _l("Mobile"), "text", "mobile"),
        Field("street", _l("Street"), "text", "street"),
        Field("postal_code", _l("Postal code"), "text", "postal_code"),
        Field("city", _l("City"), "text", "city"),
        Field("region", _l("Region or state"), "text", "region"),
        Field("country", _l("Country"), "text", "country"),
        Field("source_channel", _l("Source"), "choice", "source_channel", choices.SOURCE_CHANNELS),
        Field("tier", _l("Tier"), "choice", "tier", choices.TIERS),
        Field("lifecycle_stage", _l("Lifecycle stage"), "choice", "lifecycle_stage", choices.LIFECYCLE_STAGES),
        Field("risk_rating", _l("Risk"), "choice", "risk_rating", choices.RISK_RATINGS),
        Field("preferred_channel", _l("Preferred channel"), "choice", "preferred_channel", choices.CHANNELS),
        Field("interests", _l("Interests"), "text", "interests"),
        Field("habits", _l("Habits"), "text", "habits"),
        Field("annual_spend", _l("Annual spend"), "number", "annual_spend"),
        Field("last_interaction_at", _l("Last interaction"), "date", "last_interaction_at", timestamp=True),
        Field("created_at", _l("Created"), "date", "created_at", timestamp=True),
        Field("updated_at", _l("Last changed"), "date", "updated_at", timestamp=True),
        Field("owner_id", _l("Owner"), "user", "owner_id"),
        Field("department_id", _l("Department"), "id", "department_id"),
        Field("tags", _l("Tags"), "tags"),
    ]


def _own_fields(object: str) -> list[Field]:
    if object == "company":
        return [
            Field("name", _l("Name"), "text", "name"),
            Field("type", _l("Type"), "choice", "type", choices.COMPANY_TYPES),
            Field("industry", _l("Industry"), "text", "industry"),
            Field("website", _l("Website"), "text", "website"),
        ]
    return [
        Field("first_name", _l("First name"), "text", "first_name"),
        Field("last_name", _l("Last name"), "text", "last_name"),
        Field("position", _l("Position"), "text", "position"),
        Field("company_id", _l("Company"), "id", "company_id"),
        Field("birthday", _l("Birthday"), "date", "birthday"),
        Field("gender", _l("Gender"), "choice", "gender", choices.GENDERS),
        Field("age_group", _l("Age group"), "choice", "age_group", choices.AGE_GROUPS),
    ]


def fields_for(object: str) -> dict[str, Field]:
    """Every field a condition on ``object`` may use, keyed as conditions name them."""
    if object not in OBJECTS:
        raise ValueError(f"segments are of {OBJECTS}, not {object!r}")
    result = {f.key: f for f in [*_own_fields(object), *_profile_fields()]}
    for defn in custom_fields.definitions(object):
        result[CUSTOM_PREFIX + defn.key] = Field(
            CUSTOM_PREFIX + defn.key, defn.label, defn.type if defn.type in OPERATORS else "text",
            choices={c: c for c in defn.choices} if defn.type == "choice" else None, custom=defn,
        )
    return result


def model_for(object: str) -> Any:
    return Company if object == "company" else Contact


# -- checking one condition ---------------------------------------------------------------


class ConditionError(ValueError):
    """What is wrong with a condition: ``key`` is "field", "op" or "value"."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def _number(raw: Any) -> float | int:
    if isinstance(raw, bool):
        raise ValueError
    value = Decimal(str(raw).strip().replace(",", ".")) if isinstance(raw, str) else Decimal(str(raw))
    if not value.is_finite() or abs(value) >= Decimal(10) ** 15:
        raise ValueError
    return int(value) if value == value.to_integral_value() else float(value)


def _date(raw: Any) -> str:
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    return date.fromisoformat(str(raw).strip()[:10]).isoformat()


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"1", "true", "yes", "on", "ja", "是"}:
        return True
    if text in {"0", "false", "no", "off", "nein", "否"}:
        return False
    raise ValueError


def _scalar(field: Field, raw: Any) -> Any:
    """One value in the field's type; ``ValueError`` with a message when it does not fit."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ValueError(_("Enter a value."))
    kind = field.type
    try:
        if kind == "number":
            return _number(raw)
        if kind == "date":
            return _date(raw)
        if kind == "boolean":
            return _boolean(raw)
        if kind in ("user", "id"):
            if kind == "user" and str(raw).strip().lower() == "me":
                return "me"
            ident = int(str(raw).strip())
            if not 0 < ident < 2**31:
                raise ValueError
            return ident
    except (ValueError, InvalidOperation, TypeError) as exc:
        raise ValueError({
            "number": _("Enter a number."), "date": _("Enter a date (YYYY-MM-DD)."),
            "boolean": _("Choose yes or no."),
            "user": _("Enter a user's number, or “me”."), "id": _("Enter a number."),
        }[kind]) from exc
    if isinstance(raw, (dict, list)):
        raise ValueError(_("Enter text."))
    text = str(raw).strip()
    if len(text) > 1000:
        raise ValueError(_("At most %(max)s characters.", max=1000))
    if kind == "choice" and field.choices is not None and text not in field.choices:
        raise ValueError(_("Choose one of: %(choices)s.", choices=", ".join(map(str, field.choices))))
    if field.key == "country":
        text = text.upper()
    return text


def _split(raw: Any) -> list[Any]:
    """A list from JSON, or from text typed into a form ("gold, platinum")."""
    if isinstance(raw, (list, tuple)):
        return list(raw)
    if isinstance(raw, str):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return [raw] if raw is not None else []


def check(object: str, condition: Any, fields: Mapping[str, Field] | None = None) -> dict[str, Any]:
    """The condition with its value typed (``{"field", "op", "value"}``); ``ConditionError`` otherwise."""
    fields = fields if fields is not None else fields_for(object)
    if not isinstance(condition, Mapping):
        raise ConditionError("field", _("Each condition needs a field, an operator and a value."))
    extra = set(condition) - {"field", "op", "value"}
    if extra:
        raise ConditionError(sorted(map(str, extra))[0], _("Unknown key “%(key)s”; use field, op and value.",
                                                           key=sorted(map(str, extra))[0]))
    name = condition.get("field")
    field = fields.get(name) if isinstance(name, str) else None
    if field is None:
        if not name:
            raise ConditionError("field", _("Choose a field."))
        raise ConditionError("field", _("Unknown field “%(field)s”.", field=str(name)[:100]))
    op = condition.get("op")
    if op not in field.operators:
        if not op:
            raise ConditionError("op", _("Choose an operator."))
        raise ConditionError("op", _(
            "Unknown operator “%(op)s” for %(field)s; use one of: %(ops)s.",
            op=str(op)[:40], field=field.label, ops=", ".join(field.operators),
        ))
    raw = condition.get("value")
    try:
        if op in NO_VALUE:
            value: Any = None
        elif op in ("within_days", "not_within_days"):
            try:
                value = int(str(raw).strip())
            except (TypeError, ValueError) as exc:
                raise ValueError(_("Enter a number of days.")) from exc
            if not 0 <= value <= MAX_DAYS:
                raise ValueError(_("Enter a value from %(min)s to %(max)s.", min=0, max=MAX_DAYS))
        elif op in LIST_OPS:
            items = _split(raw)
            if not items:
                raise ValueError(_("Enter at least one value (separate several with commas)."))
            if len(items) > MAX_LIST:
                raise ValueError(_("At most %(max)s values.", max=MAX_LIST))
            value = [_tag(item) if field.type == "tags" else _scalar(field, item) for item in items]
        elif op == "between":
            items = _split(raw)
            if len(items) != 2:
                raise ValueError(_("Enter two values: from and to."))
            value = [_scalar(field, items[0]), _scalar(field, items[1])]
            if value[0] > value[1]:
                value.reverse()
        else:
            value = _scalar(field, raw)
    except ValueError as exc:
        raise ConditionError("value", str(exc.args[0]) if exc.args else _("Enter a valid value.")) from exc
    return {"field": field.key, "op": op, "value": value}


def _tag(raw: Any) -> str:
    text = str(raw).strip() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
    if not text or len(text) > 50:
        raise ValueError(_("Enter tag names (at most 50 characters each)."))
    return text


def check_all(object: str, conditions: Any) -> tuple[list[dict[str, Any]], dict[str, dict[str, list[str]]]]:
    """Every condition checked: ``(typed conditions, errors by position)``.

    Errors are keyed by the condition's position (``"0"``, ``"1"`` ...) and then
    by ``field``/``op``/``value``, each message naming what was not understood.
    """
    if object not in OBJECTS:
        return [], {"0": {"field": [_("Members must be people or companies.")]}}
    if not isinstance(conditions, list):
        return [], {"0": {"field": [_("Conditions must be a list.")]}}
    if len(conditions) > MAX_CONDITIONS:
        return [], {str(MAX_CONDITIONS): {"field": [_("At most %(max)s conditions.", max=MAX_CONDITIONS)]}}
    fields = fields_for(object)
    typed, errors = [], {}
    for index, condition in enumerate(conditions):
        try:
            typed.append(check(object, condition, fields))
        except ConditionError as exc:
            errors[str(index)] = {exc.key: [exc.message]}
    return typed, errors


# -- SQL ------------------------------------------------------------------------------------


def _day_start(value: str) -> datetime:
    return datetime.combine(date.fromisoformat(value), time.min)


def _text_equal(column: Any, value: str) -> Any:
    return sa.func.lower(column) == value.lower()


def _blank(expr: Any, text: bool) -> Any:
    return sa.or_(expr.is_(None), expr == "") if text else expr.is_(None)


def _tags_exist(object: str, model: Any, names: Sequence[str] | None) -> Any:
    link = CompanyTag if object == "company" else ContactTag
    owner = link.company_id if object == "company" else link.contact_id
    stmt = sa.select(link.tag_id).where(owner == model.id)
    if names is not None:
        stmt = stmt.join(Tag, Tag.id == link.tag_id).where(sa.func.lower(Tag.name).in_([n.lower() for n in names]))
    return stmt


def condition(object: str, checked: Mapping[str, Any], fields: Mapping[str, Field], user_id: int | None = None,
              now: datetime | None = None) -> Any:
    """SQL for one checked condition on ``object``'s model."""
    model = model_for(object)
    field = fields[checked["field"]]
    op, value = checked["op"], checked["value"]
    if field.type == "tags":
        if op == "empty":
            return ~sa.exists(_tags_exist(object, model, None))
        if op == "not_empty":
            return sa.exists(_tags_exist(object, model, None))
        if op == "in":
            return sa.exists(_tags_exist(object, model, value))
        if op == "not_in":
            return ~sa.exists(_tags_exist(object, model, value))
        wanted = {v.lower() for v in value}
        found = _tags_exist(object, model, list(wanted)).with_only_columns(sa.func.count(sa.distinct(Tag.id)))
        return found.scalar_subquery() == len(wanted)
    if field.custom is not None:
        column = custom_fields.json_value(model, field.custom)
    else:
        column = getattr(model, field.column or field.key)
    is_text = field.type in ("text", "choice") or (field.custom is not None and field.type == "date")
    if op == "empty":
        return _blank(column, is_text)
    if op == "not_empty":
        return sa.not_(_blank(column, is_text))
    if field.type == "user":
        value = _me(value, user_id)
        if value is None or (isinstance(value, list) and None in value):
            return sa.false()  # "me" with nobody signed in matches nobody
    if field.type == "date":
        return _date_condition(field, column, op, value, now or toolkit.utcnow())
    if field.type == "text":
        if op == "eq":
            return _text_equal(column, value)
        if op == "ne":
            return sa.or_(column.is_(None), sa.not_(_text_equal(column, value)))
        if op == "in":
            return sa.func.lower(column).in_([v.lower() for v in value])
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%" if op == "contains" else f"{escaped}%"
        return column.ilike(pattern, escape="\\")
    if op == "eq":
        return column == value
    if op == "ne":
        return sa.or_(column.is_(None), column != value)
    if op == "in":
        return column.in_(value)
    if op == "not_in":
        return sa.or_(column.is_(None), column.not_in(value))
    if op == "lt":
        return column < value
    if op == "gt":
        return column > value
    if op == "between":
        return column.between(value[0], value[1])
    raise ValueError(f"operator {op} on {field.key}")  # pragma: no cover - check() refuses it


def _me(value: Any, user_id: int | None) -> Any:
    """``"me"`` is whoever looks at the segment (or the user a campaign runs for)."""
    if isinstance(value, list):
        return [user_id if v == "me" else v for v in value]
    return user_id if value == "me" else value


def _date_condition(field: Field, column: Any, op: str, value: Any, now: datetime) -> Any:
    """Dates compare by whole days; custom dates are ``YYYY-MM-DD`` text, which sorts like a date."""
    if op in ("within_days", "not_within_days"):
        since = now - timedelta(days=value)
        if field.custom is not None or not field.timestamp:
            bound: Any = since.date().isoformat() if field.custom is not None else since.date()
            recent = sa.and_(column >= bound, column <= (now.date().isoformat() if field.custom else now.date()))
        else:
            recent = sa.and_(column >= since, column <= now)
        return recent if op == "within_days" else sa.or_(column.is_(None), sa.not_(recent))
    if field.custom is not None or not field.timestamp:
        convert = (lambda v: v) if field.custom is not None else date.fromisoformat
        if op == "eq":
            return column == convert(value)
        if op == "lt":
            return column < convert(value)
        if op == "gt":
            return column > convert(value)
        return column.between(convert(value[0]), convert(value[1]))
    if op == "eq":
        return sa.and_(column >= _day_start(value), column < _day_start(value) + timedelta(days=1))
    if op == "lt":
        return column < _day_start(value)
    if op == "gt":
        return column >= _day_start(value) + timedelta(days=1)
    return sa.and_(column >= _day_start(value[0]), column < _day_start(value[1]) + timedelta(days=1))


def conditions_sql(object: str, conditions: Any, user_id: int | None = None) -> tuple[list[Any], list[str]]:
    """SQL for stored conditions, and problems with them (a deleted custom field ...).

    A condition that no longer makes sense matches nobody rather than everybody:
    a campaign must never mail the whole database because a field was removed.
    """
    typed, errors = check_all(object, conditions)
    if errors:
        messages = [m for pos, errs in sorted(errors.items()) for msgs in errs.values() for m in msgs]
        return [sa.false()], messages
    fields = fields_for(object)
    return [condition(object, c, fields, user_id) for c in typed], []


def describe(object: str, conditions: Any) -> list[str]:
    """Conditions in words ("Tier is one of Gold, Platinum"), for the segment's page."""
    try:
        fields = fields_for(object)
    except ValueError:
        return []
    lines = []
    for item in conditions if isinstance(conditions, list) else []:
        if not isinstance(item, Mapping):
            continue
        field = fields.get(item.get("field"))
        label = str(field.label) if field else str(item.get("field"))
        op = str(OPERATOR_LABELS.get(item.get("op"), item.get("op")))
        value = item.get("value")
        shown = [value] if not isinstance(value, list) else value
        if field is not None and field.choices:
            shown = [str(field.choices.get(v, v)) for v in shown]
        joiner = " – " if item.get("op") == "between" else ", "
        text = "" if item.get("op") in NO_VALUE else joiner.join(str(v) for v in shown)
        lines.append(f"{label} {op} {text}".strip())
    return lines
