"""The v1 metrics API against Statuspage's documented paths and shapes.

Statuspage's reference (https://developer.statuspage.io/#tag/metrics-providers and
https://developer.statuspage.io/#tag/metrics, the same OpenAPI its generated clients are
built from) documents:
- MetricsProvider: id, type, disabled, metric_base_uri, last_revalidated_at, created_at,
  updated_at, page_id; `type` one of "Pingdom", "NewRelic", "Librato", "Datadog", "Self".
- Metric: id, metrics_provider_id, metric_identifier, name, display, tooltip_description,
  backfilled, y_axis_min, y_axis_max, y_axis_hidden, suffix, decimal_places,
  most_recent_data_at, created_at, updated_at, last_fetched_at, backfill_percentage,
  reference_name.
- POST /pages/{page_id}/metrics/{metric_id}/data takes {"data": {"timestamp": <int>,
  "value": <number>}} and answers {"data": {"timestamp", "value"}} (SingleMetricAddResponse);
  POST /pages/{page_id}/metrics/data takes {"data": {"<metric_id>": [{"timestamp",
  "value"}, ...]}} (MetricAddResponse keys the points by metric id).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from statuspage.audit.trail import events
from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models import MetricPoint, Page
from statuspage.models.system_metrics import RAW
from statuspage.system_metrics.data import MAX_POINTS
from tests.api.conftest import Caller
from tests.hostile.control_corpus import COMPACT, Sample

PROVIDER_FIELDS = {
    "id": str, "type": str, "disabled": bool, "metric_base_uri": (str, type(None)),
    "last_revalidated_at": (str, type(None)), "created_at": str, "updated_at": str,
    "page_id": str,
}  # fmt: skip
METRIC_FIELDS = {
    "id": str, "metrics_provider_id": str, "metric_identifier": str, "name": str,
    "display": bool, "tooltip_description": (str, type(None)), "backfilled": bool,
    "y_axis_min": (float, int, type(None)), "y_axis_max": (float, int, type(None)),
    "y_axis_hidden": bool, "suffix": str, "decimal_places": int,
    "most_recent_data_at": (str, type(None)), "created_at": str, "updated_at": str,
    "last_fetched_at": (str, type(None)), "backfill_percentage": int, "reference_name": str,
}  # fmt: skip


def _ok(response, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def _shaped(obj: dict[str, Any], fields: dict[str, Any]) -> None:
    for name, kind in fields.items():
        assert name in obj, name
        assert isinstance(obj[name], kind), (name, obj[name])


def _provider(client, owner: Caller, base: str, **fields: Any) -> dict[str, Any]:
    body = {"metrics_provider": {"type": "Self", **fields}}
    return _ok(client.post(f"{base}/metrics_providers", headers=owner.headers, json=body), 201)


def _metric(client, owner: Caller, base: str, provider_id: str, **fields: Any) -> dict[str, Any]:
    body = {"metric": {"name": "API latency", "suffix": "ms", **fields}}
    path = f"{base}/metrics_providers/{provider_id}/metrics"
    return _ok(client.post(path, headers=owner.headers, json=body), 201)


@pytest.fixture
def metric(client, owner, base) -> dict[str, Any]:
    provider = _provider(client, owner, base)
    return _metric(client, owner, base, provider["id"])


def _version() -> int:
    return db.session.scalar(select(Page.version))


def _points(metric_id: str) -> list[tuple[int, float]]:
    rows = db.session.execute(
        select(MetricPoint.bucket, MetricPoint.total)
        .where(MetricPoint.metric_id == metric_id, MetricPoint.resolution == RAW)
        .order_by(MetricPoint.bucket)
    )
    return [tuple(r) for r in rows]


def test_a_self_provider_and_its_metric_have_statuspages_shapes(client, owner, base, page_id):
    provider = _provider(client, owner, base)
    _shaped(provider, PROVIDER_FIELDS)
    assert (provider["type"], provider["page_id"], provider["disabled"]) == ("Self", page_id, False)

    metric = _metric(
        client, owner, base, provider["id"],
        display=True, decimal_places=2, y_axis_min=0, y_axis_max=500, tooltip_description="p95",
    )  # fmt: skip
    _shaped(metric, METRIC_FIELDS)
    assert metric["metrics_provider_id"] == provider["id"]
    assert (metric["name"], metric["suffix"], metric["decimal_places"]) == ("API latency", "ms", 2)
    assert (metric["y_axis_min"], metric["y_axis_max"]) == (0, 500)
    assert metric["most_recent_data_at"] is None

    listed = _ok(client.get(f"{base}/metrics", headers=owner.headers))
    assert [m["id"] for m in listed] == [metric["id"]]
    of_provider = _ok(
        client.get(f"{base}/metrics_providers/{provider['id']}/metrics", headers=owner.headers)
    )
    assert of_provider == listed
    assert _ok(client.get(f"{base}/metrics/{metric['id']}", headers=owner.headers)) == metric
    providers = _ok(client.get(f"{base}/metrics_providers", headers=owner.headers))
    assert providers == [provider]


def test_statuspages_hosted_provider_types_are_refused_by_name(client, owner, base):
    for kind in ("Datadog", "Pingdom", "NewRelic", "Librato"):
        response = client.post(
            f"{base}/metrics_providers",
            headers=owner.headers,
            json={"metrics_provider": {"type": kind, "api_key": "k", "api_token": "t"}},
        )
        assert response.status_code == 422
        assert f"cannot read metrics from {kind}" in response.get_json()["error"]
    unknown = client.post(
        f"{base}/metrics_providers", headers=owner.headers, json={"metrics_provider": {"type": "X"}}
    )
    assert unknown.status_code == 422
    assert "Self or Prometheus" in unknown.get_json()["error"]


@pytest.mark.parametrize(
    "uri",
    [None, "", "prometheus:9090", "ftp://prometheus", "http://", "http://p:99999",
     "http://user:pw@p:9090", "http://p:9090/?q=1", "http://p\n:9090", "x" * 600],
)  # fmt: skip
def test_a_prometheus_provider_needs_a_plain_http_url(client, owner, base, uri):
    body = {"metrics_provider": {"type": "Prometheus", "metric_base_uri": uri}}
    response = client.post(f"{base}/metrics_providers", headers=owner.headers, json=body)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "metric_base_uri" in response.get_json()["error"]


def test_a_prometheus_metric_needs_its_promql_and_takes_no_pushed_data(client, owner, base):
    provider = _provider(
        client, owner, base, type="Prometheus", metric_base_uri="http://prometheus:9090/"
    )
    assert provider["metric_base_uri"] == "http://prometheus:9090"
    path = f"{base}/metrics_providers/{provider['id']}/metrics"
    missing = client.post(path, headers=owner.headers, json={"metric": {"name": "Up"}})
    assert missing.status_code == 422
    assert "PromQL" in missing.get_json()["error"]
    metric = _metric(client, owner, base, provider["id"], metric_identifier='up{job="api"}')
    assert metric["metric_identifier"] == 'up{job="api"}'
    pushed = client.post(
        f"{base}/metrics/{metric['id']}/data",
        headers=owner.headers,
        json={"data": {"timestamp": int(utcnow().timestamp()), "value": 1}},
    )
    assert pushed.status_code == 422
    assert "Prometheus" in pushed.get_json()["error"]


def test_patch_changes_what_it_names_and_null_clears_the_axis(client, owner, base, metric):
    path = f"{base}/metrics/{metric['id']}"
    set_axis = {"metric": {"y_axis_max": 250.5, "display": False}}
    patched = _ok(client.patch(path, headers=owner.headers, json=set_axis))
    assert (patched["y_axis_max"], patched["display"], patched["name"]) == (
        250.5,
        False,
        "API latency",
    )
    cleared = _ok(client.put(path, headers=owner.oauth, json={"metric": {"y_axis_max": None}}))
    assert cleared["y_axis_max"] is None
    assert cleared["suffix"] == "ms"
    crossed = {"metric": {"y_axis_min": 10, "y_axis_max": 5}}
    assert client.patch(path, headers=owner.headers, json=crossed).status_code == 422


def test_form_encoded_bodies_work_as_statuspage_clients_send_them(client, owner, base, metric):
    path = f"{base}/metrics/{metric['id']}"
    form = {"metric[decimal_places]": "3", "metric[display]": "false", "metric[y_axis_min]": "-1.5"}
    patched = _ok(client.patch(path, headers=owner.headers, data=form))
    assert (patched["decimal_places"], patched["display"], patched["y_axis_min"]) == (
        3,
        False,
        -1.5,
    )
    now = int(utcnow().timestamp())
    form_point = {"data[timestamp]": str(now), "data[value]": "42.5"}
    added = _ok(client.post(f"{path}/data", headers=owner.headers, data=form_point), 201)
    assert added == {"data": {"timestamp": now, "value": 42.5}}


def test_pushed_data_is_stored_moves_the_last_data_time_and_not_the_page(
    client, owner, base, metric
):
    now = int(utcnow().timestamp())
    version = _version()
    trail = len(list(events()))
    path = f"{base}/metrics/{metric['id']}/data"
    added = _ok(
        client.post(path, headers=owner.headers, json={"data": {"timestamp": now, "value": 1.5}}),
        201,
    )
    assert added == {"data": {"timestamp": now, "value": 1.5}}
    earlier = {"data": {"timestamp": now - 60, "value": 3}}
    _ok(client.post(path, headers=owner.headers, json=earlier), 201)
    assert _points(metric["id"]) == [(now - 60, 3.0), (now, 1.5)]
    shown = _ok(client.get(f"{base}/metrics/{metric['id']}", headers=owner.headers))
    newest = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert shown["most_recent_data_at"] == newest  # not moved back by the earlier point
    assert _version() == version  # charts refresh from most_recent_data_at, not the version
    assert len(list(events())) == trail  # data points are not audited one by one


def test_bulk_data_is_all_stored_or_none_of_it(client, owner, base, page_id):
    provider = _provider(client, owner, base)
    a = _metric(client, owner, base, provider["id"], name="A")
    b = _metric(client, owner, base, provider["id"], name="B")
    now = int(utcnow().timestamp())
    body = {
        "data": {
            a["id"]: [{"timestamp": now - 30, "value": 1}, {"timestamp": now, "value": 2}],
            b["id"]: [{"timestamp": now, "value": 7.25}],
        }
    }
    added = _ok(client.post(f"{base}/metrics/data", headers=owner.headers, json=body), 201)
    assert added == {
        a["id"]: [{"timestamp": now - 30, "value": 1.0}, {"timestamp": now, "value": 2.0}],
        b["id"]: [{"timestamp": now, "value": 7.25}],
    }
    assert _points(b["id"]) == [(now, 7.25)]

    unknown = {"data": {a["id"]: [{"timestamp": now + 1, "value": 5}], "nosuchid": []}}
    refused = client.post(f"{base}/metrics/data", headers=owner.headers, json=unknown)
    assert refused.status_code == 422
    bad_point = {"data": {a["id"]: [{"timestamp": now + 1, "value": 5}, {"value": 1}]}}
    assert (
        client.post(f"{base}/metrics/data", headers=owner.headers, json=bad_point).status_code
        == 422
    )
    assert _points(a["id"]) == [(now - 30, 1.0), (now, 2.0)]  # neither request stored a thing


def test_too_many_points_is_a_413_and_nothing_is_stored(client, owner, base, metric):
    now = int(utcnow().timestamp())
    many = [{"timestamp": now - i, "value": i} for i in range(MAX_POINTS + 1)]
    one = client.post(
        f"{base}/metrics/{metric['id']}/data", headers=owner.headers, json={"data": many}
    )
    assert one.status_code == 413
    assert str(MAX_POINTS) in one.get_json()["error"]
    bulk = client.post(
        f"{base}/metrics/data", headers=owner.headers, json={"data": {metric["id"]: many}}
    )
    assert bulk.status_code == 413
    assert _points(metric["id"]) == []


def test_reset_removes_every_point_and_is_audited(client, owner, base, metric):
    now = int(utcnow().timestamp())
    path = f"{base}/metrics/{metric['id']}/data"
    _ok(
        client.post(path, headers=owner.headers, json={"data": {"timestamp": now, "value": 1}}), 201
    )
    reset = _ok(client.delete(path, headers=owner.headers))
    assert reset["id"] == metric["id"]
    assert reset["most_recent_data_at"] is None
    assert db.session.scalar(select(func.count()).select_from(MetricPoint)) == 0
    entry = next(e for e in events() if e.action == "metric.reset_data")
    assert entry.actor == owner.audit_label
    assert entry.after["points_removed"] == 3  # raw, its 5-minute and its hourly bucket


def test_management_is_audited_and_deleting_takes_the_data_along(client, owner, base, metric):
    now = int(utcnow().timestamp())
    path = f"{base}/metrics/{metric['id']}"
    point = {"data": {"timestamp": now, "value": 1}}
    _ok(client.post(f"{path}/data", headers=owner.headers, json=point), 201)
    deleted = _ok(client.delete(path, headers=owner.headers))
    assert deleted["id"] == metric["id"]
    assert client.get(path, headers=owner.headers).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(MetricPoint)) == 0
    actions = [e.action for e in events()]
    assert {"metrics_provider.create", "metric.create", "metric.delete"} <= set(actions)

    provider_id = metric["metrics_provider_id"]
    gone = _ok(client.delete(f"{base}/metrics_providers/{provider_id}", headers=owner.headers))
    assert gone["id"] == provider_id
    assert _ok(client.get(f"{base}/metrics_providers", headers=owner.headers)) == []


def test_a_displayed_metric_changes_the_page_and_a_hidden_one_does_not(client, owner, base):
    provider = _provider(client, owner, base)
    version = _version()
    hidden = _metric(client, owner, base, provider["id"], display=False)
    assert _version() == version
    _metric(client, owner, base, provider["id"], display=True)
    assert _version() > version
    version = _version()
    patch = {"metric": {"display": True}}
    _ok(client.patch(f"{base}/metrics/{hidden['id']}", headers=owner.headers, json=patch))
    assert _version() > version


@pytest.mark.parametrize("role", ["comms", "responder", "legal", "viewer"])
def test_owners_manage_metrics_writers_push_data_everyone_reads(
    client, make_caller, owner, base, metric, role
):
    caller = make_caller(role)
    now = int(utcnow().timestamp())
    assert client.get(f"{base}/metrics", headers=caller.headers).status_code == 200
    assert client.get(f"{base}/metrics_providers", headers=caller.headers).status_code == 200
    refused = [
        client.post(f"{base}/metrics_providers", headers=caller.headers,
                    json={"metrics_provider": {"type": "Self"}}),
        client.post(f"{base}/metrics_providers/{metric['metrics_provider_id']}/metrics",
                    headers=caller.headers, json={"metric": {"name": "X"}}),
        client.patch(f"{base}/metrics/{metric['id']}", headers=caller.headers,
                     json={"metric": {"name": "X"}}),
        client.delete(f"{base}/metrics/{metric['id']}/data", headers=caller.headers),
        client.delete(f"{base}/metrics/{metric['id']}", headers=caller.headers),
    ]  # fmt: skip
    assert [r.status_code for r in refused] == [403] * len(refused)
    push = client.post(
        f"{base}/metrics/{metric['id']}/data",
        headers=caller.headers,
        json={"data": {"timestamp": now, "value": 1}},
    )
    assert push.status_code == (201 if role == "comms" else 403)
    assert (
        client.get(f"{base}/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    )


def test_other_pages_and_unknown_ids_are_not_found(client, owner, base, metric):
    now = int(utcnow().timestamp())
    point = {"data": {"timestamp": now, "value": 1}}
    other = "/api/v1/pages/otherpage1"
    for response in (
        client.get(f"{other}/metrics", headers=owner.headers),
        client.get(f"{other}/metrics/{metric['id']}", headers=owner.headers),
        client.post(f"{other}/metrics/{metric['id']}/data", headers=owner.headers, json=point),
        client.get(f"{other}/metrics_providers", headers=owner.headers),
        client.get(f"{base}/metrics/nosuchmetric", headers=owner.headers),
        client.post(f"{base}/metrics/nosuchmetric/data", headers=owner.headers, json=point),
        client.get(f"{base}/metrics_providers/nosuchprov/metrics", headers=owner.headers),
        client.delete(f"{base}/metrics_providers/nosuchprov", headers=owner.headers),
    ):
        assert response.status_code == 404, response.request.path
    assert _points(metric["id"]) == []


def _now() -> int:
    return int(utcnow().timestamp())


BAD_VALUES = ["NaN", "Infinity", "-Infinity", "1e400", "1e16", "100000000000000000000000"]


@pytest.mark.parametrize("literal", BAD_VALUES)
def test_values_that_are_no_finite_number_are_refused(client, owner, base, metric, literal):
    """JSON has no NaN or Infinity, but Python's parser (and some clients) take them."""
    raw = f'{{"data": {{"timestamp": {_now()}, "value": {literal}}}}}'
    response = client.post(
        f"{base}/metrics/{metric['id']}/data",
        headers=owner.headers | {"Content-Type": "application/json"},
        data=raw,
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "value" in response.get_json()["error"]
    assert _points(metric["id"]) == []


@pytest.mark.parametrize(
    "value", ["fast", "", None, True, [], {}, "1" * 100, "nan", "inf", math.pi * 1e20]
)
def test_values_of_the_wrong_kind_are_refused(client, owner, base, metric, value):
    body = json.dumps({"data": {"timestamp": _now(), "value": value}})
    response = client.post(
        f"{base}/metrics/{metric['id']}/data",
        headers=owner.headers | {"Content-Type": "application/json"},
        data=body,
    )
    assert response.status_code == 422, response.get_data(as_text=True)


@pytest.mark.parametrize(
    "offset",
    ["ms", -32 * 86400, 600, "neg", "float", "str", "huge"],
)
def test_timestamps_out_of_range_or_not_whole_seconds_are_refused(
    client, owner, base, metric, offset
):
    now = _now()
    timestamp = {
        "ms": now * 1000, "neg": -1, "float": now + 0.5, "str": "yesterday", "huge": 10**30,
    }.get(offset, now + offset if isinstance(offset, int) else None)  # fmt: skip
    response = client.post(
        f"{base}/metrics/{metric['id']}/data",
        headers=owner.headers,
        json={"data": {"timestamp": timestamp, "value": 1}},
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "timestamp" in response.get_json()["error"]


def test_a_point_from_yesterday_and_one_a_minute_ahead_are_kept(client, owner, base, metric):
    now = _now()
    for timestamp in (now - 86400, now + 60):
        body = {"data": {"timestamp": timestamp, "value": 1}}
        _ok(
            client.post(f"{base}/metrics/{metric['id']}/data", headers=owner.headers, json=body),
            201,
        )


@pytest.mark.parametrize("body", [
    {}, {"data": None}, {"data": "1"}, {"data": [1, 2]}, {"data": {"timestamp": 1}},
    {"data": {"value": 1}}, {"data": {"0": {"timestamp": 1, "value": 1}, "x": {}}},
    {"data": []},
])  # fmt: skip
def test_malformed_data_bodies_are_refused(client, owner, base, metric, body):
    response = client.post(f"{base}/metrics/{metric['id']}/data", headers=owner.headers, json=body)
    assert response.status_code == 422, response.get_data(as_text=True)


@pytest.mark.parametrize(
    "body", [{}, {"data": []}, {"data": {}}, {"data": "x"}, {"data": {"nosuchid": []}}]
)
def test_malformed_bulk_bodies_are_refused(client, owner, base, body):
    response = client.post(f"{base}/metrics/data", headers=owner.headers, json=body)
    assert response.status_code == 422, response.get_data(as_text=True)


@pytest.mark.parametrize("sample", COMPACT, ids=lambda s: s.label)
def test_control_characters_in_a_metric_follow_the_one_text_rule(
    client, owner, base, metric, sample: Sample
):
    path = f"{base}/metrics/{metric['id']}"
    for field, one_line in (("name", True), ("suffix", True), ("tooltip_description", False)):
        response = client.patch(path, headers=owner.headers, json={"metric": {field: sample.value}})
        expected = 422 if sample.refused_in(one_line=one_line) else 200
        assert response.status_code == expected, (field, response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("field", "value"),
    [("decimal_places", 99), ("decimal_places", -1), ("decimal_places", 1.5),
     ("position", "first"), ("y_axis_min", "NaN"), ("y_axis_max", 1e300),
     ("display", "maybe"), ("name", ""), ("name", "x" * 201), ("suffix", "x" * 41),
     ("metric_identifier", 5)],
)  # fmt: skip
def test_metric_fields_out_of_range_are_refused(client, owner, base, metric, field, value):
    response = client.patch(
        f"{base}/metrics/{metric['id']}", headers=owner.headers, json={"metric": {field: value}}
    )
    assert response.status_code == 422, response.get_data(as_text=True)


def test_a_provider_is_read_and_updated_by_its_id(client, owner, base):
    provider = _provider(client, owner, base)
    path = f"{base}/metrics_providers/{provider['id']}"
    assert _ok(client.get(path, headers=owner.headers)) == provider
    to_prometheus = {"metrics_provider": {"type": "Prometheus"}}
    refused = client.patch(path, headers=owner.headers, json=to_prometheus)
    assert refused.status_code == 422
    assert "metric_base_uri" in refused.get_json()["error"]
    with_server = {
        "metrics_provider": {"type": "prometheus", "metric_base_uri": "https://p.example"}
    }
    moved = _ok(client.put(path, headers=owner.oauth, json=with_server))
    assert (moved["type"], moved["metric_base_uri"]) == ("Prometheus", "https://p.example")
    paused = _ok(
        client.patch(path, headers=owner.headers, json={"metrics_provider": {"disabled": True}})
    )
    assert (paused["disabled"], paused["metric_base_uri"]) == (True, "https://p.example")
    back = _ok(
        client.patch(path, headers=owner.headers, json={"metrics_provider": {"type": "Self"}})
    )
    assert (back["type"], back["metric_base_uri"]) == ("Self", None)  # its server left behind
    entries = [e for e in events() if e.action == "metrics_provider.update"]
    assert [e.after["type"] for e in entries] == ["Prometheus", "Prometheus", "Self"]
