"""The sample third-party module ``crm_hello``, used the way a PyPI module is.

``make setup`` pip-installs ``tests/third_party/crm_hello`` (a package with a
``crm.modules`` entry point and its ``manifest.toml`` inside). Nothing here
puts it on ``CRM_ADDONS_PATH``: core must find it through the entry point,
install and uninstall it, serve its pages, templates and translations from
the installed package, and call its hooks.
"""

from __future__ import annotations

import importlib.metadata as metadata
import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask

from core import toolkit
from core.testing import csrf_token

MODULE = "hello"
LIST_URL = "/hello/greetings/"


@pytest.fixture(autouse=True, scope="module")
def _package_installed() -> None:
    try:
        metadata.distribution("crm-hello")
    except metadata.PackageNotFoundError:
        pytest.fail("the sample module is not pip-installed: run `make setup` "
                    "(it runs pip install -e tests/third_party/crm_hello)")


def _db(crm_cli: Callable[..., Result]) -> sa.Engine:
    return sa.create_engine(crm_cli.url, poolclass=sa.pool.NullPool)  # type: ignore[attr-defined]


def _rows(engine: sa.Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params))


def test_listed_through_its_entry_point(crm_cli: Callable[..., Result]) -> None:
    result = crm_cli("modules", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    hello = rows[MODULE]
    assert hello["origin"] == "entry-point"
    assert hello["state"] == "available"
    assert hello["version"] == metadata.version("crm-hello")


def test_install_uninstall_keep_and_purge_through_the_cli(crm_cli: Callable[..., Result]) -> None:
    engine = _db(crm_cli)
    result = crm_cli("modules", "install", MODULE)
    assert result.exit_code == 0, result.output
    assert "installed: hello" in result.output
    assert [r.text for r in _rows(engine, "SELECT text FROM hello_greeting")] == ["Hello, world"]
    # its CLI command (crm_cli_commands) is there once it is installed
    count = crm_cli(MODULE, "count")
    assert count.exit_code == 0, count.output
    assert count.output.strip() == "1"

    kept = crm_cli("modules", "uninstall", MODULE, "--yes")
    assert kept.exit_code == 0, kept.output
    assert "hello_greeting: 1 rows" in kept.output
    assert sa.inspect(engine).has_table("hello_greeting")
    again = crm_cli("modules", "install", MODULE)
    assert again.exit_code == 0, again.output
    # reinstalling brings the kept data back and does not load the install data twice
    assert len(_rows(engine, "SELECT id FROM hello_greeting")) == 1

    purged = crm_cli("modules", "uninstall", MODULE, "--purge", "--yes")
    assert purged.exit_code == 0, purged.output
    assert not sa.inspect(engine).has_table("hello_greeting")
    assert _rows(engine, "SELECT name FROM core_module WHERE name = :m", m=MODULE) == []
    for table in ("core_grant", "core_permission", "core_menu"):
        assert _rows(engine, f"SELECT module FROM {table} WHERE module = :m", m=MODULE) == [], table
    assert not [r for r in _rows(engine, "SELECT version_num FROM alembic_version") if r[0].startswith("hello_")]
    engine.dispose()


@pytest.fixture
def hello_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app((MODULE,))


def test_page_menu_and_template_come_from_the_package(hello_app: Flask, client_as: Callable[..., Any]) -> None:
    client = client_as(hello_app, "admin")
    page = client.get(LIST_URL)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Hello, world" in text
    assert "Every new contact gets a greeting here." in text  # the package's own template
    home = client.get("/").get_data(as_text=True)
    assert f'href="{LIST_URL}"' in home  # its menu entry
    assert "Greetings" in home  # its dashboard widget


def test_its_translations_are_used(hello_app: Flask, client_as: Callable[..., Any]) -> None:
    client = client_as(hello_app, "admin")
    text = client.get(LIST_URL, headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Jeder neue Kontakt bekommt hier einen Gruß." in text
    assert "Grüße" in text


def test_search_and_api(hello_app: Flask, client_as: Callable[..., Any]) -> None:
    from core.security.models import User
    from core.security.tokens import create_token

    client = client_as(hello_app, "admin")
    found = client.get("/search?q=world").get_data(as_text=True)
    assert "Hello, world" in found
    with hello_app.app_context():
        _row, token = create_token(toolkit.db.session.get(User, client.user.id), "test")
        toolkit.db.session.commit()
    response = hello_app.test_client().get("/api/v1/greetings", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "Hello, world" in response.get_data(as_text=True)


def test_tidy_needs_its_named_permission(hello_app: Flask, client_as: Callable[..., Any]) -> None:
    from crm_hello.models import Greeting

    with hello_app.app_context():
        toolkit.db.session.add(Greeting(text="Hello    there"))
        toolkit.db.session.commit()
    user = client_as(hello_app, "user")
    assert user.post("/hello/tidy", data={"csrf_token": csrf_token(user, LIST_URL)}).status_code == 403
    manager = client_as(hello_app, "manager")
    response = manager.post("/hello/tidy", data={"csrf_token": csrf_token(manager, LIST_URL)})
    assert response.status_code == 302
    with hello_app.app_context():
        texts = set(toolkit.db.session.scalars(sa.select(Greeting.text)))
    assert "Hello there" in texts  # the background task ran (eagerly, in tests)
    assert "Hello    there" not in texts


def test_cross_module_hooks_without_depending_on_contacts(hello_app: Flask) -> None:
    """A contact.created event makes a greeting; merge, export and erase find it."""
    from crm_hello.models import Greeting

    hook = hello_app.extensions["crm"].pm.hook
    with hello_app.test_request_context():
        toolkit.publish("contact.created", {"name": "Ada", "email": "ada@example.test"}, module="contacts",
                        object="contacts.contact", record_id=7)
        toolkit.db.session.commit()
        greeting = toolkit.db.session.scalar(sa.select(Greeting).where(Greeting.contact_id == 7))
        assert greeting is not None and greeting.text == "Welcome, Ada"

        assert sum(hook.crm_merge_records(object="contacts.contact", target_id=8, source_ids=[7])) == 1
        toolkit.db.session.commit()
        subject = {"contact_id": 8, "email": None, "phone": None}
        exported = [part for part in hook.crm_personal_data_export(subject=subject) if part]
        assert exported == [{"greetings": [{"text": "Welcome, Ada", "email": "ada@example.test",
                                            "created_at": greeting.created_at.isoformat()}]}]
        assert sum(hook.crm_personal_data_erase(subject=subject)) == 1
        toolkit.db.session.commit()
        assert toolkit.db.session.scalar(sa.select(Greeting).where(Greeting.contact_id == 8)) is None
