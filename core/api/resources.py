"""The five endpoints of one API resource, generated from its ``ApiResource``.

Each view is a real function with its own endpoint name
(``core_api.<key>_list`` ...) and carries the permission it checks
(``crm_permission``, set by ``require``), so the route matrix test and the
OpenAPI document see every endpoint of every installed resource. The checks
run in a fixed order: token (401), the object's right (403), the record rule
(404: a record outside it is not revealed), then the input (400/415/422) and
the version (409/412).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify, request, url_for
from flask_login import current_user
from werkzeug.http import quote_etag

from core.api.binding import BoundResource
from core.api.dumping import dumper
from core.api.paging import encode_cursor
from core.api.problems import ApiError
from core.api.query import build_statement, parse_limit, parse_list_args, reject_unknown
from core.api.writes import apply, commit, load, read_json, run_prepare
from core.extensions import db
from core.i18n import gettext as _
from core.security.access import check_record, get_or_404, require, scope

#: largest id the path accepts (a 64-bit integer, what every database can compare)
MAX_ID = 2**63 - 1


def _etag(bound: BoundResource, record: Any) -> str | None:
    return quote_etag(str(record.version)) if bound.has_version else None


def _one(bound: BoundResource, record: Any, status: int = 200) -> Response:
    response = jsonify(dumper(bound.resource.schema).one(record))
    response.status_code = status
    etag = _etag(bound, record)
    if etag:
        response.headers["ETag"] = etag
    return response


def _expected_version(bound: BoundResource, data: Any) -> tuple[int | None, bool]:
    """The version the client based its change on: (version, came from If-Match)."""
    if not bound.has_version:
        return None, False
    if isinstance(data, dict) and "version" in data:
        raw = data.pop("version")
        if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw < 2**63:
            raise ApiError(
                422,
                _("Invalid or not writable field(s): %(names)s.", names="version"),
                errors={"version": [_("Give the record's current version as a whole number.")]},
            )
        return raw, False
    if request.if_match and not request.if_match.star_tag:
        tags = list(request.if_match)
        if len(tags) != 1 or not re.fullmatch(r"[0-9]{1,18}", tags[0]):
            raise ApiError(400, _("If-Match must hold one ETag of this resource."))
        return int(tags[0]), True
    return None, False


def _check_version(record: Any, expected: int | None, from_header: bool) -> None:
    if expected is None or expected == record.version:
        return
    status = 412 if from_header else 409
    raise ApiError(
        status,
        _(
            "The record was changed by someone else (version %(current)d, you sent %(sent)d); "
            "load it again and retry.",
            current=record.version,
            sent=expected,
        ),
        headers={"ETag": quote_etag(str(record.version))},
    )


def _load(bound: BoundResource, id: int, action: str) -> Any:
    """The record through the user's record rule; an id the key column cannot hold is simply not found."""
    if not bound.fits(bound.pk_attr, id):
        raise ApiError(404)
    return get_or_404(bound.model, id, bound.object, action)


def _timeline_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """A timeline entry as JSON: the documented keys, texts as strings."""
    when = entry.get("when")
    url = entry.get("url")
    return {
        "when": when.isoformat() if isinstance(when, dt.datetime | dt.date) else None,
        "title": str(entry.get("title") or ""),
        "detail": str(entry.get("detail") or ""),
        "kind": str(entry.get("kind") or ""),
        "user": str(entry.get("user") or ""),
        "url": str(url) if url else None,
    }


def _set_owner(bound: BoundResource, record: Any) -> None:
    """New records belong to their creator (and their department), as in the UI."""
    user = current_user
    if bound.owner_attr and getattr(record, bound.owner_attr, None) is None:
        setattr(record, bound.owner_attr, user.id)
    if hasattr(record, "department_id") and getattr(record, "department_id", None) is None:
        record.department_id = getattr(user, "department_id", None)


def make_views(bound: BoundResource) -> dict[str, tuple[str, list[str], Callable[..., Any]]]:
    """endpoint -> (rule, methods, view) for one resource."""
    res = bound.resource
    obj = res.object
    model = bound.model
    key = bound.key

    @require(f"{obj}.read")
    def list_view() -> Response:
        query = parse_list_args(bound, request.args)
        stmt = build_statement(bound, query, scope(model, obj, "read"))
        try:
            rows = list(db.session.scalars(stmt))
        except sa.exc.DataError as exc:  # a parameter the database cannot cast to its column
            db.session.rollback()
            raise ApiError(400, _("A query parameter is out of range for its field.")) from exc
        next_cursor = None
        if len(rows) > query.limit:
            rows = rows[: query.limit]
            last = rows[-1]
            next_cursor = encode_cursor(query.sort, getattr(last, query.sort.column.key), getattr(last, bound.pk_attr))
        response = jsonify({"data": dumper(bound.resource.schema).many(rows), "next": next_cursor})
        if next_cursor:
            args = request.args.to_dict()
            args["cursor"] = next_cursor
            response.headers["Link"] = f'<{url_for(request.endpoint, _external=True, **args)}>; rel="next"'
        return response

    @require(f"{obj}.create")
    def create_view() -> Response:
        loaded = load(bound, read_json(), partial=False)
        record = model()
        apply(record, loaded)
        _set_owner(bound, record)
        run_prepare(bound, record, loaded, creating=True)
        check_record(record, obj, "create")
        db.session.add(record)
        commit()
        response = _one(bound, record, status=201)
        response.headers["Location"] = url_for(f"core_api.{key}_get", id=getattr(record, bound.pk_attr))
        return response

    @require(f"{obj}.read")
    def get_view(id: int) -> Response:
        return _one(bound, _load(bound, id, "read"))

    @require(f"{obj}.write")
    def update_view(id: int) -> Response:
        record = _load(bound, id, "write")
        data = read_json()
        expected, from_header = _expected_version(bound, data)
        loaded = load(bound, data, partial=True)
        _check_version(record, expected, from_header)
        apply(record, loaded)
        run_prepare(bound, record, loaded, creating=False)
        check_record(record, obj, "write")
        commit()
        return _one(bound, record)

    @require(f"{obj}.delete")
    def delete_view(id: int) -> Response:
        record = _load(bound, id, "delete")
        _check_version(record, *_expected_version(bound, None))
        db.session.delete(record)
        commit()
        return Response(status=204)

    @require(f"{obj}.read")
    def timeline_view(id: int) -> Response:
        from core.ui.timeline import timeline_for

        _load(bound, id, "read")
        reject_unknown(request.args, ("limit",))
        entries = timeline_for(obj, id, parse_limit(request.args))
        return jsonify({"data": [_timeline_entry(entry) for entry in entries]})

    base = f"/{res.path.strip('/')}"
    item = f"{base}/<int(max={MAX_ID}):id>"
    views: dict[str, tuple[str, list[str], Callable[..., Any]]] = {}
    if "GET" in res.methods:
        views[f"{key}_list"] = (base, ["GET"], list_view)
        views[f"{key}_get"] = (item, ["GET"], get_view)
        views[f"{key}_timeline"] = (f"{item}/timeline", ["GET"], timeline_view)
    if "POST" in res.methods:
        views[f"{key}_create"] = (base, ["POST"], create_view)
    if "PATCH" in res.methods:
        views[f"{key}_update"] = (item, ["PATCH"], update_view)
    if "DELETE" in res.methods:
        views[f"{key}_delete"] = (item, ["DELETE"], delete_view)
    for endpoint, (_rule, methods, view) in views.items():
        view.__name__ = endpoint
        view.crm_api_resource = bound  # type: ignore[attr-defined]
        view.crm_api_action = {"GET": "read", "POST": "create", "PATCH": "write", "DELETE": "delete"}[methods[0]]  # type: ignore[attr-defined]
    return views


def register(bp: Blueprint, bound: BoundResource) -> None:
    for endpoint, (rule, methods, view) in make_views(bound).items():
        bp.add_url_rule(rule, endpoint=endpoint, view_func=view, methods=methods)
