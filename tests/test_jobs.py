"""Background jobs: run after the commit, record progress, results and failures, show them to their owner."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from core.events import acting_as
from core.extensions import db
from core.jobs import Job, UnknownTask, enqueue
from core.jobs.local import drain


@pytest.fixture
def app(addons, make_app):
    addons("services")
    return make_app(("jobber",))


def job(app, job_id: int) -> Job:
    with app.app_context():
        row = db.session.get(Job, job_id)
        db.session.expunge(row)
        return row


def test_a_job_runs_and_records_its_result(app, make_user) -> None:
    user = make_user(app)
    with app.app_context(), acting_as(user.id):
        job_id = enqueue("jobber.add", a=2, b=3)
    done = job(app, job_id)
    assert (done.state, done.progress, done.result, done.user_id, done.module) == ("done", 100, {"sum": 5}, user.id, "jobber")
    assert done.message == "adding"
    assert done.started_at and done.finished_at and done.attempts == 1


def test_a_failing_job_is_recorded_as_failed(app) -> None:
    with app.app_context():
        job_id = enqueue("jobber.fail")
    failed = job(app, job_id)
    assert failed.state == "failed"
    assert failed.message == "RuntimeError: boom"
    assert failed.finished_at is not None


def test_a_task_with_retries_is_retried_until_it_succeeds(app) -> None:
    import jobber.plugin

    jobber.plugin.FLAKY["left"] = 2
    with app.app_context():
        job_id = enqueue("jobber.flaky")
    row = job(app, job_id)
    assert (row.state, row.attempts, row.result) == ("done", 3, "finally")


def test_a_job_waits_for_the_transaction_that_enqueued_it(app) -> None:
    """Enqueued inside a transaction with writes: it starts at the commit, and not at all on rollback."""
    from jobber.models import Note

    with app.app_context():
        db.session.add(Note(title="first"))
        db.session.flush()
        job_id = enqueue("jobber.add", a=1, b=1)
        assert db.session.get(Job, job_id).state == "queued"
        db.session.commit()
        assert db.session.get(Job, job_id).state == "done"

        db.session.add(Note(title="second"))
        db.session.flush()
        lost = enqueue("jobber.add", a=1, b=1)
        db.session.rollback()
        assert db.session.get(Job, lost) is None


def test_unknown_tasks_and_unserialisable_arguments_are_refused(app) -> None:
    with app.app_context():
        with pytest.raises(UnknownTask, match="nope.task"):
            enqueue("nope.task")
        with pytest.raises(TypeError, match="JSON"):
            enqueue("jobber.add", a=object(), b=1)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_without_a_broker_jobs_run_on_threads_and_report_progress(make_app, addons) -> None:
    """The ``python run.py`` mode: enqueue returns at once, the job runs beside the request."""
    addons("services")
    app = make_app(("jobber",), config={"CRM_JOBS_EAGER": False})
    started = time.monotonic()
    with app.app_context():
        job_id = enqueue("jobber.steps", n=2)
    assert time.monotonic() - started < 0.5  # the task itself takes more than 0.6 s
    assert drain(30)
    row = job(app, job_id)
    assert row.state == "done"
    first = row.result[0]
    # while it ran, another connection saw it running with its progress and message
    assert first["state"] == "running" and first["progress"] == 33 and first["message"] == "step 1"


def test_the_progress_page_shows_a_users_own_jobs(app, client_as) -> None:
    owner = client_as(app, "user")
    other = client_as(app, "user")
    admin = client_as(app, "admin")
    with app.app_context(), acting_as(owner.user.id):
        job_id = enqueue("jobber.add", a=20, b=22)
        queued = Job(task="jobber.add", module="jobber", user_id=owner.user.id, state="running", progress=40,
                     message="halfway", kwargs={}, attempts=1)
        db.session.add(queued)
        db.session.commit()
        running_id = queued.id

    page = owner.get(f"/jobs/{running_id}")
    assert page.status_code == 200
    assert '<progress id="job-progress" max="100" value="40">' in page.text
    assert 'http-equiv="refresh"' in page.text and "halfway" in page.text
    finished = owner.get(f"/jobs/{job_id}")
    assert "42" in finished.text and 'http-equiv="refresh"' not in finished.text
    listing = owner.get("/jobs")
    assert f'data-job="{job_id}"' in listing.text and f'data-job="{running_id}"' in listing.text
    data = owner.get(f"/jobs/{job_id}.json").get_json()
    assert (data["state"], data["progress"], data["result"]) == ("done", 100, {"sum": 42})

    assert other.get(f"/jobs/{job_id}").status_code == 404
    assert other.get(f"/jobs/{job_id}.json").status_code == 404
    assert f'data-job="{job_id}"' not in other.get("/jobs").text
    assert admin.get(f"/jobs/{job_id}").status_code == 200
    assert app.test_client().get("/jobs").status_code == 302  # anonymous: to the login page


def test_a_job_acts_as_the_user_who_started_it(app, make_user) -> None:
    from core.audit import AuditEntry

    user = make_user(app)
    with app.app_context(), acting_as(user.id):
        job_id = enqueue("jobber.create_note", title="from a job")
    note_id = job(app, job_id).result
    with app.app_context():
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.object == "jobber.note", AuditEntry.record_id == note_id)
        ).one()
        assert (entry.action, entry.user_id) == ("create", user.id)


def test_scheduled_tasks_become_the_celery_beat_schedule(app) -> None:
    from celery.schedules import crontab

    from core.declarations import Schedule
    from core.jobs.celery_app import beat_schedule, parse_crontab

    registry = app.extensions["crm"].registry
    schedule = beat_schedule(registry)
    assert schedule["core.sweep"]["task"] == "core.sweep"
    assert schedule["core.sweep"]["schedule"].total_seconds() == 60
    assert isinstance(parse_crontab("30 2 * * 1"), crontab)
    registry.schedules["jobber.nightly"] = Schedule("jobber.nightly", task="jobber.add", crontab="0 3 * * *",
                                                    kwargs={"a": 1, "b": 2})
    entry = beat_schedule(registry)["jobber.nightly"]
    assert entry["kwargs"] == {"kwargs": {"a": 1, "b": 2}} and isinstance(entry["schedule"], crontab)
    with pytest.raises(ValueError, match="five fields"):
        parse_crontab("* * *")


def test_without_a_broker_the_local_scheduler_runs_due_schedules(app) -> None:
    """What ``crm beat`` does without a broker: every schedule once per interval, on the thread pool."""
    from datetime import UTC, datetime, timedelta

    from core.declarations import Schedule
    from core.jobs.local import LocalScheduler

    registry = app.extensions["crm"].registry
    registry.schedules["jobber.minutely"] = Schedule("jobber.minutely", task="jobber.add", crontab="* * * * *",
                                                     kwargs={"a": 1, "b": 1})
    scheduler = LocalScheduler(lambda: app)
    start = datetime.now(UTC)
    assert scheduler.run_once(start) == []  # the first run comes one interval after start
    assert scheduler.run_once(start + timedelta(seconds=30)) == []
    assert scheduler.run_once(start + timedelta(seconds=61)) == ["core.sweep"]
    scheduler.last["jobber.minutely"] = start - timedelta(minutes=2)
    assert scheduler.run_once(start + timedelta(seconds=62)) == ["jobber.minutely"]
    assert drain(30)


def test_crm_worker_needs_a_broker(crm_cli) -> None:
    result = crm_cli("worker")
    assert result.exit_code == 1
    assert "CRM_BROKER_URL is not set" in result.output
