"""Greetings: what the hooks in plugin.py hand to core (tasks, widget, search, events, privacy).

Kept out of plugin.py so that importing the plugin stays cheap: core imports
the plugin of every installed module at start-up, and these functions only
run when a page, a job or an event needs them.
"""

from __future__ import annotations

from typing import Any

import click
from flask import url_for

from core import toolkit
from crm_hello.models import Greeting

OBJECT = "hello.greeting"


def for_subject(subject: dict[str, Any]) -> list[Greeting]:
    """Greetings about one person: by contact id or by e-mail address."""
    clauses = []
    if subject.get("contact_id") is not None:
        clauses.append(Greeting.contact_id == subject["contact_id"])
    if subject.get("email"):
        clauses.append(toolkit.sa.func.lower(Greeting.email) == subject["email"].lower())
    if not clauses:
        return []
    stmt = toolkit.sa.select(Greeting).where(toolkit.sa.or_(*clauses)).order_by(Greeting.id)
    return list(toolkit.db.session.scalars(stmt))


# -- background task and its schedule ------------------------------------------------


def tidy() -> int:
    """Collapse runs of spaces in greeting texts; return how many changed."""
    changed = 0
    for greeting in toolkit.db.session.scalars(toolkit.sa.select(Greeting)):
        clean = " ".join(greeting.text.split())
        if clean != greeting.text:
            greeting.text = clean
            changed += 1
    return changed  # the job runner commits, together with the job's result


# -- dashboard widget and global search -------------------------------------------------


def count_widget(user: Any) -> dict[str, Any]:
    """The number of greetings ``user`` may see, linking to the list."""
    stmt = toolkit.scope(toolkit.sa.select(toolkit.sa.func.count(Greeting.id)), OBJECT, user=user)
    return {"value": toolkit.db.session.scalar(stmt) or 0, "label": toolkit._("Greetings"),
            "url": url_for("hello_greetings.list")}


def search(query: str, user: Any, limit: int) -> list[toolkit.SearchHit]:
    stmt = (
        toolkit.scope(Greeting, OBJECT, user=user)
        .where(Greeting.text.ilike(f"%{query}%"))
        .order_by(Greeting.id.desc())
        .limit(limit)
    )
    return [
        toolkit.SearchHit(title=g.text, url=url_for("hello_greetings.detail", id=g.id), kind=str(toolkit._("Greeting")),
                          detail=g.email or "")
        for g in toolkit.db.session.scalars(stmt)
    ]


# -- domain events --------------------------------------------------------------------


def welcome_contact(event: Any) -> None:
    """A new contact (from any module publishing ``contact.created``) gets a greeting.

    This module does not depend on the contacts module: it only listens.
    """
    name = event.payload.get("name") or event.payload.get("display_name") or ""
    toolkit.db.session.add(
        Greeting(text=f"Welcome, {name}".strip().rstrip(","), email=event.payload.get("email"),
                 contact_id=event.record_id, owner_id=event.user_id)
    )


# -- command line --------------------------------------------------------------------


@click.group("hello")
def cli() -> None:
    """Greetings (sample third-party module)."""


@cli.command("count")
def count_command() -> None:
    """Print how many greetings there are."""
    click.echo(toolkit.db.session.scalar(toolkit.sa.select(toolkit.sa.func.count(Greeting.id))))
