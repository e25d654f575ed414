"""Greetings: the list page. Every view goes through toolkit.require(...)."""

from __future__ import annotations

from flask import Blueprint, render_template

from core import toolkit

#: named after the module and mounted at /hello
bp = Blueprint("hello", __name__)


@bp.get("/")
@toolkit.require("hello.greeting.read")
def index() -> str:
    from crm_hello.models import Greeting

    query = toolkit.scope(Greeting, "hello.greeting").order_by(Greeting.id.desc()).limit(100)
    rows = toolkit.db.session.scalars(query).all()
    return render_template("hello/index.html", rows=rows)
