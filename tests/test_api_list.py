"""The list endpoint: cursor pages, sort, filters, search, parameter errors, query count."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
import sqlalchemy as sa
from test_api_support import ApiEnv, api_env, is_problem

THINGS = "/api/v1/things"


@pytest.fixture
def api(make_app, monkeypatch) -> ApiEnv:
    return api_env(make_app, monkeypatch)


def insert_things(api: ApiEnv, rows: list[dict[str, Any]], owner: str = "admin") -> list[int]:
    """Insert rows straight into the table (fast), owned by ``owner``; return their ids."""
    from core.extensions import db

    registry = api.app.extensions["crm"].registry
    thing, tag = registry.models["apitest_thing"], registry.models["apitest_tag"]
    ids = []
    with api.app.app_context():
        for i, row in enumerate(rows):
            record = thing(owner_id=api.ids[owner], done=False, created_at=dt.datetime(2030, 1, 1) + dt.timedelta(minutes=i))
            for key, value in row.items():
                if key == "tags":
                    record.tags = [tag(label=label) for label in value]
                else:
                    setattr(record, key, value)
            db.session.add(record)
            db.session.flush()
            ids.append(record.id)
        db.session.commit()
    return ids


def walk(api: ApiEnv, query: str, who: str = "admin") -> list[list[int]]:
    """Follow ``next`` from the first page; the id lists of every page."""
    pages: list[list[int]] = []
    url = f"{THINGS}?{query}"
    while True:
        response = api.get(url, who=who)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        pages.append([row["id"] for row in body["data"]])
        if body["next"] is None:
            assert "Link" not in response.headers
            return pages
        assert response.headers["Link"].endswith('>; rel="next"') and body["next"] in response.headers["Link"]
        url = f"{THINGS}?{query}&cursor={body['next']}"
        assert len(pages) < 100


SCORES = [5, None, 3, 5, 1, None, 3, 3, 9, 0, 5, None, 7]


def expected_order(ids: list[int], keys: list[Any], descending: bool) -> list[int]:
    """Ascending: NULLs last, ties by id; descending: the exact reverse."""
    order = sorted(zip(ids, keys, strict=True), key=lambda p: (p[1] is None, p[1] if p[1] is not None else 0, p[0]))
    result = [i for i, _k in order]
    return result[::-1] if descending else result


@pytest.mark.parametrize("sort", ["score", "-score", "name", "-name", "id", "-id", "created_at"])
def test_pages_are_complete_and_ordered(api: ApiEnv, sort: str) -> None:
    names = [f"thing {n % 4}" for n in range(len(SCORES))]
    ids = insert_things(api, [{"score": s, "name": n} for s, n in zip(SCORES, names, strict=True)])
    field = sort.lstrip("-")
    keys = {"score": SCORES, "name": names, "id": ids, "created_at": ids}[field]
    pages = walk(api, f"limit=4&sort={sort}")
    assert [len(p) for p in pages] == [4, 4, 4, 1]
    assert [i for page in pages for i in page] == expected_order(ids, keys, sort.startswith("-"))


def test_paging_is_stable_while_rows_are_added(api: ApiEnv) -> None:
    ids = insert_things(api, [{"name": f"n{i:02d}", "score": i} for i in range(10)])
    first = api.get(f"{THINGS}?limit=4&sort=score").get_json()
    assert [r["id"] for r in first["data"]] == ids[:4]
    insert_things(api, [{"name": "early", "score": -1}, {"name": "late", "score": 100}])
    rest = api.get(f"{THINGS}?limit=50&sort=score&cursor={first['next']}").get_json()
    assert [r["id"] for r in rest["data"]][:6] == ids[4:]
    assert [r["name"] for r in rest["data"]][-1] == "late"
    assert rest["next"] is None


def test_default_and_maximum_limit(api: ApiEnv) -> None:
    insert_things(api, [{"name": f"n{i}"} for i in range(205)])
    assert len(api.get(THINGS).get_json()["data"]) == 50
    assert len(api.get(f"{THINGS}?limit=200").get_json()["data"]) == 200
    for bad in ("0", "201", "ten", "-1", "²"):
        body = is_problem(api.get(f"{THINGS}?limit={bad}"), 400)
        assert list(body["errors"]) == ["limit"]


def test_filters(api: ApiEnv) -> None:
    a, b, c = insert_things(api, [{"name": "a", "score": 3, "done": True}, {"name": "b", "score": 3}, {"name": "c"}])
    (d,) = insert_things(api, [{"name": "d", "score": 3}], owner="alice")
    data = lambda q: [r["id"] for r in api.get(f"{THINGS}?{q}").get_json()["data"]]  # noqa: E731
    assert data("score=3") == [a, b, d]
    assert data("score=3&done=true") == [a]
    assert data("done=false") == [b, c, d]
    assert data(f"owner_id={api.ids['alice']}") == [d]
    assert data("score=3&sort=-id&limit=2") == [d, b]


def test_unknown_or_invalid_filter_is_400_naming_it(api: ApiEnv) -> None:
    body = is_problem(api.get(f"{THINGS}?colour=red"), 400)
    assert list(body["errors"]) == ["colour"] and "colour" in body["detail"]
    body = is_problem(api.get(f"{THINGS}?name=x"), 400)  # a field, but not declared filterable
    assert list(body["errors"]) == ["name"]
    assert list(is_problem(api.get(f"{THINGS}?score=many"), 400)["errors"]) == ["score"]
    assert list(is_problem(api.get(f"{THINGS}?score={2**70}"), 400)["errors"]) == ["score"]
    assert list(is_problem(api.get(f"{THINGS}?score=1&score=2"), 400)["errors"]) == ["score"]
    # fits 64 bits but not the 32-bit column: PostgreSQL would refuse the cast
    assert list(is_problem(api.get(f"{THINGS}?score={2**40}"), 400)["errors"]) == ["score"]


def test_unknown_sort_is_400_naming_it(api: ApiEnv) -> None:
    body = is_problem(api.get(f"{THINGS}?sort=-note"), 400)
    assert "note" in body["detail"] and list(body["errors"]) == ["sort"]


def test_search(api: ApiEnv) -> None:
    kettle, _lamp, stove, percent = insert_things(
        api,
        [{"name": "Red Kettle"}, {"name": "Lamp"}, {"name": "Stove", "note": "next to the KETTLE"}, {"name": "100% tea"}],
    )
    data = lambda q: [r["id"] for r in api.get(f"{THINGS}?{q}").get_json()["data"]]  # noqa: E731
    assert data("q=kettle") == [kettle, stove]
    assert data("q=%25") == [percent]  # a literal %, not a wildcard
    assert data("q=kettle&sort=-name") == [stove, kettle]
    assert list(is_problem(api.get(f"{THINGS}?q={'x' * 201}"), 400)["errors"]) == ["q"]


def test_bad_cursors_are_400(api: ApiEnv) -> None:
    insert_things(api, [{"name": f"n{i}", "score": i} for i in range(3)])
    cursor = api.get(f"{THINGS}?limit=1&sort=score").get_json()["next"]
    is_problem(api.get(f"{THINGS}?cursor=garbage!!"), 400)
    is_problem(api.get(f"{THINGS}?cursor=WzEsMiwzXQ"), 400)  # valid base64 of [1,2,3]
    too_big = base64.urlsafe_b64encode(json.dumps(["score", 1, 2**40]).encode()).decode()
    is_problem(api.get(f"{THINGS}?sort=score&cursor={too_big}"), 400)
    body = is_problem(api.get(f"{THINGS}?sort=name&cursor={cursor}"), 400)
    assert "sort" in body["detail"]


def count_queries(api: ApiEnv, url: str) -> int:
    from core.extensions import db

    with api.app.app_context():
        engine = db.engine
    statements: list[str] = []

    def remember(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "INSERT", "DELETE")):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        assert api.get(url).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)
    return len(statements)


def test_query_count_does_not_grow_with_rows(api: ApiEnv) -> None:
    """No N+1: the tags of every row come in one extra query, whatever the page size."""
    insert_things(api, [{"name": "warm-up"}])
    api.get(THINGS)  # token's last-use stamp written
    insert_things(api, [{"name": f"n{i}", "tags": ["a", "b"]} for i in range(4)])
    few = count_queries(api, f"{THINGS}?limit=5")
    insert_things(api, [{"name": f"m{i}", "tags": ["c"]} for i in range(80)])
    many = count_queries(api, f"{THINGS}?limit=60")
    assert many == few <= 6
    body = api.get(f"{THINGS}?limit=60").get_json()
    assert sum(len(row["tags"]) for row in body["data"]) == 4 * 2 + 55
