"""Operations endpoints: /healthz (the process), /readyz (its database and queue), /metrics.

None of them is a snapshot or a page: they answer `no-store` and are meant for a load balancer,
an orchestrator and Prometheus. /readyz and /metrics say how the insides are doing, so the nginx
site in deploy/ lets only internal addresses reach them. /metrics itself answers loopback
only, or whoever holds METRICS_TOKEN (a Prometheus that scrapes through another address), or
everyone with METRICS_OPEN=1: its counters move with private notices too.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import GaugeMetricFamily, Metric

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.incidents.cadence import overdue_incidents
from statuspage.infra import health
from statuspage.jobs.queue import QUEUE_KEY
from statuspage.metrics import RequestMetrics, ScrapeTimeFigures, exposition

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)
NO_STORE = {"Cache-Control": "no-store"}


def healthz() -> Response:
    """The process is up and answering; it asks nothing else (a restart would not fix that)."""
    response = jsonify(status="ok")
    response.headers.update(NO_STORE)
    return response


def readyz() -> tuple[Response, int]:
    """200 when the database and the queue both answer; 503 naming each that did not."""
    errors: dict[str, str] = {}
    try:
        health.ping_database()
    except Exception as exc:
        db.session.rollback()
        log.warning("readyz: the database did not answer: %s", exc)
        errors["database"] = type(exc).__name__  # the detail is logged, not served
    try:
        current_app.extensions[QUEUE_KEY].huey.pending_count()
    except Exception as exc:
        log.warning("readyz: the queue did not answer: %s", exc)
        errors["queue"] = type(exc).__name__
    if errors:
        body = jsonify(status="unavailable", failed=sorted(errors), errors=errors)
        code = 503
    else:
        body, code = jsonify(status="ready", checks={"database": "ok", "queue": "ok"}), 200
    body.headers.update(NO_STORE)
    return body, code


def _may_scrape() -> bool:
    token = current_app.config.get("METRICS_TOKEN", "")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)
    if current_app.config.get("METRICS_OPEN"):
        return True
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def metrics() -> Response:
    if not _may_scrape():
        return Response(
            "a bearer token (METRICS_TOKEN) is needed, or a scrape from this machine\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="metrics"', **NO_STORE},
            mimetype="text/plain",
        )
    figures = ScrapeTimeFigures({"database": _database_figures, "queue": _queue_figures})
    body = exposition(current_app.config.get("PROMETHEUS_MULTIPROC_DIR", ""), figures)
    return Response(body, 200, NO_STORE, content_type=CONTENT_TYPE_LATEST)


def _database_figures() -> Iterator[Metric]:
    now = utcnow()
    deliveries = GaugeMetricFamily(
        "herald_deliveries", "Deliveries by channel and state.", labels=["channel", "state"]
    )
    for (channel, state), count in health.delivery_counts().items():
        deliveries.add_metric([channel.value, state.value], count)
    yield deliveries
    yield GaugeMetricFamily(
        "herald_oldest_undelivered_age_seconds",
        "Age of the oldest delivery still owed (pending, sending or retry); 0 when none.",
        value=health.oldest_undelivered_age(now),
    )
    yield GaugeMetricFamily(
        "herald_overdue_updates",
        "Open incidents whose next promised update is overdue (incidents.cadence).",
        value=len(overdue_incidents(now)),
    )


def _queue_figures() -> Iterator[Metric]:
    yield GaugeMetricFamily(
        "herald_queue_pending",
        "Jobs waiting in the task queue.",
        value=current_app.extensions[QUEUE_KEY].huey.pending_count(),
    )


def _note_endpoint(response: Response) -> Response:
    """Tell RequestMetrics which endpoint answered (it runs outside Flask)."""
    request.environ["herald.endpoint"] = request.endpoint or "unmatched"
    return response


# path, endpoint, view: GET only.
ROUTES = [
    ("/healthz", "healthz", healthz),
    ("/readyz", "readyz", readyz),
    ("/metrics", "metrics", metrics),
]
for _path, _endpoint, _view in ROUTES:
    bp.add_url_rule(_path, _endpoint, _view, methods=["GET"])


def register_ops(app: Flask) -> None:
    app.register_blueprint(bp)
    app.after_request(_note_endpoint)
    app.wsgi_app = RequestMetrics(app.wsgi_app)  # type: ignore[method-assign]
