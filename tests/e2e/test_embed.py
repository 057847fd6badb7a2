"""The widget and badge embedded on another site: a second local server on another origin.

That site sends a strict Content-Security-Policy (no inline script or style, Trusted Types),
so any inline style, eval or HTML string in the widget shows up as a console error.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from statuspage.audience.visibility import PUBLIC
from statuspage.extensions import db
from statuspage.incidents import queries
from statuspage.incidents.commands import PostUpdate
from statuspage.incidents.publishing import post_update
from statuspage.models import ComponentStatus
from tests.conftest import BASE_URL

pytestmark = pytest.mark.e2e

CURRENT_INCIDENT = "Increased latency in EU West"  # the demo's open incident
INDICATOR = "Minor Service Outage"
MINOR_COLOUR = "rgb(138, 97, 0)"  # #8a6100, from the widget's stylesheet

# The script before its placeholder (async may run it before the div is parsed) and after.
SCRIPT_FIRST = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Customer site</title>
<script src="{herald}/embed/status.js" async></script></head>
<body><h1>Customer site</h1><div data-herald-status></div><p>Footer</p></body></html>"""
SCRIPT_LAST = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Customer site</title></head>
<body><h1>Customer site</h1><div data-herald-status></div><p>Footer</p>
<script src="{herald}/embed/status.js" async></script></body></html>"""
FRAMED = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Customer site</title></head>
<body><h1>Customer site</h1>
<iframe src="{herald}/embed/status.html" title="Service status" width="400" height="120"></iframe>
<p><img src="{herald}/badge.svg" alt="Service status"></p></body></html>"""


class HostSite:
    """Another web site, on its own port: serves a few fixed pages with a strict CSP."""

    def __init__(self, herald: str) -> None:
        pages = {
            "/script-first.html": SCRIPT_FIRST,
            "/script-last.html": SCRIPT_LAST,
            "/framed.html": FRAMED,
        }
        policy = (
            f"default-src 'none'; script-src {herald}; connect-src {herald}; "
            f"style-src {herald}; img-src {herald}; frame-src {herald}; base-uri 'none'; "
            "require-trusted-types-for 'script'"
        )

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                page = pages.get(self.path)
                if page is None:
                    self.send_error(404)
                    return
                body = page.format(herald=herald).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Security-Policy", policy)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet test output

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HostSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


@pytest.fixture
def host_site(live_server: str) -> Iterator[str]:
    with HostSite(live_server) as site:
        assert site.url != live_server  # another origin: another port
        yield site.url


@pytest.mark.parametrize("host_page", ["script-first.html", "script-last.html"])
def test_the_widget_shows_the_status_on_another_site(
    page: Page,
    live_server: str,
    host_site: str,
    host_page: str,
    script_errors: list[str],
    artifacts_dir: Path,
):
    (open_incident,) = queries.unresolved_incidents(PUBLIC)
    # In the script's language (status.js names none here: the page's default, English).
    with page.expect_response(f"{live_server}/api/v2/summary.json?lang=en") as summary:
        page.goto(f"{host_site}/{host_page}")
    assert summary.value.request.all_headers()["origin"] == host_site  # a cross-origin read
    assert summary.value.headers["access-control-allow-origin"] == "*"

    widget = page.locator("[data-herald-status]")
    expect(widget.locator(".herald-description")).to_have_text(INDICATOR)
    expect(widget.locator(".herald-indicator")).to_have_css("color", MINOR_COLOUR)
    expect(widget.locator(".herald-indicator")).to_have_attribute("href", f"{BASE_URL}/")
    incident = widget.locator("a.herald-incident-name")
    expect(incident).to_have_count(1)
    expect(incident).to_have_text(CURRENT_INCIDENT)
    expect(incident).to_have_attribute("href", f"{BASE_URL}/incidents/{open_incident.id}")
    expect(incident).to_have_attribute("target", "_blank")
    expect(widget.locator(".herald-incident-status")).to_have_text("Identified")
    # In its own shadow root: the host's styles and the widget's do not meet.
    assert page.evaluate("document.querySelector('[data-herald-status]').shadowRoot !== null")
    assert page.locator("h1").evaluate("h => getComputedStyle(h).color") == "rgb(0, 0, 0)"
    widget.screenshot(path=artifacts_dir / f"embed_widget_{host_page}.png")
    assert script_errors == []


def test_the_frame_and_badge_show_the_status_on_another_site(
    page: Page, live_server: str, host_site: str, script_errors: list[str], artifacts_dir: Path
):
    page.goto(f"{host_site}/framed.html")
    frame = page.frame_locator("iframe")
    expect(frame.locator(".herald-description")).to_have_text(INDICATOR)
    expect(frame.locator(".herald-indicator")).to_have_css("color", MINOR_COLOUR)
    expect(frame.locator("a.herald-incident-name")).to_have_text(CURRENT_INCIDENT)

    badge = page.locator("img")
    page.wait_for_function("document.querySelector('img').complete")
    served_width = page.request.get(f"{live_server}/badge.svg").text().split('width="')[1]
    assert badge.evaluate("img => img.naturalWidth") == int(served_width.split('"')[0])
    page.screenshot(path=artifacts_dir / "embed_frame_and_badge.png")
    assert script_errors == []


def test_the_frame_keeps_itself_current_without_a_meta_refresh(
    page: Page, live_server: str, script_errors: list[str]
):
    page.goto("/embed/status.html")
    expect(page.locator("h1 .herald-description")).to_have_text(INDICATOR)
    (incident,) = queries.unresolved_incidents(PUBLIC)
    post_update(
        incident,
        PostUpdate(
            "Resolved.",
            status="resolved",
            components=dict.fromkeys(incident.components, ComponentStatus.operational),
        ),
    )
    db.session.commit()
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    # embed-frame.js looks again once a minute, and whenever the frame is shown again.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(page.locator("h1 .herald-description")).to_have_text("All Systems Operational")
    expect(page.locator("a.herald-incident-name")).to_have_count(0)
    assert script_errors == []
