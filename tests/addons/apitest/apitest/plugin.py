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
        )
    ]
