"""Logging: plain text by default, one JSON object per line with LOG_FORMAT=json; request logs.

The same setup serves the web processes and the worker (both build the app through the factory).
Each request gets an id (nginx's X-Request-ID when a trusted proxy sends one, else a fresh one),
carried by every line logged while it is handled; with LOG_REQUESTS one line per response says
what was asked and how it went.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask.logging import default_handler

REQUEST_ID: ContextVar[str | None] = ContextVar("herald_request_id", default=None)
_REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "remote_addr")
_HANDLER_NAME = "herald"
request_log = logging.getLogger("herald.request")
# An alert intake URL carries its integration's secret as its last segment.
_INTAKE_SECRET = re.compile(r"(/api/v1/pages/[^/]+/integrations/[^/]+/)[^/]+")


def loggable_path(path: str | None) -> str | None:
    """`path` as a log line may hold it: an alert intake URL's secret replaced, so whoever
    reads the logs cannot post alerts."""
    return _INTAKE_SECRET.sub(r"\1[secret]", path) if path else path


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,  # which of the web or worker processes
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        for field in _REQUEST_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


def timed_call(
    wsgi_app: Any,
    environ: dict[str, Any],
    start_response: Any,
    done: Callable[[str, float], None],
) -> Iterable[bytes]:
    """Call a WSGI app, then `done(status, seconds)`: the three-digit status it started ("500"
    when it raised first) and how long the call took. RequestLog and metrics.RequestMetrics
    both wrap every request this way."""
    started = time.perf_counter()
    status = ["500"]

    def record_status(code: str, headers: Any, exc_info: Any = None) -> Any:
        status[0] = code[:3]
        return start_response(code, headers, exc_info)

    try:
        return wsgi_app(environ, record_status)
    finally:
        done(status[0], time.perf_counter() - started)


class RequestLog:
    """WSGI layer: gives each request an id and, when asked, logs one line per response."""

    def __init__(self, wsgi_app: Any, *, log_requests: bool, trust_request_id: bool) -> None:
        self._wsgi_app = wsgi_app
        self._log_requests = log_requests
        self._trust_request_id = trust_request_id

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        given = environ.get("HTTP_X_REQUEST_ID", "") if self._trust_request_id else ""
        # A proxy's id is kept only if it looks like one: it ends up in every log line.
        request_id = given if 0 < len(given) <= 64 and given.isalnum() else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)

        def log_response(status: str, seconds: float) -> None:
            if self._log_requests:
                request_log.info(
                    "%s %s %s",
                    environ.get("REQUEST_METHOD"),
                    loggable_path(environ.get("PATH_INFO")),
                    status,
                    extra={
                        "method": environ.get("REQUEST_METHOD"),
                        "path": loggable_path(environ.get("PATH_INFO")),
                        "status": int(status),
                        "duration_ms": round(seconds * 1000, 3),
                        "remote_addr": environ.get("REMOTE_ADDR"),
                    },
                )

        try:
            return timed_call(self._wsgi_app, environ, start_response, log_response)
        finally:
            REQUEST_ID.reset(token)


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a record comes (test capture swaps it per phase)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(log_format: str, level: str = "INFO") -> None:
    """Send the root logger's records to stderr, as JSON or as plain text.

    Replaces only the handler it installed before, so calling it again (tests build many apps,
    gunicorn's config and the app may both call it) never doubles lines.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = _Stderr()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(
        JsonFormatter()
        if log_format == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root.addHandler(handler)
    root.setLevel(level)


def register_logging(app: Flask) -> None:
    """LOG_FORMAT=json: JSON lines for the app's, the queue's and every library's loggers.

    With the default (text) and no LOG_REQUESTS nothing changes: Flask's own handler stays, a
    test's log capture sees what it always saw, and requests carry no id.
    """
    log_format = app.config.get("LOG_FORMAT", "text")
    if log_format != "json" and not app.config.get("LOG_REQUESTS"):
        return  # nothing to add: no request ids either (the public page's fast path stays lean)
    configure_logging(log_format, app.config.get("LOG_LEVEL", "INFO"))
    app.logger.removeHandler(default_handler)  # the root handler speaks for it now
    app.wsgi_app = RequestLog(  # type: ignore[method-assign]
        app.wsgi_app,
        log_requests=bool(app.config.get("LOG_REQUESTS")),
        trust_request_id=bool(app.config.get("TRUSTED_PROXIES")),
    )
