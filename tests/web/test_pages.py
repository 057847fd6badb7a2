"""The public HTML pages: what a customer sees, readable without JavaScript."""

from __future__ import annotations

import re
from datetime import timedelta

from babel.dates import format_date

from statuspage.clock import utcnow
from statuspage.components.catalog import create_component, set_component_status
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import add_postmortem, create_incident, post_update
from statuspage.page.settings import update_settings


def _html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_the_status_page_shows_banner_groups_components_and_incidents(client, small_page):
    html = _html(client, "/")
    assert "Minor Service Outage" in html
    assert re.search(
        r'<details class="group" open>\s*<summary>\s*<span class="group-name">Core', html
    )
    for name in ("API", "Web", "EU West", "Billing"):
        assert f'<span class="component-name">{name}</span>' in html
    assert "Slow EU requests" in html
    assert "<strong>latency</strong>" in html  # the latest update's rendered Markdown
    assert "Switch replacement" in html  # upcoming maintenance
    assert "Major outage counts as down, partial outage as 30% down" in html


def test_each_component_has_ninety_daily_bars_with_a_textual_tooltip(client, small_page):
    html = _html(client, "/")
    block = html.split(f'id="component-{small_page.api.id}"')[1].split('<div class="component"')[0]
    bars = re.findall(r'<li(?: class="b-(\w+)")?(?: title="([^"]+)")?>', block)
    assert len(bars) == 90
    levels = [level or "ok" for level, _ in bars]
    assert levels[:49] == ["nodata"] * 49  # the component is 40 days old (today is day 90)
    day_of_failover = [t for _, t in bars if "Database failover" in t]
    assert len(day_of_failover) == 1
    assert "uptime" in day_of_failover[0]
    # A quiet day says nothing itself: its date and words are said once for the page, and
    # herald.js names it from them (tests/e2e/test_status_page.py reads them in a browser).
    assert all(title == "" for level, title in bars if level in ("", "nodata"))
    section = re.search(r'<section[^>]*class="components"[^>]*>', html)[0]
    days = re.search(r'data-days="([^"]+)"', section)[1].split("|")
    assert len(days) == 90
    assert days[-1] == format_date(utcnow().date(), "medium", locale="en")
    assert 'data-full="100% uptime · No incidents"' in section
    assert 'data-nodata="No data · No incidents"' in section


def test_times_are_utc_in_time_elements(client, small_page):
    html = _html(client, "/")
    stamps = re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', html)
    assert stamps
    for machine, human in stamps:
        assert machine.endswith("Z")
        assert human.endswith("UTC")


def test_only_show_if_degraded_hides_a_healthy_component(client, small_page):
    quiet = create_component("Legacy API", only_show_if_degraded=True)
    db.session.commit()
    assert "Legacy API" not in _html(client, "/")
    set_component_status(quiet, "partial_outage")
    db.session.commit()
    assert "Legacy API" in _html(client, "/")


def test_the_incident_page_shows_the_full_timeline(client, small_page):
    post_update(small_page.old_incident, PostUpdate("Root cause: a full disk.", status="resolved"))
    add_postmortem(small_page.old_incident, "We now alert on disk usage.")
    db.session.commit()
    html = _html(client, f"/incidents/{small_page.old_incident.id}")
    assert "Database failover" in html
    assert html.index("Root cause: a full disk.") < html.index("Failing over.")  # newest first
    assert "API: Operational → Major outage" in html
    assert "Postmortem" in html
    assert "We now alert on disk usage." in html


def test_a_maintenance_page_shows_its_window(client, small_page):
    html = _html(client, f"/incidents/{small_page.maintenance.id}")
    assert "Scheduled maintenance" in html
    assert "Switch replacement" in html


def test_history_shows_recent_months_and_links_older_ones(client, small_page):
    create_incident(
        OpenIncident("Ancient", "Long ago.", status="resolved", at=utcnow() - timedelta(days=200))
    )
    db.session.commit()
    html = _html(client, "/history")
    assert "Database failover" in html
    assert "Ancient" not in html
    ancient = (utcnow() - timedelta(days=200)).date()
    month_link = f"/history/{ancient.year}/{ancient.month}"
    assert month_link in html
    assert "Ancient" in _html(client, month_link)


def test_maintenance_page(client, small_page):
    html = _html(client, "/maintenance")
    assert "Switch replacement" in html
    assert "None right now." in html


def test_hostile_markdown_is_inert_on_the_page(client, small_page):
    post_update(
        small_page.open_incident,
        PostUpdate('<script>alert(1)</script><img src=x onerror="alert(2)">'),
    )
    db.session.commit()
    html = _html(client, f"/incidents/{small_page.open_incident.id}")
    assert "<script>alert" not in html
    assert "onerror" not in html


def test_unknown_pages_get_a_friendly_404(client, small_page):
    future = utcnow().date() + timedelta(days=62)
    for path in (
        "/incidents/nope",
        "/history/2026/13",
        "/history/0/1",
        "/history/10000/1",  # past date.max: Python cannot even make the date
        "/history/99999999999999999999/1",
        f"/history/{future.year}/{future.month}",
        "/no/such/page",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"Go to the status page" in response.data
        assert b"Traceback" not in response.data


def test_an_empty_database_shows_an_operational_page(client):
    html = _html(client, "/")
    assert "All Systems Operational" in html


def test_page_settings_brand_the_public_page(client, small_page):
    update_settings(
        description="Live status of Acme's services.",
        homepage_url="https://acme.example",
        logo_url="https://acme.example/logo.svg",
        brand_color="#aa3377",
        footer_links=[{"label": "Support", "url": "https://acme.example/support"}],
    )
    db.session.commit()
    html = _html(client, "/")
    assert "Live status of Acme&#39;s services." in html
    assert '<img class="logo" src="https://acme.example/logo.svg" alt="">' in html
    assert '<a href="https://acme.example" rel="noopener">Website</a>' in html
    assert '<a href="https://acme.example/support" rel="noopener">Support</a>' in html
    css = client.get("/brand.css")
    assert css.mimetype == "text/css"
    assert b"--brand: #aa3377;" in css.data
