"""Every API endpoint of every installed resource refuses who it must.

The endpoints come from the registry (``registry.api_resources``) and the URL
map, with every bundled module and the API test modules installed, so a
resource a module adds later is checked without anyone writing a test for it:

- anonymous → 401 problem;
- a user whose role has no right on the object → 403 problem (before any
  record is looked up, so even a missing id answers 403);
- a user whose role may do everything on the object but only on their own
  records → 404 for a record someone else owns (read, change and delete).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from test_api_support import API_ADDONS, add_user, is_problem, use_api_addons

from core.loader import load_graph


def all_modules() -> list[str]:
    graph = load_graph(entry_points=False, addons_path=[p for p in API_ADDONS if p.is_dir()])
    graph.check()
    return sorted(name for name, m in graph.manifests.items() if not m.auto_install)


@pytest.fixture(scope="module")
def modules() -> list[str]:
    return all_modules()


@pytest.fixture
def app(make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch, modules: list[str]) -> Flask:
    use_api_addons(monkeypatch)
    return make_app(tuple(modules), demo=True)


def endpoints(app: Flask) -> Iterator[tuple[str, str, str, Any]]:
    """(resource key, method, endpoint, view) for every declared resource and method."""
    registry = app.extensions["crm"].registry
    assert registry.api_resources, "no API resource installed: the matrix would test nothing"
    by_method = {"GET": ("list", "get", "timeline"), "POST": ("create",), "PATCH": ("update",), "DELETE": ("delete",)}
    for state in app.extensions["crm_api"].resources:
        for method in state.resource.methods:
            for kind in by_method[method]:
                endpoint = f"core_api.{state.key}_{kind}"
                assert endpoint in app.view_functions, f"{state.resource.path}: {method} is declared but not served"
                yield state.key, method, endpoint, app.view_functions[endpoint]


def url(app: Flask, endpoint: str, record_id: int = 1) -> str:
    rule = next(app.url_map.iter_rules(endpoint))
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, id=record_id) if "id" in rule.arguments else url_for(endpoint)


def test_every_api_view_declares_its_check(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("core_api."):
            continue
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "crm_public", False) or getattr(view, "crm_permission", None), rule.rule


def test_anonymous_gets_401_everywhere(app: Flask) -> None:
    client = app.test_client()
    checked = 0
    for _key, method, endpoint, _view in endpoints(app):
        is_problem(client.open(url(app, endpoint), method=method, json={}), 401)
        checked += 1
    is_problem(client.get("/api/v1/me"), 401)
    assert checked >= 5


def test_role_without_the_right_gets_403_everywhere(app: Flask) -> None:
    from core.extensions import db
    from core.security.models import Role

    with app.app_context():
        db.session.add(Role(name="nobody", label="No rights", builtin=False))
        db.session.commit()
    _uid, token = add_user(app, "nobody@example.org", "nobody")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for _key, method, endpoint, view in endpoints(app):
        response = client.open(url(app, endpoint), method=method, json={}, headers=headers)
        is_problem(response, 403)
        assert view.crm_permission.startswith(view.crm_api_resource.object + ".")
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def _some_record(app: Flask, state: Any, admin_headers: dict[str, str]) -> int | None:
    """A record of the resource: a demo row, else one made through the API from the minimal example."""
    from core.extensions import db

    with app.app_context():
        found = db.session.scalar(sa.select(state.pk).order_by(state.pk).limit(1))
    if found is not None:
        return found
    if "POST" not in state.resource.methods:
        return None
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    ref = spec["paths"][f"/api/v1/{state.resource.path.strip('/')}"]["post"]["requestBody"]["content"]
    schema = spec["components"]["schemas"][ref["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]]
    body = {name: minimal(schema["properties"][name]) for name in schema.get("required", [])}
    response = app.test_client().post(
        url(app, f"core_api.{state.key}_create"), json=body, headers=admin_headers
    )
    return response.get_json()["id"] if response.status_code == 201 else None


def minimal(prop: dict[str, Any]) -> Any:
    """The simplest value a JSON schema property accepts (enough for required fields)."""
    if "enum" in prop:
        return next(v for v in prop["enum"] if v is not None)
    kind = prop.get("type", "string")
    kind = next((k for k in kind if k != "null"), "string") if isinstance(kind, list) else kind
    if kind == "string":
        formats = {"date": "2030-01-01", "date-time": "2030-01-01T00:00:00", "email": "x@example.org"}
        return formats.get(prop.get("format", ""), "x" * max(1, prop.get("minLength", 1)))
    if kind in ("integer", "number"):
        return prop.get("minimum", 1)
    return {"boolean": False, "array": [], "object": {}}.get(kind)


def test_record_outside_the_rule_is_404_everywhere(app: Flask) -> None:
    from core.extensions import db
    from core.models import GrantRow
    from core.security.models import Role

    registry = app.extensions["crm"].registry
    _aid, admin = add_user(app, "root@example.org", "admin")
    with app.app_context():
        db.session.add(Role(name="loner", label="Own records only", builtin=False))
        for obj in registry.objects:
            db.session.add(GrantRow(module="tests", object=obj, role="loner", rights="rcwd", rule="own"))
        db.session.commit()
    _uid, token = add_user(app, "loner@example.org", "loner")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    checked: list[str] = []
    for state in app.extensions["crm_api"].resources:
        record_id = _some_record(app, state, {"Authorization": f"Bearer {admin}"})
        if record_id is None:
            continue
        for method, kind in (("GET", "get"), ("GET", "timeline"), ("PATCH", "update"), ("DELETE", "delete")):
            endpoint = f"core_api.{state.key}_{kind}"
            if endpoint in app.view_functions:
                is_problem(client.open(url(app, endpoint, record_id), method=method, json={}, headers=headers), 404)
        listed = client.get(url(app, f"core_api.{state.key}_list"), headers=headers).get_json()["data"]
        assert record_id not in [row.get("id") for row in listed]
        checked.append(state.resource.path)
    assert {"things", "notes"} <= set(checked)
