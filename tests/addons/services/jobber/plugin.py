"""Tasks, subscribers and a record table for the tests of core's platform services."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from core import toolkit

#: events heard by the ``note.*`` subscriber (tests read it)
RECEIVED: list[toolkit.Event] = []
#: how often ``jobber.flaky`` still fails before it succeeds
FLAKY = {"left": 0}


def add(a: int, b: int, progress: Any) -> dict[str, Any]:
    progress(50, "adding")
    return {"sum": a + b}


def steps(n: int, progress: Any) -> list[dict[str, Any]]:
    """Report progress, then read what another connection sees of this job meanwhile."""
    seen = []
    for i in range(1, n + 1):
        progress(i * 100 // (n + 1), f"step {i}")
        time.sleep(0.3)  # progress is written at most every 0.25 s
        with toolkit.db.engine.connect() as conn:
            row = conn.execute(toolkit.sa.text(
                "SELECT state, progress, message FROM core_job WHERE task = 'jobber.steps' ORDER BY id DESC"
            )).first()
        seen.append({"state": row[0], "progress": row[1], "message": row[2]})
    return seen


def fail() -> None:
    raise RuntimeError("boom")


def flaky() -> str:
    if FLAKY["left"] > 0:
        FLAKY["left"] -= 1
        raise ConnectionError("try again")
    return "finally"


def create_note(title: str) -> int:
    from jobber.models import Note

    note = Note(title=title)
    toolkit.db.session.add(note)
    toolkit.db.session.flush()
    toolkit.publish("note.created", {"title": title}, module="jobber", object="jobber.note", record_id=note.id)
    return note.id


def hear(event: toolkit.Event) -> None:
    RECEIVED.append(event)


def explode(event: toolkit.Event) -> None:
    raise RuntimeError(f"subscriber failure on {event.name}")


def echo(event: toolkit.Event) -> None:
    """Writes in its own transaction: proves subscribers get a working session."""
    from jobber.models import Note

    title = event.payload.get("title", "")
    if not title.startswith("echo "):
        toolkit.db.session.add(Note(title=f"echo {title}"))


@toolkit.hookimpl
def crm_models() -> list[type]:
    from jobber.models import Note

    return [Note]


@toolkit.hookimpl
def crm_permissions() -> list:
    return toolkit.load_security("jobber", Path(__file__).parent)


@toolkit.hookimpl
def crm_tasks() -> list[toolkit.TaskSpec]:
    return [
        toolkit.TaskSpec("jobber.add", add),
        toolkit.TaskSpec("jobber.steps", steps),
        toolkit.TaskSpec("jobber.fail", fail),
        toolkit.TaskSpec("jobber.flaky", flaky, max_retries=2),
        toolkit.TaskSpec("jobber.create_note", create_note),
    ]


@toolkit.hookimpl
def crm_event_subscribers() -> list[toolkit.Subscriber]:
    return [
        toolkit.Subscriber("note.*", explode, name="jobber.explode"),
        toolkit.Subscriber("note.*", hear, name="jobber.hear"),
        toolkit.Subscriber("note.created", echo, name="jobber.echo"),
    ]
