"""Each tool's documented webhook body, read into alerts; anything else is a clear refusal.

The fixtures are the tools' own examples:
- Alertmanager, payload version 4: https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
  (the example body as recorded from a real Alertmanager, fixtures/alertmanager_firing.json).
- Grafana: the example of https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
- Uptime Kuma: the body its webhook provider posts (server/notification-providers/webhook.js:
  `{heartbeat, monitor, msg}`; https://github.com/louislam/uptime-kuma/wiki/Notification-Methods).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from statuspage.core.errors import InvalidInput
from statuspage.models import AlertState, ComponentStatus
from statuspage.monitoring.sources import alertmanager, generic, grafana, uptime_kuma

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def test_alertmanager_version_4_body():
    (alert,) = alertmanager.read(fixture("alertmanager_firing.json"))
    assert alert.fingerprint == "1a30ba71cca2921f"
    assert alert.state is AlertState.firing
    assert alert.labels["severity"] == "critical"
    assert alert.summary == "BlackBox Probe Failure: https://server.example.org"
    assert alert.starts_at == datetime(2023, 2, 6, 13, 8, 45, 828000, tzinfo=UTC)
    assert alert.ends_at is None  # Go's zero time: still firing


def test_alertmanager_resolved_alert_with_nanoseconds_and_no_fingerprint():
    body = fixture("alertmanager_firing.json")
    (raw,) = body["alerts"]
    raw |= {"status": "resolved", "endsAt": "2023-02-06T13:18:45.123456789+02:00"}
    del raw["fingerprint"]
    (alert,) = alertmanager.read(body)
    assert alert.state is AlertState.resolved
    assert alert.ends_at == datetime(2023, 2, 6, 11, 18, 45, 123456, tzinfo=UTC)
    # Without one, the fingerprint is the labels' own: the same labels, the same alert.
    (again,) = alertmanager.read(body)
    assert alert.fingerprint == again.fingerprint
    assert alert.fingerprint.startswith("labels:")


def test_grafana_documented_example():
    first, second = grafana.read(fixture("grafana_firing.json"))
    assert (first.fingerprint, second.fingerprint) == ("c6eadffa33fcdf37", "bc97ff14869b13e3")
    assert first.labels == {"alertname": "High memory usage", "team": "blue", "zone": "us-1"}
    assert first.summary == "This alert was triggered for zone us-1"
    assert first.starts_at == datetime(2021, 10, 12, 7, 51, 3, 157076, tzinfo=UTC)
    assert {first.state, second.state} == {AlertState.firing}


def test_uptime_kuma_down_then_up_is_one_alert_by_monitor():
    (down,) = uptime_kuma.read(fixture("uptime_kuma_down.json"))
    (up,) = uptime_kuma.read(fixture("uptime_kuma_up.json"))
    assert down.fingerprint == up.fingerprint == "monitor:29"
    assert (down.state, up.state) == (AlertState.firing, AlertState.resolved)
    # Kuma has no labels: the monitor's fields are them, for rules to match.
    assert down.labels == {"monitor_id": "29", "monitor": "Test", "url": "https://test.com",
                           "type": "http"}  # fmt: skip
    assert down.summary == "[Test] [🔴 Down] getaddrinfo ENOTFOUND test.com"
    assert down.starts_at == datetime(2024, 9, 24, 23, 51, 35, 527000, tzinfo=UTC)


def test_uptime_kuma_test_message_and_pending_beat_take_nothing():
    assert uptime_kuma.read({"heartbeat": None, "monitor": None, "msg": "Testing"}) == []
    body = fixture("uptime_kuma_down.json")
    body["heartbeat"]["status"] = uptime_kuma.PENDING
    assert uptime_kuma.read(body) == []


def test_generic_body_names_its_component():
    (alert,) = generic.read(
        {"component": "API", "status": "major_outage", "summary": "API down", "id": "api-5xx"}
    )
    assert (alert.component, alert.status, alert.state) == (
        "API", ComponentStatus.major_outage, AlertState.firing)  # fmt: skip
    assert alert.fingerprint == "api-5xx"
    assert alert.labels == {"component": "API"}
    (done,) = generic.read({"component": "API", "id": "api-5xx", "resolved": True})
    assert done.state is AlertState.resolved
    assert done.fingerprint == "api-5xx"


@pytest.mark.parametrize(
    ("reader", "body", "words"),
    [
        (alertmanager.read, [], "the body must be a JSON object"),
        (alertmanager.read, {"alerts": []}, '"version" must be "4"'),
        (alertmanager.read, {"version": "4"}, "'alerts': an array"),
        (alertmanager.read, {"version": "4", "alerts": [{"status": "burning"}]},
         "alerts[0].status must be 'firing' or 'resolved'"),
        (alertmanager.read, {"version": "4", "alerts": [{"status": "firing", "labels": [1]}]},
         "alerts[0].labels must be a JSON object"),
        (alertmanager.read, {"version": "4", "alerts": [{"status": "firing",
                                                          "startsAt": "yesterday"}]},
         "alerts[0].startsAt is not an RFC 3339 time"),
        (alertmanager.read, {"version": "4", "alerts": [{"status": "firing",
                                                          "labels": {"a": "\x00"}}]},
         "NUL"),
        (alertmanager.read, {"version": "4", "alerts": [{}] * 501}, "at most 500 alerts"),
        (grafana.read, {"alerts": []}, "not a Grafana webhook body"),
        (uptime_kuma.read, {"hello": 1}, "not an Uptime Kuma body"),
        (uptime_kuma.read, {"heartbeat": {"status": "down"}, "monitor": {}, "msg": ""},
         "heartbeat.status must be 0"),
        (generic.read, {"status": "major_outage"}, "the body.component is required"),
        (generic.read, {"component": "API"}, "status is required unless resolved"),
        (generic.read, {"component": "API", "status": "on_fire"}, "must be one of"),
        (generic.read, {"component": "API", "status": ["x"]}, "must be a component status"),
        (generic.read, {"component": "API", "status": "major_outage", "colour": "red"},
         "unknown fields ('colour')"),
    ],
)  # fmt: skip
def test_a_body_not_in_the_tools_shape_is_refused_with_what_is_wrong(reader, body, words):
    with pytest.raises(InvalidInput) as refused:
        reader(body)
    assert words in str(refused.value)
