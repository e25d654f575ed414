"""Who may call the REST API: tokens (401), rights (403) and record rules (404)."""

from __future__ import annotations

import pytest
from test_api_support import ApiEnv, api_env, is_problem

THINGS = "/api/v1/things"


@pytest.fixture
def api(make_app, monkeypatch) -> ApiEnv:
    return api_env(make_app, monkeypatch)


def test_anonymous_gets_401_problem(api: ApiEnv) -> None:
    response = api.get(THINGS, who=None)
    is_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    is_problem(api.post(THINGS, who=None, json={"name": "x"}), 401)
    assert api.sql("SELECT count(*) FROM apitest_thing") == [(0,)]


def test_unknown_token_gets_401(api: ApiEnv) -> None:
    response = api.get(THINGS, who=None, headers={"Authorization": "Bearer crm_not-a-real-token"})
    body = is_problem(response, 401)
    assert "invalid_token" in response.headers["WWW-Authenticate"]
    assert "revoked" in body["detail"]


def test_revoked_token_gets_401(api: ApiEnv) -> None:
    assert api.get(THINGS, who="alice").status_code == 200
    api.sql("UPDATE core_api_token SET revoked_at = CURRENT_TIMESTAMP WHERE user_id = :u", u=api.ids["alice"])
    is_problem(api.get(THINGS, who="alice"), 401)


def test_token_of_deleted_user_gets_401(api: ApiEnv) -> None:
    token = api.tokens["bob"]
    api.sql("DELETE FROM core_user WHERE id = :u", u=api.ids["bob"])
    response = api.client.get(THINGS, headers={"Authorization": f"Bearer {token}"})
    is_problem(response, 401)


def test_token_of_disabled_user_gets_401(api: ApiEnv) -> None:
    api.sql("UPDATE core_user SET active = :no WHERE id = :u", no=False, u=api.ids["bob"])
    is_problem(api.get("/api/v1/me", who="bob"), 401)


def test_session_cookie_alone_is_not_enough(api: ApiEnv) -> None:
    """The API skips CSRF checks, so it must never act on a browser's session cookie."""
    from core.extensions import db
    from core.security.auth import session_key
    from core.security.models import User

    with api.app.app_context():
        key = session_key(db.session.get(User, api.ids["admin"]))
    with api.client.session_transaction() as session:
        session["_user_id"] = f"{api.ids['admin']}:{key}"
        session["_fresh"] = True
    assert api.client.get("/").status_code == 200  # the cookie does sign the browser in
    is_problem(api.post(THINGS, who=None, json={"name": "forged"}), 401)
    assert api.sql("SELECT count(*) FROM apitest_thing") == [(0,)]


def test_api_writes_need_no_csrf_token(api: ApiEnv) -> None:
    api.app.config["WTF_CSRF_ENABLED"] = True
    assert api.post(THINGS, json={"name": "from a script"}).status_code == 201


def test_without_the_right_403(api: ApiEnv) -> None:
    thing = api.post(THINGS, who="alice", json={"name": "a"}).get_json()
    for method, url in [
        ("GET", THINGS),
        ("POST", THINGS),
        ("GET", f"{THINGS}/{thing['id']}"),
        ("PATCH", f"{THINGS}/{thing['id']}"),
        ("DELETE", f"{THINGS}/{thing['id']}"),
    ]:
        is_problem(api.call(method, url, who="uma", json={"name": "b"}), 403)
    assert api.get(f"{THINGS}/{thing['id']}", who="alice").get_json()["name"] == "a"


def test_record_outside_the_rule_is_404(api: ApiEnv) -> None:
    """Managers have the "own" rule here: Bob cannot tell Alice's thing exists."""
    thing = api.post(THINGS, who="alice", json={"name": "alice's"}).get_json()
    url = f"{THINGS}/{thing['id']}"
    for method in ("GET", "PATCH", "DELETE"):
        is_problem(api.call(method, url, who="bob", json={"name": "taken"}), 404)
    assert api.get(THINGS, who="bob").get_json()["data"] == []
    assert [t["id"] for t in api.get(THINGS, who="alice").get_json()["data"]] == [thing["id"]]
    assert api.get(url, who="admin").get_json()["name"] == "alice's"


def test_me(api: ApiEnv) -> None:
    me = api.get("/api/v1/me", who="alice").get_json()
    assert me["email"] == "alice@example.org" and me["role"] == "manager"
    assert "apitest.thing.read" in me["permissions"] and "core.admin" not in me["permissions"]
    assert "apitest.thing.read" not in api.get("/api/v1/me", who="uma").get_json()["permissions"]
    is_problem(api.get("/api/v1/me", who=None), 401)
