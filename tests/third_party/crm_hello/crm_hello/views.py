"""Greetings: pages, declared. Core renders list, form, detail and delete
confirmation, checking hello.greeting.* and the record rules on each."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask.typing import ResponseReturnValue

from core import toolkit
from core.toolkit import _, _l
from crm_hello.models import Greeting
from crm_hello.schemas import GreetingSchema

greetings = toolkit.ListView(
    model=Greeting,
    object="hello.greeting",
    title=_l("Greetings"),
    columns=[
        toolkit.Column("text", _l("Greeting"), sortable=True, link=True),
        toolkit.Column("email", _l("E-mail"), sortable=True),
        toolkit.Column("created_at", _l("Created"), sortable=True),
    ],
    search=["text", "email"],
    default_sort="-created_at",
    template="hello/greetings.html",
)

form = toolkit.FormView(model=Greeting, object="hello.greeting", schema=GreetingSchema, fields=["text", "email"])

#: blueprint "hello_greetings" at /hello/greetings/
bp = toolkit.crud_blueprint("hello", "greetings", list_view=greetings, form_view=form, label="text")

#: the module's own actions, at /hello
actions = Blueprint("hello", __name__)


@actions.post("/tidy")
@toolkit.require("hello.tidy")
def tidy() -> ResponseReturnValue:
    """Start the tidy-up task in the background (the named permission from security.toml)."""
    toolkit.enqueue("hello.tidy")
    flash(_("Tidying up greetings in the background."), "success")
    return redirect(url_for("hello_greetings.list"))
