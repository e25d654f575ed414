from __future__ import annotations

from flask import Blueprint

from core import toolkit

bp = Blueprint("dup_x", __name__, url_prefix="/dup_x")


@bp.get("/")
@toolkit.require("core.admin")
def index() -> str:
    return "dup_x"


@toolkit.hookimpl
def crm_blueprints() -> list[Blueprint]:
    return [bp]
