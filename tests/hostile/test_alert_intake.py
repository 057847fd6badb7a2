"""Hostile bodies through every field of every alert intake: always a clear 4xx, or a 200
that stored only text the one text rule allows (core.validation.storable), never a 500.

Each kind's body is its tool's documented shape (tests/monitoring/fixtures); every string
field in it is replaced in turn by each sample of the control corpus, a lone surrogate
(JSON's `\\ud800`) and a very long text; then wrong types, a huge body and unicode labels.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from statuspage.components.catalog import create_component
from statuspage.core.errors import InvalidInput
from statuspage.core.validation import storable
from statuspage.extensions import db, limiter
from statuspage.models import (
    Alert,
    AutomationMode,
    ComponentStatus,
    IncidentDraft,
    IntegrationKind,
)
from statuspage.page.state import ensure_page
from tests.factories.monitoring import automate, integration, rule
from tests.hostile.control_corpus import COMPACT, LONE_SURROGATE, LONG
from tests.monitoring.test_sources import fixture
from tests.monitoring.world import am_alert, am_body

SAMPLES = [(s.label, s.value) for s in (*COMPACT, LONE_SURROGATE)] + [("long", LONG)]
Body = dict[str, Any]
Path = tuple[Any, ...]

BODIES: dict[IntegrationKind, Callable[[], Body]] = {
    IntegrationKind.alertmanager: lambda: am_body(
        am_alert("fp", {"alertname": "ApiDown", "service": "api"}, summary="s", description="d")
    ),
    IntegrationKind.grafana: lambda: fixture("grafana_firing.json"),
    IntegrationKind.uptime_kuma: lambda: fixture("uptime_kuma_down.json"),
    IntegrationKind.generic: lambda: {
        "component": "API",
        "status": "major_outage",
        "summary": "Down",
        "id": "x",
    },
}


def string_paths(node: Any, path: Path = ()) -> Iterator[Path]:
    """Every string value's path in a JSON body, and every object key's (as ("key", ...))."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield ("key", *path, key)
            yield from string_paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from string_paths(value, (*path, index))
    elif isinstance(node, str):
        yield path


def replaced(body: Body, path: Path, value: str) -> Body:
    body = copy.deepcopy(body)
    renaming = path[0] == "key"
    path = path[1:] if renaming else path
    parent = body
    for step in path[:-1]:
        parent = parent[step]
    if renaming:
        parent[value] = parent.pop(path[-1])
    else:
        parent[path[-1]] = value
    return body


def stored_safely() -> list[str]:
    """Every stored alert's and draft's text, refused by the rule: what must never be kept."""
    db.session.rollback()
    bad = []
    for alert in db.session.scalars(select(Alert)):
        texts = [alert.fingerprint, alert.summary, *alert.labels, *alert.labels.values(),
                 *alert.annotations, *alert.annotations.values()]  # fmt: skip
        for text in texts:
            try:
                storable(text)
            except InvalidInput as refused:
                bad.append(f"alert {alert.fingerprint[:20]!r}: {refused}")
    for draft in db.session.scalars(select(IncidentDraft)):
        try:
            storable(draft.title, one_line=True)
            storable(draft.body)
        except InvalidInput as refused:
            bad.append(f"draft {draft.title[:20]!r}: {refused}")
    return bad


@pytest.fixture
def intake(app: Flask):
    page = ensure_page()
    api = create_component("API")
    automate(api, AutomationMode.status_and_draft, hold=0)  # drafts from hostile text too
    urls = {}
    for kind in IntegrationKind:
        _source, secret = integration(kind, kind.value)
        urls[kind] = f"/api/v1/pages/{page.id}/integrations/{kind.value}/{secret}"
    rule(api, ComponentStatus.major_outage, [("alertname", "=~", ".+")])
    rule(api, ComponentStatus.major_outage, [("monitor_id", "=~", ".+")], position=1)
    db.session.commit()
    client = app.test_client()

    def post(kind: IntegrationKind, body: Any = None, *, raw: bytes | None = None):
        limiter.reset()  # hundreds of posts: the intake's budget is tested on its own
        data = raw if raw is not None else json.dumps(body)
        return client.post(urls[kind], data=data, content_type="application/json")

    return post


@pytest.mark.parametrize("kind", list(IntegrationKind), ids=lambda k: k.value)
def test_the_control_corpus_in_every_field(intake, kind: IntegrationKind):
    base = BODIES[kind]()
    failures = []
    for path in string_paths(base):
        for label, value in SAMPLES:
            response = intake(kind, replaced(base, path, value))
            if response.status_code not in (200, 422):
                failures.append(f"{path} {label}: {response.status_code}")
            elif response.status_code == 422 and not response.get_json().get("error"):
                failures.append(f"{path} {label}: a 422 that does not say why")
    assert failures == []
    assert stored_safely() == []


WRONG_TYPES = {
    "alerts an object": {"version": "4", "alerts": {"a": 1}},
    "alert a string": {"version": "4", "alerts": ["firing"]},
    "labels a list": {"version": "4", "alerts": [{"status": "firing", "labels": ["a"]}]},
    "label a list": {"version": "4", "alerts": [{"status": "firing", "labels": {"a": [1]}}]},
    "fingerprint a number": {"version": "4", "alerts": [{"status": "firing", "fingerprint": 7}]},
    "startsAt a number": {"version": "4", "alerts": [{"status": "firing", "startsAt": 1e308}]},
    "startsAt year 0": {"version": "4", "alerts": [{"status": "firing",
                                                      "startsAt": "0000-01-01T00:00:00Z"}]},
    "status null": {"version": "4", "alerts": [{"status": None}]},
    "a list": [1, 2, 3],
    "a number": 12,
    "null": None,
}  # fmt: skip


def test_wrong_types_are_a_422_naming_what_is_wrong(intake):
    for label, body in WRONG_TYPES.items():
        response = intake(IntegrationKind.alertmanager, body)
        assert response.status_code == 422, (label, response.status_code)
        assert response.get_json()["error"], label
    for kind, body in (
        (IntegrationKind.generic, {"component": ["API"], "status": "major_outage"}),
        (IntegrationKind.generic, {"component": "API", "resolved": "yes"}),
        (IntegrationKind.uptime_kuma, {"heartbeat": {"status": True}, "monitor": {}, "msg": 1}),
        (IntegrationKind.uptime_kuma, {"heartbeat": [], "monitor": [], "msg": ""}),
        (IntegrationKind.grafana, {"orgId": 1, "alerts": [None]}),
    ):
        assert intake(kind, body).status_code == 422, body
    assert db.session.scalars(select(Alert)).all() == []


def test_huge_bodies_and_too_many_alerts(intake):
    many = am_body(*(am_alert(f"fp{i}", {"alertname": "A", "i": str(i)}) for i in range(501)))
    assert intake(IntegrationKind.alertmanager, many).status_code == 422
    huge = json.dumps({"version": "4", "alerts": [], "pad": "x" * (1024 * 1024 + 1)})
    assert intake(IntegrationKind.alertmanager, raw=huge.encode()).status_code == 413
    nested = b'{"version": "4", "alerts": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    assert intake(IntegrationKind.alertmanager, raw=nested).status_code in (400, 422)
    assert db.session.scalars(select(Alert)).all() == []


def test_unicode_labels_are_kept_as_they_are(intake):
    labels = {"alertname": "APIが落ちた", "サービス": "決済", "emoji": "🔥", "rtl": "خادم"}
    body = am_body(am_alert("ユニコード", labels, summary="決済 API 🔥"))
    assert intake(IntegrationKind.alertmanager, body).status_code == 200
    (alert,) = db.session.scalars(select(Alert)).all()
    assert (alert.fingerprint, alert.labels, alert.summary) == ("ユニコード", labels, "決済 API 🔥")
    (draft,) = db.session.scalars(select(IncidentDraft)).all()
    assert draft.title == "決済 API 🔥"
