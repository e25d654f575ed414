"""Greetings: hook implementations only.

Every function returns data that core registers; the module's own code is
imported inside the hooks so that loading this file stays cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import Blueprint

from core import toolkit

# -- registration ---------------------------------------------------------------------


@toolkit.hookimpl
def crm_models() -> list[type]:
    from crm_hello.models import Greeting

    return [Greeting]


@toolkit.hookimpl
def crm_blueprints() -> list[Blueprint]:
    from crm_hello.views import actions, bp

    return [bp, actions]


@toolkit.hookimpl
def crm_menu_items() -> list[toolkit.MenuItem]:
    return [
        toolkit.MenuItem("hello.greetings", toolkit._l("Greetings"), endpoint="hello_greetings.list",
                         permission="hello.greeting.read", order=900)
    ]


@toolkit.hookimpl
def crm_permissions() -> list[toolkit.ObjectAccess | toolkit.Permission]:
    return toolkit.load_security("hello", Path(__file__).parent)


@toolkit.hookimpl
def crm_api_resources() -> list[toolkit.ApiResource]:
    from crm_hello.models import Greeting
    from crm_hello.schemas import GreetingSchema

    return [
        toolkit.ApiResource("greetings", Greeting, GreetingSchema, object="hello.greeting",
                            sortable=("id", "text"), filterable=("email",), searchable=("text",))
    ]


@toolkit.hookimpl
def crm_tasks() -> list[toolkit.TaskSpec]:
    from crm_hello.services import tidy

    return [toolkit.TaskSpec("hello.tidy", tidy)]


@toolkit.hookimpl
def crm_schedules() -> list[toolkit.Schedule]:
    return [toolkit.Schedule("hello.nightly_tidy", task="hello.tidy", crontab="30 2 * * *")]


@toolkit.hookimpl
def crm_dashboard_widgets() -> list[toolkit.Widget]:
    from crm_hello.services import count_widget

    return [toolkit.Widget("hello.count", toolkit._l("Greetings"), count_widget, permission="hello.greeting.read")]


@toolkit.hookimpl
def crm_search_providers() -> list[toolkit.SearchProvider]:
    from crm_hello.services import search

    return [toolkit.SearchProvider("hello.greetings", toolkit._l("Greetings"), search,
                                   permission="hello.greeting.read")]


@toolkit.hookimpl
def crm_event_subscribers() -> list[toolkit.Subscriber]:
    from crm_hello.services import welcome_contact

    return [toolkit.Subscriber("contact.created", welcome_contact, name="hello.welcome_contact")]


@toolkit.hookimpl
def crm_cli_commands() -> list[click.Command]:
    from crm_hello.services import cli

    return [cli]


@toolkit.hookimpl
def crm_settings() -> list[toolkit.Setting]:
    return [toolkit.Setting("hello.default_text", toolkit._l("Default greeting"), default="Hello",
                            help=toolkit._l("Text of a new greeting"))]


# -- lifecycle --------------------------------------------------------------------------


@toolkit.hookimpl
def crm_install_data(demo: bool) -> None:
    from crm_hello.models import Greeting

    toolkit.db.session.add(Greeting(text="Hello, world"))
    if demo:
        toolkit.db.session.add_all([Greeting(text="Bonjour"), Greeting(text="Hallo"), Greeting(text="你好")])


# -- cross-module services ------------------------------------------------------------


@toolkit.hookimpl
def crm_personal_data_export(subject: dict[str, Any]) -> dict[str, Any] | None:
    from crm_hello.services import for_subject

    rows = for_subject(subject)
    if not rows:
        return None
    return {"greetings": [{"text": g.text, "email": g.email, "created_at": g.created_at.isoformat()} for g in rows]}


@toolkit.hookimpl
def crm_personal_data_erase(subject: dict[str, Any]) -> int:
    from crm_hello.services import for_subject

    rows = for_subject(subject)
    for greeting in rows:
        toolkit.db.session.delete(greeting)
    return len(rows)


@toolkit.hookimpl
def crm_merge_records(object: str, target_id: int, source_ids: list[int]) -> int:
    if object != "contacts.contact" or not source_ids:
        return 0
    from crm_hello.models import Greeting

    result = toolkit.db.session.execute(
        toolkit.sa.update(Greeting).where(Greeting.contact_id.in_(source_ids)).values(contact_id=target_id)
    )
    return result.rowcount or 0


@toolkit.hookimpl
def crm_timeline_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:
    if object != "contacts.contact" or not toolkit.can("hello.greeting.read"):
        return []
    from crm_hello.models import Greeting

    stmt = (
        toolkit.scope(Greeting, "hello.greeting")
        .where(Greeting.contact_id == record_id)
        .order_by(Greeting.created_at.desc())
        .limit(limit)
    )
    return [
        {"when": g.created_at, "title": g.text, "detail": g.email or "", "kind": "greeting"}
        for g in toolkit.db.session.scalars(stmt)
    ]
