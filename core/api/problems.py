"""Errors of the REST API as RFC 9457 problem details (``application/problem+json``).

Every error the API returns has the same shape, so a client needs one error
parser: ``type``, ``title``, ``status``, ``detail``, ``instance`` and, for
validation failures, ``errors`` mapping each field to its messages.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request
from werkzeug.exceptions import HTTPException

from core.i18n import gettext as _
from core.i18n import lazy_gettext as _l

PROBLEM_MIME = "application/problem+json"

#: The problem ``type`` for plain HTTP errors (RFC 9457 section 4.2.1); the
#: title is then the status phrase, translated.
ABOUT_BLANK = "about:blank"

#: headers of an HTTP error worth keeping on its problem response
KEPT_HEADERS = ("WWW-Authenticate", "Allow", "Retry-After")

TITLES: dict[int, Any] = {
    400: _l("Bad request"),
    401: _l("Authentication required"),
    403: _l("Forbidden"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    406: _l("Not acceptable"),
    409: _l("Conflict"),
    412: _l("Precondition failed"),
    413: _l("Content too large"),
    415: _l("Unsupported media type"),
    422: _l("Unprocessable content"),
    429: _l("Too many requests"),
    500: _l("Internal server error"),
    503: _l("Service unavailable"),
}

#: Detail sentences for errors raised without one (e.g. ``abort(404)`` in a record check).
DETAILS: dict[int, Any] = {
    401: _l("Send a personal API token in the header 'Authorization: Bearer TOKEN'."),
    403: _l("Your role does not allow this action."),
    404: _l("There is no such resource, or it is not visible to you."),
    405: _l("This resource does not support the method."),
    500: _l("The server failed to handle the request; the error was logged."),
}


class ApiError(Exception):
    """Raise anywhere below an API view to answer with a problem response."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or str(TITLES.get(status, status)))
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build a problem+json response for the current request."""
    body: dict[str, Any] = {
        "type": ABOUT_BLANK,
        "title": str(TITLES.get(status, _("Error"))),
        "status": status,
        "detail": detail if detail is not None else str(DETAILS.get(status, TITLES.get(status, ""))),
        "instance": request.path,
    }
    if errors is not None:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False, default=str), status=status, mimetype=PROBLEM_MIME)
    if status == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="api"')
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def from_api_error(error: ApiError) -> Response:
    return problem(error.status, error.detail, errors=error.errors, headers=error.headers)


def from_http_exception(error: HTTPException) -> Response:
    """Turn ``abort(...)`` (from record checks, routing, Werkzeug) into a problem response."""
    ready = error.response  # abort(response) carries its own status and headers
    status = ready.status_code if ready is not None else (error.code or 500)
    # Werkzeug's default descriptions are English HTML prose; only keep a detail someone wrote.
    description = error.description
    detail = description if description and description != type(error).description else None
    if status == 401 and ready is not None and "invalid_token" in ready.headers.get("WWW-Authenticate", ""):
        detail = _("The API token is unknown or revoked, or its user is disabled or deleted.")
    response = problem(status, detail)
    if ready is not None:
        for header in KEPT_HEADERS:
            if header in ready.headers:
                response.headers[header] = ready.headers[header]
    else:
        for header, value in error.get_headers():
            if header in KEPT_HEADERS:
                response.headers[header] = value
    return response


def is_problem(response: Response) -> bool:
    return response.mimetype == PROBLEM_MIME
