"""The OpenAPI document and the docs page describe exactly what the API does."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate
from test_api_support import ApiEnv, add_user, api_env


@pytest.fixture
def api(make_app, monkeypatch) -> ApiEnv:
    return api_env(make_app, monkeypatch, modules=("apitest", "notebook"))


def test_document_is_valid_openapi_31_and_public(api: ApiEnv) -> None:
    response = api.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    validate(spec)
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": spec["components"]["securitySchemes"]["bearer"]["description"]
    }
    assert spec["security"] == [{"bearer": []}]


def test_core_only_document_is_valid(make_app) -> None:
    app = make_app(())
    add_user(app, "admin@example.org", "admin")  # before the first user, every page leads to /setup
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    validate(spec)
    assert list(spec["paths"]) == ["/api/v1/me"]


def test_every_served_operation_is_documented(api: ApiEnv) -> None:
    spec = api.client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item if method != "parameters"}
    served = set()
    for rule in api.app.url_map.iter_rules():
        view = api.app.view_functions[rule.endpoint]
        if rule.endpoint.startswith("core_api.") and not getattr(view, "crm_public", False):
            path = rule.rule.replace(f"<int(max={2**63 - 1}):id>", "{id}")
            served |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented


def test_write_schemas_allow_only_declared_fields(api: ApiEnv) -> None:
    schemas = api.client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    create, update, full = schemas["ThingCreate"], schemas["ThingUpdate"], schemas["Thing"]
    assert create["additionalProperties"] is False and update["additionalProperties"] is False
    assert set(create["properties"]) == {"name", "note", "score", "done", "due"}
    assert create["required"] == ["name"]
    assert "required" not in update and update["properties"]["version"]["type"] == "integer"
    assert full["properties"]["owner_id"]["readOnly"] is True
    assert create["properties"]["name"]["maxLength"] == 80
    assert "null" in create["properties"]["score"]["type"]


def test_list_parameters_and_errors(api: ApiEnv) -> None:
    spec = api.client.get("/api/v1/openapi.json").get_json()
    op = spec["paths"]["/api/v1/things"]["get"]
    names = {p.get("name") or p["$ref"].rsplit("/", 1)[-1] for p in op["parameters"]}
    assert names == {"limit", "cursor", "sort", "q", "done", "score", "owner_id"}
    sort = next(p for p in op["parameters"] if p.get("name") == "sort")
    assert {"-score", "name", "id"} <= set(sort["schema"]["enum"])
    for code in ("400", "401", "403"):
        assert op["responses"][code]["$ref"].startswith("#/components/responses/")
    problem = spec["components"]["responses"]["UnprocessableContent"]["content"]
    assert problem["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "412" in spec["paths"]["/api/v1/notes/{id}"]["patch"]["responses"]


def test_docs_page(api: ApiEnv) -> None:
    response = api.client.get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for text in ("GET /api/v1/things", "PATCH /api/v1/notes/{id}", "ThingCreate", "Authorization: Bearer", "owner_id"):
        assert text in page
    thing_create = page.split('id="schema-ThingCreate"', 1)[1].split("</section>", 1)[0]
    assert "refused with 422" in thing_create and "owner_id" not in thing_create
