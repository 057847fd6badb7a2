"""Requests Herald cannot read, refused before any view (or the CSRF check) looks at them.

A body over MAX_CONTENT_LENGTH is a 413 whether or not the view would read it; a query string
or form body that is not UTF-8 is a 400 (Werkzeug would otherwise keep undecodable bytes as
literal `%FF` text, or drop a raw-byte form silently); a form field holding a character no
text of Herald's keeps (NUL, other control characters: core.validation.storable's rule) is a
400 naming the field (not on the routes providers post machine text to: `posts_raw_text`);
a body of a type no view reads is a 415, and so is JSON sent to a view not marked
`reads_json` (Flask-WTF would feed any JSON value to a form as its fields, and a list or a
nesting too deep for Python is a crash, not a form).
Errors are answered by the usual handlers: JSON under /api and /push, an error page elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import unquote_to_bytes

from flask import Blueprint, Flask, current_app, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType
from werkzeug.routing import IntegerConverter, Map

from statuspage.core.errors import InvalidInput
from statuspage.core.validation import storable

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
# What views read: HTML forms (urlencoded, multipart uploads) and JSON (the APIs, web push).
READABLE_TYPES = frozenset({URLENCODED, MULTIPART, "application/json"})
_JSON_BLUEPRINTS: set[str] = set()
_JSON_VIEWS: set[Callable[..., Any]] = set()
_RAW_FORM_VIEWS: set[Callable[..., Any]] = set()
Target = TypeVar("Target", Blueprint, Callable[..., Any])


def reads_json(target: Target) -> Target:
    """Mark a view, or every view of a blueprint, as one that reads JSON bodies itself."""
    if isinstance(target, Blueprint):
        _JSON_BLUEPRINTS.add(target.name)
    else:
        _JSON_VIEWS.add(target)
    return target


def posts_raw_text(view: Target) -> Target:
    """Mark a view a provider posts machine text to (a raw bounce message, an SMS): its
    fields are not text a person typed into Herald, so the text rule does not judge them
    (an ISO-2022-JP mail holds ESC); the view reads them for what they are."""
    _RAW_FORM_VIEWS.add(view)
    return view


def _view_reads_json() -> bool:
    if request.blueprint in _JSON_BLUEPRINTS:
        return True
    return current_app.view_functions.get(request.endpoint or "") in _JSON_VIEWS


def _is_utf8(raw: bytes) -> bool:
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _refuse_broken_multipart() -> None:
    """Werkzeug reads a multipart body it cannot parse as an empty form, which a form with no
    fields but its token would accept: a body without its own delimiters is refused instead."""
    boundary = request.mimetype_params.get("boundary", "")
    if not boundary:
        raise BadRequest("the multipart body has no boundary")
    delimiter = b"--" + boundary.encode("latin-1", "replace")
    raw = request.get_data(cache=True)
    if delimiter not in raw or delimiter + b"--" not in raw:
        raise BadRequest("the multipart body does not match its boundary")


def _refuse_bottomless_json() -> None:
    """JSON nested deeper than Python's recursion limit is a RecursionError in every reader,
    which Flask's `get_json(silent=True)` does not catch: refused here once for all of them.
    Other broken JSON is left to the view, which says what it expected."""
    try:
        json.loads(request.get_data(cache=True) or b"null")
    except RecursionError as exc:
        raise BadRequest("the JSON body is nested too deeply") from exc
    except ValueError:
        return


def _refuse_control_characters() -> None:
    """Every form field through the one text rule, before any form or view reads it: a form
    posts text only (files aside), and what it refuses no field of any form may hold. A field
    that must be one line (a title) is the service's to refuse, as the API's is."""
    if current_app.view_functions.get(request.endpoint or "") in _RAW_FORM_VIEWS:
        return
    for name, values in request.form.lists():
        for value in (name, *values):
            try:
                storable(value, f"the field {name[:60]!r}")
            except InvalidInput as exc:
                raise BadRequest(str(exc)) from exc


def refuse_unreadable_requests() -> None:
    """Before every request: 413, 400 or 415 for what no view could read (see the module)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge(f"the body is over the limit of {limit} bytes")
    if not _is_utf8(request.query_string):
        raise BadRequest("the query string is not valid UTF-8")
    if request.method not in BODY_METHODS:
        return
    if request.mimetype == URLENCODED:
        # Cached, so the form parser reads the same bytes after this.
        if not _is_utf8(request.get_data(cache=True)):
            raise BadRequest("the form body is not valid UTF-8")
        _refuse_control_characters()
    elif request.mimetype == MULTIPART:
        _refuse_broken_multipart()
        _refuse_control_characters()
    elif request.is_json:
        if not _view_reads_json():
            raise UnsupportedMediaType("this address takes form posts, not JSON")
        _refuse_bottomless_json()
    elif request.mimetype not in READABLE_TYPES and request.get_data():
        raise UnsupportedMediaType(
            "send application/x-www-form-urlencoded, multipart/form-data or application/json"
        )


class DatabaseInt(IntegerConverter):
    """`<int:...>` path arguments within a database integer's range: a larger one is a 404, not
    an overflow in the query (PostgreSQL's integer columns stop at 2**31 - 1, SQLite's later)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def register_request_hygiene(app: Flask) -> None:
    # First of all before-request hooks: CSRFProtect's hook parses the form, after which the
    # raw body is gone and an undecodable one would pass unnoticed.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_unreadable_requests)
