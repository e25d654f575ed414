"""``/api/v1/docs``: the OpenAPI document as a plain server-rendered page.

We render the document ourselves instead of shipping Redoc or Swagger UI:
the page then works without JavaScript like the rest of the suite, needs no
vendored bundle or third-party script (so no CSP exception), follows the
theme, and its headings go through the same translation catalogs. Anyone who
prefers an interactive viewer can point it at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Param:
    name: str
    location: str
    required: bool
    type: str
    description: str


@dataclass
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    params: list[Param] = field(default_factory=list)
    body: str = ""
    responses: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Property:
    name: str
    type: str
    required: bool
    read_only: bool
    description: str


@dataclass
class SchemaDoc:
    name: str
    description: str
    properties: list[Property] = field(default_factory=list)
    closed: bool = False


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_text(schema: dict[str, Any]) -> str:
    """A short human type: ``string``, ``integer | null``, ``array of Note``, ``Note``."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    for combo in ("oneOf", "anyOf", "allOf"):
        if combo in schema:
            return " | ".join(type_text(s) for s in schema[combo])
    kind = schema.get("type", "any")
    kinds = kind if isinstance(kind, list) else [kind]
    parts = []
    for k in kinds:
        if k == "array":
            parts.append(f"array of {type_text(schema.get('items', {}))}")
        else:
            fmt = schema.get("format")
            parts.append(f"{k} ({fmt})" if fmt and k != "null" else str(k))
    text = " | ".join(parts)
    if "enum" in schema:
        text += ": " + ", ".join(str(v) for v in schema["enum"] if v is not None)
    if "maxLength" in schema:
        text += f" ≤ {schema['maxLength']}"
    return text


def _resolve(spec: dict[str, Any], item: dict[str, Any], section: str) -> dict[str, Any]:
    if "$ref" in item:
        return spec.get("components", {}).get(section, {}).get(_ref_name(item["$ref"]), {})
    return item


def operations(spec: dict[str, Any]) -> list[Operation]:
    result: list[Operation] = []
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            entry = Operation(
                method=method.upper(),
                path=path,
                operation_id=op.get("operationId", ""),
                summary=op.get("summary", ""),
            )
            for raw in [*shared, *op.get("parameters", [])]:
                param = _resolve(spec, raw, "parameters")
                entry.params.append(
                    Param(
                        name=param.get("name", ""),
                        location=param.get("in", ""),
                        required=bool(param.get("required")),
                        type=type_text(param.get("schema", {})),
                        description=param.get("description", ""),
                    )
                )
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                entry.body = type_text(body)
            for code, raw in op.get("responses", {}).items():
                response = _resolve(spec, raw, "responses")
                content = response.get("content", {})
                schema = next(iter(content.values()), {}).get("schema", {}) if content else {}
                entry.responses.append((code, response.get("description", ""), type_text(schema) if schema else ""))
            result.append(entry)
    return result


def schemas(spec: dict[str, Any]) -> list[SchemaDoc]:
    result: list[SchemaDoc] = []
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        required = set(schema.get("required", []))
        doc = SchemaDoc(
            name=name,
            description=schema.get("description", ""),
            closed=schema.get("additionalProperties") is False,
        )
        for prop_name, prop in schema.get("properties", {}).items():
            doc.properties.append(
                Property(
                    name=prop_name,
                    type=type_text(prop),
                    required=prop_name in required,
                    read_only=bool(prop.get("readOnly")),
                    description=prop.get("description", ""),
                )
            )
        result.append(doc)
    return result
