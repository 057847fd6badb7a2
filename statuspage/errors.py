"""Error answers: JSON under /api, a plain page elsewhere; never a traceback."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from statuspage.core.errors import InvalidInput, NotFound
from statuspage.staff.permissions import Forbidden


def _answer(code: int, title: str, message: str) -> Response | tuple[str, int]:
    if request.path.startswith(("/api/", "/push/")):  # JSON APIs and the push endpoints
        response = jsonify(error=title, message=message)
        response.status_code = code
        return response
    return render_template("error.html", code=code, title=title, message=message), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _answer(exc.code or 500, exc.name, exc.description or "")

    @app.errorhandler(InvalidInput)
    def invalid_input(exc: InvalidInput):
        return _answer(400, "Bad Request", str(exc))

    @app.errorhandler(Forbidden)
    def forbidden(exc: Forbidden):
        return _answer(403, "Forbidden", str(exc))

    @app.errorhandler(NotFound)
    def not_found(exc: NotFound):
        return _answer(404, "Not Found", "There is nothing here.")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        error = InternalServerError()
        return _answer(500, error.name, "Something went wrong on our side.")
