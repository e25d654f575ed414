"""An ``ApiResource`` checked against its model and schema once, when the app starts.

A module that declares a sortable, filterable or searchable field the model
has no column for fails at start-up with its name in the message, instead of
answering a client with a server error later.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from dataclasses import dataclass, field
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from sqlalchemy.orm import ColumnProperty, Mapper, RelationshipProperty, selectinload

from core.declarations import ApiResource
from core.loader import ModuleError

#: query parameters of the list endpoint that are not filters
RESERVED_PARAMS = ("limit", "cursor", "sort", "q")


@dataclass
class BoundResource:
    """An API resource with its names resolved to model columns."""

    resource: ApiResource
    module: str
    #: resource key (``name`` or ``path``), made safe for endpoint names
    key: str
    #: schema field name (as the client sees it) -> model column, for sort/filter/search
    columns: dict[str, sa.ColumnElement[Any]] = field(default_factory=dict)
    #: schema field name (as the client sees it) -> marshmallow field (filter values are parsed by it)
    fields: dict[str, ma.fields.Field] = field(default_factory=dict)
    #: model attribute holding the owner (record rules), when the model has one
    owner_attr: str | None = None
    #: attribute name of the primary key (cursor tie-breaker, ``/<path>/<id>``)
    pk_attr: str = "id"
    #: relationships the schema dumps, loaded in one extra query each (no N+1)
    eager: list[Any] = field(default_factory=list)

    @property
    def model(self) -> Any:
        return self.resource.model

    @property
    def object(self) -> str:
        return self.resource.object

    @property
    def mapper(self) -> Mapper[Any]:
        return sa.inspect(self.model)

    @property
    def pk(self) -> Any:
        return getattr(self.model, self.pk_attr)

    @property
    def has_version(self) -> bool:
        return self.mapper.version_id_col is not None

    def schema(self, **kwargs: Any) -> ma.Schema:
        """A fresh schema instance (instances carry per-call state, so one per request)."""
        return self.resource.schema(**kwargs)

    def dump_only(self) -> list[str]:
        return [name for name, f in self.schema().fields.items() if f.dump_only]

    def fits(self, name_or_attr: str, value: Any) -> bool:
        """Whether ``value`` fits the integer column behind a declared name or attribute."""
        column = self.columns.get(name_or_attr)
        attr = column.key if column is not None else name_or_attr
        return int_in_range(self.column_for_attribute(attr), value)

    def column_for_attribute(self, attr: str) -> sa.Column[Any] | None:
        prop = self.mapper.attrs.get(attr)
        if isinstance(prop, ColumnProperty) and prop.columns and isinstance(prop.columns[0], sa.Column):
            return prop.columns[0]
        return None


_FIELD_FOR_TYPE: dict[type, type[ma.fields.Field]] = {
    bool: ma.fields.Boolean,
    int: ma.fields.Integer,
    float: ma.fields.Float,
    decimal.Decimal: ma.fields.Decimal,
    dt.datetime: ma.fields.DateTime,
    dt.date: ma.fields.Date,
    str: ma.fields.String,
}


def field_for_column(column: Any) -> ma.fields.Field:
    """A marshmallow field parsing filter values for a column the schema does not show."""
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        python_type = str
    return _FIELD_FOR_TYPE.get(python_type, ma.fields.String)()


#: integer column types and their bit width (PostgreSQL casts parameters to the column type,
#: so a number beyond it is an error there, not an empty result)
_INT_BITS: list[tuple[type, int]] = [(sa.BigInteger, 63), (sa.SmallInteger, 15), (sa.Integer, 31)]


def int_in_range(column: Any, value: Any) -> bool:
    """Whether ``value`` fits ``column`` when both are integers (anything else: True)."""
    kind = getattr(column, "type", None)
    if not isinstance(kind, sa.Integer) or not isinstance(value, int) or isinstance(value, bool):
        return True
    bits = next(b for t, b in _INT_BITS if isinstance(kind, t))
    return -(2**bits) <= value < 2**bits


def external_name(name: str, fld: ma.fields.Field) -> str:
    return fld.data_key or name


def bind(resource: ApiResource, module: str, owner_field: str = "owner_id") -> BoundResource:
    """Resolve ``resource``'s declared names; raise ``ModuleError`` naming ``module`` on a mistake."""
    where = f"module '{module}': API resource '{resource.path}'"
    if not isinstance(resource.schema, type) or not issubclass(resource.schema, ma.Schema):
        raise ModuleError(f"{where}: schema must be a marshmallow Schema class, got {resource.schema!r}")
    try:
        mapper: Mapper[Any] = sa.inspect(resource.model)
    except sa.exc.NoInspectionAvailable as exc:
        raise ModuleError(f"{where}: model {resource.model!r} is not a mapped SQLAlchemy model") from exc
    if len(mapper.primary_key) != 1:
        raise ModuleError(f"{where}: the model needs a single-column primary key")
    bad_methods = set(resource.methods) - {"GET", "POST", "PATCH", "DELETE"}
    if bad_methods:
        raise ModuleError(f"{where}: unsupported method(s) {sorted(bad_methods)}")
    bound = BoundResource(
        resource=resource,
        module=module,
        key=re.sub(r"[^0-9A-Za-z_]", "_", resource.name or resource.path),
        owner_attr=owner_field if owner_field in mapper.attrs else None,
        pk_attr=mapper.get_property_by_column(mapper.primary_key[0]).key,
    )
    schema = resource.schema()
    by_external = {external_name(n, f): f for n, f in schema.fields.items()}
    for name in (*resource.sortable, *resource.filterable, *resource.searchable, *resource.ranges):
        if name in bound.columns:
            continue
        if name in RESERVED_PARAMS and name in resource.filterable:
            raise ModuleError(f"{where}: filter field '{name}' clashes with the reserved parameter '{name}'")
        fld = by_external.get(name)
        attr = (fld.attribute or fld.name or name) if fld is not None else name
        prop = mapper.attrs.get(attr)
        if not isinstance(prop, ColumnProperty):
            raise ModuleError(f"{where}: field '{name}' is not a column of {resource.model.__name__}")
        bound.columns[name] = getattr(resource.model, attr)
        bound.fields[name] = fld if fld is not None else field_for_column(prop.columns[0])
    for name in resource.searchable:
        column = bound.columns[name]
        if not isinstance(column.type, sa.String):
            raise ModuleError(f"{where}: searchable field '{name}' is not a text column")
    for name, fld in schema.fields.items():
        if fld.load_only:
            continue
        prop = mapper.attrs.get(fld.attribute or name)
        if isinstance(prop, RelationshipProperty):
            bound.eager.append(selectinload(getattr(resource.model, prop.key)))
    return bound
