"""/healthz, /readyz and /metrics (statuspage/ops.py, statuspage/metrics.py)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from statuspage import create_app
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import Delivery
from statuspage.page.state import ensure_page
from tests.factories import subscriber
from tests.queue import drain


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def other_app(app: Flask) -> Iterator[list[Flask]]:
    """Apps built from the test config with a few settings changed; their pools closed after."""
    made: list[Flask] = []
    yield made
    for other in made:
        with other.app_context():
            db.engine.dispose()


def variant(made: list[Flask], app: Flask, **settings) -> FlaskClient:
    other = create_app({**app.config, **settings})
    made.append(other)
    return other.test_client()


def scrape(client: FlaskClient, **kwargs) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_healthz_answers_without_asking_the_database(app, other_app):
    unreachable = f"postgresql+psycopg://nobody@127.0.0.1:{closed_port()}/herald"
    client = variant(other_app, app, SQLALCHEMY_DATABASE_URI=unreachable)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_when_database_and_queue_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": {"database": "ok", "queue": "ok"}}


def test_readyz_names_an_unreachable_database_and_queue(app, other_app):
    port = closed_port()
    client = variant(
        other_app,
        app,
        SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://nobody@127.0.0.1:{port}/herald",
        QUEUE_URL=f"redis://127.0.0.1:{port}/0",
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["failed"] == ["database", "queue"]
    assert response.json["errors"]["database"] == "OperationalError"
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_answers_in_bounded_time_when_nothing_answers_the_connection(app, other_app):
    """A host that accepts connections and never speaks: 503 after CONNECT_TIMEOUT, no hang.

    Without the timeouts libpq and redis-py wait on such a socket as long as TCP does; the
    thread's join bound is only there so that this test ends if that comes back.
    """
    with socket.socket() as mute:
        mute.bind(("127.0.0.1", 0))
        mute.listen(8)  # the kernel completes the handshake; nobody ever reads or writes
        port = mute.getsockname()[1]
        client = variant(
            other_app,
            app,
            SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://nobody@127.0.0.1:{port}/herald",
            QUEUE_URL=f"redis://127.0.0.1:{port}/0",
            CONNECT_TIMEOUT=1.0,
        )
        answers = []
        asking = threading.Thread(target=lambda: answers.append(client.get("/readyz")))
        asking.start()
        asking.join(timeout=60)
        assert answers, "/readyz hung on a database and a queue that never answer"
    assert answers[0].status_code == 503
    assert answers[0].json["failed"] == ["database", "queue"]


def test_readyz_names_only_what_failed(app, other_app):
    client = variant(other_app, app, QUEUE_URL=f"redis://127.0.0.1:{closed_port()}/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["queue"]


def test_metrics_count_requests_renders_deliveries_and_the_queue(client, smtp, queue):
    ensure_page("Acme Status")
    for email in ("ann@example.com", "bob@example.com"):
        subscriber(email)
    db.session.commit()
    before = scrape(client)
    assert client.get("/healthz").status_code == 200
    assert client.get("/no/such/page").status_code == 404
    client.get("/")  # rendered into a snapshot
    create_incident(OpenIncident("API down", "Looking."))
    db.session.commit()  # the outbox enqueues the fan-out

    waiting = scrape(client)
    assert value(waiting, "herald_queue_pending") >= 1
    assert value(waiting, "herald_queue_up") == 1
    assert value(waiting, "herald_database_up") == 1
    healthz = {"endpoint": "ops.healthz", "method": "GET", "status": "200"}
    assert value(waiting, "herald_http_requests_total", **healthz) == (
        value(before, "herald_http_requests_total", **healthz) + 1
    )
    missing = {"endpoint": "unmatched", "method": "GET", "status": "404"}
    assert value(waiting, "herald_http_requests_total", **missing) == (
        value(before, "herald_http_requests_total", **missing) + 1
    )
    assert value(waiting, "herald_http_request_duration_seconds_count", endpoint="ops.healthz") == (
        value(before, "herald_http_request_duration_seconds_count", endpoint="ops.healthz") + 1
    )
    assert value(waiting, "herald_snapshot_renders_total") > value(
        before, "herald_snapshot_renders_total"
    )
    for state in ("pending", "sending", "retry", "sent", "failed", "superseded"):
        assert (
            "herald_deliveries",
            (("channel", "webpush"), ("state", state)),
        ) in waiting  # every pair is there, zeros too

    smtp.stop()  # the relay is down: both deliveries wait for a retry
    drain(queue)
    oldest = db.session.scalar(select(func.min(Delivery.created_at)))
    with time_machine.travel(oldest + timedelta(seconds=90), tick=False):
        stuck = scrape(client)
    assert value(stuck, "herald_deliveries", channel="email", state="retry") == 2
    assert value(stuck, "herald_deliveries", channel="email", state="sent") == 0
    assert value(stuck, "herald_oldest_undelivered_age_seconds") == 90
    assert value(stuck, "herald_queue_pending") == 0


def test_metrics_count_incidents_whose_update_is_overdue(client):
    ensure_page("Acme Status")  # the page's default cadence: an update every 30 minutes
    incident = create_incident(OpenIncident("API down", "Looking."))
    db.session.commit()
    posted = incident.updates[-1].display_at
    with time_machine.travel(posted + timedelta(minutes=29), tick=False):
        assert value(scrape(client), "herald_overdue_updates") == 0
    with time_machine.travel(posted + timedelta(minutes=31), tick=False):
        assert value(scrape(client), "herald_overdue_updates") == 1


def test_metrics_report_a_database_outage_as_data(app, other_app):
    unreachable = f"postgresql+psycopg://nobody@127.0.0.1:{closed_port()}/herald"
    client = variant(other_app, app, SQLALCHEMY_DATABASE_URI=unreachable)
    samples = scrape(client)
    assert value(samples, "herald_database_up") == 0
    assert value(samples, "herald_queue_up") == 1
    assert not any(name == "herald_deliveries" for name, _ in samples)


def test_metrics_token_when_configured(app, other_app):
    client = variant(other_app, app, METRICS_TOKEN="s3cret-token")
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    samples = scrape(client, headers={"Authorization": "Bearer s3cret-token"})
    assert value(samples, "herald_database_up") == 1


def test_metrics_answer_loopback_only_without_a_token(app, other_app):
    """Its counters move with private notices: with no METRICS_TOKEN, an address other than
    this machine's is refused, unless METRICS_OPEN says the network in front restricts it."""
    client = app.test_client()
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    refused = client.get("/metrics", environ_base=outside)
    assert refused.status_code == 401
    assert b"herald_" not in refused.data
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    opened = variant(other_app, app, METRICS_OPEN="1")
    assert opened.get("/metrics", environ_base=outside).status_code == 200
