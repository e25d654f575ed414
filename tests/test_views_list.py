"""The generic list page, seen by a user: search, filters, sort, keyset pages, counts,
column choice, record rules, escaping and a bounded number of queries."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from test_views_support import (
    NOTES,
    add_notes,
    counting_queries,
    link,
    notebook_app,
    row_ids,
    signed_in,
    skips_rows,
    token,
)

from core.testing import query_plan


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, make_app: Any) -> Any:
    return notebook_app(monkeypatch, make_app)


def test_search_over_declared_columns(app: Any) -> None:
    client = signed_in(app)
    plan = add_notes(app, client.user, title="Alpha plan")[0]
    in_body = add_notes(app, client.user, title="Beta", body="mentions ALPHA inside")[0]
    percent = add_notes(app, client.user, title="100% done")[0]
    add_notes(app, client.user, title="Gamma")

    assert sorted(row_ids(client.get(NOTES + "?q=alpha").text)) == [plan, in_body]
    # LIKE wildcards typed by the user are taken literally
    assert row_ids(client.get(NOTES + "?q=%25").text) == [percent]
    page = client.get(NOTES + "?q=nothing-like-this").text
    assert row_ids(page) == [] and "Nothing found." in page


def test_prefix_search_can_use_its_index(app: Any) -> None:
    """``Search(col, "prefix")`` produces ``LIKE 'abc%'`` that the migration's index serves."""
    from notebook.models import Note

    from core.extensions import db
    from core.ui.lists import ListView, Search

    view = ListView(model=Note, object="notebook.note", columns=["title"], search=[Search("title", "prefix")])
    client = signed_in(app, "admin")
    add_notes(app, client.user, 3, title="Meeting {n}")
    add_notes(app, client.user, title="Other meeting")
    with app.test_request_context():
        from flask_login import login_user

        from core.security.models import User

        login_user(db.session.get(User, client.user.id))
        stmt = view.base(view.state({"q": "meet"}))
        assert len(db.session.execute(stmt).all()) == 3  # case-insensitive, prefix only
        sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = query_plan(db.engine, sql)
    assert "ix_notebook_note_title_prefix" in plan, plan


def test_filters_choice_date_range_and_related(app: Any) -> None:
    client = signed_in(app, "manager")
    other = signed_in(app, "user").user
    done = add_notes(app, client.user, 2, status="done", due=date(2026, 3, 10))
    jan = add_notes(app, client.user, 1, due=date(2026, 1, 15))
    feb = add_notes(app, other, 1, due=date(2026, 2, 1))

    assert sorted(row_ids(client.get(NOTES + "?status=done").text)) == done
    got = row_ids(client.get(NOTES + "?due_from=2026-01-01&due_to=2026-02-01").text)
    assert sorted(got) == sorted(jan + feb)  # both ends inclusive
    assert row_ids(client.get(NOTES + f"?owner={other.id}").text) == feb
    combined = client.get(NOTES + "?status=open&due_from=2026-02-01").text
    assert row_ids(combined) == feb
    # values that do not parse are ignored, not an error
    response = client.get(NOTES + "?status=nonsense&due_from=yesterday&owner=x")
    assert response.status_code == 200 and len(row_ids(response.text)) == 4


def test_sort_by_declared_columns_with_id_tiebreak(app: Any) -> None:
    client = signed_in(app)
    ids = add_notes(app, client.user, 3, title="Same", amount=Decimal("1"))
    b = add_notes(app, client.user, title="B", amount=Decimal("5"), start=datetime(2026, 2, 1))[0]
    a = add_notes(app, client.user, title="A", amount=Decimal("7.5"), start=datetime(2026, 3, 1))[0]

    assert row_ids(client.get(NOTES + "?sort=title").text) == [a, b, *ids]
    assert row_ids(client.get(NOTES + "?sort=-title").text) == [*reversed(ids), b, a]
    # default: most recently changed first
    assert row_ids(client.get(NOTES).text) == [a, b, *reversed(ids)]
    # not sortable or unknown: the default order, no error
    assert row_ids(client.get(NOTES + "?sort=body").text) == [a, b, *reversed(ids)]
    assert row_ids(client.get(NOTES + "?sort=-amount").text) == [a, b, *reversed(ids)]


@pytest.mark.parametrize("sort", ["title", "-title", "-updated_at", "due"])
def test_keyset_pages_are_complete_and_stable_with_duplicate_values(app: Any, sort: str) -> None:
    """120 notes, 3 titles, 3 timestamps, some due dates missing: pages cover each note exactly once,
    in the sort order, and "previous" returns the same pages."""
    client = signed_in(app)
    ids = []
    for n in range(3):
        ids += add_notes(app, client.user, 40, title=f"Title {n % 2}", start=datetime(2026, 1, 1 + n))
    from notebook.models import Note

    from core.extensions import db

    with app.app_context():
        for i, note_id in enumerate(ids):
            if i % 3:
                db.session.execute(
                    sa.update(Note.__table__).where(Note.__table__.c.id == note_id)
                    .values(updated_at=datetime(2026, 1, 1 + i % 3), due=None if i % 4 == 0 else date(2026, 5, 1 + i % 2))
                )
        db.session.commit()
        key = sort.lstrip("-")
        rows = db.session.execute(sa.select(Note.id, getattr(Note, key))).all()
        dialect = db.engine.dialect.name

    def order(row: Any) -> Any:
        value = row[1]
        missing = value is None
        # PostgreSQL sorts NULL as the largest value, SQLite as the smallest
        null_rank = (1 if missing else 0) if dialect == "postgresql" else (0 if missing else 1)
        return (null_rank, value if not missing else 0, row[0])

    expected = [r[0] for r in sorted(rows, key=order, reverse=sort.startswith("-"))]

    pages: list[list[int]] = []
    url: str | None = NOTES + f"?sort={sort}"
    with counting_queries(app) as statements:
        while url:
            html = client.get(url).text
            pages.append(row_ids(html))
            url = link(html, "next")
    assert [len(p) for p in pages] == [50, 50, 20]
    assert [i for p in pages for i in p] == expected
    assert not any(skips_rows(s, params) for s, params in statements)

    back: list[list[int]] = [pages[-1]]
    url = link(client.get(NOTES + f"?sort={sort}").text, "next")
    url = link(client.get(url).text, "next")  # the last page
    while url := link(client.get(url).text, "prev"):
        back.insert(0, row_ids(client.get(url).text))
    assert back == pages


def test_previous_from_a_thinned_out_page_shows_a_full_first_page(app: Any) -> None:
    client = signed_in(app)
    ids = add_notes(app, client.user, 60)
    second = link(client.get(NOTES).text, "next")
    page_two = client.get(second).text
    prev = link(page_two, "prev")
    # someone deletes most of the first page meanwhile
    from notebook.models import Note

    from core.extensions import db

    with app.app_context():
        db.session.execute(sa.delete(Note.__table__).where(Note.__table__.c.id.in_(ids[-45:])))
        db.session.commit()
    html = client.get(prev).text
    assert row_ids(html) == list(reversed(ids[:15]))
    assert link(html, "prev") is None


def test_count_is_exact_up_to_the_cap_then_shown_as_more(app: Any) -> None:
    client = signed_in(app)
    add_notes(app, client.user, 1005)
    add_notes(app, client.user, 3, status="done")
    with counting_queries(app) as statements:
        html = client.get(NOTES).text
    assert "1,000+ records" in html
    counts = [s for s, _params in statements if "count(" in s.lower()]
    assert len(counts) == 1 and "LIMIT" in counts[0].upper()
    assert "3 records" in client.get(NOTES + "?status=done").text
    assert "1 record<" in client.get(NOTES + "?q=Note%201004").text


def test_record_rules_limit_the_list(app: Any) -> None:
    alice = signed_in(app, "user")
    bob = signed_in(app, "user")
    boss = signed_in(app, "manager")
    mine = add_notes(app, alice.user, 2)
    theirs = add_notes(app, bob.user, 3)

    assert sorted(row_ids(alice.get(NOTES).text)) == mine
    assert "2 records" in alice.get(NOTES).text
    assert sorted(row_ids(bob.get(NOTES).text)) == theirs
    assert sorted(row_ids(boss.get(NOTES).text)) == sorted(mine + theirs)


def test_column_choice_is_remembered(app: Any) -> None:
    client = signed_in(app)
    add_notes(app, client.user, body="the body text")
    page = client.get(NOTES).text
    assert 'data-column="status"' in page and 'data-column="body"' not in page

    response = client.post(
        NOTES + "columns",
        data={"columns": ["title", "body"], "next": NOTES + "?sort=title", "csrf_token": token(client)},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(NOTES + "?sort=title")
    page = client.get(NOTES).text
    assert 'data-column="body"' in page and 'data-column="status"' not in page
    assert "the body text" in page

    client.post(NOTES + "columns", data={"reset": "1", "csrf_token": token(client)})
    assert 'data-column="status"' in client.get(NOTES).text
    # an outside address is never a redirect target
    response = client.post(NOTES + "columns", data={"next": "https://evil.example/", "csrf_token": token(client)})
    assert response.headers["Location"].endswith(NOTES)


def test_markup_in_values_is_shown_as_text(app: Any) -> None:
    client = signed_in(app)
    note_id = add_notes(app, client.user, title="<script>alert(1)</script>", tags=["<b>x</b>"])[0]
    for url in (NOTES, f"{NOTES}{note_id}", f"{NOTES}{note_id}/edit"):
        html = client.get(url).text
        assert "<script>alert(1)</script>" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    assert "<b>x</b>" not in client.get(NOTES).text


def test_a_page_issues_the_same_number_of_queries_for_10_and_1000_rows(app: Any) -> None:
    """No per-row queries: the owner column is joined, counts are capped."""
    client = signed_in(app, "manager")
    other = signed_in(app, "user").user

    def queries() -> int:
        client.get(NOTES)  # warm caches that are per app, not per request
        with counting_queries(app) as statements:
            assert client.get(NOTES + "?status=open").status_code == 200
        return len(statements)

    add_notes(app, client.user, 5)
    add_notes(app, other, 5)
    few = queries()
    add_notes(app, client.user, 495)
    add_notes(app, other, 495)
    assert queries() == few
    # session user, grants, rows, capped count, owner filter options (+ BEGIN on SQLite)
    assert few <= 6


def test_anonymous_visitors_are_sent_to_login(app: Any) -> None:
    signed_in(app)  # with no account at all every page leads to the first-run set-up instead
    response = app.test_client().get(NOTES)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_tampered_or_foreign_cursor_shows_the_first_page(app: Any) -> None:
    client = signed_in(app)
    ids = add_notes(app, client.user, 60)
    first = row_ids(client.get(NOTES).text)
    title_cursor = link(client.get(NOTES + "?sort=title").text, "next").split("after=")[1]
    for query in ("after=garbage", "before=%FF%FE", f"after={title_cursor}", "after=WyJ1cGRhdGVkX2F0IiwxLCJ4Il0"):
        response = client.get(NOTES + "?" + query)
        assert response.status_code == 200, query
        assert row_ids(response.text) == first, query
    assert first == list(reversed(ids))[:50]


def test_declaration_mistakes_fail_at_start_up(app: Any) -> None:
    from notebook.models import Note
    from notebook.schemas import NoteSchema

    from core.ui.filters import ChoiceFilter
    from core.ui.forms import FormView
    from core.ui.lists import Column, ListView

    def make(**kw: Any) -> ListView:
        return ListView(model=Note, object="notebook.note", **{"columns": ["title"], **kw})

    with pytest.raises(ValueError, match="unknown column 'nope'"):
        make(columns=["nope"])
    with pytest.raises(ValueError, match="cannot be sortable"):
        make(columns=[Column("owner.name", sortable=True)])
    with pytest.raises(ValueError, match="not a sortable column"):
        make(default_sort="-body")
    with pytest.raises(ValueError, match="reserved"):
        ChoiceFilter("sort", choices=[("a", "A")])
    with pytest.raises(ValueError, match="'version' is not a loadable field"):
        FormView(model=Note, object="notebook.note", schema=NoteSchema, fields=["title", "version"])
