from __future__ import annotations

from flask import Blueprint

from core import toolkit

bp = Blueprint("dup_x", __name__, url_prefix="/dup")


@bp.get("/")
@toolkit.require("core.admin")
def index() -> str:
    return "dup"


@toolkit.hookimpl
def crm_blueprints() -> list[Blueprint]:
    return [bp]
