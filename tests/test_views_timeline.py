"""Timelines merge what every installed module reports about a record, newest first."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from test_views_support import NOTES, add_notes, notebook_app, signed_in

from core.hookspecs import hookimpl


class OtherModule:
    """Stands in for a second installed module (and the audit trail) answering the hook."""

    @hookimpl
    def crm_timeline_entries(self, object: str, record_id: int, limit: int) -> list[dict[str, Any]]:
        if object != "notebook.note":
            return []
        berlin = timezone(timedelta(hours=2))
        return [
            # 09:30 in Berlin is 07:30 UTC: after the 07:00 UTC entry below, before 08:00 UTC
            {"when": datetime(2026, 1, 2, 9, 30, tzinfo=berlin), "title": "Call <logged>", "kind": "call"},
            {"when": datetime(2026, 1, 2, 8, 0), "title": "Email sent", "kind": "email", "url": "/mail/1"},
            {"when": datetime(2026, 1, 2, 7, 0), "title": "Meeting", "kind": "meeting"},
        ][:limit]


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, make_app: Any) -> Any:
    app = notebook_app(monkeypatch, make_app)
    app.extensions["crm"].pm.register(OtherModule(), name="other_module")
    return app


def test_timeline_for_merges_modules_newest_first(app: Any) -> None:
    from core.ui.timeline import timeline_for

    client = signed_in(app)
    note_id = add_notes(app, client.user, created_at=datetime(2026, 1, 2, 7, 45))[0]
    with app.app_context():
        titles = [e["title"] for e in timeline_for("notebook.note", note_id)]
        assert titles == ["Email sent", "Note created", "Call <logged>", "Meeting"]
        assert [e["title"] for e in timeline_for("notebook.note", note_id, limit=2)] == ["Email sent", "Note created"]
        assert timeline_for("notebook.other", note_id) == []


def test_detail_page_shows_the_timeline(app: Any) -> None:
    client = signed_in(app)
    note_id = add_notes(app, client.user, created_at=datetime(2026, 1, 2, 7, 45))[0]
    page = client.get(f"{NOTES}{note_id}").text
    positions = [page.index(t) for t in ("Email sent", "Note created", "Call &lt;logged&gt;", "Meeting")]
    assert positions == sorted(positions)
    assert 'href="/mail/1"' in page


class BrokenModule:
    @hookimpl
    def crm_timeline_entries(self, object: str, record_id: int, limit: int) -> list[dict[str, Any]]:
        raise RuntimeError("timeline source is down")


def test_a_failing_module_leaves_the_rest_of_the_timeline(app: Any, caplog: pytest.LogCaptureFixture) -> None:
    app.extensions["crm"].pm.register(BrokenModule(), name="broken_module")
    client = signed_in(app)
    note_id = add_notes(app, client.user)[0]
    response = client.get(f"{NOTES}{note_id}")
    assert response.status_code == 200
    assert "Note created" in response.text and "Email sent" in response.text
    assert "broken_module" in caplog.text and "timeline source is down" in caplog.text
