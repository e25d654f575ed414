"""The generic form, detail and delete pages as a user meets them: field errors with the
input kept, declared fields only, optimistic locking, record rules, confirmation."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from test_views_support import NOTES, add_notes, note, notebook_app, signed_in, token


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, make_app: Any) -> Any:
    return notebook_app(monkeypatch, make_app)


def field_error(page: str, name: str) -> list[str]:
    """Messages shown right under the input ``name``."""
    block = re.search(rf'<div class="field[^"]*">(?:(?!<div class="field).)*?name="{name}".*?</div>', page, re.S)
    assert block, f"no field {name}"
    return [html_lib.unescape(m) for m in re.findall(r'class="field-error"[^>]*>([^<]*)<', block.group(0))]


def input_value(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'<textarea[^>]*name="{name}"[^>]*>([^<]*)</textarea>', page
    )
    assert match, f"no input {name}"
    return html_lib.unescape(match.group(1))


def test_create_sets_owner_and_writes_only_declared_fields(app: Any) -> None:
    client = signed_in(app)
    other = signed_in(app).user
    response = client.post(NOTES + "new", data={
        "csrf_token": token(client, NOTES + "new"),
        "title": "  Call back  ",
        "status": "open",
        "due": "2026-04-01",
        "amount": "12.50",
        "tags": "vip, follow-up ,",
        "body": "Line one\nLine two",
        # not in the form: must be ignored
        "owner_id": str(other.id),
        "id": "999",
        "version": "7",
        "created_at": "2000-01-01T00:00:00",
    })
    assert response.status_code == 302
    note_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    saved = note(app, note_id)
    assert note_id != 999
    assert saved.title == "Call back" and saved.owner_id == client.user.id and saved.version == 1
    assert saved.due == date(2026, 4, 1) and saved.amount == Decimal("12.50")
    assert saved.tags == ["vip", "follow-up"] and saved.body == "Line one\nLine two"
    assert saved.created_at.year != 2000
    assert "Saved." in client.get(response.headers["Location"]).text


def test_field_errors_are_shown_next_to_each_field_and_input_is_kept(app: Any) -> None:
    client = signed_in(app)
    response = client.post(NOTES + "new", data={
        "csrf_token": token(client, NOTES + "new"),
        "title": "",
        "status": "archived",
        "due": "2026-02-30",
        "amount": "twelve",
        "tags": "a, b",
        "body": "Everything I typed stays here.",
    })
    assert response.status_code == 422
    page = response.text
    assert field_error(page, "title") == ["This field is required."]
    assert field_error(page, "due") == ["Enter a date (YYYY-MM-DD)."]
    assert field_error(page, "amount") == ["Enter a number."]
    assert field_error(page, "status") == ["Choose one of the offered values."]
    assert field_error(page, "body") == []
    assert input_value(page, "amount") == "twelve"
    assert input_value(page, "due") == "2026-02-30"
    assert input_value(page, "tags") == "a, b"
    assert input_value(page, "body") == "Everything I typed stays here."
    from notebook.models import Note

    from core.extensions import db

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Note)) == 0


def test_over_long_title_gets_a_clear_message(app: Any) -> None:
    client = signed_in(app)
    title = "x" * 201
    response = client.post(NOTES + "new", data={"csrf_token": token(client, NOTES + "new"), "title": title})
    assert response.status_code == 422
    assert field_error(response.text, "title") == ["At most 200 characters."]
    assert input_value(response.text, "title") == title
    assert 'maxlength="200"' in response.text


def test_stale_save_shows_a_conflict_and_overwrites_nothing(app: Any) -> None:
    alice = signed_in(app, "manager")
    bob = signed_in(app, "manager")
    note_id = add_notes(app, alice.user, title="Original", body="first")[0]
    edit = f"{NOTES}{note_id}/edit"

    alice_form = alice.get(edit).text
    assert input_value(alice_form, "version") == "1"
    # Bob saves first
    response = bob.post(edit, data={"csrf_token": token(bob, edit), "version": "1", "title": "Bob's title",
                                    "status": "done", "body": "bob"})
    assert response.status_code == 302

    # Alice saves based on version 1
    response = alice.post(edit, data={"csrf_token": token(alice, edit), "version": "1", "title": "Alice's title",
                                      "status": "open", "body": "alice"})
    assert response.status_code == 409
    page = response.text
    assert "Someone else changed this record" in page
    assert input_value(page, "title") == "Alice's title"
    assert input_value(page, "body") == "alice"
    assert "Bob&#39;s title" in page  # what is saved now, next to the field
    stored = note(app, note_id)
    assert (stored.title, stored.body, stored.status, stored.version) == ("Bob's title", "bob", "done", 2)

    # saving again from the conflict page is a deliberate overwrite
    version = input_value(page, "version")
    assert version == "2"
    response = alice.post(edit, data={"csrf_token": token(alice, edit), "version": version,
                                      "title": "Alice's title", "status": "open", "body": "alice"})
    assert response.status_code == 302
    assert note(app, note_id).title == "Alice's title"


def test_a_save_without_a_version_is_refused(app: Any) -> None:
    client = signed_in(app)
    note_id = add_notes(app, client.user, title="Keep me")[0]
    edit = f"{NOTES}{note_id}/edit"
    response = client.post(edit, data={"csrf_token": token(client, edit), "title": "Changed"})
    assert response.status_code == 409
    assert note(app, note_id).title == "Keep me"


def test_records_outside_the_rule_answer_404(app: Any) -> None:
    alice = signed_in(app)
    bob = signed_in(app)
    note_id = add_notes(app, alice.user, title="Alice's")[0]
    for url in (f"{NOTES}{note_id}", f"{NOTES}{note_id}/edit", f"{NOTES}{note_id}/delete"):
        assert bob.get(url).status_code == 404, url
    edit = f"{NOTES}{note_id}/edit"
    response = bob.post(edit, data={"csrf_token": token(bob), "version": "1", "title": "Hijacked"})
    assert response.status_code == 404
    response = bob.post(f"{NOTES}{note_id}/delete", data={"csrf_token": token(bob)})
    assert response.status_code == 404
    assert note(app, note_id).title == "Alice's"
    assert bob.get(f"{NOTES}999999").status_code == 404


def test_missing_rights_answer_403(app: Any) -> None:
    from core.extensions import db
    from core.models import GrantRow

    client = signed_in(app)
    note_id = add_notes(app, client.user)[0]
    with app.app_context():
        db.session.execute(
            sa.update(GrantRow).where(GrantRow.object == "notebook.note", GrantRow.role == "user").values(rights="r")
        )
        db.session.commit()
    assert client.get(f"{NOTES}{note_id}").status_code == 200
    page = client.get(NOTES).text
    assert f"{NOTES}new" not in page
    for url in (f"{NOTES}new", f"{NOTES}{note_id}/edit", f"{NOTES}{note_id}/delete"):
        assert client.get(url).status_code == 403, url


def test_delete_asks_first_then_deletes(app: Any) -> None:
    client = signed_in(app)
    note_id = add_notes(app, client.user, title="Old idea")[0]
    url = f"{NOTES}{note_id}/delete"
    page = client.get(url).text
    assert "Delete Old idea?" in page and 'method="post"' in page
    assert note(app, note_id) is not None

    assert client.post(url, data={}).status_code == 400  # no CSRF token
    assert note(app, note_id) is not None
    response = client.post(url, data={"csrf_token": token(client)})
    assert response.status_code == 302 and response.headers["Location"].endswith(NOTES)
    assert note(app, note_id) is None
    assert "Deleted Old idea." in client.get(NOTES).text


def test_post_without_csrf_token_is_rejected(app: Any) -> None:
    client = signed_in(app)
    assert client.post(NOTES + "new", data={"title": "x"}).status_code == 400


def test_detail_shows_fields_and_timeline(app: Any) -> None:
    client = signed_in(app)
    note_id = add_notes(app, client.user, title="Quarterly review", status="done", amount=Decimal("1234.5"))[0]
    page = client.get(f"{NOTES}{note_id}").text
    assert "Quarterly review" in page
    assert "Done" in page  # the choice's label, not the stored value
    assert "1,234.5" in page  # the user's number format
    assert "Note created" in page  # from the module's crm_timeline_entries
    assert f"{NOTES}{note_id}/edit" in page


def test_fields_with_a_data_key_are_read_and_reported_under_the_input_name(app: Any) -> None:
    from marshmallow import Schema, fields, validate
    from notebook.models import Note

    from core.ui.forms import FormView

    class Renamed(Schema):
        title = fields.String(required=True, data_key="subject", validate=validate.Length(max=5))

    form = FormView(model=Note, object="notebook.note", schema=Renamed)
    with app.test_request_context():
        assert form.load({"title": "Hello"}) == ({"title": "Hello"}, {})
        assert form.load({"title": "Too long"}) == ({}, {"title": ["At most 5 characters."]})


def test_form_schema_reads_blank_input_as_no_value_and_refuses_unknown_fields() -> None:
    from marshmallow import ValidationError, fields

    from core.toolkit import FormSchema

    class Thing(FormSchema):
        name = fields.String(required=True)
        tier = fields.String(load_default="standard")
        note = fields.String(allow_none=True)
        size = fields.Integer()

    assert Thing().load({"name": "x", "tier": "  ", "note": ""}) == {"name": "x", "tier": "standard", "note": None}
    with pytest.raises(ValidationError) as blank:
        Thing().load({"name": " ", "size": ""})
    assert set(blank.value.messages) == {"name", "size"}  # None where a value is needed
    with pytest.raises(ValidationError) as unknown:
        Thing().load({"name": "x", "colour": "red"})
    assert "colour" in unknown.value.messages
