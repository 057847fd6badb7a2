"""Security headers on every kind of response (statuspage/security.py)."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask

from statuspage import create_app
from statuspage.extensions import db
from statuspage.models import Role
from statuspage.page.state import ensure_page
from tests.admin.staff_client import signed_in

HTTPS = "https://status.example.test"


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in policy.split(";")
        if part.strip()
    }


def assert_strict(response, *, referrer: str = "strict-origin-when-cross-origin") -> None:
    policy = directives(response)
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == referrer
    assert "Strict-Transport-Security" not in response.headers  # plain http


@pytest.fixture
def page() -> None:
    ensure_page("Acme Status")
    db.session.commit()


@pytest.mark.parametrize(
    "path",
    [
        "/",  # a snapshot
        "/history",
        "/api/v2/summary.json",
        "/badge.svg",
        "/subscribe",  # a personal page with a form
        "/no/such/page",  # an error page
        "/healthz",
        "/static/css/herald.css",
    ],
)
def test_public_responses_carry_the_strict_policy(client, page, path):
    with client.get(path) as response:  # closed: a static file is streamed from disk
        assert_strict(response)


def test_snapshot_304s_carry_the_headers_but_nosniff(client, page):
    first = client.get("/brand.css")
    again = client.get("/brand.css", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    # security.py says why a 304 leaves it out: the stored 200 keeps it.
    assert "X-Content-Type-Options" not in again.headers
    assert directives(again)["script-src"] == "'self'"
    assert again.headers["X-Frame-Options"] == "DENY"


def test_admin_and_management_api_responses(client, page):
    login = client.get("/admin/login")
    assert login.status_code == 200
    assert_strict(login, referrer="same-origin")  # the admin's own, stricter choice stands
    api = client.get("/api/v1/pages")
    assert api.status_code == 401
    assert_strict(api)


@pytest.mark.parametrize(
    "path", ["/subscriptions/manage/not-a-token", "/ack/not-a-token", "/signin/not-a-token"]
)
def test_pages_with_a_secret_in_the_url_send_no_referrer(client, page, path):
    response = client.get(path)
    assert response.status_code < 500
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_only_the_widget_page_may_be_framed_by_other_sites(client, page):
    widget = client.get("/embed/status.html")
    assert widget.status_code == 200
    policy = directives(widget)
    assert policy["frame-ancestors"] == "*"
    assert policy["script-src"] == "'self'"
    assert "X-Frame-Options" not in widget.headers
    assert directives(client.get("/"))["frame-ancestors"] == "'none'"


def test_hsts_only_over_https(client, page):
    assert "Strict-Transport-Security" not in client.get("/").headers
    for path in ("/", "/admin/login", "/api/v2/status.json"):
        secure = client.get(path, base_url=HTTPS)
        assert secure.headers["Strict-Transport-Security"].startswith("max-age=63072000")


@pytest.fixture
def made(app: Flask) -> Iterator[list[Flask]]:
    apps: list[Flask] = []
    yield apps
    for other in apps:
        with other.app_context():
            db.engine.dispose()


def test_forwarded_proto_counts_only_from_a_trusted_proxy(app, page, made):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    assert "Strict-Transport-Security" not in app.test_client().get("/", headers=forwarded).headers
    behind_nginx = create_app({**app.config, "TRUSTED_PROXIES": 1})
    made.append(behind_nginx)
    response = behind_nginx.test_client().get("/", headers=forwarded)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_snapshot_fast_path_sends_hsts_over_https_only(app, page, made):
    cached = create_app({**app.config, "SNAPSHOT_VERSION_TTL": 60.0})
    made.append(cached)
    client = cached.test_client()
    client.get("/")  # rendered through Flask; the next ones come from the fast path
    renders = cached.extensions["herald.snapshots"].renders
    secure, plain = client.get("/", base_url=HTTPS), client.get("/")
    assert cached.extensions["herald.snapshots"].renders == renders
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in plain.headers
    assert_strict(plain)


def test_the_dev_mailbox_alone_allows_inline_styles_for_email_html(app, tmp_path: Path):
    previous = app.config["INSTANCE_PATH"]
    app.config["INSTANCE_PATH"] = str(tmp_path)
    try:
        (tmp_path / "mail").mkdir()
        message = EmailMessage()
        message["Subject"] = "Styled"
        message.set_content("Plain.")
        message.add_alternative('<p style="color: red">Styled</p>', subtype="html")
        (tmp_path / "mail" / "000000000001.eml").write_bytes(bytes(message))
        owner = signed_in(app, Role.owner)
        shown = owner.get("/admin/mailbox/000000000001.eml")
        listing = owner.get("/admin/mailbox")
    finally:
        app.config["INSTANCE_PATH"] = previous
    assert shown.status_code == 200
    assert directives(shown)["style-src"] == "'self' 'unsafe-inline'"
    assert directives(shown)["script-src"] == "'self'"
    assert directives(listing)["style-src"] == "'self'"
