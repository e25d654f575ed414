"""The generic form: inputs derived from a marshmallow schema, validated by it.

The schema is the single description of a record's fields, shared with the
REST API, so a rule (required, max length, allowed choices) holds on every
way in. The form view adds what a person needs on top:

- an input per declared field, typed from the schema field (text, number,
  date, select from ``OneOf``, checkbox, comma-separated tags);
- the text exactly as typed is shown again on error, next to a message per
  field, so nothing entered is lost;
- only declared, loadable fields are written (``dump_only`` fields such as
  ``id``/``owner_id``/``version`` can never come from a form);
- marshmallow's English messages are translated through the catalogs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, missing, pre_load, validate

from core.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class FieldSpec:
    """How one schema field is shown as an input."""

    name: str
    label: Any
    widget: str
    required: bool = False
    maxlength: int | None = None
    choices: list[tuple[Any, Any]] = field(default_factory=list)
    step: str | None = None
    help: Any = ""


def _label(name: str, f: fields.Field) -> Any:
    return f.metadata.get("label") or name.replace("_", " ").capitalize()


def _spec(name: str, f: fields.Field) -> FieldSpec:
    """Pick the input for a schema field; ``metadata={"widget": "textarea"}`` overrides."""
    maxlength = None
    choices: list[tuple[Any, Any]] = []
    for v in f.validators:
        if isinstance(v, validate.Length) and v.max is not None:
            maxlength = v.max
        elif isinstance(v, validate.OneOf):
            choices = [(c, label) for c, label in v.options()]
    widget = f.metadata.get("widget")
    step = None
    if widget is None:
        if choices:
            widget = "select"
        elif isinstance(f, fields.Boolean):
            widget = "checkbox"
        elif isinstance(f, fields.Email):
            widget = "email"
        elif isinstance(f, fields.Url):
            widget = "url"
        elif isinstance(f, fields.Integer):
            widget, step = "number", "1"
        elif isinstance(f, fields.Number):
            widget, step = "number", "any"
        elif isinstance(f, (fields.NaiveDateTime, fields.DateTime)):
            widget = "datetime-local"
        elif isinstance(f, fields.Date):
            widget = "date"
        elif isinstance(f, fields.List):
            widget = "tags"
        else:
            widget = "text"
    return FieldSpec(
        name=name, label=_label(name, f), widget=widget, required=f.required,
        maxlength=maxlength, choices=choices, step=step, help=f.metadata.get("help", ""),
    )


#: marshmallow's built-in messages, as catalog entries (placeholders filled after translation)
_MESSAGES: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"^Missing data for required field\.$"), _l("This field is required.")),
    (re.compile(r"^Field may not be null\.$"), _l("This field is required.")),
    (re.compile(r"^Shorter than minimum length 1\.$"), _l("This field is required.")),
    (re.compile(r"^Longer than maximum length (?P<max>\d+)\.$"), _l("At most %(max)s characters.")),
    (re.compile(r"^Shorter than minimum length (?P<min>\d+)\.$"), _l("At least %(min)s characters.")),
    (re.compile(r"^Length must be between (?P<min>\d+) and (?P<max>\d+)\.$"),
     _l("Between %(min)s and %(max)s characters.")),
    (re.compile(r"^Must be one of: .*\.$"), _l("Choose one of the offered values.")),
    (re.compile(r"^Not a valid (integer|number)\.$"), _l("Enter a number.")),
    (re.compile(r"^Special numeric values .*$"), _l("Enter a number.")),
    (re.compile(r"^Not a valid date\.$"), _l("Enter a date (YYYY-MM-DD).")),
    (re.compile(r"^Not a valid datetime\.$"), _l("Enter a date and time.")),
    (re.compile(r"^Not a valid email address\.$"), _l("Enter a valid email address.")),
    (re.compile(r"^Not a valid URL\.$"), _l("Enter a valid web address.")),
    (re.compile(r"^Not a valid boolean\.$"), _l("Choose yes or no.")),
    (re.compile(r"^Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.$"),
     _l("Enter a value from %(min)s to %(max)s.")),
    (re.compile(r"^Must be greater than or equal to (?P<min>\S+)\.$"), _l("Enter %(min)s or more.")),
    (re.compile(r"^Must be less than or equal to (?P<max>\S+)\.$"), _l("Enter %(max)s or less.")),
]


def translate_error(message: Any) -> str:
    """A marshmallow message in the user's language (a module's own messages pass through)."""
    text = str(message)
    for pattern, template in _MESSAGES:
        match = pattern.match(text)
        if match:
            return str(template) % match.groupdict() if match.groupdict() else str(template)
    return text


def flatten_errors(messages: Mapping[str, Any] | list[Any] | str) -> list[str]:
    if isinstance(messages, Mapping):
        return [m for value in messages.values() for m in flatten_errors(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in flatten_errors(value)]
    return [translate_error(messages)]


class FormView:
    """A declared create/edit form for ``model`` records, validated by ``schema``.

    ``fields`` chooses and orders the inputs (default: every loadable field of
    the schema). ``prepare(record, data, creating)`` may adjust a record before
    it is saved (e.g. derived values); it must not commit.
    """

    def __init__(
        self,
        *,
        model: type,
        object: str,
        schema: type[Schema],
        fields: Sequence[str] | None = None,
        title: Any = None,
        template: str = "core/form.html",
        prepare: Callable[[Any, dict[str, Any], bool], None] | None = None,
    ) -> None:
        self.model = model
        self.object = object
        self.schema = schema
        self.title = title
        self.template = template
        self.prepare = prepare
        loadable = schema().load_fields
        names = list(fields) if fields is not None else list(loadable)
        for name in names:
            if name not in loadable:
                raise ValueError(
                    f"FormView({object}): field '{name}' is not a loadable field of {schema.__name__} "
                    "(unknown or dump_only)"
                )
            if not hasattr(model, loadable[name].attribute or name):
                raise ValueError(f"FormView({object}): {model.__name__} has no attribute for field '{name}'")
        self.fields = names
        self.specs = [_spec(name, loadable[name]) for name in names]

    # -- values shown in the inputs ------------------------------------------------

    def initial(self, record: Any | None) -> dict[str, str]:
        """Input text for an existing record (or the schema's defaults for a new one)."""
        loadable = self.schema().load_fields
        values: dict[str, str] = {}
        for name in self.fields:
            f = loadable[name]
            if record is None:
                default = f.load_default
                value = None if default is None or default is missing or callable(default) else default
            else:
                value = getattr(record, f.attribute or name)
            values[name] = _as_input(value)
        return values

    def submitted(self, form: Mapping[str, Any]) -> dict[str, str]:
        """The text exactly as the user typed it, to show again after an error."""
        values = {}
        for spec in self.specs:
            if spec.widget == "checkbox":
                values[spec.name] = "1" if form.get(spec.name) else ""
            else:
                values[spec.name] = form.get(spec.name) or ""
        return values

    # -- validation ----------------------------------------------------------------

    def load(self, form: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """``(data, errors)``: data keyed by model attribute; errors per field (``""`` = whole form)."""
        schema = self.schema(only=self.fields)
        raw: dict[str, Any] = {}
        #: the schema reads and reports ``data_key`` names; inputs are named after fields
        field_of = {schema.fields[name].data_key or name: name for name in self.fields}
        for spec in self.specs:
            f = schema.fields[spec.name]
            key = f.data_key or spec.name
            text = form.get(spec.name)
            if spec.widget == "checkbox":
                raw[key] = bool(text)
                continue
            if isinstance(text, str) and spec.widget not in ("textarea",):
                text = text.strip()
            if spec.widget == "tags":
                raw[key] = [t.strip() for t in (text or "").split(",") if t.strip()]
            elif text is None or text == "":
                if f.required:
                    continue  # "required" message
                if f.allow_none:
                    raw[key] = None
                elif isinstance(f, fields.String):
                    raw[key] = ""
            else:
                raw[key] = text
        try:
            data = schema.load(raw)
        except ValidationError as exc:
            errors: dict[str, list[str]] = {}
            messages = exc.messages if isinstance(exc.messages, Mapping) else {"_schema": exc.messages}
            for key, value in messages.items():
                errors.setdefault(field_of.get(key, ""), []).extend(flatten_errors(value))
            return {}, errors
        return data, {}

    def apply(self, record: Any, data: Mapping[str, Any]) -> None:
        """Write the declared fields only (mass assignment is impossible by construction)."""
        loadable = self.schema().load_fields
        allowed = {loadable[name].attribute or name for name in self.fields}
        for key, value in data.items():
            if key in allowed:
                setattr(record, key, value)

    def conflict_values(self, record: Any, submitted: Mapping[str, str]) -> dict[str, str]:
        """Fields where the saved record now differs from what the user typed, with the saved text."""
        current = self.initial(record)
        return {name: value for name, value in current.items() if value != submitted.get(name, "")}


def _as_input(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    return str(value)


class FormSchema(Schema):
    """Base of a module's record schemas (forms, API, imports): unknown fields are refused
    and a blank value typed into a form means "no value".

    A blank field whose value may not be empty but has a default (a tier, a
    stage) is left out, so its default applies; any other blank becomes None
    (then "may not be null" where a value is needed). Override
    ``blank_means_absent`` to leave out other blank fields.
    """

    class Meta:
        unknown = RAISE

    id = fields.Integer(dump_only=True)

    def blank_means_absent(self, field: fields.Field) -> bool:
        return field.load_default is not missing and not field.allow_none

    @pre_load
    def _blank_to_none(self, data: Any, **_kw: Any) -> Any:
        if not isinstance(data, dict):
            return data
        result = {}
        for key, value in data.items():
            if isinstance(value, str) and not value.strip():
                field = self.fields.get(key)
                if field is not None and self.blank_means_absent(field):
                    continue
                value = None
            result[key] = value
        return result
