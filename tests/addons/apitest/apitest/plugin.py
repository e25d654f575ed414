from __future__ import annotations

from pathlib import Path

from core import toolkit


@toolkit.hookimpl
def crm_models() -> list[type]:
    from apitest.models import Tag, Thing

    return [Thing, Tag]


@toolkit.hookimpl
def crm_permissions() -> list:
    return toolkit.load_security("apitest", Path(__file__).parent)


@toolkit.hookimpl
def crm_api_resources() -> list[toolkit.ApiResource]:
    from apitest.models import Thing
    from apitest.schemas import ThingSchema

    return [
        toolkit.ApiResource(
            path="things",
            model=Thing,
            schema=ThingSchema,
            object="apitest.thing",
            sortable=("name", "score", "created_at"),
            filterable=("done", "score", "owner_id"),
            searchable=("name", "note"),
            prepare=prepare_thing,
        )
    ]


def prepare_thing(record: object, data: dict, creating: bool) -> None:
    """Derived value and a rule the schema cannot express: names are trimmed, "forbidden" is refused."""
    from marshmallow import ValidationError

    if "name" in data:
        record.name = data["name"].strip()  # type: ignore[attr-defined]
        if record.name == "forbidden":  # type: ignore[attr-defined]
            raise ValidationError({"name": ["This name is not allowed."]})
