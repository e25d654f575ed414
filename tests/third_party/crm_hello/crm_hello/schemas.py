"""Greetings: one schema for the form and the REST API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.toolkit import _l


class GreetingSchema(Schema):
    id = fields.Integer(dump_only=True)
    owner_id = fields.Integer(dump_only=True, allow_none=True)
    contact_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)

    text = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={"label": _l("Greeting")})
    email = fields.Email(allow_none=True, load_default=None, metadata={"label": _l("E-mail")})
