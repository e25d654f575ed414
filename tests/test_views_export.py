"""Export and bulk actions of the generic list: the filtered set, within the record rules."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from test_views_support import NOTES, add_notes, note, notebook_app, row_ids, signed_in, token


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, make_app: Any) -> Any:
    return notebook_app(monkeypatch, make_app)


def _csv(response: Any) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_export_is_the_filtered_set_within_the_rule(app: Any) -> None:
    alice = signed_in(app)
    bob = signed_in(app)
    mine_open = add_notes(app, alice.user, 1205, title="Open {n}")  # more than one export chunk
    add_notes(app, alice.user, 2, title="Closed {n}", status="done")
    add_notes(app, bob.user, 3, title="Bob {n}")
    formula = add_notes(app, alice.user, title="=HYPERLINK(\"http://x\")", amount=Decimal("3.50"),
                        due=date(2026, 5, 1), tags=["a", "b"])[0]

    response = alice.get(NOTES + "export.csv?status=open&sort=title")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["id", "Title", "Status"]
    ids = [int(r[0]) for r in body]
    assert sorted(ids) == sorted(mine_open + [formula])  # no done notes, nothing of Bob's
    # in the list's order
    assert ids[:50] == row_ids(alice.get(NOTES + "?status=open&sort=title").text)
    row = next(r for r in body if int(r[0]) == formula)
    assert row[1] == "'=HYPERLINK(\"http://x\")"  # a spreadsheet would run it otherwise
    assert row[header.index("Due")] == "2026-05-01" and row[header.index("Amount")] == "3.50"
    assert row[header.index("Tags")] == "a, b"


def test_csv_export_follows_search_and_column_choice(app: Any) -> None:
    client = signed_in(app)
    wanted = add_notes(app, client.user, title="Invoice {n}", body="secret body")
    add_notes(app, client.user, 3, title="Other {n}")
    client.post(NOTES + "columns", data={"columns": ["title", "body"], "csrf_token": token(client)})
    rows = _csv(client.get(NOTES + "export.csv?q=invoice"))
    assert rows == [["id", "Title", "Text"], [str(wanted[0]), "Invoice 0", "secret body"]]


def test_xlsx_export_is_the_filtered_set_within_the_rule(app: Any) -> None:
    alice = signed_in(app)
    bob = signed_in(app)
    mine = add_notes(app, alice.user, 3, title="Mine {n}", amount=Decimal("2.25"), due=date(2026, 6, 1))
    formula = add_notes(app, alice.user, title="=1+2")[0]
    add_notes(app, alice.user, title="Done", status="done")
    add_notes(app, bob.user, 2, title="Bob {n}")

    response = alice.get(NOTES + "export.xlsx?status=open")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:2] == ("id", "Title")
    assert sorted(r[0] for r in body) == sorted(mine + [formula])
    first = next(r for r in body if r[0] == mine[0])
    assert float(first[header.index("Amount")]) == 2.25
    assert first[header.index("Due")].date() == date(2026, 6, 1)
    cell = next(c for c in sheet.iter_rows(min_row=2) if c[0].value == formula)[1]
    assert cell.value == "=1+2" and cell.data_type == "s"  # text, not a formula


def test_unknown_export_format_is_404(app: Any) -> None:
    client = signed_in(app)
    assert client.get(NOTES + "export.pdf").status_code == 404


def test_bulk_action_changes_only_selected_records_the_user_may_write(app: Any) -> None:
    alice = signed_in(app)
    bob = signed_in(app)
    a1, a2, a3 = add_notes(app, alice.user, 3)
    b1 = add_notes(app, bob.user)[0]
    response = alice.post(NOTES + "bulk", data={
        "csrf_token": token(alice), "action": "mark_done", "ids": [str(a1), str(a2), str(b1)],
        "next": NOTES + "?sort=title",
    })
    assert response.status_code == 302 and response.headers["Location"].endswith(NOTES + "?sort=title")
    assert [note(app, i).status for i in (a1, a2, a3)] == ["done", "done", "open"]
    assert note(app, b1).status == "open"  # outside Alice's rule: untouched
    assert "2 records changed." in alice.get(NOTES).text


def test_bulk_delete_asks_for_confirmation(app: Any) -> None:
    client = signed_in(app)
    ids = add_notes(app, client.user, 3)
    data = {"csrf_token": token(client), "action": "delete", "ids": [str(ids[0]), str(ids[1])]}
    page = client.post(NOTES + "bulk", data=data)
    assert page.status_code == 200 and "Delete the selected records?" in page.text
    assert all(note(app, i) is not None for i in ids)
    response = client.post(NOTES + "bulk", data={**data, "confirmed": "1"})
    assert response.status_code == 302
    assert [note(app, i) is None for i in ids] == [True, True, False]
    assert row_ids(client.get(NOTES).text) == [ids[2]]


def test_bulk_action_needs_its_permission_and_csrf(app: Any) -> None:
    from core.extensions import db
    from core.models import GrantRow

    client = signed_in(app)
    ids = add_notes(app, client.user, 2)
    with app.app_context():
        db.session.execute(
            sa.update(GrantRow).where(GrantRow.object == "notebook.note", GrantRow.role == "user").values(rights="rw")
        )
        db.session.commit()
    data = {"action": "delete", "ids": [str(i) for i in ids], "confirmed": "1"}
    assert client.post(NOTES + "bulk", data=data).status_code == 400  # no CSRF token
    assert client.post(NOTES + "bulk", data={**data, "csrf_token": token(client)}).status_code == 403
    assert all(note(app, i) is not None for i in ids)
    assert 'value="delete"' not in client.get(NOTES).text  # not offered either
    unknown = client.post(NOTES + "bulk", data={**data, "action": "explode", "csrf_token": token(client)})
    assert unknown.status_code == 400
