from __future__ import annotations

from pathlib import Path

from flask import Blueprint, render_template

from core import toolkit

bp = Blueprint("alpha", __name__)


@bp.get("/")
@toolkit.require("alpha.item.read")
def items() -> str:
    from alpha.models import Item

    rows = toolkit.db.session.scalars(toolkit.sa.select(Item).order_by(Item.id)).all()
    return render_template("alpha/items.html", rows=rows)


@toolkit.hookimpl
def crm_models() -> list[type]:
    from alpha.models import Item

    return [Item]


@toolkit.hookimpl
def crm_blueprints() -> list[Blueprint]:
    return [bp]


@toolkit.hookimpl
def crm_menu_items() -> list[toolkit.MenuItem]:
    return [toolkit.MenuItem("alpha.items", "Alpha items", endpoint="alpha.items", permission="alpha.item.read")]


@toolkit.hookimpl
def crm_permissions() -> list:
    return toolkit.load_security("alpha", Path(__file__).parent)


@toolkit.hookimpl
def crm_install_data(demo: bool) -> None:
    from alpha.models import Item

    toolkit.db.session.add(Item(name="seed"))
    if demo:
        toolkit.db.session.add(Item(name="demo"))
