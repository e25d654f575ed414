"""The yardstick: a bare Flask + Flask-SQLAlchemy app answering the contacts list as JSON.

No modules, no login, no permissions, no schema: one keyset query on the
same table and index as the CRM's ``/api/v1/contacts`` list (same filter,
same order, same 50 rows, every column), turned into JSON. Served by the same
kind of server process as the CRM (``gunicorn 'bench._bare:create()'``), so
the CRM's figure divided by this one is its own overhead.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def create() -> Flask:
    app = Flask("bare")
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["CRM_DATABASE_URL"]
    db = SQLAlchemy(app)
    with app.app_context():
        table = sa.Table("contacts_contact", sa.MetaData(), autoload_with=db.engine)

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    @app.get("/contacts")
    def contacts() -> Any:
        stmt = sa.select(table).order_by(table.c.updated_at.desc(), table.c.id.desc()).limit(51)
        if request.args.get("lifecycle_stage"):
            stmt = stmt.where(table.c.lifecycle_stage == request.args["lifecycle_stage"])
        rows = db.session.execute(stmt).mappings().all()
        data = [{k: _plain(v) for k, v in row.items()} for row in rows[:50]]
        return jsonify({"data": data, "next": len(rows) > 50})

    return app
