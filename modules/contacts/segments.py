"""Saved, dynamic segments: a named set of conditions whose members are found when asked.

Nothing about membership is stored: a segment is its conditions
(``segment_filters``), so members and counts are always current ("live").

For other modules (campaigns depends on contacts)::

    from modules.contacts.segments import segment_members

    stmt = segment_members(segment_id, user=campaign_owner)      # select(Contact) or select(Company)
    emails = session.scalars(stmt.with_only_columns(Contact.email))

``segment_members`` narrows the members to what ``user`` may read (default:
the signed-in user; nobody outside a request) unless ``all_records=True``,
which a background job acting for the system may pass deliberately.

Pages: the generic list/form/detail for segments (the form edits conditions
row by row, works without JavaScript, and can count members before saving),
and the members of one segment through the generic list at
``/contacts/segments/<id>/people`` or ``.../companies`` (search, sort, capped
count, CSV/XLSX export, all within the viewer's record rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, current_app, g, url_for
from flask_login import current_user
from marshmallow import ValidationError

from core import toolkit
from core.toolkit import _, _l, ngettext, sa
from modules.contacts import choices
from modules.contacts.exporter import vcard_export
from modules.contacts.models import Company, Contact, Segment
from modules.contacts.profile_lists import key_searches
from modules.contacts.schemas import SegmentSchema
from modules.contacts.segment_filters import (
    NO_VALUE,
    OPERATOR_LABELS,
    check_all,
    conditions_sql,
    describe,
    fields_for,
    model_for,
)

OBJECT = "contacts.segment"
#: counts stop here and show "10,000+" (like the generic list's capped count)
COUNT_CAP = 10_000
#: empty condition rows the form offers below the existing ones
BLANK_ROWS = 3
_COUNTS = "_contacts_segment_counts"


# -- public functions ----------------------------------------------------------------------


def segment_query(filters: Any, object: str = "contact", user: Any = None) -> sa.Select[Any]:
    """``select(Contact)`` (or ``Company``) of everybody matching ``filters``, without record rules.

    ``user`` only resolves the value ``"me"`` of owner conditions (default: the
    acting user). Conditions that are not valid (any more) match nobody.
    """
    model = model_for(object)
    user_id = getattr(user, "id", None) if user is not None else toolkit.acting_user_id()
    conditions, _problems = conditions_sql(object, filters, user_id)
    return sa.select(model).where(*conditions)


def segment_members(segment_id: int, user: Any = None, *, all_records: bool = False) -> sa.Select[Any]:
    """Members of segment ``segment_id`` that ``user`` may read (see the module docstring).

    Raises ``LookupError`` when there is no such segment.
    """
    segment = toolkit.db.session.get(Segment, segment_id)
    if segment is None:
        raise LookupError(f"no segment {segment_id}")
    stmt = segment_query(segment.filters, segment.object, user=user)
    return stmt if all_records else toolkit.scope(stmt, f"contacts.{segment.object}", user=user)


def capped_count(stmt: sa.Select[Any], model: Any, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """``(count, capped)``: exact up to ``cap``, "more than" beyond (no full count at a million rows)."""
    inner = stmt.with_only_columns(model.id).order_by(None).limit(cap + 1)
    total = toolkit.db.session.scalar(sa.select(sa.func.count()).select_from(inner.subquery())) or 0
    return min(total, cap), total > cap


def member_count(segment: Segment, user: Any = None, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many members of ``segment`` the user may see, capped; cached for the request."""
    cache = g.setdefault(_COUNTS, {})
    key = (segment.id, segment.version, getattr(user, "id", None), cap)
    if key not in cache:
        stmt = toolkit.scope(segment_query(segment.filters, segment.object, user=user),
                             f"contacts.{segment.object}", user=user)
        cache[key] = capped_count(stmt, model_for(segment.object), cap)
    return cache[key]


def validate_filters(object: str, filters: Any) -> dict[str, dict[str, list[str]]]:
    """Errors of ``filters`` by position and key (``field``/``op``/``value``); empty when all is well."""
    return check_all(object, filters)[1]


def count_text(count: int, capped: bool) -> str:
    return toolkit.format_number(count) + ("+" if capped else "")


# -- the segment form: conditions row by row ------------------------------------------------


def row_text(op: Any, value: Any) -> tuple[str, str]:
    """A stored value as the text of the value inputs (lists comma-separated; "between" in two)."""
    if op == "between" and isinstance(value, list) and len(value) == 2:
        return str(value[0]), str(value[1])
    if isinstance(value, list):
        return ", ".join(str(v) for v in value), ""
    if isinstance(value, bool):
        return ("yes" if value else "no"), ""
    return ("" if value is None else str(value)), ""


class SegmentFormView(toolkit.FormView):
    """The generic form plus condition rows (``f<n>_field``, ``f<n>_op``, ``f<n>_value``, ``f<n>_value2``).

    Errors of a condition are keyed ``f<n>`` so the template shows them on its
    row. The "Count members" button validates and counts without saving; its
    answer comes back as the ``_preview`` entry of the errors (the generic form
    re-renders the page only when there are errors).
    """

    def initial(self, record: Any | None) -> dict[str, str]:
        values = super().initial(record)
        values.pop("filters", None)
        if record is not None:
            count, capped = member_count(record)
            values["_count"] = ngettext("%(count)s member right now.", "%(count)s members right now.", count,
                                        count=count_text(count, capped))
        for index, item in enumerate(record.filters if record is not None and record.filters else []):
            if isinstance(item, Mapping):
                first, second = row_text(item.get("op"), item.get("value"))
                values.update({f"f{index}_field": str(item.get("field") or ""),
                               f"f{index}_op": str(item.get("op") or ""),
                               f"f{index}_value": first, f"f{index}_value2": second})
        return values

    def submitted(self, form: Mapping[str, Any]) -> dict[str, str]:
        values = super().submitted(form)
        values.pop("filters", None)
        for key in form:
            if key[:1] == "f" and "_" in key and key[1:key.index("_")].isdigit():
                values[key] = str(form.get(key) or "")[:1000]
        return values

    @staticmethod
    def rows(form: Mapping[str, Any]) -> list[tuple[int, dict[str, Any]]]:
        """The filled-in rows as conditions (position in the form, condition)."""
        indexes = sorted({int(k[1:k.index("_")]) for k in form
                          if k[:1] == "f" and "_" in k and k[1:k.index("_")].isdigit()})
        result = []
        for index in indexes[:100]:
            field = (form.get(f"f{index}_field") or "").strip()
            op = (form.get(f"f{index}_op") or "").strip()
            first = (form.get(f"f{index}_value") or "").strip()
            second = (form.get(f"f{index}_value2") or "").strip()
            if not field and not op and not first:
                continue
            value: Any = first
            if op == "between":
                value = [first, second] if second else first
            elif op in NO_VALUE:
                value = None
            result.append((index, {"field": field, "op": op, "value": value}))
        return result

    def load(self, form: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
        rows = self.rows(form)
        raw = {
            "name": (form.get("name") or "").strip(),
            "object": (form.get("object") or "contact").strip(),
            "description": (form.get("description") or "").strip() or None,
            "filters": [condition for _index, condition in rows],
        }
        try:
            data = self.schema(only=self.fields).load(raw)
        except ValidationError as exc:
            return {}, self._errors(exc.messages, rows)
        if form.get("preview"):
            count, capped = member_count(_Draft(data["object"], data["filters"]))
            return {}, {"_preview": [ngettext("%(count)s member right now.", "%(count)s members right now.", count,
                                              count=count_text(count, capped))]}
        return data, {}

    @staticmethod
    def _errors(messages: Any, rows: list[tuple[int, dict[str, Any]]]) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        messages = messages if isinstance(messages, Mapping) else {"": messages}
        for key, value in messages.items():
            if key == "filters" and isinstance(value, Mapping):
                for position, problem in value.items():
                    try:
                        index = rows[int(position)][0]
                    except (ValueError, IndexError):
                        index = 0
                    texts = [m for msgs in (problem.values() if isinstance(problem, Mapping) else [problem])
                             for m in (msgs if isinstance(msgs, list) else [msgs])]
                    errors.setdefault(f"f{index}", []).extend(str(t) for t in texts)
                continue
            target = key if key in ("name", "object", "description") else ""
            texts = value if isinstance(value, list) else [value]
            errors.setdefault(target, []).extend(str(t) for t in texts)
        if any(k.startswith("f") and k[1:].isdigit() for k in errors) and "" not in errors:
            errors.setdefault("filters", []).append(_("Please correct the marked conditions."))
        return errors


class _Draft:
    """Conditions not saved yet, counted like a segment."""

    def __init__(self, object: str, filters: list[dict[str, Any]]) -> None:
        self.id, self.version, self.object, self.filters = None, repr(filters), object, filters


def field_groups(object: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Options of the field select: (group label, [(key, label, type)])."""
    fields = fields_for(object)
    profile = [(f.key, str(f.label), f.type) for f in fields.values() if f.custom is None]
    custom = [(f.key, str(f.label), f.type) for f in fields.values() if f.custom is not None]
    groups = [(_("Profile"), profile)]
    if custom:
        groups.append((_("Custom fields"), custom))
    return groups


def form_context(values: Mapping[str, str]) -> dict[str, Any]:
    """What the condition rows need besides the generic form's context: the rows to show
    (those typed or saved, then ``BLANK_ROWS`` empty ones), field options for the chosen
    kind of members, operators."""
    used = sorted({int(k[1:k.index("_")]) for k in values
                   if k[:1] == "f" and "_" in k and k[1:k.index("_")].isdigit()})
    start = (used[-1] + 1) if used else 0
    object = values.get("object") if values.get("object") in ("contact", "company") else "contact"
    return {
        "rows": [*used, *range(start, start + BLANK_ROWS)],
        "fields": field_groups(object),
        "operators": [(op, str(label)) for op, label in OPERATOR_LABELS.items()],
    }


# -- pages -----------------------------------------------------------------------------------

OBJECT_CHOICES = {"contact": _l("People"), "company": _l("Companies")}

segments = toolkit.ListView(
    model=Segment,
    object=OBJECT,
    title=_l("Segments"),
    columns=[
        toolkit.Column("name", _l("Name"), sortable=True, link=True),
        toolkit.Column("object", _l("Members are"), choices=OBJECT_CHOICES),
        toolkit.Column("description", _l("Description")),
        toolkit.Column("updated_at", _l("Last changed"), sortable=True),
    ],
    search=["name", "description"],
    filters=[toolkit.ChoiceFilter("object", _l("Members are"), choices=OBJECT_CHOICES)],
    default_sort="name",
    bulk_actions=[toolkit.BulkAction.delete()],
)

def store_typed(record: Segment, data: Mapping[str, Any], _creating: bool) -> None:
    """Save conditions in their typed form ("gold, platinum" typed into a form becomes a list)."""
    if "filters" in data or "object" in data:
        typed, errors = check_all(record.object or "contact", record.filters or [])
        if not errors:
            record.filters = typed


form = SegmentFormView(model=Segment, object=OBJECT, schema=SegmentSchema, title=_l("Segment"),
                       fields=["name", "object", "description", "filters"], template="contacts/segment_form.html",
                       prepare=store_typed)


def members_url(segment: Segment) -> str:
    endpoint = "contacts_segment_companies.list" if segment.object == "company" else "contacts_segment_people.list"
    return url_for(endpoint, segment_id=segment.id)


def detail_context(segment: Segment) -> dict[str, Any]:
    _conditions, problems = conditions_sql(segment.object, segment.filters)
    count, capped = member_count(segment)
    return {
        "conditions": describe(segment.object, segment.filters),
        "problems": problems,
        "member_count": count_text(count, capped),
        "members_href": members_url(segment),
        "object_label": OBJECT_CHOICES.get(segment.object, segment.object),
    }


bp = toolkit.crud_blueprint("contacts", "segments", list_view=segments, form_view=form, label="name",
                            detail_template="contacts/segment_detail.html", detail_context=detail_context)


@bp.app_context_processor
def _segment_form_context() -> dict[str, Any]:
    """``segment_form(values)`` for the segment form's template (queries only when it is called)."""
    return {"segment_form": form_context}


# -- members through the generic list ---------------------------------------------------------


def current_segment(kind: str) -> Segment:
    """The segment in the URL, through the user's record rule on segments (404 otherwise)."""
    cached = g.get("contacts_segment")
    if cached is not None and cached.object == kind:
        return cached
    segment = toolkit.get_or_404(Segment, g.get("contacts_segment_id"), OBJECT)
    if segment.object != kind:
        abort(404)
    g.contacts_segment = segment
    return segment


class MembersList(toolkit.ListView):
    """The generic list of contacts or companies, narrowed to one segment's members."""

    def __init__(self, *, kind: str, member_endpoint: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kind = kind
        self.member_endpoint = member_endpoint

    def base(self, state: Any, action: str = "read") -> sa.Select[Any]:
        segment = current_segment(self.kind)
        conditions, _problems = conditions_sql(segment.object, segment.filters, getattr(current_user, "id", None))
        return super().base(state, action).where(*conditions)

    def segment(self) -> Segment:
        return current_segment(self.kind)

    def describe(self) -> list[str]:
        segment = self.segment()
        return describe(segment.object, segment.filters)


people = MembersList(
    kind="contact", member_endpoint="contacts_contacts.detail",
    model=Contact, object="contacts.contact", title=_l("Segment members"),
    columns=[
        toolkit.Column("last_name", _l("Last name"), sortable=True, link=True),
        toolkit.Column("first_name", _l("First name")),
        toolkit.Column("email", _l("Email")),
        toolkit.Column("phone", _l("Phone")),
        toolkit.Column("city", _l("City")),
        toolkit.Column("country", _l("Country")),
        toolkit.Column("tier", _l("Tier"), choices=choices.TIERS),
        toolkit.Column("lifecycle_stage", _l("Lifecycle stage"), choices=choices.LIFECYCLE_STAGES),
        toolkit.Column("last_interaction_at", _l("Last interaction"), visible=False),
        toolkit.Column("updated_at", _l("Last changed"), sortable=True),
    ],
    search=key_searches(last_name=True),  # the contact list's search: prefix of normalised keys, indexed
    default_sort="-updated_at", count_cap=COUNT_CAP, template="contacts/segment_members.html",
    exports={"vcf": vcard_export},  # vCard 4.0 (exporter.py, C3)
)

companies = MembersList(
    kind="company", member_endpoint="contacts_companies.detail",
    model=Company, object="contacts.company", title=_l("Segment members"),
    columns=[
        toolkit.Column("name", _l("Name"), sortable=True, link=True),
        toolkit.Column("email", _l("Email")),
        toolkit.Column("phone", _l("Phone")),
        toolkit.Column("city", _l("City")),
        toolkit.Column("country", _l("Country")),
        toolkit.Column("tier", _l("Tier"), choices=choices.TIERS),
        toolkit.Column("lifecycle_stage", _l("Lifecycle stage"), choices=choices.LIFECYCLE_STAGES),
        toolkit.Column("last_interaction_at", _l("Last interaction"), visible=False),
        toolkit.Column("updated_at", _l("Last changed"), sortable=True),
    ],
    search=key_searches(last_name=False),
    default_sort="-updated_at", count_cap=COUNT_CAP, template="contacts/segment_members.html",
)


def _members_blueprint(name: str, view: MembersList) -> Blueprint:
    """``crud_blueprint`` under ``/contacts/segments/<segment_id>/<name>``: the id travels in ``g``."""
    member_bp = toolkit.crud_blueprint("contacts", f"segment_{name}", list_view=view, detail=False,
                                       url_prefix=f"/contacts/segments/<int:segment_id>/{name}")

    @member_bp.url_value_preprocessor
    def _take_segment(_endpoint: str | None, values: dict[str, Any] | None) -> None:
        g.contacts_segment_id = (values or {}).pop("segment_id", None)

    @member_bp.url_defaults
    def _give_segment(endpoint: str, values: dict[str, Any]) -> None:
        if "segment_id" not in values and g.get("contacts_segment_id") is not None:
            if current_app.url_map.is_endpoint_expecting(endpoint, "segment_id"):
                values["segment_id"] = g.contacts_segment_id

    return member_bp


people_bp = _members_blueprint("people", people)
companies_bp = _members_blueprint("companies", companies)


def blueprints() -> list[Blueprint]:
    return [bp, people_bp, companies_bp]


def menu_items() -> list[toolkit.MenuItem]:
    return [toolkit.MenuItem("contacts.segments", _l("Segments"), endpoint="contacts_segments.list",
                             permission=f"{OBJECT}.read", parent="contacts", order=50)]


def api_resources() -> list[toolkit.ApiResource]:
    return [
        toolkit.ApiResource(
            "segments", Segment, SegmentSchema, object=OBJECT,
            sortable=("id", "name", "updated_at"), filterable=("object", "owner_id"), searchable=("name",),
            prepare=store_typed,
        )
    ]
