"""Private viewers end to end: magic-link sign-in (real forms with CSRF, a real SMTP server,
the real queue), what each viewer sees on every public read surface, their private feed, and
an organization's private JSON API token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import feedparser
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from statuspage.audience.viewers import issue_organization_token
from statuspage.clock import utcnow
from statuspage.components.catalog import create_component
from statuspage.extensions import db, limiter
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.models import (
    Component,
    ContactPoint,
    DailyUptime,
    Incident,
    Organization,
    Segment,
    Subscriber,
    UsedSignInLink,
    Visibility,
)
from statuspage.public import ROUTES
from statuspage.public.export import export_site
from statuspage.public.viewing import COOKIE
from tests.factories import organization, segment
from tests.factories.components import group_with_components
from tests.queue import drain
from tests.web.conftest import SmallPage

CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
BASE = "http://status.example.test"
SENT = "If this address may sign in, a link is on its way."
ALPHA_MARKER = "Alpha-only outage 7f3a"  # the private incident's unique marker
BETA_COMPONENT = "Beta dedicated cluster 9c1e"
PRIVATE = "private, no-store"


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    limiter.reset()
    yield
    limiter.reset()


class Browser(FlaskClient):
    """A test client whose every request has an app context of its own, as in production.

    The test's own app context would otherwise be shared by all requests (Flask reuses it),
    and with it `g`: what one browser's request left there (a CSRF token) would leak into
    another's.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


def browser(app: Flask) -> Browser:
    return Browser(app, app.response_class, use_cookies=True)


@pytest.fixture
def client(app: Flask) -> Browser:
    return browser(app)


@dataclass
class Customers:
    eu: Segment  # Alpha's segment
    us: Segment  # Beta's segment
    alpha: Organization  # everyone at alpha.example
    beta: Organization  # bob@beta.example, by explicit membership
    alpha_incident: Incident  # private to EU: API in major outage
    beta_component: Component  # private to US


@pytest.fixture
def customers(small_page: SmallPage) -> Customers:
    eu, us = segment("EU tenants"), segment("US tenants")
    alpha = organization("Alpha", segments=[eu], domains=["alpha.example"])
    beta = organization("Beta", segments=[us], members=["bob@beta.example"])
    beta_component = create_component(BETA_COMPONENT)
    beta_component.visibility = Visibility.segments
    beta_component.segments = [us]
    alpha_incident = create_incident(
        OpenIncident(
            ALPHA_MARKER,
            "Alpha's **dedicated** database is down.",
            components={small_page.api: "major_outage"},
            segments=[eu],
        )
    )
    db.session.commit()
    return Customers(eu, us, alpha, beta, alpha_incident, beta_component)


def csrf_token(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return CSRF_INPUT.search(response.get_data(as_text=True))[1]


def ask_for_link(client: FlaskClient, email: str, remote: str = "127.0.0.1"):
    data = {"csrf_token": csrf_token(client, "/signin"), "email": email}
    return client.post("/signin", data=data, environ_overrides={"REMOTE_ADDR": remote})


def link_for(smtp, email: str) -> str:
    """The path of the newest sign-in link mailed to `email`."""
    (message, *_) = [m for m in reversed(smtp.inbox.messages) if m["To"] == email]
    text = message.get_body(("plain",)).get_content()
    return urlsplit(re.search(rf"{BASE}/signin/\S+", text)[0]).path


def press_button(client: FlaskClient, path: str):
    return client.post(path, data={"csrf_token": csrf_token(client, path)})


def signed_in(app: Flask, smtp, queue, email: str) -> FlaskClient:
    """A browser that signed in as `email` by the emailed link."""
    client = browser(app)
    assert ask_for_link(client, email).status_code == 200
    drain(queue)
    response = press_button(client, link_for(smtp, email))
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


# Sign-in


def test_a_member_signs_in_by_the_emailed_link_once(app, client, smtp, queue, customers):
    assert SENT in text(ask_for_link(client, "Ann@Alpha.example"))
    drain(queue)
    (message,) = smtp.inbox.messages
    assert message["To"] == "ann@alpha.example"
    assert message["Subject"] == "[Acme Status] Your sign-in link"
    path = link_for(smtp, "ann@alpha.example")

    # Link scanners GET: that only shows the button, and spends nothing.
    for _ in range(2):
        shown = client.get(path)
        assert shown.status_code == 200
        assert shown.headers["Cache-Control"] == PRIVATE
        assert "ann@alpha.example" in text(shown)
    assert db.session.scalars(select(UsedSignInLink)).all() == []

    done = press_button(client, path)
    assert done.status_code == 303
    assert done.headers["Clear-Site-Data"] == '"cache"'
    cookie = done.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # BASE_URL is http here; https sets Secure
    assert "Signed in as <strong>ann@alpha.example</strong>" in text(client.get("/"))

    # Spent: the same link neither shows the button nor signs in another browser.
    other = browser(app)
    assert other.get(path).status_code == 400
    token = csrf_token(other, "/signin")
    again = other.post(path, data={"csrf_token": token})
    assert again.status_code == 400
    assert "This sign-in link is not valid" in text(again)
    assert COOKIE not in again.headers.get("Set-Cookie", "")


def test_the_answer_is_the_same_whoever_asks(client, smtp, queue, customers):
    answers = [
        ask_for_link(client, email)
        for email in ("ann@alpha.example", "bob@beta.example", "eve@elsewhere.example")
    ]
    assert {a.status_code for a in answers} == {200}
    assert len({a.get_data() for a in answers}) == 1
    assert all(a.headers["Cache-Control"] == PRIVATE for a in answers)
    drain(queue)
    assert sorted(m["To"] for m in smtp.inbox.messages) == [
        "ann@alpha.example",
        "bob@beta.example",
    ]


def test_a_malformed_address_is_a_form_error_and_csrf_is_required(client, smtp, queue, customers):
    response = ask_for_link(client, "not an address")
    assert response.status_code == 400
    assert "Enter a valid email address" in text(response)
    assert client.post("/signin", data={"email": "ann@alpha.example"}).status_code == 400
    drain(queue)
    assert smtp.inbox.messages == []


def test_an_expired_link_is_refused(client, smtp, queue, customers):
    ask_for_link(client, "ann@alpha.example")
    drain(queue)
    path = link_for(smtp, "ann@alpha.example")
    token = csrf_token(client, path)
    with time_machine.travel(utcnow() + timedelta(minutes=31), tick=False):
        assert client.get(path).status_code == 400
        assert client.post(path, data={"csrf_token": token}).status_code == 400
    assert COOKIE not in {c.key for c in client._cookies.values()}


def test_spent_links_are_forgotten_once_they_could_not_verify_anyway(app, smtp, queue, customers):
    signed_in(app, smtp, queue, "ann@alpha.example")
    (first,) = db.session.scalars(select(UsedSignInLink.link_id)).all()
    with time_machine.travel(utcnow() + timedelta(minutes=31), tick=False):
        signed_in(app, smtp, queue, "bob@beta.example")
    (second,) = db.session.scalars(select(UsedSignInLink.link_id)).all()
    assert second != first


def test_a_forged_link_or_cookie_signs_nobody_in(app, client, customers):
    assert client.get("/signin/forged").status_code == 400
    forger = create_forged_cookie(app, "ann@alpha.example")
    client.set_cookie(COOKIE, forger)
    response = client.get("/")
    assert response.headers["Cache-Control"].startswith("public")
    assert ALPHA_MARKER not in text(response)


def create_forged_cookie(app: Flask, email: str) -> str:
    """The identity cookie signed with another key."""
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer("not-the-key", salt="herald.viewer").dumps({"e": email})


def test_one_address_is_limited_whoever_asks(client, queue, customers):
    for n in range(3):
        assert ask_for_link(client, "ann@alpha.example", f"10.0.0.{n}").status_code == 200
    assert ask_for_link(client, "ann@alpha.example", "10.0.0.9").status_code == 429


def test_one_client_is_limited_whatever_it_asks_for(client, queue, customers):
    for n in range(10):
        assert ask_for_link(client, f"person{n}@alpha.example").status_code == 200
    assert ask_for_link(client, "someone@elsewhere.example").status_code == 429


def test_signing_out_shows_the_public_page_again(app, smtp, queue, customers):
    ann = signed_in(app, smtp, queue, "ann@alpha.example")
    assert ann.post("/signout", data={}).status_code == 400  # no CSRF token
    assert ALPHA_MARKER in text(ann.get("/"))
    out = press_button(ann, "/signout")
    assert out.status_code == 303
    assert out.headers["Clear-Site-Data"] == '"cache"'
    page = ann.get("/")
    assert ALPHA_MARKER not in text(page)
    assert page.headers["Cache-Control"].startswith("public")


def test_an_identity_cookie_kept_after_sign_out_shows_only_the_public_page(
    app, smtp, queue, customers
):
    """Sign-out ends the viewer's session on the server: a saved copy of the 14-day cookie
    no longer shows the organization's private notices."""
    ann = signed_in(app, smtp, queue, "ann@alpha.example")
    copy = app.test_client()
    copy.set_cookie(COOKIE, ann.get_cookie(COOKIE).value)
    assert ALPHA_MARKER in text(copy.get("/"))
    press_button(ann, "/signout")
    page = copy.get("/")
    assert ALPHA_MARKER not in text(page)
    assert page.headers["Cache-Control"].startswith("public")


def test_a_viewer_whose_address_leaves_the_organization_sees_the_public_page(
    app, smtp, queue, customers
):
    bob = signed_in(app, smtp, queue, "bob@beta.example")
    assert BETA_COMPONENT in text(bob.get("/"))
    db.session.delete(customers.beta.members[0])
    db.session.commit()
    page = bob.get("/")  # membership is read on every request: no need to sign out
    assert BETA_COMPONENT not in text(page)
    assert page.headers["Cache-Control"].startswith("public")


# What each viewer sees


def test_a_private_incident_is_shown_to_its_segment_only_and_marked(app, smtp, queue, customers):
    ann = signed_in(app, smtp, queue, "ann@alpha.example")
    bob = signed_in(app, smtp, queue, "bob@beta.example")
    anonymous = browser(app)
    incident_path = f"/incidents/{customers.alpha_incident.id}"
    mark = "Private — shared with EU tenants"

    for path in ["/", "/history", incident_path]:
        response = ann.get(path)
        assert response.status_code == 200, path
        assert ALPHA_MARKER in text(response), path
        assert mark in text(response), path
        assert "US tenants" not in text(response), path
    assert "Alpha's <strong>dedicated</strong> database is down." in text(ann.get("/"))

    for who in (bob, anonymous):
        for path in ["/", "/history", "/maintenance", "/api/v2/summary.json", "/history.atom"]:
            assert ALPHA_MARKER not in text(who.get(path)), path
        # Exactly like an incident that does not exist, for the same viewer.
        hidden, missing = who.get(incident_path), who.get("/incidents/nosuchincident0")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.get_data() == missing.get_data()
        assert sorted(hidden.headers.items()) == sorted(missing.headers.items())


def test_a_private_component_is_shown_to_its_segment_only(app, smtp, queue, customers):
    ann = signed_in(app, smtp, queue, "ann@alpha.example")
    bob = signed_in(app, smtp, queue, "bob@beta.example")
    anonymous = browser(app)
    component_id = customers.beta_component.id

    page = text(bob.get("/"))
    assert BETA_COMPONENT in page
    assert "Private — shared with US tenants" in page
    listed = bob.get("/api/v2/components.json").get_json()["components"]
    (beta,) = [c for c in listed if c["id"] == component_id]
    assert beta["private"] is True
    assert beta["shared_with"] == ["US tenants"]

    for who in (ann, anonymous):
        assert BETA_COMPONENT not in text(who.get("/"))
        assert BETA_COMPONENT not in text(who.get("/api/v2/components.json"))
    # Its public surfaces (feeds, badge) do not exist, whoever asks.
    for who in (bob, anonymous):
        for path in ["history.atom", "history.rss", "badge.svg"]:
            assert who.get(f"/components/{component_id}/{path}").status_code == 404


def test_a_private_incident_moves_its_segments_status_only(app, small_page, smtp, queue):
    anonymous = browser(app)
    before = anonymous.get("/api/v2/status.json")
    page_before = anonymous.get("/")
    uptime_before = db.session.scalars(select(DailyUptime.uptime)).all()

    eu = segment("EU tenants")
    organization("Alpha", segments=[eu], domains=["alpha.example"])
    create_incident(
        OpenIncident(
            ALPHA_MARKER, "Down.", components={small_page.api: "major_outage"}, segments=[eu]
        )
    )
    db.session.commit()

    after = anonymous.get("/api/v2/status.json")
    assert (
        after.get_json()["status"]
        == before.get_json()["status"]
        == {
            "indicator": "minor",
            "description": "Minor Service Outage",
        }
    )
    page_after = anonymous.get("/")
    assert page_after.get_data() == page_before.get_data()
    for name in ("ETag", "Last-Modified"):
        assert after.headers[name] == before.headers[name]
        assert page_after.headers[name] == page_before.headers[name]
    assert db.session.scalars(select(DailyUptime.uptime)).all() == uptime_before
    db.session.refresh(small_page.api)
    assert small_page.api.status.value == "operational"

    ann = signed_in(app, smtp, queue, "ann@alpha.example")
    assert ann.get("/api/v2/status.json").get_json()["status"]["indicator"] == "critical"
    page = text(ann.get("/"))
    assert "<h1>Major Service Outage</h1>" in page
    api_row = page[page.index(f'id="component-{small_page.api.id}"') :][:600]
    assert '<span class="status s-major_outage">Major outage</span>' in api_row
    summary = ann.get("/api/v2/summary.json").get_json()
    (api,) = [c for c in summary["components"] if c["id"] == small_page.api.id]
    assert api["status"] == "major_outage"

    # Resolved, the viewer's status goes back to the public one.
    incident = db.session.scalars(select(Incident).where(Incident.name == ALPHA_MARKER)).one()
    post_update(
        incident,
        PostUpdate("Fixed.", status="resolved", components={small_page.api: "operational"}),
    )
    db.session.commit()
    assert ann.get("/api/v2/status.json").get_json()["status"]["indicator"] == "minor"
    assert anonymous.get("/api/v2/status.json").headers["ETag"] == before.headers["ETag"]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/history",
        "/maintenance",
        "/history/{year}/{month}",
        "/incidents/{incident}",
        *[p for p, _, _ in ROUTES if p.startswith("/api/v2/")],
    ],
)
def test_answers_for_a_signed_in_viewer_are_private(app, smtp, queue, customers, path):
    ann = signed_in(app, smtp, queue, "ann@alpha.example")
    today = utcnow()
    path = path.format(year=today.year, month=today.month, incident=customers.alpha_incident.id)
    response = ann.get(path, headers={"Origin": "https://elsewhere.example"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == PRIVATE
    assert "ETag" not in response.headers
    assert not [h for h, _ in response.headers if h.startswith("Access-Control-")]
    # Where the private incident is listed (it is not maintenance; some JSON lists none).
    if "maintenance" not in path and not path.endswith(("/status.json", "/components.json")):
        assert ALPHA_MARKER in text(response)


def test_a_signed_in_revalidation_is_answered_for_the_viewer_never_with_the_public_304(
    app, smtp, queue, customers
):
    public = browser(app).get("/")
    ann = signed_in(app, smtp, queue, "ann@alpha.example")
    for condition in (
        {"If-None-Match": public.headers["ETag"]},
        {"If-Modified-Since": public.headers["Last-Modified"]},
    ):
        response = ann.get("/", headers=condition)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == PRIVATE
        assert ALPHA_MARKER in text(response)


def test_the_anonymous_snapshot_is_not_touched_by_private_viewers(app, smtp, queue, customers):
    anonymous = browser(app)
    first = anonymous.get("/")
    ann = signed_in(app, smtp, queue, "ann@alpha.example")
    ann.get("/")
    again = anonymous.get("/")
    assert again.get_data() == first.get_data()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert ALPHA_MARKER not in text(again)


def test_the_public_feeds_carry_public_notices_even_for_a_signed_in_viewer(
    app, smtp, queue, customers
):
    ann = signed_in(app, smtp, queue, "ann@alpha.example")
    for path in [
        "/history.atom",
        "/history.rss",
        f"/components/{customers.alpha_incident.components[0].id}/history.atom",
    ]:
        response = ann.get(path)
        assert response.status_code == 200
        assert ALPHA_MARKER not in text(response)


# The private feed


def test_the_private_feed_url_is_made_shown_once_replaced_and_revoked(app, smtp, queue, customers):
    assert browser(app).get("/access").status_code == 303  # signed in only
    ann = signed_in(app, smtp, queue, "ann@alpha.example")
    page = ann.get("/access")
    assert page.headers["Cache-Control"] == PRIVATE
    assert "Alpha" in text(page)
    assert "EU tenants" in text(page)

    token = csrf_token(ann, "/access")
    made = text(ann.post("/access", data={"csrf_token": token, "action": "new"}))
    atom = urlsplit(re.search(rf"{BASE}/private/feed/\S+\.atom", made)[0]).path
    rss = atom.removesuffix(".atom") + ".rss"
    assert atom.split("/")[-1].removesuffix(".atom") not in text(ann.get("/access"))  # once

    reader = browser(app)  # a feed reader: no cookie
    feed = reader.get(atom)
    assert feed.status_code == 200
    assert feed.headers["Cache-Control"] == PRIVATE
    parsed = feedparser.parse(feed.get_data())
    assert not parsed.bozo
    titles = [e.title for e in parsed.entries]
    assert f"[Private — shared with EU tenants] {ALPHA_MARKER} — Investigating" in titles
    assert "Slow EU requests — Investigating" in titles  # the public notices too
    assert ALPHA_MARKER in text(reader.get(rss))

    ann.post("/access", data={"csrf_token": token, "action": "new"})
    assert reader.get(atom).status_code == 404  # replaced
    assert reader.get(rss).status_code == 404
    newest = ann.post("/access", data={"csrf_token": token, "action": "new"})
    atom = urlsplit(re.search(rf"{BASE}/private/feed/\S+\.atom", text(newest))[0]).path
    assert reader.get(atom).status_code == 200
    ann.post("/access", data={"csrf_token": token, "action": "revoke"})
    assert reader.get(atom).status_code == 404
    assert reader.get("/private/feed/hfd_unknown.atom").status_code == 404


def test_bobs_private_feed_does_not_carry_alphas_notice(app, smtp, queue, customers):
    bob = signed_in(app, smtp, queue, "bob@beta.example")
    token = csrf_token(bob, "/access")
    made = text(bob.post("/access", data={"csrf_token": token, "action": "new"}))
    atom = urlsplit(re.search(rf"{BASE}/private/feed/\S+\.atom", made)[0]).path
    assert ALPHA_MARKER not in text(browser(app).get(atom))


# The organization's private JSON API token


def test_an_organization_token_reads_the_json_api_as_the_organization(client, customers):
    alpha_token = issue_organization_token(customers.alpha)
    beta_token = issue_organization_token(customers.beta)
    db.session.commit()
    assert customers.alpha.api_token_prefix == alpha_token[:12]
    assert alpha_token not in (customers.alpha.api_token_hash or "")

    for path in [p for p, _, _ in ROUTES if p.startswith("/api/v2/")]:
        response = client.get(path, headers={"Authorization": f"Bearer {alpha_token}"})
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == PRIVATE
        assert "Access-Control-Allow-Origin" not in response.headers

    incidents = client.get(
        "/api/v2/incidents/unresolved.json", headers={"Authorization": f"Bearer {alpha_token}"}
    ).get_json()["incidents"]
    (private,) = [i for i in incidents if i["name"] == ALPHA_MARKER]
    assert private["private"] is True
    assert private["shared_with"] == ["EU tenants"]
    public = [i for i in incidents if i["name"] != ALPHA_MARKER]
    assert public
    assert all("private" not in i for i in public)

    beta = client.get("/api/v2/summary.json", headers={"Authorization": f"Bearer {beta_token}"})
    assert ALPHA_MARKER not in text(beta)
    assert BETA_COMPONENT in text(beta)


@pytest.mark.parametrize(
    "authorization", ["Bearer hrdo_not-a-token", "Bearer ", "Basic YWxhZGRpbjpvcGVu", "hrdo_x"]
)
def test_a_bad_token_is_refused_never_answered_publicly(client, customers, authorization):
    response = client.get("/api/v2/summary.json", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.get_json()["error"] == "Unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["Cache-Control"] == PRIVATE
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_replaced_token_stops_working(client, customers):
    old = issue_organization_token(customers.alpha)
    new = issue_organization_token(customers.alpha)
    db.session.commit()
    assert (
        client.get("/api/v2/status.json", headers={"Authorization": f"Bearer {old}"}).status_code
        == 401
    )
    assert (
        client.get("/api/v2/status.json", headers={"Authorization": f"Bearer {new}"}).status_code
        == 200
    )


# Never in the export, the sitemap or the public snapshot


def test_the_static_export_never_holds_a_private_notice(app, customers, tmp_path):
    target = tmp_path / "site"
    export_site(app, target)
    files = [p for p in target.rglob("*") if p.is_file()]
    assert len(files) > 20
    for path in files:
        data = path.read_bytes()
        assert ALPHA_MARKER.encode() not in data, path
        assert BETA_COMPONENT.encode() not in data, path
        assert customers.alpha_incident.id.encode() not in data, path
        assert customers.beta_component.id.encode() not in data, path
    assert (target / "sitemap.xml").is_file()
    assert not (target / "incidents" / f"{customers.alpha_incident.id}.html").exists()


def test_the_sitemap_lists_public_pages_only(client, small_page, customers):
    assert ("/sitemap.xml", "sitemap") in [(p, e) for p, e, _ in ROUTES]
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.headers["Cache-Control"].startswith("public")
    locations = re.findall(r"<loc>([^<]+)</loc>", text(response))
    assert f"{BASE}/" in locations
    assert f"{BASE}/history" in locations
    assert f"{BASE}/incidents/{small_page.open_incident.id}" in locations
    assert f"{BASE}/incidents/{small_page.old_incident.id}" in locations
    assert f"{BASE}/incidents/{customers.alpha_incident.id}" not in locations
    for location in locations:
        assert client.get(urlsplit(location).path).status_code == 200, location


# Subscribers


def test_a_confirmed_subscriber_at_a_customers_domain_joins_its_organization(
    client, smtp, queue, customers
):
    data = {"csrf_token": csrf_token(client, "/subscribe"), "email": "cat@alpha.example"}
    data |= {"scope": "all", "incidents": "y", "maintenance": "y"}
    assert client.post("/subscribe", data=data).status_code == 200
    drain(queue)
    (message,) = smtp.inbox.messages
    body = message.get_body(("plain",)).get_content()
    confirm = urlsplit(re.search(rf"{BASE}/subscriptions/confirm/\S+", body)[0]).path
    assert press_button(client, confirm).status_code == 200
    subscriber = db.session.scalars(
        select(Subscriber).join(ContactPoint).where(ContactPoint.address_key == "cat@alpha.example")
    ).one()
    db.session.refresh(subscriber)
    assert subscriber.organization_id == customers.alpha.id


def test_positions_count_only_the_components_the_reader_sees(app, smtp, queue, customers):
    """A private component between two public ones of a group must leave no gap in the
    public `position`s: 1, 3 would tell the public that the group holds one they cannot see."""
    group, (_, last) = group_with_components("Payments", ["Cards", "Transfers"])
    hidden = create_component("Cards (Beta)", group=group)
    hidden.position, last.position = last.position, last.position + 1  # between the two
    hidden.visibility, hidden.segments = Visibility.segments, [customers.us]
    db.session.commit()

    def positions(client) -> dict[str, int]:
        listed = client.get("/api/v2/components.json").get_json()["components"]
        return {c["name"]: c["position"] for c in listed if c["group_id"] == group.id}

    assert positions(app.test_client()) == {"Cards": 1, "Transfers": 2}
    bob = signed_in(app, smtp, queue, "bob@beta.example")
    assert positions(bob) == {"Cards": 1, "Cards (Beta)": 2, "Transfers": 3}


@pytest.mark.parametrize("path", ["/components/{}/badge.svg", "/components/{}/history.atom"])
def test_a_private_components_404_is_the_same_work_as_a_made_up_ids(client, customers, path):
    """A miss that took longer for a private component than for a random id told an outside
    probe which ids exist. Both now run the same statements (timing itself is no unit test's
    business: the statements are what the time is made of)."""

    def statements(component_id: str) -> list[str]:
        seen: list[str] = []

        def count(conn, cursor, statement, *_):
            seen.append(re.sub(r"\s+", " ", statement))

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(path.format(component_id)).status_code == 404
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return seen

    private = statements(customers.beta_component.id)
    made_up = statements("zzzzzzzzzzzz")
    assert private == made_up
