"""Creating, reading, changing and deleting records through the REST API."""

from __future__ import annotations

import pytest
from test_api_support import ApiEnv, api_env, is_problem

THINGS = "/api/v1/things"


@pytest.fixture
def api(make_app, monkeypatch) -> ApiEnv:
    return api_env(make_app, monkeypatch)


def test_create_read_update_delete(api: ApiEnv) -> None:
    created = api.post(THINGS, json={"name": "Kettle", "score": 3, "due": "2030-01-31"})
    assert created.status_code == 201
    thing = created.get_json()
    assert thing["name"] == "Kettle" and thing["score"] == 3 and thing["due"] == "2030-01-31"
    assert thing["owner_id"] == api.ids["admin"] and thing["version"] == 1
    assert created.headers["Location"] == f"{THINGS}/{thing['id']}"
    assert created.headers["ETag"] == '"1"'

    read = api.get(created.headers["Location"])
    assert read.status_code == 200 and read.get_json() == thing

    changed = api.patch(f"{THINGS}/{thing['id']}", json={"score": 4, "version": 1})
    assert changed.status_code == 200
    assert changed.get_json()["score"] == 4 and changed.get_json()["name"] == "Kettle"
    assert changed.get_json()["version"] == 2 and changed.headers["ETag"] == '"2"'

    assert api.delete(f"{THINGS}/{thing['id']}").status_code == 204
    is_problem(api.get(f"{THINGS}/{thing['id']}"), 404)


def test_undeclared_field_is_refused_and_named(api: ApiEnv) -> None:
    body = is_problem(api.post(THINGS, json={"name": "x", "is_admin": True}), 422)
    assert body["errors"] == {"is_admin": ["Unknown field."]}
    assert "is_admin" in body["detail"]
    assert api.sql("SELECT count(*) FROM apitest_thing") == [(0,)]


def test_dump_only_fields_cannot_be_written(api: ApiEnv) -> None:
    """Mass assignment: id, owner and version are shown but never taken from a client."""
    body = is_problem(api.post(THINGS, json={"name": "x", "owner_id": api.ids["bob"], "id": 99}), 422)
    assert set(body["errors"]) == {"owner_id", "id"}
    thing = api.post(THINGS, json={"name": "mine"}).get_json()
    body = is_problem(api.patch(f"{THINGS}/{thing['id']}", json={"owner_id": api.ids["bob"]}), 422)
    assert list(body["errors"]) == ["owner_id"]
    assert api.get(f"{THINGS}/{thing['id']}").get_json()["owner_id"] == api.ids["admin"]


def test_validation_errors_per_field(api: ApiEnv) -> None:
    body = is_problem(api.post(THINGS, json={"score": "many", "due": "someday"}), 422)
    assert set(body["errors"]) == {"name", "score", "due"}
    body = is_problem(api.post(THINGS, json={"name": "x" * 81}), 422)
    assert list(body["errors"]) == ["name"]


def test_values_a_database_cannot_store_are_field_errors(api: ApiEnv) -> None:
    """Same answer on SQLite and PostgreSQL, and never a server error."""
    assert list(is_problem(api.post(THINGS, json={"name": "x", "score": 2**40}), 422)["errors"]) == ["score"]
    assert list(is_problem(api.post(THINGS, json={"name": "x", "score": 2**70}), 422)["errors"]) == ["score"]
    assert list(is_problem(api.post(THINGS, json={"name": "a\u0000b"}), 422)["errors"]) == ["name"]
    assert list(is_problem(api.post(THINGS, json={"name": "x", "note": "\ud800"}), 422)["errors"]) == ["note"]


def test_malformed_json_and_wrong_media_type(api: ApiEnv) -> None:
    is_problem(api.post(THINGS, data="{not json", content_type="application/json"), 400)
    is_problem(api.post(THINGS, data='{"name": NaN}', content_type="application/json"), 400)
    is_problem(api.post(THINGS, data="name=x", content_type="application/x-www-form-urlencoded"), 415)
    body = is_problem(api.post(THINGS, json=["name"]), 422)
    assert "_schema" in body["errors"]


def test_stale_version_is_a_conflict_and_writes_nothing(api: ApiEnv) -> None:
    thing = api.post(THINGS, json={"name": "v1"}).get_json()
    url = f"{THINGS}/{thing['id']}"
    assert api.patch(url, json={"name": "v2", "version": 1}).status_code == 200
    body = is_problem(api.patch(url, json={"name": "lost update", "version": 1}), 409)
    assert "version 2" in body["detail"]
    assert api.get(url).get_json()["name"] == "v2"
    is_problem(api.patch(url, json={"name": "x", "version": "2"}), 422)


def test_if_match_header(api: ApiEnv) -> None:
    thing = api.post(THINGS, json={"name": "v1"}).get_json()
    url = f"{THINGS}/{thing['id']}"
    etag = api.get(url).headers["ETag"]
    assert api.patch(url, json={"name": "v2"}, headers={"If-Match": etag}).status_code == 200
    response = api.patch(url, json={"name": "v3"}, headers={"If-Match": etag})
    is_problem(response, 412)
    assert response.headers["ETag"] == '"2"'
    is_problem(api.delete(url, headers={"If-Match": etag}), 412)
    assert api.get(url).get_json()["name"] == "v2"
    assert api.delete(url, headers={"If-Match": '"2"'}).status_code == 204


def test_unknown_urls_and_methods_are_problems(api: ApiEnv) -> None:
    is_problem(api.get("/api/v1/nothing-here"), 404)
    response = api.call("PUT", THINGS)
    is_problem(response, 405)
    assert "POST" in response.headers["Allow"]
    is_problem(api.get(f"{THINGS}/{2**64}"), 404)
    is_problem(api.delete(f"{THINGS}/{2**40}"), 404)  # beyond the 32-bit key column


def test_notebook_notes_crud(make_app, monkeypatch) -> None:
    """The sample module's declaration is served as is (defaults, decimals, JSON lists)."""
    api = api_env(make_app, monkeypatch, modules=("notebook",))
    created = api.post("/api/v1/notes", json={"title": "Call Ada", "amount": "12.50", "tags": ["vip"]})
    assert created.status_code == 201, created.get_json()
    note = created.get_json()
    assert note["status"] == "open" and note["amount"] == "12.50" and note["tags"] == ["vip"]
    body = is_problem(api.post("/api/v1/notes", json={"title": "x", "status": "lost"}), 422)
    assert list(body["errors"]) == ["status"]
    changed = api.patch(f"/api/v1/notes/{note['id']}", json={"status": "done", "version": note["version"]})
    assert changed.status_code == 200 and changed.get_json()["status"] == "done"


def test_timeline_shows_the_audit_trail(api: ApiEnv) -> None:
    thing = api.post(THINGS, json={"name": "audited"}).get_json()
    api.patch(f"{THINGS}/{thing['id']}", json={"name": "renamed"})
    response = api.get(f"{THINGS}/{thing['id']}/timeline")
    assert response.status_code == 200
    entries = response.get_json()["data"]
    assert len(entries) >= 2 and all(e["when"] and e["title"] for e in entries)
    assert "renamed" in " ".join(e["detail"] for e in entries)
    assert len(api.get(f"{THINGS}/{thing['id']}/timeline?limit=1").get_json()["data"]) == 1
    assert list(is_problem(api.get(f"{THINGS}/{thing['id']}/timeline?since=1"), 400)["errors"]) == ["since"]
    other = api.post(THINGS, who="alice", json={"name": "alice's"}).get_json()
    is_problem(api.get(f"{THINGS}/{other['id']}/timeline", who="bob"), 404)


def test_oversized_body_is_413(api: ApiEnv) -> None:
    is_problem(api.post(THINGS, json={"name": "x", "note": "y" * (1024 * 1024)}), 413)


def test_prepare_hook_runs_on_create_and_update(api: ApiEnv) -> None:
    thing = api.post(THINGS, json={"name": "  padded  "}).get_json()
    assert thing["name"] == "padded"
    assert list(is_problem(api.post(THINGS, json={"name": "forbidden"}), 422)["errors"]) == ["name"]
    url = f"{THINGS}/{thing['id']}"
    assert api.patch(url, json={"name": " again "}).get_json()["name"] == "again"
    assert list(is_problem(api.patch(url, json={"name": "forbidden"}), 422)["errors"]) == ["name"]
    assert api.get(url).get_json()["name"] == "again"
    assert api.sql("SELECT count(*) FROM apitest_thing") == [(1,)]
