"""One schema for the form and the REST API: the rules hold on both ways in."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.toolkit import _l


class NoteSchema(Schema):
    id = fields.Integer(dump_only=True)
    owner_id = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    version = fields.Integer(dump_only=True)

    title = fields.String(
        required=True,
        # two validators so an over-long title says "at most 200" rather than "between 1 and 200"
        validate=[validate.Length(min=1), validate.Length(max=200)],
        metadata={"label": _l("Title")},
    )
    body = fields.String(load_default="", metadata={"label": _l("Text"), "widget": "textarea"})
    status = fields.String(
        load_default="open",
        validate=validate.OneOf(["open", "done"], labels=[_l("Open"), _l("Done")]),
        metadata={"label": _l("Status")},
    )
    due = fields.Date(allow_none=True, load_default=None, metadata={"label": _l("Due")})
    amount = fields.Decimal(
        allow_none=True, load_default=None, places=2, as_string=True,
        validate=validate.Range(min=0), metadata={"label": _l("Amount")},
    )
    tags = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list, metadata={"label": _l("Tags")})
