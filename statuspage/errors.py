"""Error answers: JSON under /api, a plain page elsewhere; never a traceback."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

from statuspage.core.errors import InvalidInput, NotFound
from statuspage.logs import loggable_path
from statuspage.staff.permissions import Forbidden

# What a person reads on an error page (public or admin), in their language, where werkzeug's
# English default would say it (the JSON APIs keep werkzeug's words: clients may match them).
PAGE_TITLES = {
    400: _l("Bad Request"),
    403: _l("Forbidden"),
    404: _l("Not Found"),
    405: _l("Method Not Allowed"),
    413: _l("Request Entity Too Large"),
    429: _l("Too Many Requests"),
    500: _l("Internal Server Error"),
}
_DEFAULT_MESSAGES = {
    404: _l("There is nothing here."),
    405: _l("This address does not take that kind of request."),
    413: _l("What was sent is too large."),
    429: _l("Too many requests: wait a moment, then try again."),
    500: _l("Something went wrong on our side."),
}


def _answer(
    code: int, title: str, message: str, default_message: bool = False
) -> Response | tuple[str, int]:
    """`default_message`: `message` is werkzeug's English default, which a page replaces."""
    if request.path.startswith(("/api/", "/push/")):  # JSON APIs and the push endpoints
        response = jsonify(error=title, message=message)
        response.status_code = code
        return response
    title = str(PAGE_TITLES.get(code, title))
    if default_message and code in _DEFAULT_MESSAGES:
        message = str(_DEFAULT_MESSAGES[code])
    return render_template("error.html", code=code, title=title, message=message), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        default = exc.description == type(exc).description
        return _answer(exc.code or 500, exc.name, exc.description or "", default)

    @app.errorhandler(InvalidInput)
    def invalid_input(exc: InvalidInput):
        return _answer(400, "Bad Request", str(exc))

    @app.errorhandler(Forbidden)
    def forbidden(exc: Forbidden):
        return _answer(403, "Forbidden", str(exc))

    @app.errorhandler(NotFound)
    def not_found(exc: NotFound):
        return _answer(404, "Not Found", _("There is nothing here."))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception(
            "unhandled error on %s %s", request.method, loggable_path(request.path)
        )
        error = InternalServerError()
        return _answer(500, error.name, _("Something went wrong on our side."))
