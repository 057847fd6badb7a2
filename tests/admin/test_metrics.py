"""The owners' Metrics screen: sources, metrics (shown on the page or not, suffix, decimals,
the PromQL of a Prometheus source), the metric id to push to, problems, and who may see it."""

from __future__ import annotations

from flask import Flask
from markupsafe import escape
from sqlalchemy import select

from statuspage.audit.trail import events
from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models import Metric, MetricsProvider, Page, Role
from statuspage.page.state import ensure_page
from statuspage.system_metrics import data, metrics, providers
from tests.admin.staff_client import Staff, signed_in


def _metric(name: str) -> Metric | None:
    db.session.commit()
    return db.session.scalars(select(Metric).where(Metric.name == name)).first()


def test_add_a_prometheus_source_and_a_metric_then_edit_and_delete_it(owner: Staff):
    response = owner.submit(
        "/admin/metrics/sources/new",
        {"type": "Prometheus", "metric_base_uri": "http://prometheus:9090"},
        page="/admin/metrics",
    )
    assert response.status_code == 302
    db.session.commit()
    provider = db.session.scalars(select(MetricsProvider)).one()
    assert (provider.type, provider.metric_base_uri) == ("Prometheus", "http://prometheus:9090")

    new = f"/admin/metrics/new?provider={provider.id}"
    form = owner.get(new).get_data(as_text=True)
    assert f'<option selected value="{provider.id}">' in form
    query = 'sum(rate(http_requests_total{job="api"}[5m]))'
    response = owner.submit(
        "/admin/metrics/new",
        {"metrics_provider_id": provider.id, "name": "Requests", "metric_identifier": query,
         "display": "y", "suffix": "req/s", "decimal_places": "1", "position": "0"},
        page=new,
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    metric = _metric("Requests")
    assert metric is not None
    assert (metric.metric_identifier, metric.display, metric.suffix, metric.decimal_places) == (
        query, True, "req/s", 1,
    )  # fmt: skip

    listing = owner.get("/admin/metrics").get_data(as_text=True)
    assert metric.id in listing  # the id, to push data to or read in the API
    assert str(escape(query)) in listing

    edit = f"/admin/metrics/{metric.id}/edit"
    response = owner.submit(
        edit,
        {"metrics_provider_id": provider.id, "name": "Requests", "metric_identifier": query,
         "suffix": "rps", "decimal_places": "0", "y_axis_min": "0", "position": "2"},
        page=edit,
    )  # fmt: skip
    assert response.status_code == 302
    metric = _metric("Requests")
    assert (metric.display, metric.suffix, metric.y_axis_min, metric.position) == (
        False, "rps", 0.0, 2,
    )  # fmt: skip  # the unchecked box took it off the page

    response = owner.submit(
        f"/admin/metrics/{metric.id}/delete", page=f"/admin/metrics/{metric.id}/delete"
    )
    assert response.status_code == 302
    assert _metric("Requests") is None
    actions = {e.action for e in events()}
    assert {"metrics_provider.create", "metric.create", "metric.update", "metric.delete"} <= actions


def test_a_self_metric_shows_its_push_path_last_data_and_problems(owner: Staff):
    page = ensure_page()
    source = providers.create_provider("Self")
    pushed = metrics.create_metric(source, name="Latency", suffix="ms")
    data.add_points(pushed, [(int(utcnow().timestamp()), 12.0)])
    remote = providers.create_provider("Prometheus", metric_base_uri="http://prom:9090")
    broken = metrics.create_metric(remote, name="Errors", metric_identifier="rate(x[5m])")
    broken.last_problem = "the query returned 3 series; aggregate it to one"
    db.session.commit()
    listing = owner.get("/admin/metrics").get_data(as_text=True)
    assert f"POST /api/v1/pages/{page.id}/metrics/{pushed.id}/data" in listing
    assert "none yet" in listing  # the Prometheus metric has no data
    assert "the query returned 3 series; aggregate it to one" in listing


def test_refusals_are_shown_on_the_form_and_change_nothing(owner: Staff):
    response = owner.submit(
        "/admin/metrics/sources/new",
        {"type": "Prometheus", "metric_base_uri": "ftp://nope"},
        page="/admin/metrics",
    )
    assert response.status_code == 422
    assert "http:// or https://" in response.get_data(as_text=True)
    source = providers.create_provider("Prometheus", metric_base_uri="http://prom:9090")
    db.session.commit()
    response = owner.submit(
        "/admin/metrics/new",
        {"metrics_provider_id": source.id, "name": "No query", "decimal_places": "0"},
        page="/admin/metrics/new",
    )
    assert response.status_code == 422
    assert "PromQL" in response.get_data(as_text=True)
    response = owner.submit(
        "/admin/metrics/new",
        {"metrics_provider_id": source.id, "name": "Bad axis", "metric_identifier": "up",
         "decimal_places": "0", "y_axis_min": "5", "y_axis_max": "1"},
        page="/admin/metrics/new",
    )  # fmt: skip
    assert response.status_code == 422
    assert _metric("No query") is None
    assert _metric("Bad axis") is None


def test_deleting_a_source_takes_its_metrics_and_changes_the_page(owner: Staff):
    source = providers.create_provider("Self")
    metrics.create_metric(source, name="Latency")
    db.session.commit()
    version = db.session.scalar(select(Page.version))
    url = f"/admin/metrics/sources/{source.id}/delete"
    assert owner.submit(url, page=url).status_code == 302
    assert _metric("Latency") is None
    assert db.session.scalar(select(Page.version)) > version


def test_only_owners_reach_the_metrics_screen(app: Flask, owner: Staff):
    assert 'href="/admin/metrics"' in owner.get("/admin/").get_data(as_text=True)
    for role in (Role.comms, Role.responder, Role.legal, Role.viewer):
        staff = signed_in(app, role)
        assert staff.get("/admin/metrics").status_code == 403
        assert 'href="/admin/metrics"' not in staff.get("/admin/").get_data(as_text=True)
