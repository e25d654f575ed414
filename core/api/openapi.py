"""The OpenAPI 3.1 document of ``/api/v1``, generated from the installed resources.

It is built with apispec and its marshmallow plugin from the same schemas
the endpoints load and dump with, so it cannot drift from the API. Per
resource it has three schemas: ``<Name>`` (what the API returns),
``<Name>Create`` (the writable fields, ``additionalProperties: false``) and
``<Name>Update`` (the same, all optional, plus ``version``).
"""

from __future__ import annotations

import copy
import decimal
from typing import Any

import marshmallow as ma
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

import core
from core.api.binding import BoundResource
from core.api.query import DEFAULT_LIMIT, MAX_LIMIT
from core.api.resources import MAX_ID
from core.i18n import gettext as _

PROBLEM = "application/problem+json"

#: status -> (component response name, description)
ERRORS: dict[int, str] = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    412: "PreconditionFailed",
    415: "UnsupportedMediaType",
    422: "UnprocessableContent",
}


def _error_descriptions() -> dict[int, str]:
    return {
        400: _("Malformed request: invalid JSON, unknown query parameter, unknown sort field or bad cursor."),
        401: _("No valid API token: missing, unknown, revoked, or its user is disabled or deleted."),
        403: _("The token's user lacks the permission for this action."),
        404: _("No such record, or it is outside the user's record rule."),
        409: _("Conflict: the record changed since the version sent, or the data clashes with other records."),
        412: _("The If-Match ETag is not the record's current version."),
        415: _("The body is not JSON."),
        422: _("Validation failed; 'errors' maps each field (including undeclared ones) to its messages."),
    }


def _problem_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": _("An error, as RFC 9457 problem details."),
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string", "format": "uri-reference"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string", "format": "uri-reference"},
            "errors": {
                "type": "object",
                "description": _("Field name -> messages (validation errors only)."),
                "additionalProperties": True,
            },
        },
    }


def _me_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "email": {"type": "string"},
            "name": {"type": "string"},
            "role": {"type": "string"},
            "department_id": {"type": ["integer", "null"]},
            "locale": {"type": ["string", "null"]},
            "permissions": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["id", "email", "role", "permissions"],
    }


_NUMERIC_KEYS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")


def _json_numbers(self: Any, field: ma.fields.Field, ret: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """apispec attribute function: keep JSON Schema numbers numbers.

    A ``Decimal(as_string=True)`` field serializes its ``Range`` bounds as
    strings ("0.00"), which is not valid JSON Schema; and such a field takes a
    number or a numeric string and returns a string, so its type says so.
    """
    out: dict[str, Any] = {}
    for key in _NUMERIC_KEYS:
        value = ret.get(key)
        if isinstance(value, str | decimal.Decimal):
            number = decimal.Decimal(value)
            out[key] = int(number) if number == number.to_integral_value() else float(number)
    if isinstance(field, ma.fields.Decimal) and field.as_string:
        out["type"] = ["string", "number", *(["null"] if field.allow_none else [])]
        out["pattern"] = r"^-?[0-9]+(\.[0-9]+)?$"
    return out


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): {"$ref": f"#/components/responses/{ERRORS[code]}"} for code in codes}


def _component_name(bound: BoundResource, taken: set[str]) -> str:
    name = bound.resource.schema.__name__.removesuffix("Schema") or bound.key
    if name in taken:
        name = "".join(part.title() for part in bound.key.split("_")) + name
    taken.add(name)
    return name


def _param_schema(plugin: MarshmallowPlugin, field: ma.fields.Field) -> dict[str, Any]:
    prop = copy.deepcopy(plugin.converter.field2property(field))  # type: ignore[union-attr]
    for key in ("readOnly", "writeOnly", "default"):
        prop.pop(key, None)
    return prop


def _resource_paths(spec: APISpec, plugin: MarshmallowPlugin, bound: BoundResource, name: str) -> None:
    res = bound.resource
    converter = plugin.converter
    assert converter is not None
    spec.components.schema(name, schema=res.schema)
    dump_only = bound.dump_only()
    create = converter.schema2jsonschema(res.schema(exclude=dump_only, unknown=ma.RAISE))
    create["additionalProperties"] = False
    update = converter.schema2jsonschema(res.schema(exclude=dump_only, unknown=ma.RAISE, partial=True))
    update["additionalProperties"] = False
    update.pop("required", None)
    if bound.has_version:
        update.setdefault("properties", {})["version"] = {
            "type": "integer",
            "minimum": 0,
            "description": _("The version you read; a stale one is refused with 409 and nothing is written."),
        }
    spec.components.schema(f"{name}Create", create)
    spec.components.schema(f"{name}Update", update)
    spec.components.schema(
        f"{name}Page",
        {
            "type": "object",
            "required": ["data", "next"],
            "properties": {
                "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
                "next": {
                    "type": ["string", "null"],
                    "description": _("Cursor of the next page (pass as ?cursor=); null on the last page."),
                },
            },
        },
    )
    ref = {"$ref": f"#/components/schemas/{name}"}
    base = f"/api/v1/{res.path.strip('/')}"
    tag = res.path.strip("/")
    id_param = {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    }
    if_match = {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "description": _("The record's ETag; a stale one is refused with 412."),
        "schema": {"type": "string", "pattern": '^(W/)?"[0-9]{1,18}"$'},
    }
    etag_header = {"ETag": {"description": _("The record's version."), "schema": {"type": "string"}}}
    list_ops: dict[str, Any] = {}
    item_ops: dict[str, Any] = {}
    if "GET" in res.methods:
        sorts = list(dict.fromkeys([bound.pk_attr, *res.sortable]))
        params: list[dict[str, Any] | str] = [
            "limit",  # apispec turns a component name into a $ref
            "cursor",
            {
                "name": "sort",
                "in": "query",
                "required": False,
                "description": _("Sort field; a leading '-' sorts descending."),
                "schema": {"type": "string", "enum": [s for n in sorts for s in (n, f"-{n}")]},
            },
        ]
        if res.searchable or res.search:
            searched = res.searchable or tuple(dict.fromkeys(s.column for s in res.search))
            params.append(
                {
                    "name": "q",
                    "in": "query",
                    "required": False,
                    "description": _("Text to search in: %(fields)s.", fields=", ".join(searched)),
                    "schema": {"type": "string", "maxLength": 200},
                }
            )
        for field_name in res.filterable:
            params.append(
                {
                    "name": field_name,
                    "in": "query",
                    "required": False,
                    "description": _("Only records whose %(field)s equals this value.", field=field_name),
                    "schema": _param_schema(plugin, bound.fields[field_name]),
                }
            )
        for field_name in res.ranges:
            for end, text in (("from", _("Only records whose %(field)s is this value or later.", field=field_name)),
                              ("to", _("Only records whose %(field)s is this value or earlier.", field=field_name))):
                params.append({
                    "name": f"{field_name}_{end}", "in": "query", "required": False, "description": text,
                    "schema": _param_schema(plugin, bound.fields[field_name]),
                })
        list_ops["get"] = {
            "operationId": f"{bound.key}_list",
            "tags": [tag],
            "summary": _("List %(path)s", path=tag),
            "parameters": params,
            "responses": {
                "200": {
                    "description": _("A page of records."),
                    "headers": {"Link": {"description": _("rel=\"next\" link"), "schema": {"type": "string"}}},
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}Page"}}},
                },
                **_errors(400, 401, 403),
            },
        }
        item_ops["get"] = {
            "operationId": f"{bound.key}_get",
            "tags": [tag],
            "summary": _("Read one of %(path)s", path=tag),
            "responses": {
                "200": {
                    "description": _("The record."),
                    "headers": etag_header,
                    "content": {"application/json": {"schema": ref}},
                },
                **_errors(401, 403, 404),
            },
        }
    if "POST" in res.methods:
        list_ops["post"] = {
            "operationId": f"{bound.key}_create",
            "tags": [tag],
            "summary": _("Create one of %(path)s", path=tag),
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}Create"}}},
            },
            "responses": {
                "201": {
                    "description": _("Created."),
                    "headers": {
                        **etag_header,
                        "Location": {"description": _("URL of the new record."), "schema": {"type": "string"}},
                    },
                    "content": {"application/json": {"schema": ref}},
                },
                **_errors(400, 401, 403, 409, 415, 422),
            },
        }
    if "PATCH" in res.methods:
        item_ops["patch"] = {
            "operationId": f"{bound.key}_update",
            "tags": [tag],
            "summary": _("Change one of %(path)s", path=tag),
            "parameters": [if_match],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}Update"}}},
            },
            "responses": {
                "200": {
                    "description": _("The changed record."),
                    "headers": etag_header,
                    "content": {"application/json": {"schema": ref}},
                },
                **_errors(400, 401, 403, 404, 409, 412, 415, 422),
            },
        }
    if "DELETE" in res.methods:
        item_ops["delete"] = {
            "operationId": f"{bound.key}_delete",
            "tags": [tag],
            "summary": _("Delete one of %(path)s", path=tag),
            "parameters": [if_match],
            "responses": {"204": {"description": _("Deleted.")}, **_errors(400, 401, 403, 404, 409, 412)},
        }
    if "GET" in res.methods:
        spec.path(
            path=f"{base}/{{id}}/timeline",
            parameters=[id_param],
            operations={
                "get": {
                    "operationId": f"{bound.key}_timeline",
                    "tags": [tag],
                    "summary": _("Timeline of one of %(path)s (audit trail and module entries)", path=tag),
                    "parameters": ["limit"],
                    "responses": {
                        "200": {
                            "description": _("Newest entries first."),
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Timeline"}}},
                        },
                        **_errors(400, 401, 403, 404),
                    },
                }
            },
        )
    if list_ops:
        spec.path(path=base, operations=list_ops)
    if item_ops:
        spec.path(path=f"{base}/{{id}}", operations=item_ops, parameters=[id_param])


def build_spec(app: Flask, resources: list[BoundResource]) -> dict[str, Any]:
    """The OpenAPI document as a dict (strings in the current request's language)."""
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title=_("crm-suite REST API"),
        version=core.__version__,
        openapi_version="3.1.0",
        plugins=[plugin],
        info={
            "description": _(
                "Personal API tokens (crm tokens create EMAIL) act with their user's permissions and "
                "record rules. Lists use cursor pagination: follow 'next' (or the Link header). "
                "Errors are RFC 9457 problem details."
            )
        },
        security=[{"bearer": []}],
    )
    assert plugin.converter is not None
    plugin.converter.add_attribute_function(_json_numbers)
    spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": _("A personal API token.")}
    )
    spec.components.schema("Problem", _problem_schema())
    spec.components.schema("Me", _me_schema())
    for code, description in _error_descriptions().items():
        spec.components.response(
            ERRORS[code],
            {"description": description, "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}},
        )
    spec.components.parameter(
        "limit",
        "query",
        {
            "required": False,
            "description": _("Records per page (at most %(max)d).", max=MAX_LIMIT),
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        },
    )
    spec.components.parameter(
        "cursor",
        "query",
        {
            "required": False,
            "description": _("The 'next' value of the previous page."),
            "schema": {"type": "string", "maxLength": 2000},
        },
    )
    spec.path(
        path="/api/v1/me",
        operations={
            "get": {
                "operationId": "me",
                "tags": ["me"],
                "summary": _("The token's user and their permissions"),
                "responses": {
                    "200": {
                        "description": _("The current user."),
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Me"}}},
                    },
                    **_errors(401),
                },
            }
        },
    )
    spec.components.schema(
        "Timeline",
        {
            "type": "object",
            "required": ["data"],
            "properties": {
                "data": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "when": {"type": ["string", "null"]},
                            "title": {"type": "string"},
                            "detail": {"type": "string"},
                            "kind": {"type": "string"},
                            "user": {"type": "string"},
                            "url": {"type": ["string", "null"]},
                        },
                    },
                }
            },
        },
    )
    taken = {"Problem", "Me", "Timeline"}
    for bound in resources:
        _resource_paths(spec, plugin, bound, _component_name(bound, taken))
    return spec.to_dict()
