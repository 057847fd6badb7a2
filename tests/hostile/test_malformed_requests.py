"""Oversized, malformed and absurd requests to every endpoint: a clear 4xx, never a 500.

The URL map is walked (tests/hostile/url_map.py), so new endpoints are covered the moment they
exist. Each request is sent the way it would get furthest: admin requests by a signed-in owner
with a genuine CSRF token in the X-CSRFToken header (so the body itself reaches the view), API
requests with an owner's key, public ones anonymously.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from statuspage.audience import page_access
from statuspage.extensions import db, limiter
from statuspage.models import IntegrationKind, Role
from statuspage.public import SCRIPT_ROUTES
from statuspage.staff.accounts import create_api_key
from tests.admin.staff_client import signed_in
from tests.admin.world import World
from tests.factories.monitoring import alert_rule, integration
from tests.hostile.url_map import READS, WRITES, Served, served, url_for_rule

JSON_ONLY = {f"public.{endpoint}" for _path, endpoint, _view in SCRIPT_ROUTES}
URLENCODED = "application/x-www-form-urlencoded"
HUGE_ID = "9" * 30  # past every integer column's range


@dataclass
class Sender:
    """Sends a request to an endpoint as the caller who gets furthest into it."""

    app: Flask
    send: Callable[..., TestResponse]

    def __call__(self, target: Served, url: str | None = None, **kwargs) -> TestResponse:
        db.session.commit()
        limiter.reset()  # sign-up forms allow a few posts an hour: each request is a first
        with self.app.app_context():
            response = self.send(target, url or self.url(target), **kwargs)
            response.get_data()  # exports stream: read them inside the request's context
            response.close()
        return response

    values: dict[str, object] | None = None

    def url(self, target: Served) -> str:
        return url_for_rule(target.rule, self.values)


@pytest.fixture
def send(app: Flask, world: World, monkeypatch: pytest.MonkeyPatch) -> Sender:
    # Hundreds of requests from one key: the limit itself is tested in tests/api.
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "100000 per minute")
    owner = signed_in(app, Role.owner)
    csrf = owner.token("/admin/")
    _, secret = create_api_key("fuzz-bot", "owner")
    access_user = page_access.create_user("ann@customer.example", [world.segment.id])
    intake, intake_secret = integration(IntegrationKind.alertmanager)
    setup = {"integration_id": intake.id, "rule_id": alert_rule(world.api).id}
    db.session.commit()
    public = app.test_client()
    values = {
        "incident_id": world.incident.id,
        "component_id": world.api.id,
        "group_id": world.core.id,
        "template_id": world.template.id,
        "subscriber_id": world.subscriber.id,
        "notice_id": world.notice.id,
        "organization_id": world.organization.id,
        "segment_id": world.segment.id,
        "page_id": world.api.page_id,
        "page_access_group_id": world.segment.id,
        "page_access_user_id": access_user.id,
        "metric_id": world.metric.id,
        "metrics_provider_id": world.metric.metrics_provider_id,
        "provider_id": world.metric.metrics_provider_id,
        "year": 2026,
        "month": 1,
        **setup,
        "kind": IntegrationKind.alertmanager.value,
        "secret": intake_secret,
    }

    def send(target: Served, url: str, headers: dict[str, str] | None = None, **kwargs):
        headers = dict(headers or {})
        if target.blueprint == "admin":
            client = owner.client
            headers["X-CSRFToken"] = csrf
        elif target.endpoint == "api.alerts_by_bearer":  # alert intake: the integration's
            client = public
            headers["Authorization"] = f"Bearer {intake_secret}"
        elif target.blueprint == "api":
            client = public
            headers["Authorization"] = f"Bearer {secret}"
        else:
            client = public
        return client.open(url, method=target.method, headers=headers, **kwargs)

    return Sender(app, send, values)


def _writes(app: Flask) -> list[Served]:
    """Every write but sign-out, DELETEs last: a body a DELETE ignores still deletes the record
    the other writes aim at."""
    writes = [s for s in served(app) if s.method in WRITES and s.endpoint != "admin.logout"]
    return sorted(writes, key=lambda s: s.method == "DELETE")


def _reads(app: Flask) -> Iterator[Served]:
    return (s for s in served(app) if s.method in READS)


def _json_accepting(target: Served) -> bool:
    return (target.blueprint == "api" and target.method != "DELETE") or target.endpoint in JSON_ONLY


def _failures(results: list[tuple[Served, str, TestResponse]], ok) -> list[str]:
    return [
        f"{target} [{label}]: {response.status_code} {response.get_data(as_text=True)[:120]!r}"
        for target, label, response in results
        if not ok(target, response)
    ]


def test_a_body_over_the_limit_is_413_everywhere(app: Flask, send: Sender):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert 64 * 1024 <= limit <= 16 * 1024 * 1024, "a sensible limit is configured"
    results = []
    for target in _writes(app):
        for label, body, content_type in (
            ("form", b"name=" + b"x" * limit, "application/x-www-form-urlencoded"),
            ("json", b'{"name": "' + b"x" * limit + b'"}', "application/json"),
        ):
            response = send(target, data=body, content_type=content_type)
            results.append((target, label, response))
    assert _failures(results, lambda t, r: r.status_code == 413) == []


MALFORMED_JSON = {
    "truncated": b'{"incident": {"name": "Down"',
    "not an object": b"[1, 2, 3]",
    "bare word": b"nope",
    "invalid UTF-8": b'{"name": "\xff\xfe"}',
    "deeply nested": b"[" * 100_000 + b"]" * 100_000,
    "NUL in a string": b'{"name": "a\\u0000b"}',
}


def test_malformed_json_is_a_400_with_a_json_error(app: Flask, send: Sender):
    """Where JSON is read: a 400 saying why, as JSON. Everywhere else: some 4xx."""
    results = []
    for target in _writes(app):
        for label, body in MALFORMED_JSON.items():
            results.append(
                (target, label, send(target, data=body, content_type="application/json"))
            )

    def ok(target: Served, response: TestResponse) -> bool:
        if target.blueprint == "api" and target.method == "DELETE":
            return response.status_code < 500  # a DELETE has no body to read: it is ignored
        if not _json_accepting(target):
            return 400 <= response.status_code < 500
        error = (response.get_json(silent=True) or {}).get("error")
        return response.status_code in (400, 422) and isinstance(error, str) and error != ""

    assert _failures(results, ok) == []


MALFORMED_FORMS = {
    "percent-encoded invalid UTF-8": (b"name=%ff%fe&body=%c3%28", URLENCODED),
    "raw invalid UTF-8": (b"name=\xff\xfe&body=x", URLENCODED),
    "multipart without a boundary": (b"--x\r\n\r\nname\r\n--x--\r\n", "multipart/form-data"),
    "multipart with the wrong boundary": (
        b'--nope\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--nope--\r\n',
        "multipart/form-data; boundary=other",
    ),
}  # fmt: skip


def test_malformed_form_posts_are_a_400(app: Flask, send: Sender):
    results = []
    for target in _writes(app):
        for label, (body, content_type) in MALFORMED_FORMS.items():
            results.append((target, label, send(target, data=body, content_type=content_type)))
    assert _failures(results, lambda t, r: r.status_code == 400) == []


WRONG_TYPES = {
    "text/plain": b"name=Down",
    "application/xml": b"<incident><name>Down</name></incident>",
    "application/octet-stream": b"\x00\x01\x02",
    "no content type": b"name=Down",
}


def test_bodies_of_a_type_nothing_reads_are_a_4xx(app: Flask, send: Sender):
    results = []
    for target in _writes(app):
        for content_type, body in WRONG_TYPES.items():
            headers = {} if content_type == "no content type" else {"Content-Type": content_type}
            results.append((target, content_type, send(target, data=body, headers=headers)))
    assert _failures(results, lambda t, r: 400 <= r.status_code < 500) == []


ABSURD_QUERIES = [
    "page=99999999999999999999999999&per_page=99999999999999999999",
    "page=-1&per_page=-5&limit=-1&offset=-10",
    "page=abc&per_page=1e309&limit=NaN",
    "before=abc&since=0000-00-00&until=9999-99-99T99:99&q=" + "x" * 5000,
    "kind=nonsense&status=%00&template=../../../etc/passwd&next=//evil.example",
    "id=abc&ids[]=x&component_ids[]=&" + "&".join(f"k{i}=v" for i in range(500)),
    "q=%ff%fe",  # not UTF-8
]


def test_absurd_query_strings_never_fail(app: Flask, send: Sender):
    results = []
    for target in _reads(app):
        for query in ABSURD_QUERIES:
            url = f"{send.url(target)}?{query}"
            results.append((target, query[:40], send(target, url=url)))

    def ok(target: Served, response: TestResponse) -> bool:
        return response.status_code < 500

    assert _failures(results, ok) == []
    invalid = [r for t, q, r in results if q.startswith("q=%ff")]
    assert {r.status_code for r in invalid} <= {400, 401, 404, 304}, "not UTF-8 is refused"


def test_ids_that_are_not_ids_are_a_404(app: Flask, send: Sender):
    """Non-numeric, huge, empty-looking and odd ids in every path argument: 4xx, never 500."""
    results = []
    for target in served(app):
        if not target.rule.arguments or target.endpoint == "static":
            continue
        for label, value in (
            ("huge", HUGE_ID),
            ("negative", "-1"),
            ("word", "abc"),
            ("quotes", "1'--"),
            ("unicode", "%E2%80%AE1"),
            ("dots", ".."),
        ):
            values = {**(send.values or {}), **dict.fromkeys(target.rule.arguments, value)}
            url = url_for_rule(target.rule, values)
            results.append((target, label, send(target, url=url)))
    assert _failures(results, lambda t, r: 400 <= r.status_code < 500) == []
