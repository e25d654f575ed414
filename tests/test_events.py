"""Domain events reach subscribers only after a commit, and a bad subscriber harms nobody."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core import toolkit
from core.events import acting_as
from core.extensions import db


@pytest.fixture
def app(addons, make_app):
    addons("services")
    app = make_app(("jobber",))
    import jobber.plugin

    jobber.plugin.RECEIVED.clear()
    return app


def received() -> list[toolkit.Event]:
    import jobber.plugin

    return jobber.plugin.RECEIVED


def titles() -> list[str]:
    from jobber.models import Note

    return sorted(db.session.scalars(sa.select(Note.title)).all())


def test_subscribers_hear_an_event_only_after_commit(app) -> None:
    from jobber.models import Note

    with app.app_context():
        note = Note(title="hello")
        db.session.add(note)
        db.session.flush()
        event = toolkit.publish("note.created", {"title": "hello"}, module="jobber", object="jobber.note",
                                record_id=note.id)
        assert received() == []  # not yet committed
        db.session.commit()
        assert [e.id for e in received()] == [event.id]
        heard = received()[0]
        assert (heard.name, heard.payload, heard.object, heard.record_id) == (
            "note.created", {"title": "hello"}, "jobber.note", note.id)
        # the failing subscriber before it did not stop the others: "echo" wrote and committed its note
        db.session.remove()
        assert titles() == ["echo hello", "hello"]


def test_rolled_back_events_are_dropped(app) -> None:
    from jobber.models import Note

    with app.app_context():
        db.session.add(Note(title="never"))
        db.session.flush()
        toolkit.publish("note.created", {"title": "never"}, module="jobber")
        db.session.rollback()
        db.session.commit()  # a later commit must not fire the dropped event
        assert received() == []
        assert titles() == []


def test_patterns_select_subscribers(app) -> None:
    with app.app_context():
        toolkit.publish("note.archived", {}, module="jobber")
        toolkit.publish("contact.created", {}, module="jobber")
        db.session.commit()
        assert [e.name for e in received()] == ["note.archived"]  # note.* only; echo wants note.created


def test_events_name_the_acting_user(app, make_user) -> None:
    user = make_user(app)
    with app.app_context(), acting_as(user.id):
        toolkit.publish("note.touched", {}, module="jobber")
        db.session.commit()
    assert received()[0].user_id == user.id


def test_a_failing_subscriber_does_not_break_the_request(app, client_as) -> None:
    """A view that publishes still answers normally though one subscriber raises."""
    from flask import Blueprint

    bp = Blueprint("t_events", __name__)

    @bp.post("/t-events/publish")
    @toolkit.require("core.admin")
    def view() -> str:
        toolkit.publish("note.created", {"title": "via view"}, module="jobber")
        db.session.commit()
        return "ok"

    app.register_blueprint(bp)
    app.config["WTF_CSRF_ENABLED"] = False
    client = client_as(app, "admin")
    response = client.post("/t-events/publish")
    assert response.status_code == 200 and response.text == "ok"
    assert [e.payload["title"] for e in received()] == ["via view"]
