"""Tasks: reminders mailed once through the outbox, the personal calendar and agenda show only the
user's own tasks, the .ics export parses and holds them, done / reopen."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from core import toolkit
from core.testing import csrf_token
from modules.contacts.tests.activity_helpers import add_contact, api_headers


def _task(app, owner_id, title="Call back", due=None, remind=None, **values):
    from modules.contacts.models import Task

    with app.app_context():
        task = Task(title=title, owner_id=owner_id, due_at=due or toolkit.utcnow() + timedelta(days=1),
                    remind_at=remind, **values)
        toolkit.db.session.add(task)
        toolkit.db.session.commit()
        return task.id


def _outbox(app):
    from core.mail import OutboxMail

    with app.app_context():
        return list(toolkit.db.session.execute(sa.select(OutboxMail.to, OutboxMail.subject, OutboxMail.body)).all())


def test_reminder_is_sent_once_and_not_again(make_app, make_user):
    from modules.contacts.tasks import send_reminders

    app = make_app(("contacts",))
    owner = make_user(app, "user", email="owner@example.test")
    now = toolkit.utcnow()
    due_id = _task(app, owner.id, "Send the offer", due=now + timedelta(hours=2), remind=now - timedelta(minutes=1))
    _task(app, owner.id, "Later", due=now + timedelta(days=3), remind=now + timedelta(days=2))
    _task(app, owner.id, "Done already", remind=now - timedelta(hours=1), done_at=now - timedelta(hours=2))
    with app.app_context():
        assert send_reminders() == 1
        toolkit.db.session.commit()
    mails = _outbox(app)
    assert len(mails) == 1
    assert mails[0].to == "owner@example.test" and "Send the offer" in mails[0].subject
    assert "Send the offer" in mails[0].body
    with app.app_context():
        assert send_reminders() == 0  # nothing is mailed twice
        toolkit.db.session.commit()
    assert len(_outbox(app)) == 1
    # moving the reminder re-arms it
    from modules.contacts.models import Task

    with app.app_context():
        task = toolkit.db.session.get(Task, due_id)
        assert task.reminded_at is not None
        task.remind_at = now - timedelta(seconds=10)
        toolkit.db.session.commit()
        assert send_reminders() == 1
        toolkit.db.session.commit()
    assert len(_outbox(app)) == 2


def test_reminder_job_runs_through_the_task_registry(make_app, make_user):
    app = make_app(("contacts",))
    owner = make_user(app, "user", email="runner@example.test", name="Runner")
    now = toolkit.utcnow()
    _task(app, owner.id, "One", remind=now - timedelta(minutes=5))
    _task(app, owner.id, "Two", remind=now - timedelta(minutes=3))
    with app.app_context():
        assert "contacts.reminders" in app.extensions["crm"].registry.schedules
        toolkit.enqueue("contacts.send_reminders")
        toolkit.db.session.commit()
    mails = _outbox(app)
    assert len(mails) == 1  # one mail per owner, both tasks in it
    assert "One" in mails[0].body and "Two" in mails[0].body and "Runner" in mails[0].body


def test_german_owner_gets_a_german_reminder(make_app, make_user):
    from modules.contacts.tasks import send_reminders

    app = make_app(("contacts",))
    owner = make_user(app, "user", email="de@example.test")
    with app.app_context():
        toolkit.db.session.get(toolkit.User, owner.id).locale = "de"
        toolkit.db.session.commit()
    _task(app, owner.id, "Angebot", remind=toolkit.utcnow() - timedelta(minutes=1))
    with app.app_context():
        send_reminders()
        toolkit.db.session.commit()
    assert "Erinnerung" in _outbox(app)[0].subject


def test_calendar_shows_only_own_tasks(make_app, client_as, make_user):
    app = make_app(("contacts",))
    client = client_as(app, "manager")
    other = make_user(app, "user")
    due = datetime(2026, 5, 14, 9, 30)
    _task(app, client.user.id, "My own follow-up", due=due)
    _task(app, other.id, "Somebody else's task", due=due)
    page = client.get("/contacts/tasks/calendar?month=2026-05").get_data(as_text=True)
    assert "My own follow-up" in page and "Somebody else" not in page
    assert "2026" in page
    assert "My own follow-up" not in client.get("/contacts/tasks/calendar?month=2026-06").get_data(as_text=True)
    # a bad month in a bookmark still opens (this month)
    assert client.get("/contacts/tasks/calendar?month=2026-13").status_code == 200
    agenda = client.get("/contacts/tasks/agenda").get_data(as_text=True)
    assert "My own follow-up" in agenda and "Somebody else" not in agenda


def test_calendar_needs_login(make_app, make_user):
    app = make_app(("contacts",))
    make_user(app, "admin")
    response = app.test_client().get("/contacts/tasks/calendar")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert app.test_client().get("/contacts/tasks/calendar.ics").status_code == 302


def test_ics_export_parses_and_holds_own_tasks(make_app, client_as, make_user):
    from icalendar import Calendar

    app = make_app(("contacts",))
    client = client_as(app, "user")
    other = make_user(app, "user")
    due = datetime(2026, 7, 1, 8, 0)
    _task(app, client.user.id, "Renew contract", due=due, remind=due - timedelta(hours=1), notes="Bring the draft")
    _task(app, other.id, "Not mine", due=due)
    response = client.get("/contacts/tasks/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    events = list(cal.walk("VEVENT"))
    assert [str(e["SUMMARY"]) for e in events] == ["Renew contract"]
    event = events[0]
    assert event.decoded("DTSTART").replace(tzinfo=None) == due
    assert str(event["DESCRIPTION"]) == "Bring the draft"
    alarms = list(event.walk("VALARM"))
    assert alarms and alarms[0].decoded("TRIGGER").replace(tzinfo=None) == due - timedelta(hours=1)


def test_mark_done_and_reopen(make_app, client_as):
    from modules.contacts.models import Task

    app = make_app(("contacts",))
    client = client_as(app, "user")
    task_id = _task(app, client.user.id, "Send samples")
    token = csrf_token(client, "/contacts/tasks/agenda")
    response = client.post(f"/contacts/tasks/{task_id}/done", data={"csrf_token": token,
                                                                    "next": "/contacts/tasks/agenda"})
    assert response.status_code == 302 and response.headers["Location"] == "/contacts/tasks/agenda"
    with app.app_context():
        assert toolkit.db.session.get(Task, task_id).done_at is not None
    assert "Send samples" not in client.get("/contacts/tasks/agenda").get_data(as_text=True)
    client.post(f"/contacts/tasks/{task_id}/reopen", data={"csrf_token": token})
    with app.app_context():
        assert toolkit.db.session.get(Task, task_id).done_at is None
    # without CSRF nothing happens
    assert client.post(f"/contacts/tasks/{task_id}/done").status_code == 400


def test_cannot_close_someone_elses_task(make_app, client_as, make_user):
    app = make_app(("contacts",))
    other = make_user(app, "user")
    task_id = _task(app, other.id, "Theirs")
    client = client_as(app, "user")
    token = csrf_token(client, "/contacts/tasks/agenda")
    assert client.post(f"/contacts/tasks/{task_id}/done", data={"csrf_token": token}).status_code == 404


def test_task_api_create_and_filter(make_app, client_as):
    app = make_app(("contacts",))
    client = client_as(app, "user")
    headers = api_headers(app, client.user)
    contact_id = add_contact(app, owner_id=client.user.id)
    response = client.post("/api/v1/tasks", json={
        "title": "Follow up", "contact_id": contact_id, "due_at": "2026-09-01T10:00:00",
        "remind_at": "2026-09-01T09:00:00",
    }, headers=headers)
    assert response.status_code == 201, response.get_json()
    bad = client.post("/api/v1/tasks", json={"title": "x", "due_at": "2026-09-01T10:00:00",
                                             "remind_at": "2026-09-02T10:00:00"}, headers=headers)
    assert bad.status_code == 422 and "remind_at" in bad.get_json()["errors"]
    listed = client.get(f"/api/v1/tasks?contact_id={contact_id}", headers=headers).get_json()["data"]
    assert [t["title"] for t in listed] == ["Follow up"]


def _feed_address(client):
    import re

    page = client.post("/contacts/tasks/calendar/subscribe",
                       data={"csrf_token": csrf_token(client, "/contacts/tasks/calendar/subscribe")})
    assert page.status_code == 200
    match = re.search(r'value="(http://[^"]+/contacts/tasks/feed/cal_[^"]+\.ics)"', page.get_data(as_text=True))
    assert match, "the new address is shown once"
    return match.group(1).split("localhost", 1)[1]


def test_feed_address_is_secret_replaceable_and_revocable(make_app, client_as):
    from icalendar import Calendar

    from modules.contacts.models import CalendarFeed

    app = make_app(("contacts",))
    client = client_as(app, "user")
    _task(app, client.user.id, "Visit the trade fair", due=datetime(2026, 10, 5, 9))
    first = _feed_address(client)
    anonymous = app.test_client()
    response = anonymous.get(first)
    assert response.status_code == 200
    assert [str(e["SUMMARY"]) for e in Calendar.from_ical(response.data).walk("VEVENT")] == ["Visit the trade fair"]
    with app.app_context():
        stored = toolkit.db.session.scalar(sa.select(CalendarFeed.token_hash))
    assert stored not in first and len(stored) == 64  # only a digest is kept
    # the page does not show it again
    assert "/feed/cal_" not in client.get("/contacts/tasks/calendar/subscribe").get_data(as_text=True)
    second = _feed_address(client)
    assert anonymous.get(first).status_code == 404 and anonymous.get(second).status_code == 200
    client.post("/contacts/tasks/calendar/subscribe/revoke",
                data={"csrf_token": csrf_token(client, "/contacts/tasks/calendar/subscribe")})
    assert anonymous.get(second).status_code == 404
    assert anonymous.get("/contacts/tasks/feed/cal_guess.ics").status_code == 404
    assert anonymous.get("/contacts/tasks/feed/nonsense.ics").status_code == 404


def test_feed_stops_for_a_deactivated_user(make_app, client_as):
    app = make_app(("contacts",))
    client = client_as(app, "user")
    address = _feed_address(client)
    with app.app_context():
        toolkit.db.session.get(toolkit.User, client.user.id).active = False
        toolkit.db.session.commit()
    assert app.test_client().get(address).status_code == 404
