"""The embeddable widget, server side: its script, stylesheet and iframe page (public only)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from statuspage.components.catalog import set_component_status
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.models import Visibility
from statuspage.public.export import export_site

INLINE_STYLE = re.compile(rb"<style|\sstyle=")


def test_the_script_is_served_as_javascript_from_the_snapshot(client, small_page):
    response = client.get("/embed/status.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"].startswith("public")
    etag = response.headers["ETag"]
    assert client.get("/embed/status.js", headers={"If-None-Match": etag}).status_code == 304
    script = response.get_data(as_text=True)
    # Everything is found relative to the script itself: live app or static export alike.
    assert '"../api/v2/summary.json?lang="' in script
    assert '"status.css"' in script
    # Its fixed words are written in by the server, in the URL's language (else the page's).
    assert 'var WORDS = {"lang": "en", "dir": "ltr"' in script
    assert '"unavailable": "Status unavailable: open the status page"' in script
    arabic = client.get("/embed/status.js?lang=ar").get_data(as_text=True)
    assert 'var WORDS = {"lang": "ar", "dir": "rtl"' in arabic
    assert '"investigating": "Investigating"' in script
    assert "status.example.test" not in script
    # Safe on a host page with a strict CSP and Trusted Types: no eval, no HTML parsing,
    # no inline styles.
    for banned in ("eval(", "new Function", "innerHTML", "outerHTML", "insertAdjacentHTML",
                   "document.write", ".style.", '"style"', "cssText"):  # fmt: skip
        assert banned not in script, banned


def test_the_stylesheet_is_served_as_css(client, small_page):
    response = client.get("/embed/status.css")
    assert response.mimetype == "text/css"
    assert b".herald-indicator" in response.data


def test_the_frame_shows_the_indicator_and_current_incidents(client, small_page):
    response = client.get("/embed/status.html")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("public")
    assert "X-Frame-Options" not in response.headers  # it is made to be framed
    html = response.get_data(as_text=True)
    assert 'class="herald-indicator indicator-minor"' in html
    assert "Minor Service Outage" in html
    incident = small_page.open_incident
    assert f'href="/incidents/{incident.id}"' in html
    assert f">{incident.name}</a>" in html
    assert "Switch replacement" not in html  # upcoming maintenance is not current
    # A page of its own (axe): one main landmark, one h1, and no meta refresh, which
    # reloads under a reader's feet; its own script fetches it again politely.
    assert html.count("<main") == 1
    assert html.count("<h1") == 1
    assert 'http-equiv="refresh"' not in html
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/js/embed-frame.js" defer>']
    assert not INLINE_STYLE.search(response.data)
    for link in re.findall(r"<a [^>]*>", html):
        assert 'target="_blank"' in link
        assert 'rel="noopener"' in link


def test_the_frame_lists_maintenance_under_way(client, small_page):
    post_update(small_page.open_incident, PostUpdate("Fixed.", status="resolved"))
    set_component_status(small_page.eu, "operational")
    post_update(small_page.maintenance, PostUpdate("Started.", status="in_progress"))
    db.session.commit()
    html = client.get("/embed/status.html").get_data(as_text=True)
    assert "indicator-maintenance" in html
    assert "Service Under Maintenance" in html
    assert "Switch replacement" in html
    assert "Slow EU requests" not in html


@pytest.fixture
def private_incident(small_page):
    secret = create_incident(
        OpenIncident("Breach at customer X", "Only for customer X.", impact="critical")
    )
    secret.visibility = Visibility.segments
    db.session.commit()
    return secret


def test_private_incidents_never_reach_the_widget_or_badge(client, small_page, private_incident):
    frame = client.get("/embed/status.html").get_data(as_text=True)
    summary = client.get("/api/v2/summary.json").get_json()
    badge = client.get("/badge.svg").data
    assert "Breach at customer X" not in frame
    assert private_incident.id not in frame
    assert [i["name"] for i in summary["incidents"]] == ["Slow EU requests"]
    assert summary["status"]["indicator"] == "minor"  # its critical impact stays private too
    svg = ET.fromstring(badge)  # noqa: S314 - our own response
    assert svg.get("aria-label") == "status: minor outage"


def test_the_export_holds_the_widget(app, client, small_page, tmp_path):
    target = tmp_path / "site"
    export_site(app, target)
    for name in ("embed/status.js", "embed/status.css"):
        assert (target / name).read_bytes() == client.get(f"/{name}").data
    # The script's relative URLs land on exported files.
    assert (target / "embed" / "../api/v2/summary.json").resolve().is_file()
    frame = (target / "embed/status.html").read_text()
    assert 'href="status.css"' in frame
    assert f'href="../incidents/{small_page.open_incident.id}.html"' in frame
