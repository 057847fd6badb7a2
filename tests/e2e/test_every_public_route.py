"""Every public HTML page, in the browser, at a laptop's and a phone's width, light and dark:
no sideways overflow, no duplicate ids, no axe-core violations (tests/e2e/inspection.py).

The pages come from the app's URL map, not from a hand-kept list: each GET route of the
`public` blueprint is either filled here (its `<incident_id>`, `<token>`... from the demo data
and the rows the test adds) or named in NOT_HTML with what it serves instead. A new public GET
route that is neither fails `test_every_public_get_route_is_walked`, so it cannot be forgotten.

Browser tests depend on no database, so `make test` runs this file in its SQLite pass only
(TEST_DATABASE_URL empty); run by hand, it runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from statuspage.audience.viewers import new_sign_in
from statuspage.extensions import db, limiter
from statuspage.links import sign
from statuspage.models import Channel, Component, Incident
from statuspage.public.viewing import COOKIE, identity
from statuspage.subscribers.subscriptions import Preferences
from tests.e2e.inspection import HEIGHT, WIDTHS, inspect, problems, screenshot_name
from tests.factories.notices import delivery, notice
from tests.factories.segments import organization, segment
from tests.factories.subscribers import contact_point, subscriber

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"),
        reason="browser tests depend on no database: `make test` runs them in its SQLite pass",
    ),
]

SCHEMES = ("light", "dark")

# Public GET routes that serve no HTML page, and what they serve instead.
NOT_HTML = {
    "brand_css": "CSS",
    "v2_summary": "JSON",
    "v2_status": "JSON",
    "v2_components": "JSON",
    "v2_incidents": "JSON",
    "v2_unresolved": "JSON",
    "v2_maintenances": "JSON",
    "v2_upcoming_maintenances": "JSON",
    "v2_active_maintenances": "JSON",
    "feed_atom": "Atom",
    "feed_rss": "RSS",
    "component_feed_atom": "Atom",
    "component_feed_rss": "RSS",
    "private_feed_atom": "Atom",
    "private_feed_rss": "RSS",
    "badge": "SVG",
    "component_badge": "SVG",
    "embed_js": "JavaScript",
    "embed_css": "CSS",
    "service_worker": "JavaScript",
    "push_key": "JSON",
    "sitemap": "XML",
    "choose_language": "a redirect (303) back to the page the picker was on",
}

VIEWER = "viewer@customer.example"
OPEN_INCIDENT = "Increased latency in EU West"  # the demo's one open incident


def _person(address: str) -> dict:
    person = subscriber(address, name="Reader")
    return {"s": person.id, "v": person.token_version}


def _confirm() -> str:
    contact = subscriber(contact_point("new@example.com", verified=False)).contact_points[0]
    return sign("confirm", {"c": contact.id, "p": Preferences().to_payload()})


def _ack() -> str:
    incident = _open_incident()
    person = subscriber("acker@example.com")
    sent = delivery(notice(incident), person.contact_points[0])
    return sign("ack", {"d": sent.id})


def _webhook() -> str:
    hook = contact_point("https://hooks.example.com/herald", Channel.webhook, verified=False)
    return sign("endpoint", {"c": subscriber(hook).contact_points[0].id})


def _open_incident() -> Incident:
    return db.session.scalars(select(Incident).where(Incident.name == OPEN_INCIDENT)).one()


# endpoint -> the paths that show it, made in the app's context (rows flushed, then committed).
FILLED: dict[str, Callable[[datetime], list[str]]] = {
    "index": lambda now: ["/"],
    "incident": lambda now: [f"/incidents/{_open_incident().id}"],
    "history": lambda now: ["/history"],
    "history_month": lambda now: [f"/history/{now.year}/{now.month}"],
    "history_search": lambda now: ["/history/search?q=latency&impact=minor"],
    "maintenance": lambda now: ["/maintenance"],
    "embed_html": lambda now: ["/embed/status.html"],
    "subscribe": lambda now: ["/subscribe"],
    "subscribe_endpoint": lambda now: [
        f"/subscribe/{channel}" for channel in ("webhook", "slack", "teams", "discord")
    ],
    "confirm_subscription": lambda now: [f"/subscriptions/confirm/{_confirm()}"],
    "manage_subscription": lambda now: [
        f"/subscriptions/manage/{sign('manage', _person('manager@example.com'))}"
    ],
    "unsubscribe": lambda now: [
        f"/subscriptions/unsubscribe/{sign('unsubscribe', _person('leaver@example.com'))}"
    ],
    "ack": lambda now: [f"/ack/{_ack()}"],
    "verify_webhook": lambda now: [f"/subscribe/webhook/verify/{_webhook()}"],
    "sign_in": lambda now: ["/signin"],
    "follow_sign_in_link": lambda now: [f"/signin/{sign('sign_in', new_sign_in(VIEWER))}"],
    "sign_out": lambda now: ["/signout"],
    "access": lambda now: ["/access"],  # walked signed in (below), else it redirects
}

SIGNED_IN = {"access"}


def _public_get_endpoints(app: Flask) -> set[str]:
    return {
        rule.endpoint.removeprefix("public.")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("public.") and "GET" in (rule.methods or ())
    }


def test_every_public_get_route_is_walked(app: Flask):
    routes = _public_get_endpoints(app)
    assert sorted(routes - FILLED.keys() - NOT_HTML.keys()) == [], (
        "a public GET route nobody walks: fill it in FILLED, or name what it serves in NOT_HTML"
    )
    assert sorted((FILLED.keys() | NOT_HTML.keys()) - routes) == []  # no stale names
    assert FILLED.keys() & NOT_HTML.keys() == set()


def test_every_public_page_passes_at_every_width_light_and_dark(
    page: Page, app: Flask, live_server: str, now: datetime, artifacts_dir: Path
):
    assert db.session.scalars(select(Component)).first() is not None  # the demo is loaded
    paths = {endpoint: fill(now) for endpoint, fill in FILLED.items()}
    viewers = segment("Enterprise customers")
    organization("Customer", segments=[viewers], members=[VIEWER])
    cookie = identity(VIEWER)
    db.session.commit()

    found: list[str] = []
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        for endpoint, endpoint_paths in paths.items():
            if endpoint in SIGNED_IN:
                page.context.add_cookies([{"name": COOKIE, "value": cookie, "url": live_server}])
            for path in endpoint_paths:
                for width in WIDTHS:
                    found += inspect(page, path, width, artifacts_dir, scheme=scheme)
            page.context.clear_cookies()
    assert not found, "\n".join(found)


# A form sent empty, and the fields that must then say what is wrong beside them.
REFUSED_FORMS = {"/subscribe": ["email"], "/subscribe/webhook": ["url", "notify_email"]}


def test_the_forms_pass_with_their_errors_shown(page: Page, live_server: str, artifacts_dir: Path):
    found: list[str] = []
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        for path, fields in REFUSED_FORMS.items():
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": HEIGHT})
                page.goto(path)
                limiter.reset()  # eight empty posts: more than the forms' limits allow
                page.locator("main form button[type=submit]").click()
                for field in fields:
                    expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
                shot = screenshot_name(f"{path}-refused", width, scheme)
                page.screenshot(path=artifacts_dir / shot, full_page=True)
                found += [f"{path} refused at {width} px ({scheme}): {p}" for p in problems(page)]
    limiter.reset()
    assert not found, "\n".join(found)
