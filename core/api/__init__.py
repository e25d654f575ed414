"""The REST API under ``/api/v1/``, generated from the modules' ``ApiResource`` declarations.

``init_app`` builds one blueprint, ``core_api``, from the registry: for each
resource ``GET/POST /api/v1/<path>`` and ``GET/PATCH/DELETE
/api/v1/<path>/<id>``, plus ``/api/v1/me``, the OpenAPI document
``/api/v1/openapi.json`` and its page ``/api/v1/docs``.

Authentication is by personal token only (``Authorization: Bearer``). A
session cookie is never enough here: the API is exempt from CSRF checks, so
accepting cookies would let any web page write through a signed-in browser.
Every error is an RFC 9457 problem (``application/problem+json``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.exceptions import HTTPException, InternalServerError

from core.api import docs as api_docs
from core.api.binding import BoundResource, bind
from core.api.openapi import build_spec
from core.api.problems import KEPT_HEADERS, ApiError, from_api_error, from_http_exception, is_problem, problem
from core.api.resources import register
from core.i18n import gettext as _
from core.loader import ModuleError
from core.security.access import AUTHENTICATED, can, public, require
from core.security.auth import bearer_token, csrf

PREFIX = "/api/v1"
#: first path segments core's own endpoints use
RESERVED_PATHS = frozenset({"me", "openapi.json", "docs"})

__all__ = ["ApiError", "ApiState", "PREFIX", "RESERVED_PATHS", "bind_resources", "init_app", "problem"]


@dataclass
class ApiState:
    """What ``app.extensions["crm_api"]`` holds."""

    resources: list[BoundResource]
    #: OpenAPI documents by locale (built on first request, then reused)
    specs: dict[str, dict[str, Any]] = field(default_factory=dict)


def _state() -> ApiState:
    return current_app.extensions["crm_api"]


def authenticate() -> None:
    """Every API endpoint except the public documents needs a valid bearer token."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "crm_public", False):
        return
    if bearer_token() is None:
        raise ApiError(401)
    if not getattr(current_user, "is_authenticated", False) or not getattr(current_user, "is_active", False):
        raise ApiError(
            401,
            _("The API token is unknown or revoked, or its user is disabled or deleted."),
            headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'},
        )


def spec_for_request() -> dict[str, Any]:
    state = _state()
    locale = str(get_locale() or "en")
    if locale not in state.specs:
        state.specs[locale] = build_spec(current_app, state.resources)
    return state.specs[locale]


@public
def openapi() -> Response:
    """Public: it describes the shape of the API (no records); tools need it before they hold a token."""
    return jsonify(spec_for_request())


@public
def docs() -> str:
    spec = spec_for_request()
    return render_template(
        "core/api_docs.html",
        spec=spec,
        operations=api_docs.operations(spec),
        schemas=api_docs.schemas(spec),
    )


@require(AUTHENTICATED)
def me() -> Response:
    user = current_user
    registry = current_app.extensions["crm"].registry
    return jsonify(
        {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "department_id": user.department_id,
            "locale": user.locale,
            "permissions": [name for name in registry.all_permission_names() if can(name)],
        }
    )


def _http_error(error: HTTPException) -> Response:
    return from_http_exception(error)


def _server_error(error: InternalServerError) -> Response:
    current_app.logger.error("API error on %s %s", request.method, request.path, exc_info=error.original_exception)
    return problem(500)


def _problem_fallback(response: Response) -> Response:
    """Errors raised before a view is known (unknown URL, wrong method) also answer as problems."""
    if response.status_code >= 400 and request.path.startswith(PREFIX + "/") and not is_problem(response):
        detail = None
        if response.status_code == 401 and "invalid_token" in response.headers.get("WWW-Authenticate", ""):
            detail = _("The API token is unknown or revoked, or its user is disabled or deleted.")
        converted = problem(response.status_code, detail)
        for header in KEPT_HEADERS:
            if header in response.headers:
                converted.headers[header] = response.headers[header]
        return converted
    return response


def bind_resources(app: Flask) -> list[BoundResource]:
    registry = app.extensions["crm"].registry
    bound: list[BoundResource] = []
    for key, resource in registry.api_resources.items():
        module = registry.owner("API resource", key) or "core"
        decl = registry.objects.get(resource.object)
        if decl is None:
            raise ModuleError(
                f"module '{module}': API resource '{resource.path}' uses unknown access object '{resource.object}'"
            )
        if resource.path.strip("/").split("/", 1)[0] in RESERVED_PATHS:
            raise ModuleError(
                f"module '{module}': API resource path '{resource.path}' is reserved by core "
                f"({', '.join(sorted(RESERVED_PATHS))})"
            )
        bound.append(bind(resource, module, decl.owner_field))
    return bound


def init_app(app: Flask) -> None:
    resources = bind_resources(app)
    bp = Blueprint("core_api", __name__, url_prefix=PREFIX)
    bp.before_request(authenticate)
    bp.register_error_handler(ApiError, from_api_error)
    bp.register_error_handler(HTTPException, _http_error)
    bp.register_error_handler(InternalServerError, _server_error)
    bp.add_url_rule("/openapi.json", endpoint="openapi", view_func=openapi, methods=["GET"])
    bp.add_url_rule("/docs", endpoint="docs", view_func=docs, methods=["GET"])
    bp.add_url_rule("/me", endpoint="me", view_func=me, methods=["GET"])
    for bound in resources:
        register(bp, bound)
    app.register_blueprint(bp)
    # token-authenticated (never cookies), so cross-site request forgery does not apply
    csrf.exempt(bp)
    app.after_request(_problem_fallback)
    app.extensions["crm_api"] = ApiState(resources=resources)
