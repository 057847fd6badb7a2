"""The intake endpoints over HTTP: the secret in the path or as a bearer token, one 401 for
every wrong credential, JSON only, bounded, the tool's shape, one commit."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from statuspage.components.catalog import create_component
from statuspage.extensions import db, limiter
from statuspage.models import Alert, AlertState, ComponentStatus, IntegrationKind
from statuspage.page.state import ensure_page
from tests.factories.monitoring import automate, integration, rule
from tests.monitoring.test_sources import fixture
from tests.monitoring.world import am_alert, am_body

API = "/api/v1/pages"


@pytest.fixture
def world():
    page = ensure_page()
    api = create_component("API")
    source, secret = integration()
    rule(api, ComponentStatus.major_outage, [("service", "=", "api")])
    automate(api, hold=0)
    db.session.commit()
    return page, api, source, secret


def test_alertmanager_by_path_secret_moves_the_component(client, world):
    page, api, source, secret = world
    body = am_body(am_alert("fp", {"service": "api"}, summary="API down"))
    response = client.post(f"{API}/{page.id}/integrations/alertmanager/{secret}", json=body)
    assert response.status_code == 200
    assert response.get_json() == {"alerts": 1, "firing": 1, "resolved": 0, "matched": 1}
    assert response.headers["Cache-Control"] == "private, no-store"
    db.session.expire_all()
    assert api.status is ComponentStatus.major_outage
    assert source.last_received_at is not None


def test_the_same_secret_as_a_bearer_token(client, world):
    page, _api, _, secret = world
    body = am_body(am_alert("fp", {"service": "api"}, firing=False))
    response = client.post(
        f"{API}/{page.id}/integrations/alertmanager",
        json=body,
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200
    (alert,) = db.session.scalars(select(Alert)).all()
    assert alert.state is AlertState.resolved


def test_every_wrong_credential_gets_the_same_401(client, world):
    page, _, _, secret = world
    _other, other_secret = integration(IntegrationKind.grafana, "Grafana")
    db.session.commit()
    body = am_body(am_alert("fp", {"service": "api"}))
    answers = [
        client.post(f"{API}/{page.id}/integrations/alertmanager/wrong-secret", json=body),
        client.post(f"{API}/other-page/integrations/alertmanager/{secret}", json=body),
        client.post(f"{API}/{page.id}/integrations/grafana/{secret}", json=body),  # kind
        client.post(f"{API}/{page.id}/integrations/alertmanager/{other_secret}", json=body),
        client.post(f"{API}/{page.id}/integrations/nonsense/{secret}", json=body),
        client.post(f"{API}/{page.id}/integrations/alertmanager", json=body),
        client.post(
            f"{API}/{page.id}/integrations/alertmanager",
            json=body,
            headers={"Authorization": "Bearer nope"},
        ),
        client.post(f"{API}/{page.id}/integrations/alertmanager/{'x' * 300}", json=body),
    ]
    assert {r.status_code for r in answers} == {401}
    assert len({r.get_data() for r in answers}) == 1  # no hint which part was wrong
    assert db.session.scalars(select(Alert)).all() == []


def test_json_only_bounded_and_in_the_tools_shape(client, world):
    page, _, _, secret = world
    url = f"{API}/{page.id}/integrations/alertmanager/{secret}"
    assert client.post(url, data="version=4").status_code == 415
    broken = client.post(url, data="{not json", content_type="application/json")
    assert broken.status_code == 400
    wrong = client.post(url, json={"version": "3", "alerts": []})
    assert wrong.status_code == 422
    assert '"version" must be "4"' in wrong.get_json()["error"]
    huge = json.dumps({"version": "4", "alerts": [], "pad": "x" * (2 * 1024 * 1024)})
    assert client.post(url, data=huge, content_type="application/json").status_code == 413


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        (IntegrationKind.grafana, "grafana_firing.json"),
        (IntegrationKind.uptime_kuma, "uptime_kuma_down.json"),
    ],
)
def test_recorded_grafana_and_uptime_kuma_bodies(client, kind, body):
    page = ensure_page()
    api = create_component("API")
    _source, secret = integration(kind, kind.value)
    # Kuma's monitor name and Grafana's team label are what the rules match.
    rule(api, ComponentStatus.partial_outage, [("team", "=", "blue")])
    rule(api, ComponentStatus.major_outage, [("monitor", "=", "Test"), ("type", "=", "http")])
    automate(api, hold=0)
    db.session.commit()
    response = client.post(
        f"{API}/{page.id}/integrations/{kind.value}/{secret}", json=fixture(body)
    )
    assert response.status_code == 200
    db.session.expire_all()
    wanted = {IntegrationKind.grafana: ComponentStatus.partial_outage,
              IntegrationKind.uptime_kuma: ComponentStatus.major_outage}  # fmt: skip
    assert api.status is wanted[kind]
    if kind is IntegrationKind.uptime_kuma:
        up = client.post(
            f"{API}/{page.id}/integrations/{kind.value}/{secret}",
            json=fixture("uptime_kuma_up.json"),
        )
        assert up.status_code == 200
        db.session.expire_all()
        assert api.status is ComponentStatus.operational


def test_generic_json_by_component_name_or_id(client):
    page = ensure_page()
    api = create_component("API")
    _, secret = integration(IntegrationKind.generic, "cron checks")
    automate(api, hold=0)
    db.session.commit()
    url = f"{API}/{page.id}/integrations/generic/{secret}"
    firing = {"component": "API", "status": "degraded_performance", "summary": "Slow", "id": "s"}
    assert client.post(url, json=firing).status_code == 200
    db.session.expire_all()
    assert api.status is ComponentStatus.degraded_performance
    resolved = {"component": api.id, "id": "s", "resolved": True}
    assert client.post(url, json=resolved).status_code == 200
    db.session.expire_all()
    assert api.status is ComponentStatus.operational
    unknown = client.post(url, json={"component": "Nope", "status": "major_outage"})
    assert unknown.status_code == 422
    assert "no component with the id or name 'Nope'" in unknown.get_json()["error"]


def test_the_intake_has_a_budget_of_its_own(app, client, world, monkeypatch):
    """A burst of alerts (Uptime Kuma posts once per monitor) spends neither the management
    API's budget nor is it refused by it: the intake's counter is its own."""
    page, _, _, secret = world
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    limiter.reset()
    url = f"{API}/{page.id}/integrations/alertmanager/{secret}"
    for n in range(10):
        body = am_body(am_alert(f"fp{n}", {"service": "api"}))
        assert client.post(url, json=body).status_code == 200, n
    answers = [client.get(f"{API}/{page.id}/components").status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]  # the address's API budget, untouched till now
    limiter.reset()
