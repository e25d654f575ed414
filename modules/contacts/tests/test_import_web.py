"""The import pages and job, and ``crm contacts import``: what a user sees and what the exit code says."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from core import toolkit
from core.testing import csrf_token
from modules.contacts.tests.import_helpers import contacts, count, csv_bytes

pytestmark = pytest.mark.crm_modules("contacts")

ROWS = [["名", "姓", "邮箱", "电话", "等级"],
        ["小明", "王", "wang@example.cn", "+86 138 0013 8000", "gold"],
        ["华", "李", "li@", "+86 139 0013 9000", "silver"],
        ["伟", "张", "zhang@example.cn", "", "diamond"]]


def _upload(client, data: bytes, name: str = "kunden.csv", **fields: str):
    form = {"csrf_token": csrf_token(client, "/contacts/import/"), "file": (io.BytesIO(data), name), **fields}
    return client.post("/contacts/import/", data=form, content_type="multipart/form-data")


def test_upload_suggests_columns_and_previews_rows_with_their_problems(app, client_as) -> None:
    client = client_as(app, "manager")
    response = _upload(client, csv_bytes(ROWS))
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for index, target in enumerate(["first_name", "last_name", "email", "phone", "tier"]):
        assert re.search(rf'name="map-{index}">.*?<option value="{target}" selected>', html, re.S), target
    assert "OK: new contact" in html
    assert "&#39;li@&#39; is not a valid e-mail address" in html
    assert "&#39;diamond&#39; is not one of the choices" in html
    assert count(app) == 0


def _start(client, location: str, action: str, **fields: str):
    token_url = location if location.startswith("/") else "/" + location.split("/", 3)[3]
    form = {"csrf_token": csrf_token(client, token_url), "action": action, "mapped": "1", "map-0": "first_name",
            "map-1": "last_name", "map-2": "email", "map-3": "phone", "map-4": "tier", "dedupe": "skip",
            "on_error": "abort", "encoding": "", "delimiter": "", **fields}
    return client.post(token_url, data=form)


def test_import_runs_as_a_job_with_progress_and_an_error_report(app, client_as) -> None:
    client = client_as(app, "manager")
    location = _upload(client, csv_bytes(ROWS)).headers["Location"]
    started = _start(client, location, "import", on_error="skip")
    assert started.status_code == 302
    status = client.get(started.headers["Location"])
    html = status.get_data(as_text=True)
    assert 'data-state="done"' in html and 'value="100"' in html
    assert re.search(r'id="import-created">1<', html) and re.search(r'id="import-failed">2<', html)
    assert contacts(app, "first_name", "last_name", "email", "tier", "owner_id") == [
        ("小明", "王", "wang@example.cn", "gold", client.user.id)]
    report = client.get(started.headers["Location"] + "/errors.csv")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    lines = report.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "line,column,message"
    assert lines[1].startswith("3,邮箱,") and lines[2].startswith("4,等级,")
    from core.jobs.models import Job

    with app.app_context():
        job = toolkit.db.session.scalars(toolkit.sa.select(Job)).one()
        assert (job.task, job.state, job.progress, job.user_id) == ("contacts.import", "done", 100, client.user.id)
        assert job.result["created"] == 1


def test_dry_run_and_abort_write_nothing(app, client_as) -> None:
    client = client_as(app, "manager")
    location = _upload(client, csv_bytes(ROWS)).headers["Location"]
    dry = client.get(_start(client, location, "dry_run").headers["Location"]).get_data(as_text=True)
    assert "Dry run: 1 contact(s) would be created" in dry
    aborted = client.get(_start(client, location, "import").headers["Location"]).get_data(as_text=True)
    assert "Nothing was imported: 2 row(s) have errors" in aborted
    assert count(app) == 0


def test_messages_come_in_the_importers_language(app, client_as) -> None:
    client = client_as(app, "manager")
    with app.app_context():
        toolkit.db.session.execute(toolkit.sa.update(toolkit.User).where(toolkit.User.id == client.user.id)
                                   .values(locale="de"))
        toolkit.db.session.commit()
    location = _upload(client, csv_bytes([["Nachname", "E-Mail"], ["", "a@example.com"], ["Lee", ""]])).headers["Location"]
    form = {"csrf_token": csrf_token(client, location), "action": "import"}
    status = client.get(client.post(location, data=form).headers["Location"]).get_data(as_text=True)
    assert "Es wurde nichts importiert: 1 Zeile(n) sind fehlerhaft" in status


def test_an_upload_over_the_limit_is_refused_before_it_is_stored(make_app, client_as) -> None:
    app = make_app(("contacts",), config={"CRM_CONTACTS_IMPORT_MAX_BYTES": 1024 * 1024})
    client = client_as(app, "manager")
    response = _upload(client, b"Last name\n" + b"x\n" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert "larger than the limit of 1 MB" in response.get_data(as_text=True)
    folder = Path(app.instance_path) / "contacts_imports"
    assert not folder.exists() or not any(folder.iterdir())


def test_pages_need_the_import_permission_and_uploads_stay_private(app, client_as) -> None:
    user = client_as(app, "user")
    assert user.get("/contacts/import/").status_code == 403
    owner, other = client_as(app, "manager"), client_as(app, "manager")
    location = _upload(owner, csv_bytes(ROWS)).headers["Location"]
    assert other.get(location).status_code == 404
    assert other.get(location.rsplit("/", 1)[0] + "/errors.csv").status_code == 404
    assert owner.get("/contacts/import/not-a-token/columns").status_code == 404


def test_cli_import_prints_the_report_and_exits_1_on_abort(crm_cli, tmp_path: Path) -> None:
    assert crm_cli("modules", "install", "contacts").exit_code == 0
    created = crm_cli("users", "create", "owner@example.com", "--role", "manager", "--password-stdin",
                      input="Tr0ub4dor&3-but-longer\n")
    assert created.exit_code == 0, created.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["Last name", "E-mail"], ["Lee", "lee@example.com"], ["Ray", "nope"]]))
    result = crm_cli("contacts", "import", str(bad))
    assert result.exit_code == 1
    assert "line 3, E-mail: 'nope' is not a valid e-mail address" in result.output
    assert "Nothing was imported" in result.output

    skipped = crm_cli("contacts", "import", str(bad), "--on-error", "skip", "--owner", "owner@example.com")
    assert skipped.exit_code == 0, skipped.output
    assert "1 contact(s) created" in skipped.output

    again = crm_cli("contacts", "import", str(bad), "--on-error", "skip", "--dedupe", "skip", "--dry-run")
    assert again.exit_code == 0 and "0 contact(s) would be created" in again.output

    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(csv_bytes([["姓", "名"], ["王", "小明"]], delimiter=";", encoding="gbk"))
    wrong = crm_cli("contacts", "import", str(gbk), "--encoding", "utf-8")
    assert wrong.exit_code == 1 and "Line 1 cannot be read as utf-8" in wrong.output
    right = crm_cli("contacts", "import", str(gbk), "--encoding", "gbk", "--delimiter", ";")
    assert right.exit_code == 0 and "1 contact(s) created" in right.output

    missing = crm_cli("contacts", "import", str(tmp_path / "nothing.csv"))
    assert missing.exit_code == 1 and "cannot be opened" in missing.output
    nobody = crm_cli("contacts", "import", str(bad), "--owner", "ghost@example.com")
    assert nobody.exit_code == 1 and "no user with the e-mail address" in nobody.output

    import sqlalchemy as sa

    engine = sa.create_engine(crm_cli.url)
    with engine.connect() as conn:
        owners = conn.execute(sa.text("SELECT c.last_name, u.email FROM contacts_contact c "
                                      "LEFT JOIN core_user u ON u.id = c.owner_id ORDER BY c.id")).all()
    engine.dispose()
    assert [tuple(r) for r in owners] == [("Lee", "owner@example.com"), ("王", None)]


def test_the_limit_holds_before_the_csrf_check_reads_the_body(make_app, client_as) -> None:
    """Werkzeug refuses the body from its announced length; nothing is parsed or stored."""
    app = make_app(("contacts",), config={"CRM_CONTACTS_IMPORT_MAX_BYTES": 1024 * 1024})
    client = client_as(app, "manager")
    read = []

    class Body(io.BytesIO):
        def read(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            chunk = super().read(*args, **kwargs)
            read.append(len(chunk))
            return chunk

    payload = b"Last name\n" + b"x\n" * (3 * 1024 * 1024)
    body = (b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            b"Content-Type: text/csv\r\n\r\n" + payload + b"\r\n--B--\r\n")
    response = client.post("/contacts/import/", input_stream=Body(body), content_length=len(body),
                           content_type="multipart/form-data; boundary=B")
    assert response.status_code == 413
    assert "larger than the limit of 1 MB" in response.get_data(as_text=True)
    assert sum(read) < 1024 * 1024, "the body must not be read"
