"""Error answers of the management API: `{"error": "..."}` with the status a client can act on.

The app-wide handlers answer domain errors for people (invalid input is a 400 page there);
an API client needs to tell a broken request (400) from one the domain refused (422), and
to be told to slow down (429, with Retry-After). Every answer rolls back first, so a failed
request leaves nothing half-written in the session.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from werkzeug.exceptions import HTTPException

from statuspage.core.errors import InvalidInput, NotFound
from statuspage.extensions import db
from statuspage.staff.permissions import Forbidden


def error_response(status: int, message: str) -> Response:
    db.session.rollback()
    response = jsonify(error=message)
    response.status_code = status
    return response


def register_error_handlers(bp: Blueprint) -> None:
    @bp.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        response = error_response(exc.code or 500, exc.description or exc.name)
        if exc.code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="Herald management API"'
        return response

    @bp.errorhandler(InvalidInput)
    def invalid_input(exc: InvalidInput) -> Response:
        return error_response(422, str(exc))

    @bp.errorhandler(NotFound)
    def not_found(exc: NotFound) -> Response:
        return error_response(404, str(exc) or "not found")

    @bp.errorhandler(Forbidden)
    def forbidden(exc: Forbidden) -> Response:
        return error_response(403, str(exc))
