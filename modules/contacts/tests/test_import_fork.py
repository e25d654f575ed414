"""Big files are checked in a forked process (import_fork): the same outcome as on a thread, and no process left."""

from __future__ import annotations

import gc
import os
import signal
import time

import pytest

from core import toolkit
from modules.contacts import import_fork
from modules.contacts.tests.import_helpers import MEMBER_ROWS, add_member_fields, contacts, csv_bytes, run_import

pytestmark = [
    pytest.mark.crm_modules("contacts"),
    pytest.mark.skipif(not import_fork.available(), reason="this platform cannot fork"),
]

HEADER = ["First name", "Last name", "E-mail", "Mobile", "Birthday", "Tier", "Company", "Tags", "City"]
ROWS = [
    HEADER,
    ["Ann", "Lee", "ann.lee@example.com", "", "1980-02-03", "gold", "", "", "Berlin"],  # already there
    ["Jürgen", "Groß", "juergen@example.de", "0170 1234567", "3.4.1975", "silver", "Acme", "vip,new", "Köln"],
    ["Bad", "Mail", "not-an-address", "", "", "", "", "", ""],
    ["Bad", "Tier", "tier@example.com", "", "", "diamond", "", "", ""],
    ["Too", "Many", "many@example.com", "", "", "", "", "", "", "extra"],
    ["明", "王", "", "+86 138 0013 8000", "", "", "Acme", "", "北京"],
    ["Jürgen", "Groß", "JUERGEN@example.de", "", "", "", "", "", "Bonn"],  # repeats line 3
    ["Eve", "Ray", "eve@example.com", "", "31.02.1990", "", "", "", ""],
]
COLUMNS = ("first_name", "last_name", "email_key", "phone_key", "birthday", "tier", "city", "completeness", "version")


@pytest.fixture
def forks(monkeypatch):
    """The pids of the checking processes started, whether they were reaped; every file forks."""
    from modules.contacts import importer

    started: list[int] = []

    class Recording(import_fork.ForkedChunks):
        def __init__(self, produce) -> None:
            super().__init__(produce)
            started.append(self.pid)

    monkeypatch.setattr(import_fork, "ForkedChunks", Recording)
    monkeypatch.setattr(importer, "FORK_FROM_ROWS", 0)
    return started


def _gone(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True  # reaped already: not our child any more
    return False


def _outcome(make_app, dedupe: str, **options):
    from modules.contacts.models import Contact

    app = make_app(("contacts",), config={"CRM_CONTACTS_PHONE_REGION": "DE"})
    with app.app_context():
        toolkit.db.session.add(Contact(first_name="Ann", last_name="Lee", email="ann.lee@example.com"))
        toolkit.db.session.commit()
    result = run_import(app, csv_bytes(ROWS), dedupe=dedupe, on_error="skip", chunk_size=2, **options)
    summary = result.summary()
    summary.pop("seconds", None)
    summary.pop("rows_per_s", None)
    return summary, contacts(app, *COLUMNS)


@pytest.mark.parametrize("dedupe", ["skip", "update"])
def test_a_forked_check_imports_what_a_thread_does(make_app, monkeypatch, forks, dedupe) -> None:
    from modules.contacts import importer

    forked = _outcome(make_app, dedupe)
    assert len(forks) == 1 and _gone(forks[0])
    monkeypatch.setattr(importer, "FORK_FROM_ROWS", 10**9)
    threaded = _outcome(make_app, dedupe)
    assert len(forks) == 1, "the small-file path does not fork"
    assert forked[0] == threaded[0]
    assert forked[1] == threaded[1]
    summary, rows = forked
    assert (summary["created"], summary["failed"]) == (2, 4), summary
    assert {(e["line"], e["column"]) for e in summary["errors"]} == {(4, "E-mail"), (5, "Tier"), (6, ""),
                                                                    (9, "Birthday")}
    juergen = next(r for r in rows if r[0] == "Jürgen")
    assert juergen[2:4] == ("juergen@example.de", "+491701234567") and juergen[4].isoformat() == "1975-04-03"
    wang = next(r for r in rows if r[1] == "王")
    assert wang[3] == "+8613800138000" and wang[7] is not None, "scored in the child, like the listener would"
    assert juergen[6] == ("Bonn" if dedupe == "update" else "Köln")


def test_custom_fields_are_checked_in_the_child_as_on_a_thread(make_app, monkeypatch, forks) -> None:
    """The child checks custom values with the definitions the importer loaded before the fork
    (it has no database connection of its own); unique values are checked by the importer."""
    from modules.contacts import importer

    rows = [*MEMBER_ROWS, ["Ode", "M-4", "", "C"]]  # the last: not a choice

    def outcome():
        app = make_app(("contacts",))
        add_member_fields(app)
        result = run_import(app, csv_bytes(rows), on_error="skip", chunk_size=2)
        return (result.created, sorted((e.line, e.column, e.message) for e in result.errors),
                contacts(app, "last_name", "custom"))

    forked = outcome()
    assert len(forks) == 1 and _gone(forks[0])
    monkeypatch.setattr(importer, "FORK_FROM_ROWS", 10**9)
    assert outcome() == forked
    created, errors, stored = forked
    assert created == 1
    assert [(line, column) for line, column, _m in errors] == [
        (3, "Member number"), (4, "VIP since"), (5, "Segment"), (6, "Segment")]
    assert stored == [("Lee", {"member_no": "M-1", "vip_since": "2020-01-31", "segment": "A"})]


def test_the_child_writes_messages_in_the_importers_language(make_app, monkeypatch, forks) -> None:
    from flask_babel import force_locale

    from modules.contacts import importer

    app = make_app(("contacts",))
    data = csv_bytes(ROWS[:1] + ROWS[3:4])

    def message(language: str) -> str:
        with app.app_context(), force_locale(language):
            result = importer.import_file(data, importer.ImportOptions(on_error="skip", dry_run=True))
        assert result.failed == 1
        return result.errors[0].message

    german, english = message("de"), message("en")
    assert len(forks) == 2 and german != english
    monkeypatch.setattr(importer, "FORK_FROM_ROWS", 10**9)
    assert message("de") == german, "the thread's German"


def test_a_file_broken_halfway_stops_with_its_line_and_writes_nothing(make_app, forks) -> None:
    # a cell over the csv module's field limit (131,072 characters) on line 32
    rows = "First name,Last name\n" + "".join(f"Ann{i},Lee\n" for i in range(30)) + "Bob," + "x" * 200_000 + "\n"
    app = make_app(("contacts",))
    pipes = _pipes()
    result = run_import(app, rows.encode(), chunk_size=4)
    assert result.error is not None and "Line 32" in result.error, result.error
    assert result.created == 0 and contacts(app, "id") == []
    assert forks and _gone(forks[0]) and _pipes() == pipes


def test_a_failure_while_writing_stops_the_child(make_app, monkeypatch, forks) -> None:
    from modules.contacts import importer

    def fail(self, *args):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(importer._Run, "_insert", fail)
    app = make_app(("contacts",))
    with pytest.raises(RuntimeError, match="disk is full"):
        run_import(app, csv_bytes([["Name"], *[[f"Ann {i}"] for i in range(50)]]), chunk_size=2)
    assert forks and _gone(forks[0])
    assert gc.isenabled(), "the collector is back on after a failed import"


def test_the_collector_is_paused_only_while_importing(make_app) -> None:
    app = make_app(("contacts",))
    assert gc.isenabled()
    run_import(app, csv_bytes([["Name"], ["Ann Lee"]]))
    assert gc.isenabled()
    gc.disable()
    try:
        run_import(app, csv_bytes([["Name"], ["Bob Stone"]]))
        assert not gc.isenabled(), "left off when it was off before"
    finally:
        gc.enable()


# -- ForkedChunks on its own -----------------------------------------------------------------


def test_items_arrive_in_order_then_none() -> None:
    chunks = import_fork.ForkedChunks(lambda: ([n] * n for n in range(1, 200)))
    try:
        got = [chunks.next() for _ in range(199)]
        assert got == [[n] * n for n in range(1, 200)]
        assert chunks.next() is None and chunks.next() is None
    finally:
        chunks.close()


class Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("no")


@pytest.mark.parametrize(("error", "expected"), [(ValueError("Line 7 cannot be read"), ValueError),
                                                 (Unpicklable("odd"), RuntimeError)])
def test_the_childs_error_is_raised_in_the_parent(error, expected) -> None:
    def produce():
        yield "first"
        raise error

    chunks = import_fork.ForkedChunks(produce)
    pid = chunks.pid
    assert chunks.next() == "first"
    with pytest.raises(expected) as raised:
        chunks.next()
    assert str(error) in str(raised.value)
    assert pid is not None and _gone(pid)


def test_a_child_that_dies_or_hangs_is_an_error_not_a_wait(monkeypatch) -> None:
    def die():
        yield "first"
        os.kill(os.getpid(), signal.SIGKILL)
        yield "never"

    chunks = import_fork.ForkedChunks(die)
    pid = chunks.pid
    assert chunks.next() == "first"
    with pytest.raises(import_fork.ChildFailed, match="ended unexpectedly"):
        chunks.next()
    assert pid is not None and _gone(pid)

    monkeypatch.setattr(import_fork, "STALL_SECONDS", 0.3)

    def hang():
        time.sleep(60)
        yield "late"

    chunks = import_fork.ForkedChunks(hang)
    pid = chunks.pid
    started = time.monotonic()
    with pytest.raises(import_fork.ChildFailed, match="no checked rows"):
        chunks.next()
    assert time.monotonic() - started < 10 and _gone(pid)


def test_no_child_to_be_had_means_checking_on_the_thread(make_app, monkeypatch) -> None:
    from modules.contacts import importer

    def refuse() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(importer, "FORK_FROM_ROWS", 0)
    monkeypatch.setattr(os, "fork", refuse)
    app = make_app(("contacts",))
    before = _pipes()
    result = run_import(app, csv_bytes([["Name", "E-mail"], ["Ann Lee", "ann@example.com"], ["Bob", "x"]]),
                        on_error="skip")
    assert (result.created, result.failed) == (1, 1), result.summary()
    assert _pipes() == before, "the pipe was closed again"


def _pipes() -> int | None:
    """How many pipes this process has open (Linux), None where /proc cannot tell."""
    if not os.path.isdir("/proc/self/fd"):
        return None
    count = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{name}").startswith("pipe:")
        except OSError:
            continue
    return count
