"""What the API shows and accepts for a Thing."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class TagSchema(Schema):
    id = fields.Integer(dump_only=True)
    label = fields.String()


class ThingSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    note = fields.String(allow_none=True)
    score = fields.Integer(allow_none=True)
    done = fields.Boolean()
    due = fields.Date(allow_none=True)
    tags = fields.List(fields.Nested(TagSchema), dump_only=True)
    owner_id = fields.Integer(dump_only=True)
    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
