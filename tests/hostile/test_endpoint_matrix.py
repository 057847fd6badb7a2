"""The CSRF and role matrices over every endpoint the app serves, found by walking its URL map.

The hand-written matrices (tests/admin/test_roles.py, tests/api/test_roles.py) hold real forms
and real bodies for the routes that existed when they were written. These walk `app.url_map`
instead, so a route another change adds tomorrow is in them at once:

- every endpoint is classified from the code that guards it: the admin's URL table (the action
  a GET and a POST need), the management API's (the action each route needs), the public
  site's tables, or a CSRF exemption listed below with its reason. An endpoint none of these
  account for fails `test_every_endpoint_is_classified`;
- every admin endpoint, for every role and anonymously: a role without the action gets 403
  and the database does not move; a role with it gets no 403 and no server error (real
  records in the path, an empty form); anonymous goes to the sign-in page;
- every admin write without a CSRF token, or with another session's token, is a 400;
- every management API endpoint and method, for every role, no key and a bad key: 401/403 as
  the route's action says, no server error for those it allows;
- every other write (the public forms) refuses a POST without a CSRF token, unless it is a
  listed exemption, and each exemption refuses a forgery in its own way.

The roles' rights come from staff.permissions (the code), so two invariants are checked
against the roles' definitions instead: a viewer changes nothing, and no write is open to
everyone who may read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

import admin
from admin.access import OPEN_ENDPOINTS
from statuspage.api import ACTIONS as API_ACTIONS
from statuspage.api import ROUTES as API_ROUTES
from statuspage.extensions import db
from statuspage.models import Playbook, Role
from statuspage.page.state import ensure_page
from statuspage.public import (
    PERSONAL_ROUTES,
    PRIVATE_FEED_ROUTES,
    PROVIDER_ROUTES,
    ROUTES,
    SCRIPT_ROUTES,
)
from statuspage.staff.accounts import create_api_key
from statuspage.staff.permissions import Action, allows
from tests.admin.staff_client import Staff, signed_in
from tests.admin.world import World
from tests.api.conftest import Caller
from tests.factories.monitoring import alert_rule, integration
from tests.hostile.url_map import READS, WRITES, Served, served, url_for_rule

ROLES = [role.value for role in Role]
ADMIN_ROUTES = {f"admin.{route.endpoint}": route for route in admin.ROUTES}
# Sign-out is a write every signed-in member may make, of their own session only.
# Writes every role may make, each to its own account only: signing out, and one's own time
# zone and language (admin/profile), which change nothing anyone else sees.
EVERYONES_WRITES = {"admin.logout", "admin.profile"}

# Public writes that carry no CSRF token, each with why none is needed and how a forgery is
# refused instead (checked by `test_each_csrf_exemption_refuses_a_forgery_its_own_way`).
CSRF_EXEMPT = {
    "public.unsubscribe": "RFC 8058 one-click unsubscribe: the mail client posts; the signed "
    "token in the URL is the proof",
    "public.sms_inbound": "Twilio posts it; X-Twilio-Signature is checked",
    "public.bounce_inbound": "a mail provider posts it; the secret in its path is checked",
    "public.push_subscribe": "posted by the page's script from a cached page that can hold no "
    "token; a foreign Origin is refused",
    "public.push_unsubscribe": "as push_subscribe",
}
# Monitoring tools post alerts with an integration's secret (statuspage/api/integrations.py).
ALERT_INTAKE = {"api.alerts_by_path", "api.alerts_by_bearer"}
PUBLIC_ENDPOINTS = {
    f"public.{endpoint}"
    for table in (ROUTES, PRIVATE_FEED_ROUTES, PERSONAL_ROUTES, PROVIDER_ROUTES, SCRIPT_ROUTES)
    for _path, endpoint, _view in table
}


@pytest.fixture
def page_id() -> str:
    page = ensure_page("Acme Status")
    db.session.commit()
    return page.id


@pytest.fixture
def make_caller() -> Callable[[str], Caller]:
    def make(role: str) -> Caller:
        key, secret = create_api_key(f"{role}-bot", role)
        db.session.commit()
        return Caller(key, secret)

    return make


def _playbook() -> Playbook:
    """A playbook chosen on incidents (a row), for its edit, delete and run routes."""
    playbook = Playbook(name="SEV1", auto_run=False, meeting_url="https://meet.example.com/x")
    db.session.add(playbook)
    db.session.flush()
    return playbook


def _admin_values(world: World) -> dict[str, object]:
    """Real records for the admin's path arguments, so allowed requests reach the view's code
    (an integration and an alert rule are made here: the world has none)."""
    organization = world.organization
    return {
        "incident_id": world.incident.id,
        "draft_id": world.draft.id,
        "template_id": world.template.id,
        "component_id": world.api.id,
        "group_id": world.core.id,
        "key_id": world.api_key.id,
        "user_id": world.colleague.id,
        "subscriber_id": world.subscriber.id,
        "notice_id": world.notice.id,
        "name": world.mail,
        "segment_id": world.segment.id,
        "organization_id": organization.id,
        "domain_id": organization.domains[0].id,
        "member_id": organization.members[0].id,
        "network": "mastodon",
        "integration_id": integration()[0].id,
        "rule_id": alert_rule(world.api).id,
        "metric_id": world.metric.id,
        "provider_id": world.metric.metrics_provider_id,
        "playbook_id": _playbook().id,
    }


def _everything() -> dict[str, list[tuple]]:
    """Every row of every table but the API keys (whose last_used_at moves on any call)."""
    db.session.commit()  # end the test's transaction: read what the requests committed
    return {
        table.name: sorted(map(tuple, db.session.execute(select(table)).all()), key=repr)
        for table in db.metadata.sorted_tables
        if table.name != "api_key"
    }


def _admin_needs(target: Served) -> Action | None:
    route = ADMIN_ROUTES[target.endpoint]
    return route.read if target.method in READS else route.write


def _admin_served(app: Flask) -> list[Served]:
    return [s for s in served(app) if s.blueprint == "admin" and s.endpoint not in OPEN_ENDPOINTS]


def _classification(target: Served) -> str | None:
    """How the code guards `target`, or None when nothing accounts for it."""
    if target.blueprint == "admin":
        if target.endpoint in OPEN_ENDPOINTS:
            return "open: sign-in"
        route = ADMIN_ROUTES.get(target.endpoint)
        if route is None or target.method not in route.methods:
            return None
        return f"staff with {_admin_needs(target)}"
    if target.blueprint == "api":
        if target.endpoint not in API_ACTIONS:
            return None
        action = API_ACTIONS[target.endpoint]
        if target.endpoint in ALERT_INTAKE:
            return "alert intake: its integration's secret (no API key)"
        return f"API key with {action}" if action else "open: the API's own document"
    if target.method in READS:
        return "open read"  # a GET changes nothing (checked by test_open_reads_change_nothing)
    if target.endpoint in CSRF_EXEMPT:
        return "exempt: " + CSRF_EXEMPT[target.endpoint]
    if target.endpoint in PUBLIC_ENDPOINTS and target.method == "POST":
        return "public form: CSRF token"
    return None


def test_every_endpoint_is_classified(app: Flask):
    unclassified = [str(s) for s in served(app) if _classification(s) is None]
    assert unclassified == [], "endpoints no guard accounts for: classify them"


@pytest.mark.parametrize(
    ("endpoint", "method", "path"),
    [
        ("admin.rogue", "POST", "/admin/rogue"),  # added around the admin's table
        ("admin.logout", "GET", "/admin/logout"),  # a method the table does not give it
        ("api.rogue", "DELETE", "/api/v1/rogue"),  # added around the API's table
        ("ops.reset", "POST", "/ops/reset"),  # a write in a blueprint nobody classified
        ("public.rogue", "PATCH", "/rogue"),  # a public write that is not a form
    ],
)
def test_an_endpoint_no_guard_accounts_for_is_caught(endpoint: str, method: str, path: str):
    assert _classification(Served(endpoint, method, Rule(path))) is None


def test_the_admin_url_map_is_the_admin_table(app: Flask):
    """Every admin view in the URL map is the guarded wrapper of its table entry: a rule added
    around the table (bp.add_url_rule) would run with no role check at all."""
    for target in _admin_served(app):
        route = ADMIN_ROUTES[target.endpoint]
        registered = app.view_functions[target.endpoint]
        assert registered.__wrapped__ is route.view, target


def test_a_viewer_changes_nothing_and_reading_never_implies_writing():
    for route in admin.ROUTES:
        if route.write is None or f"admin.{route.endpoint}" in EVERYONES_WRITES:
            continue
        assert route.write is not Action.read_admin, route.endpoint
        assert not allows(Role.viewer, route.write), route.endpoint
    for route in API_ROUTES:
        if route.action is not None and set(route.methods) & WRITES:
            assert route.action is not Action.read_admin, route.endpoint
            assert not allows(Role.viewer, route.action), route.endpoint


def _send(staff: Staff, target: Served, url: str, token: str | None) -> TestResponse:
    """One request as Staff sends it, its body read inside the request's own app context
    (exports stream, and a stream read later would run outside it)."""
    db.session.commit()
    data = {"csrf_token": token} if token and target.method in WRITES else None
    with staff.client.application.app_context():
        response = staff.client.open(url, method=target.method, data=data)
        response.get_data()
        response.close()
    return response


def _check(
    failures: list[str], target: Served, response: TestResponse, ok: Callable[[int], bool], want
):
    if not ok(response.status_code):
        failures.append(f"{target}: {response.status_code}, expected {want}")


@pytest.mark.parametrize("role", ROLES)
def test_admin_role_matrix(app: Flask, world: World, role: str):
    """Refused first (the database must not move), then allowed (anything but 403 or 5xx)."""
    staff = signed_in(app, role)
    token = staff.token("/admin/")
    values = _admin_values(world)
    targets = _admin_served(app)
    refused = [t for t in targets if not allows(Role(role), _admin_needs(t))]
    # Sign-out last: it ends the session the rest of the walk needs.
    allowed = sorted(
        (t for t in targets if t not in refused), key=lambda t: t.endpoint in EVERYONES_WRITES
    )
    failures: list[str] = []
    before = _everything()
    for target in refused:
        response = _send(staff, target, url_for_rule(target.rule, values), token)
        _check(failures, target, response, lambda c: c == 403, 403)
        if _everything() != before:
            failures.append(f"{target}: refused, yet the database changed")
            before = _everything()
    for target in allowed:
        response = _send(staff, target, url_for_rule(target.rule, values), token)
        _check(failures, target, response, lambda c: c != 403 and c < 500, "no 403, no 5xx")
    assert refused or role == Role.owner.value, "every role but owner is refused something"
    assert failures == []


def test_admin_anonymous_matrix(app: Flask, world: World):
    """Anonymous visitors, with a genuine token from the sign-in page, reach only sign-in."""
    visitor = Staff(app.test_client())
    token = visitor.token("/admin/login")
    values = _admin_values(world)
    failures: list[str] = []
    before = _everything()
    for target in _admin_served(app):
        response = _send(visitor, target, url_for_rule(target.rule, values), token)
        location = response.location or ""
        if response.status_code != 302 or not location.startswith("/admin/login"):
            failures.append(f"{target}: {response.status_code} {location}, expected sign-in")
    assert _everything() == before
    assert failures == []


def test_every_admin_write_needs_this_sessions_csrf_token(app: Flask, world: World):
    mallory = signed_in(app, Role.viewer)
    foreign = mallory.token("/admin/")
    owner = signed_in(app, Role.owner)
    values = _admin_values(world)
    writes = [t for t in _admin_served(app) if t.method in WRITES]
    failures: list[str] = []
    before = _everything()
    for target in writes:
        url = url_for_rule(target.rule, values)
        for label, data in (("no token", {}), ("a foreign token", {"csrf_token": foreign})):
            response = owner.post(url, data)
            if response.status_code != 400:
                failures.append(f"{target} with {label}: {response.status_code}, expected 400")
    assert _everything() == before
    assert owner.get("/admin/").status_code == 200  # still signed in: only the forms failed
    assert writes, "the admin has writes"
    assert failures == []


API_CALLERS = [*ROLES, "no key", "bad key"]


def _api_headers(caller: str, make_caller: Callable[[str], Caller]) -> dict[str, str]:
    if caller == "no key":
        return {}
    if caller == "bad key":
        return {"Authorization": "Bearer hrld_not-a-real-key"}
    return make_caller(caller).headers


@pytest.mark.parametrize("caller", API_CALLERS)
def test_api_role_matrix(
    client: FlaskClient, make_caller, page_id: str, caller: str, monkeypatch: pytest.MonkeyPatch
):
    # More routes than one key's default budget a minute: the limit is tested on its own.
    monkeypatch.setitem(client.application.config, "API_RATE_LIMIT", "100000 per minute")
    headers = _api_headers(caller, make_caller)
    values = {"page_id": page_id}  # the rest are plausible ids of nothing: a 404 once allowed
    failures: list[str] = []
    before = _everything()
    targets = [t for t in served(client.application) if t.blueprint == "api"]
    for target in targets:
        action = API_ACTIONS[target.endpoint]
        url = url_for_rule(target.rule, values)
        response = client.open(url, method=target.method, headers=headers, json={})
        code = response.status_code
        if target.endpoint in ALERT_INTAKE:  # no integration's secret, whatever the key
            want, ok = "401", code == 401
        elif action is None:
            want, ok = "200", code == 200
        elif caller in ("no key", "bad key"):
            want, ok = "401", code == 401
        elif not allows(Role(caller), action):
            want, ok = "403", code == 403
        else:
            want, ok = "no 401/403/5xx", code not in (401, 403) and code < 500
        if not ok:
            failures.append(f"{target}: {code}, expected {want}")
        if code in (401, 403) and _everything() != before:
            failures.append(f"{target}: refused, yet the database changed")
    assert failures == []


def _public_writes(app: Flask) -> list[Served]:
    return [s for s in served(app) if s.blueprint not in ("admin", "api") and s.method in WRITES]


def test_every_public_form_needs_a_csrf_token(app: Flask, world: World):
    """A POST with no token to every public write not exempted: 400, and nothing changes."""
    client = app.test_client()
    failures: list[str] = []
    before = _everything()
    protected = [t for t in _public_writes(app) if t.endpoint not in CSRF_EXEMPT]
    for target in protected:
        response = client.post(url_for_rule(target.rule), data={"email": "x@example.com"})
        body = response.get_data(as_text=True)
        if response.status_code != 400 or "CSRF" not in body:
            failures.append(f"{target}: {response.status_code} without a CSRF token")
    assert _everything() == before
    assert protected, "the public site has forms"
    assert failures == []


def test_the_csrf_exemptions_are_exactly_the_listed_ones(app: Flask):
    """An exemption nobody listed fails here; so does a listed one that is no longer exempt."""
    client = app.test_client()
    exempt = set()
    for target in _public_writes(app):
        response = client.post(url_for_rule(target.rule), data={})
        if "CSRF" not in response.get_data(as_text=True):
            exempt.add(target.endpoint)
    assert exempt == set(CSRF_EXEMPT)


def _forged_unsubscribe(client: FlaskClient) -> TestResponse:
    return client.post("/subscriptions/unsubscribe/not-a-signed-token", data={})


def _unsigned_sms(client: FlaskClient) -> TestResponse:
    return client.post("/sms/inbound", data={"From": "+15005550006", "Body": "STOP"})


def _unknown_bounce_secret(client: FlaskClient) -> TestResponse:
    return client.post("/bounces/inbound/" + "g" * 40, data={"email": "Subject: hi\r\n\r\nhi"})


def _foreign_origin(path: str) -> Callable[[FlaskClient], TestResponse]:
    def forge(client: FlaskClient) -> TestResponse:
        body: dict[str, Any] = {
            "subscription": {
                "endpoint": "https://fcm.googleapis.com/fcm/send/abc",
                "keys": {"p256dh": "x", "auth": "y"},
            }
        }
        return client.post(path, json=body, headers={"Origin": "https://evil.example"})

    return forge


FORGERIES: dict[str, Callable[[FlaskClient], TestResponse]] = {
    "public.unsubscribe": _forged_unsubscribe,
    "public.sms_inbound": _unsigned_sms,
    "public.bounce_inbound": _unknown_bounce_secret,
    "public.push_subscribe": _foreign_origin("/push/subscriptions"),
    "public.push_unsubscribe": _foreign_origin("/push/unsubscribe"),
}


@pytest.mark.parametrize("endpoint", sorted(CSRF_EXEMPT))
def test_each_csrf_exemption_refuses_a_forgery_its_own_way(app: Flask, world: World, endpoint: str):
    before = _everything()
    response = FORGERIES[endpoint](app.test_client())
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:500]
    assert _everything() == before


def test_open_reads_change_nothing_and_never_fail(app: Flask, world: World):
    """Every GET outside the admin and the API, anonymously, on records that exist and ids
    that do not: never a server error, and the database stays as it was."""
    client = app.test_client()
    real = {
        "incident_id": world.incident.id,
        "component_id": world.api.id,
        "year": 2026,
        "month": 1,
        "channel": "webhook",
        "filename": "css/status.css",
    }
    failures: list[str] = []
    before = _everything()
    for target in served(app):
        if target.blueprint in ("admin", "api") or target.method not in READS:
            continue
        for values in (real, {}):
            url = url_for_rule(target.rule, values)
            code = client.get(url).status_code
            if code >= 500:
                failures.append(f"{target} at {url}: {code}")
    assert _everything() == before
    assert failures == []
