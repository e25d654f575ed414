"""Writing records through the API: parse, validate, apply, commit.

Only fields the resource's schema declares as loadable are written: the
schema is loaded with ``unknown=RAISE``, so an undeclared or ``dump_only``
field (``id``, ``owner_id``, ``version`` ...) is refused with a 422 naming it
rather than silently dropped or, worse, written (mass assignment).

Values are also checked against the columns they land in (text length, number
range, characters a database cannot store) so a client gets a field error
instead of a database exception, and so SQLite and PostgreSQL answer alike.
"""

from __future__ import annotations

import decimal
import json
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import request
from sqlalchemy.orm.exc import StaleDataError

from core.api.binding import BoundResource, external_name, int_in_range
from core.api.problems import ApiError
from core.api.query import storable
from core.extensions import db
from core.i18n import gettext as _

JSON_TYPES = ("application/json", "application/merge-patch+json")
#: a record is a few kilobytes; a larger body is refused (413) rather than parsed
MAX_BODY = 1024 * 1024


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def read_json() -> Any:
    """The request body as JSON: 415 when it is not JSON, 400 when it does not parse."""
    mimetype = request.mimetype or ""
    if mimetype not in JSON_TYPES and not mimetype.endswith("+json"):
        raise ApiError(415, _("Send the request body as application/json."))
    request.max_content_length = MAX_BODY  # larger: 413 before the body is read
    try:
        return json.loads(request.get_data(cache=False), parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ApiError(400, _("The request body is not valid JSON.")) from exc


def _walk_storable(value: Any) -> bool:
    if isinstance(value, dict):
        return all(storable(k) and _walk_storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_walk_storable(v) for v in value)
    return storable(value)


def _unprocessable(errors: dict[str, Any]) -> ApiError:
    return ApiError(
        422,
        _("Invalid or not writable field(s): %(names)s.", names=", ".join(sorted(map(str, errors)))),
        errors=errors,
    )


def load(bound: BoundResource, data: Any, *, partial: bool) -> dict[str, Any]:
    """Validate ``data`` with the resource's schema; 422 with field errors when it fails."""
    if isinstance(data, dict):
        bad = {str(k): [_("The value contains characters or numbers that cannot be stored.")]
               for k, v in data.items() if not (storable(k) and _walk_storable(v))}
        if bad:
            raise _unprocessable(bad)
    schema = bound.schema(unknown=ma.RAISE, partial=partial)
    try:
        loaded = schema.load(data)
    except ma.ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise _unprocessable(messages) from exc
    if not isinstance(loaded, dict):
        raise TypeError(f"{bound.resource.schema.__name__}.load must return a dict, got {type(loaded).__name__}")
    errors = check_columns(bound, schema, loaded, creating=not partial)
    if errors:
        raise _unprocessable(errors)
    return loaded


def _column_problem(column: sa.Column[Any], value: Any) -> str | None:
    kind = column.type
    if value is None:
        return None if column.nullable else _("Field may not be null.")
    if isinstance(kind, sa.String) and kind.length and isinstance(value, str) and len(value) > kind.length:
        return _("Longer than maximum length %(max)d.", max=kind.length)
    if not int_in_range(column, value):
        return _("Number out of range.")
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float) and kind.precision:
        if isinstance(value, int | float | decimal.Decimal):
            digits = kind.precision - (kind.scale or 0)
            if abs(decimal.Decimal(str(value))) >= decimal.Decimal(10) ** digits:
                return _("Number out of range.")
    return None


def check_columns(
    bound: BoundResource, schema: ma.Schema, loaded: dict[str, Any], *, creating: bool
) -> dict[str, list[str]]:
    """Field errors for values their column cannot hold, and (on create) for missing NOT NULL columns."""
    names = {fld.attribute or name: external_name(name, fld) for name, fld in schema.fields.items()}
    errors: dict[str, list[str]] = {}
    for attr, value in loaded.items():
        column = bound.column_for_attribute(attr)
        if column is not None:
            message = _column_problem(column, value)
            if message:
                errors[names.get(attr, attr)] = [message]
    if creating:
        for name, fld in schema.fields.items():
            attr = fld.attribute or name
            column = bound.column_for_attribute(attr)
            if fld.dump_only or column is None or attr in loaded:
                continue
            if column.nullable or column.primary_key or column.default is not None or column.server_default is not None:
                continue
            errors[external_name(name, fld)] = [_("Missing data for required field.")]
    return errors


def apply(record: Any, loaded: dict[str, Any]) -> None:
    for attr, value in loaded.items():
        setattr(record, attr, value)


def run_prepare(bound: BoundResource, record: Any, loaded: dict[str, Any], *, creating: bool) -> None:
    """The module's ``prepare`` hook (derived values); its ``ValidationError`` is a 422, nothing written."""
    prepare = bound.resource.prepare
    if prepare is None:
        return
    try:
        prepare(record, loaded, creating)
    except ma.ValidationError as exc:
        db.session.rollback()
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise _unprocessable(messages) from exc


def commit() -> None:
    """Commit; database refusals become problems (409 conflict, 422 unstorable) and nothing is written."""
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise ApiError(409, _("Someone else changed this record meanwhile; load it again and retry.")) from exc
    except sa.exc.IntegrityError as exc:
        db.session.rollback()
        raise ApiError(
            409,
            _("The change conflicts with existing data: a unique value is taken, a reference is missing, "
              "or other records still refer to this one."),
        ) from exc
    except sa.exc.DataError as exc:
        db.session.rollback()
        raise ApiError(422, _("A value cannot be stored by the database (out of range or malformed).")) from exc
