"""System metrics in a real browser: two metrics' charts at a phone's and a laptop's width,
screenshots for a person to look at, axe clean, the switch and the data table by keyboard."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from statuspage.extensions import db
from statuspage.page.state import bump_version
from tests.e2e.inspection import WIDTHS, inspect, problems
from tests.unit.system_metrics.metric_rows import make_metric, push

pytestmark = pytest.mark.e2e


@pytest.fixture
def two_metrics(live_server: str, now: datetime) -> None:
    latency = make_metric("API response time", suffix="ms", position=1)
    errors = make_metric("Error rate", suffix="%", decimal_places=2, position=2)
    # A day of latency every 5 minutes, with an hour missing (a gap in the line).
    push(
        latency,
        [
            (now - timedelta(minutes=m), 120.0 + (m % 60) / 2)
            for m in range(0, 60 * 24 * 8, 5)
            if not 300 <= m < 360
        ],
    )
    push(errors, [(now - timedelta(hours=h), 0.2 + (h % 5) / 10) for h in range(0, 24 * 30)])
    bump_version(now)
    db.session.commit()


def test_the_charts_are_drawn_accessible_and_their_tables_reachable_by_keyboard(
    page: Page, two_metrics: None, artifacts_dir: Path
):
    for width in WIDTHS:
        assert inspect(page, "/", width, artifacts_dir) == []
        section = page.locator("section.system-metrics")
        section.screenshot(path=artifacts_dir / f"metric_charts-{width}.png")
        charts = section.locator("svg.chart[role=img]")
        expect(charts.nth(0)).to_be_visible()
        expect(charts.nth(1)).to_be_hidden()  # the week: the switch shows the day
        box = charts.nth(0).bounding_box()
        assert box is not None
        assert box["width"] > width / 2  # the chart takes the column's width
        assert box["height"] > 40

    # Keyboard only: the switch's radios move by arrow keys and show the week.
    day = page.locator("#metrics-window-day")
    day.focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#metrics-window-week")).to_be_checked()
    week = page.locator(".window-week svg.chart").first
    expect(week).to_be_visible()
    expect(page.locator(".window-day svg.chart").first).to_be_hidden()
    # Tab on to the first visible table's summary and open it with Enter.
    summary = page.locator(".window-week .metric-table > summary").first
    for _ in range(10):
        page.keyboard.press("Tab")
        if summary.evaluate("el => el === document.activeElement"):
            break
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")
    table = page.locator(".window-week .metric-table table").first
    expect(table).to_be_visible()
    expect(table.locator("caption")).to_contain_text("API response time, Past 7 days")
    assert problems(page) == []  # open, at 390 px: its sideways scroll reachable too
    page.locator("article.metric").first.screenshot(path=artifacts_dir / "metric_charts-table.png")

    # Right to left: the page mirrored, the charts too (time runs leftwards), still clean.
    assert inspect(page, "/?lang=ar", 390, artifacts_dir) == []
    page.locator("section.system-metrics").screenshot(path=artifacts_dir / "metric_charts-ar.png")
