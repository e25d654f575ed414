"""The API's planned dump gives exactly what ``schema.dump`` gives, for every kind of field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import marshmallow as ma
from marshmallow import fields

from core.api.dumping import Dumper, dumper


class Inner(ma.Schema):
    label = fields.String()
    at = fields.DateTime()


class Everything(ma.Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    code = fields.Integer(as_string=True)
    flag = fields.Boolean()
    when = fields.DateTime()
    day = fields.Date()
    amount = fields.Decimal(places=2, as_string=True)
    ratio = fields.Float()
    renamed = fields.String(data_key="displayName")
    source = fields.String(attribute="other")
    absent = fields.String()
    fallback = fields.String(dump_default="none given")
    tags = fields.List(fields.String())
    extra = fields.Dict(keys=fields.String(), values=fields.Nested(Inner))
    inner = fields.Nested(Inner, allow_none=True)
    shout = fields.Method("_shout")
    nothing = fields.Method()
    raw = fields.Raw()

    def _shout(self, obj: Any) -> str:
        return str(obj.name).upper()


@dataclass
class Thing:
    id: Any = 1
    name: Any = "Ann"
    code: Any = 7
    flag: Any = 1
    when: Any = datetime(2025, 1, 2, 3, 4, 5, 6)
    day: Any = date(2025, 1, 2)
    amount: Any = Decimal("12.345")
    ratio: Any = 3
    renamed: Any = "shown"
    other: Any = "from elsewhere"
    tags: Any = field(default_factory=lambda: ["a", "b"])
    extra: Any = field(default_factory=lambda: {"x": {"label": "L", "at": datetime(2024, 5, 6)}})
    inner: Any = None
    raw: Any = field(default_factory=lambda: {"k": [1, 2]})


def test_planned_dump_equals_schema_dump_for_every_field_kind() -> None:
    things = [
        Thing(),
        Thing(id=True, name=12, code="9", flag=None, when=None, day=None, amount=5, ratio=None, tags=[],
              extra={}, inner={"label": "i", "at": datetime(2020, 1, 1)}, raw=None),
        Thing(name=None, amount=None, other=None),
    ]
    schema = Everything()
    planned = Dumper(schema)
    assert not planned.generic
    assert planned.many(things) == schema.dump(things, many=True)
    assert planned.one(things[1]) == schema.dump(things[1])
    assert planned.one(things[0])["fallback"] == "none given"
    assert "absent" not in planned.one(things[0])


def test_schemas_with_dump_hooks_and_mappings_are_dumped_by_marshmallow() -> None:
    class Hooked(ma.Schema):
        name = fields.String()

        @ma.post_dump
        def _tag(self, data: dict[str, Any], **_kw: Any) -> dict[str, Any]:
            return {**data, "hooked": True}

    assert Dumper(Hooked()).generic
    assert Dumper(Hooked()).many([Thing()]) == [{"name": "Ann", "hooked": True}]
    class Plain(ma.Schema):
        name = fields.String()
        code = fields.Integer()
        other = fields.String(dump_default="x")

    mapping = {"name": "from a dict", "code": 3}
    assert Dumper(Plain()).one(mapping) == Plain().dump(mapping) == {"name": "from a dict", "code": 3, "other": "x"}


def test_one_dumper_per_schema_class() -> None:
    assert dumper(Everything) is dumper(Everything)
    assert dumper(Everything).schema.__class__ is Everything
