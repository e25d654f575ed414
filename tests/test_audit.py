"""Audit trail: creates, updates and deletes of module records are recorded, read-only, on timelines."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Blueprint

from core import toolkit
from core.audit import AuditEntry
from core.events import acting_as
from core.extensions import db


@pytest.fixture
def app(addons, make_app):
    addons("services")
    return make_app(("jobber",))


def trail(app, obj: str = "jobber.note") -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object == obj).order_by(AuditEntry.id)).all()
        db.session.expunge_all()
        return list(rows)


def test_create_update_delete_are_recorded_with_user_and_changes(app, make_user) -> None:
    from jobber.models import Note

    user = make_user(app)
    with app.app_context(), acting_as(user.id):
        note = Note(title="Draft", body="text", secret_token="s3cret")
        db.session.add(note)
        db.session.commit()
        note_id = note.id
        note.title = "Final"
        note.secret_token = "other"
        db.session.commit()
        note.body = note.body  # no real change: no row
        db.session.commit()
        db.session.delete(note)
        db.session.commit()
    created, updated, deleted = trail(app)
    assert [r.action for r in (created, updated, deleted)] == ["create", "update", "delete"]
    assert {r.record_id for r in (created, updated, deleted)} == {note_id}
    assert {r.user_id for r in (created, updated, deleted)} == {user.id}
    assert {r.module for r in (created, updated, deleted)} == {"jobber"}
    assert created.changes["title"] == [None, "Draft"] and created.changes["secret_token"] == [None, "***"]
    assert updated.changes == {"title": ["Draft", "Final"], "secret_token": ["***", "***"]}
    assert deleted.changes["title"] == ["Final", None]


def test_changes_made_through_a_page_name_the_signed_in_user(app, client_as) -> None:
    from jobber.models import Note

    bp = Blueprint("t_audit", __name__)

    @bp.post("/t-audit/<int:note_id>")
    @toolkit.require("jobber.note.write")
    def rename(note_id: int) -> str:
        db.session.get(Note, note_id).title = "renamed"
        db.session.commit()
        return "ok"

    app.register_blueprint(bp)
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context(), toolkit.audit_disabled():
        note = Note(title="before")
        db.session.add(note)
        db.session.commit()
        note_id = note.id
    client = client_as(app, "manager")
    assert client.post(f"/t-audit/{note_id}").status_code == 200
    [entry] = trail(app)
    assert (entry.action, entry.user_id, entry.changes) == ("update", client.user.id, {"title": ["before", "renamed"]})


def test_audit_disabled_writes_nothing(app) -> None:
    from jobber.models import Note

    with app.app_context(), toolkit.audit_disabled():
        db.session.add_all([Note(title=f"n{i}") for i in range(5)])
        db.session.commit()
    assert trail(app) == []


def test_one_flush_writes_its_audit_rows_in_one_statement(app) -> None:
    """A big flush adds one executemany INSERT, not one round trip per record."""
    from jobber.models import Note

    with app.app_context():
        inserts: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany) -> None:
            if statement.startswith("INSERT INTO core_audit"):
                inserts.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            db.session.add_all([Note(title=f"bulk {i}") for i in range(500)])
            db.session.commit()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        count_notes = sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.object == "jobber.note")
        assert db.session.scalar(count_notes) == 500
    assert len(inserts) <= 2  # SQLAlchemy may batch "insertmanyvalues"; never one per row


def test_core_users_are_audited_without_their_password(app, make_user) -> None:
    user = make_user(app)
    [entry] = [e for e in trail(app, "core.user") if e.record_id == user.id]
    assert entry.action == "create" and entry.changes["email"] == [None, user.email]
    assert entry.changes["password_hash"] == [None, "***"]


def test_the_record_timeline_shows_the_trail(app, make_user) -> None:
    from jobber.models import Note

    user = make_user(app, name="Ann Auditor")
    with app.app_context(), acting_as(user.id):
        note = Note(title="one")
        db.session.add(note)
        db.session.commit()
        note.title = "two"
        db.session.commit()
        results = app.extensions["crm"].pm.hook.crm_timeline_entries(object="jobber.note", record_id=note.id, limit=10)
    entries = [e for batch in results for e in batch if e["kind"] == "audit"]
    assert [e["title"] for e in entries] == ["Changed", "Created"]
    assert entries[0]["detail"] == "title: one → two"
    assert entries[0]["user"] == "Ann Auditor"


def test_the_admin_audit_page_filters_and_nobody_can_change_it(app, client_as, make_user) -> None:
    from jobber.models import Note

    author = make_user(app, email="author@example.test")
    with app.app_context():
        with acting_as(author.id):
            db.session.add(Note(title="by author"))
            db.session.commit()
        db.session.add(Note(title="by nobody"))
        db.session.commit()
    admin = client_as(app, "admin")
    page = admin.get("/admin/audit?object=jobber.note")
    assert page.status_code == 200
    assert "by author" in page.text and "by nobody" in page.text
    only = admin.get("/admin/audit?object=jobber.note&user=author@")
    assert "by author" in only.text and "by nobody" not in only.text
    today = date.today()
    assert "by author" not in admin.get(f"/admin/audit?since={today + timedelta(days=2)}").text
    assert "by author" in admin.get(f"/admin/audit?since={today - timedelta(days=1)}&until={today + timedelta(days=1)}").text
    assert client_as(app, "manager").get("/admin/audit").status_code == 403

    # read-only: no route under the audit page or the API accepts anything but GET
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule.rule
    assert admin.post("/admin/audit").status_code in (400, 405)


def test_purging_a_module_deletes_its_audit_rows(app) -> None:
    from jobber.models import Note

    from core.lifecycle import ModuleManager

    with app.app_context():
        db.session.add(Note(title="doomed"))
        db.session.commit()
    assert trail(app)
    users_before = trail(app, "core.user")
    ModuleManager(app).uninstall("jobber", purge=True)
    assert trail(app) == []
    assert trail(app, "core.user") == users_before
