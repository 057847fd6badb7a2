"""The status page's "System metrics": charts in the snapshot, refreshed by the minute's
sweep (never per data point), mirrored for right-to-left readers, and in the static export."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.jobs.every_minute import sweep
from statuspage.page.state import ensure_page, get_page
from statuspage.public.export import export_site
from statuspage.public.viewing import COOKIE, identity
from statuspage.system_metrics.refresh import publish_new_data
from tests.factories.segments import organization, segment
from tests.unit.system_metrics.metric_rows import make_metric, push

CHART = re.compile(r'<svg class="chart"[^>]*role="img"')


def _page_with_metrics():
    ensure_page("Acme Status")
    now = utcnow()
    latency = make_metric("API latency", suffix="ms", position=1)
    uptime = make_metric("Checkout success", suffix="%", decimal_places=2, position=2)
    make_metric("Internal queue depth", display=False)
    push(latency, [(now - timedelta(minutes=m), 100.0 + m % 7) for m in range(0, 180, 2)])
    push(uptime, [(now - timedelta(hours=h), 99.5) for h in range(1, 100)])
    db.session.commit()
    return latency, uptime


def test_the_page_shows_the_displayed_metrics_in_order_with_a_switch_and_tables(client):
    _latency, _uptime = _page_with_metrics()
    html = client.get("/").get_data(as_text=True)

    section = html[html.index('<section aria-labelledby="system-metrics"') :]
    section = section[: section.index("</section>")]
    assert re.findall(r"<h3 [^>]*>([^<]+)</h3>", section) == ["API latency", "Checkout success"]
    assert "Internal queue depth" not in html
    assert len(CHART.findall(section)) == 6  # day, week and month of each
    # The switch: one group of radio buttons, each with its label, the day checked.
    radios = re.findall(r'<input type="radio" name="metrics-window" id="([^"]+)"[^>]*>', section)
    assert radios == ["metrics-window-day", "metrics-window-week", "metrics-window-month"]
    assert all(f'<label for="{r}">' in section for r in radios)
    assert 'id="metrics-window-day" value="day" checked>' in section
    # Each chart has its data table, with a caption and headers (WCAG 1.3.1).
    assert section.count("<summary>Data table</summary>") == 6
    assert ">API latency, Past 24 hours (times in UTC)</caption>" in section
    assert '<th scope="col">Average</th>' in section
    assert "99.50%" in section
    assert re.search(r"maximum 106 ms\.</desc>", section)


def test_no_section_without_a_displayed_metric(client):
    ensure_page("Acme Status")
    make_metric("Internal", display=False)
    db.session.commit()
    assert "System metrics" not in client.get("/").get_data(as_text=True)


def test_new_data_reaches_the_snapshot_at_the_minutes_sweep_not_before(client):
    latency, _ = _page_with_metrics()
    assert publish_new_data(utcnow())  # the data above was never published
    db.session.commit()
    version = get_page().version
    assert "maximum 106 ms" in client.get("/").get_data(as_text=True)

    push(latency, [(utcnow(), 987.0)])
    db.session.commit()
    assert "987 ms" not in client.get("/").get_data(as_text=True)  # still the snapshot

    assert publish_new_data(utcnow())
    db.session.commit()
    assert get_page().version == version + 1
    assert "maximum 987 ms" in client.get("/").get_data(as_text=True)

    assert not publish_new_data(utcnow())  # no new data: no new version
    db.session.commit()
    assert get_page().version == version + 1


def test_the_sweep_publishes_the_newest_data_of_the_displayed_metrics_only(client):
    latency, _ = _page_with_metrics()
    hidden = make_metric("Internal", display=False)
    push(hidden, [(utcnow() + timedelta(seconds=1), 1.0)])
    db.session.commit()
    sweep()
    db.session.commit()
    assert get_page().charts_data_at == latency.most_recent_data_at
    assert not publish_new_data(utcnow())
    push(hidden, [(utcnow() + timedelta(seconds=2), 1.0)])
    assert not publish_new_data(utcnow())


def test_right_to_left_readers_get_the_chart_mirrored(client):
    _page_with_metrics()

    def value_axis(query: str) -> tuple[str, float]:
        html = client.get(f"/?lang={query}").get_data(as_text=True)
        found = re.search(
            r'<svg class="chart" [^>]*direction="(rtl|ltr)".*?'
            r'<g class="chart-axis" aria-hidden="true" text-anchor="end"><text x="([\d.]+)"',
            html,
        )
        assert found, html
        return found.group(1), float(found.group(2))

    # The value axis stands on the right, its labels ending at the plot's edge: in
    # right-to-left text the end of a line is its left (SVG 2, "text-anchor").
    direction, x = value_axis("ar")
    assert direction == "rtl"
    assert x > 300
    direction, x = value_axis("en")
    assert direction == "ltr"
    assert x < 300


def test_the_static_export_holds_the_charts_and_tables(app, tmp_path):
    _page_with_metrics()
    export_site(app, tmp_path / "site")
    index = (tmp_path / "site" / "index.html").read_text()
    assert len(CHART.findall(index)) == 6
    assert index.count("<summary>Data table</summary>") == 6
    assert 'name="metrics-window"' in index  # the switch needs no script, so it works here too


def test_a_private_viewer_sees_the_same_charts(client):
    """Metrics are page-wide: a signed-in viewer's page (rendered for them alone) has the
    same section as the public snapshot."""
    _page_with_metrics()
    organization("Acme", segments=[segment("Enterprise")], members=["ann@acme.example"])
    cookie = identity("ann@acme.example")
    db.session.commit()
    with time_machine.travel(utcnow(), tick=False):  # both drawn at the same second
        public = client.get("/").get_data(as_text=True)
        client.set_cookie(COOKIE, cookie)
        response = client.get("/")
    assert response.headers["Cache-Control"] == "private, no-store"  # theirs alone
    private = response.get_data(as_text=True)
    assert "ann@acme.example" in private
    section = re.compile(r'<section aria-labelledby="system-metrics".*?</section>', re.DOTALL)
    assert section.search(private).group(0) == section.search(public).group(0)
