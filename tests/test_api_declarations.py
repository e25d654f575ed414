"""A mistaken ``ApiResource`` stops the start-up with the module's name, not a 500 later."""

from __future__ import annotations

import dataclasses

import pytest
from flask import Flask
from test_api_support import use_api_addons

from core.api import bind_resources
from core.loader import ModuleError


@pytest.fixture
def app(make_app, monkeypatch) -> Flask:
    use_api_addons(monkeypatch)
    return make_app(("apitest",))


def _declare(app: Flask, **changes: object) -> None:
    registry = app.extensions["crm"].registry
    resource = dataclasses.replace(registry.api_resources["things"], **changes)
    registry.api_resources = {"things": resource}
    bind_resources(app)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sortable": ("colour",)}, "field 'colour' is not a column"),
        ({"filterable": ("tags",)}, "field 'tags' is not a column"),
        ({"searchable": ("score",)}, "searchable field 'score' is not a text column"),
        ({"filterable": ("q",)}, "clashes with the reserved parameter"),
        ({"path": "docs"}, "reserved by core"),
        ({"object": "apitest.gadget"}, "unknown access object 'apitest.gadget'"),
        ({"methods": ("GET", "PUT")}, "unsupported method"),
        ({"schema": dict}, "must be a marshmallow Schema"),
    ],
)
def test_mistakes_name_the_module(app: Flask, changes: dict[str, object], message: str) -> None:
    with pytest.raises(ModuleError, match="module 'apitest'") as info:
        _declare(app, **changes)
    assert message in str(info.value)


def test_the_declared_resource_binds(app: Flask) -> None:
    (bound,) = bind_resources(app)
    assert bound.module == "apitest" and bound.owner_attr == "owner_id" and bound.has_version
    assert set(bound.columns) == {"name", "score", "created_at", "done", "owner_id", "note"}
