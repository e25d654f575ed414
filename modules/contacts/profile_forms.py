"""The company and contact forms: the generic form plus custom fields, consent and the company picker.

The declared inputs come from the marshmallow schema as usual. On top, per
request: one input per custom field (``cf_<key>``, checked by
``custom_fields.validate``) and, for contacts, the consent per channel
(given / withdrawn, source, date). Every error of every part is shown at once
next to its input and nothing is written until all of them pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from flask import has_request_context

from core import toolkit
from core.toolkit import _, _l
from modules.contacts import choices, custom_fields
from modules.contacts.schemas import editing_id

#: how the form groups the schema's fields (fields not named here go to the end)
COMPANY_GROUPS: list[tuple[Any, list[str]]] = [
    (_l("Company"), ["name", "type", "industry", "website"]),
    (_l("Reaching them"), ["email", "phone", "mobile", "preferred_channel"]),
    (_l("Address"), ["street", "postal_code", "city", "region", "country"]),
    (_l("Customer profile"), ["tier", "lifecycle_stage", "source_channel", "risk_rating", "annual_spend", "tags"]),
    (_l("Notes"), ["interests", "habits", "notes"]),
]
CONTACT_GROUPS: list[tuple[Any, list[str]]] = [
    (_l("Person"), ["first_name", "last_name", "company_id", "position", "birthday", "gender", "age_group"]),
    (_l("Reaching them"), ["email", "phone", "mobile", "preferred_channel"]),
    (_l("Address"), ["street", "postal_code", "city", "region", "country"]),
    (_l("Customer profile"), ["tier", "lifecycle_stage", "source_channel", "risk_rating", "annual_spend", "tags"]),
    (_l("Notes"), ["interests", "habits", "notes"]),
]
CONSENT_STATES = (("", _l("Not recorded")), ("1", _l("Given")), ("0", _l("Withdrawn")))
_WIDGETS = {"text": "text", "number": "number", "date": "date", "choice": "select", "boolean": "checkbox"}


#: inputs that are not schema fields (custom fields, consent) use core's own field shape
ExtraSpec = toolkit.FieldSpec


def _custom_spec(d: custom_fields.Definition) -> ExtraSpec:
    return ExtraSpec(
        name=d.param, label=d.label, widget=_WIDGETS.get(d.type, "text"),
        required=d.required and d.type != "boolean",
        maxlength=custom_fields.MAX_TEXT if d.type == "text" else None,
        choices=[(c, c) for c in d.choices], step="any" if d.type == "number" else None,
    )


def _custom_text(d: custom_fields.Definition, value: Any) -> str:
    if value is None:
        return ""
    if d.type == "boolean":
        return "1" if value else ""
    if d.type == "number" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class ProfileForm(toolkit.FormView):
    """``toolkit.FormView`` for companies (``custom_object="company"``) and contacts."""

    def __init__(self, *, custom_object: str, groups: Sequence[tuple[Any, list[str]]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.custom_object = custom_object
        known = {name for _label, names in groups for name in names}
        rest = [name for name in self.fields if name not in known]
        self.groups = [(label, [n for n in names if n in self.fields]) for label, names in groups]
        if rest:
            self.groups.append((_l("More"), rest))
        self.spec_by_name = {spec.name: spec for spec in self.specs}

    @property
    def has_consent(self) -> bool:
        return self.custom_object == "contact"

    # -- the extra inputs of this request ---------------------------------------------------------

    def definitions(self) -> list[custom_fields.Definition]:
        return custom_fields.definitions(self.custom_object) if has_request_context() else []

    def custom_specs(self) -> list[ExtraSpec]:
        return [_custom_spec(d) for d in self.definitions()]

    def consent_specs(self) -> list[tuple[Any, list[ExtraSpec]]]:
        """Per channel: state, source, date inputs."""
        if not self.has_consent:
            return []
        result = []
        for channel in choices.CONSENT_CHANNELS:
            label = choices.CHANNELS.get(channel, channel)
            result.append((label, [
                ExtraSpec(f"consent_{channel}", _l("Consent"), "select", choices=list(CONSENT_STATES)),
                ExtraSpec(f"consent_{channel}_source", _l("Source of the consent"), "text", maxlength=100,
                          help=_l("For example: web form, phone call, signed paper.")),
                ExtraSpec(f"consent_{channel}_at", _l("Date"), "date", help=_l("Empty means today.")),
            ]))
        return result

    def company_choices(self) -> list[tuple[int, str]]:
        """Companies offered in the company picker (empty: too many, a number field instead)."""
        from modules.contacts.profile_lists import company_options

        return company_options() if "company_id" in self.fields else []

    # -- values ------------------------------------------------------------------------------------

    def initial(self, record: Any | None) -> dict[str, str]:
        values = super().initial(record)
        stored = (getattr(record, "custom", None) or {}) if record is not None else {}
        for d in self.definitions():
            values[d.param] = _custom_text(d, stored.get(d.key))
        if self.has_consent:
            current = record.consent if record is not None else {}
            for channel in choices.CONSENT_CHANNELS:
                state = current.get(channel)
                values[f"consent_{channel}"] = "" if state is None else ("1" if state["granted"] else "0")
                values[f"consent_{channel}_source"] = state["source"] if state else ""
                values[f"consent_{channel}_at"] = state["at"].date().isoformat() if state else ""
        return values

    def submitted(self, form: Mapping[str, Any]) -> dict[str, str]:
        values = super().submitted(form)
        for spec in self.custom_specs() + [s for _label, specs in self.consent_specs() for s in specs]:
            if spec.widget == "checkbox":
                values[spec.name] = "1" if form.get(spec.name) else ""
            else:
                values[spec.name] = form.get(spec.name) or ""
        return values

    # -- checking ----------------------------------------------------------------------------------

    def load(self, form: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
        data, errors = super().load(form)
        errors = dict(errors)
        raw: dict[str, Any] = {}
        for d in self.definitions():
            value = form.get(d.param)
            raw[d.key] = ("true" if value else "false") if d.type == "boolean" else value
        clean, problems = custom_fields.validate(self.custom_object, raw, record_id=editing_id())
        by_key = {d.key: d.param for d in self.definitions()}
        for key, messages in problems.items():
            errors.setdefault(by_key.get(key, ""), []).extend(messages)
        consent, consent_errors = self._load_consent(form)
        errors.update(consent_errors)
        if errors:
            return {}, errors
        data["custom"] = clean
        if self.has_consent:
            data["consent"] = consent
        return data, {}

    def _load_consent(self, form: Mapping[str, Any]) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
        consent: dict[str, dict[str, Any]] = {}
        errors: dict[str, list[str]] = {}
        if not self.has_consent:
            return consent, errors
        today = date.today()
        for channel in choices.CONSENT_CHANNELS:
            state = (form.get(f"consent_{channel}") or "").strip()
            if state not in ("1", "0"):
                continue
            source = (form.get(f"consent_{channel}_source") or "").strip()
            if len(source) > 100:
                errors[f"consent_{channel}_source"] = [_("At most %(max)s characters.", max=100)]
            raw_at = (form.get(f"consent_{channel}_at") or "").strip()
            at = None
            if raw_at:
                try:
                    day = date.fromisoformat(raw_at)
                except ValueError:
                    errors[f"consent_{channel}_at"] = [_("Enter a date (YYYY-MM-DD).")]
                    continue
                if day > today:
                    errors[f"consent_{channel}_at"] = [_("The date cannot be in the future.")]
                    continue
                at = None if day == today else datetime.combine(day, time(12, 0))
            consent[channel] = {"granted": state == "1", "source": source or _("form"), "at": at}
        return consent, errors

    def apply(self, record: Any, data: Mapping[str, Any]) -> None:
        super().apply(record, data)
        if "custom" in data:
            record.custom = dict(data["custom"])
        if self.has_consent and data.get("consent"):
            record.consent = data["consent"]

