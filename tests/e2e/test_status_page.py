"""The public status page in a real browser: uptime tooltips, keyboard, groups, local times."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from playwright.sync_api import Browser, Locator, Page, expect

from statuspage.infra.demo import GROUPS, PAST_INCIDENTS

pytestmark = pytest.mark.e2e

DAYS_SHOWN = 90
UPTIME = re.compile(r"\d+(\.\d+)?% uptime")
# A demo incident that took API down, and how many days before "now" it happened.
FAILOVER = "Database failover caused brief outage"
FAILOVER_DAYS_AGO = next(days for days, _, name, _, _ in PAST_INCIDENTS if name == FAILOVER)


def day_label(day: date) -> str:
    """How the page writes a day: `Sep 30, 2026`."""
    return f"{day:%b} {day.day}, {day.year}"


def component(page: Page, name: str) -> Locator:
    return page.locator(".component").filter(
        has=page.locator(".component-name", has_text=re.compile(f"^{re.escape(name)}$"))
    )


def bar_for(page: Page, name: str, days_ago: int) -> Locator:
    """The bar of `name`'s uptime `days_ago` days before today; bars run oldest first."""
    return component(page, name).locator("ol.bars > li").nth(DAYS_SHOWN - 1 - days_ago)


def test_hovering_a_bar_shows_that_days_uptime_and_incidents(
    status_page: Page, now: datetime, script_errors: list[str], artifacts_dir: Path
):
    page = status_page
    today = now.date()
    expect(page.locator(".banner h1")).to_have_text("Minor Service Outage")
    page.screenshot(path=artifacts_dir / "status_page.png", full_page=True)
    tooltip = page.locator("#uptime-tooltip")
    expect(tooltip).to_be_hidden()

    quiet_day = bar_for(page, "API", 0)
    # A quiet day comes as a bare <li>: the script names it from the dates said once, for
    # screen readers as for the tooltip.
    expect(quiet_day).to_have_attribute(
        "aria-label", f"{day_label(today)} · 100% uptime · No incidents"
    )
    quiet_day.hover()
    expect(tooltip).to_be_visible()
    expect(tooltip.locator("strong")).to_have_text(day_label(today))
    expect(tooltip).to_contain_text(UPTIME)
    expect(tooltip).to_contain_text("No incidents")
    expect(quiet_day).to_have_attribute("aria-describedby", "uptime-tooltip")
    tip_box, bar_box = tooltip.bounding_box(), quiet_day.bounding_box()
    assert tip_box is not None
    assert bar_box is not None
    assert tip_box["y"] >= bar_box["y"] + bar_box["height"], "the tooltip sits below its bar"
    width = page.evaluate("document.documentElement.clientWidth")
    assert tip_box["x"] + tip_box["width"] <= width, "and stays inside the window"

    failover_day = bar_for(page, "API", FAILOVER_DAYS_AGO)
    expect(failover_day).to_have_attribute("aria-label", re.compile(re.escape(FAILOVER)))
    failover_day.hover()
    expect(tooltip.locator("strong")).to_have_text(
        day_label(today - timedelta(days=FAILOVER_DAYS_AGO))
    )
    expect(tooltip).to_contain_text(UPTIME)
    expect(tooltip).to_contain_text(FAILOVER)
    expect(tooltip).not_to_contain_text("No incidents")

    page.mouse.move(0, 0)
    expect(tooltip).to_be_hidden()
    assert script_errors == []


def without_focusable_bars(html: str) -> str:
    return re.sub(r'(<li[^>]*) tabindex="0"', r"\1", html)


def with_focusable_lists(html: str) -> str:
    return without_focusable_bars(html).replace('<ol class="bars"', '<ol class="bars" tabindex="0"')


# herald.js must give the same keyboard behaviour whichever element the template makes
# focusable: today every bar, or (a proposed change) no bar, or the list instead.
@pytest.mark.parametrize(
    "markup_change",
    [None, without_focusable_bars, with_focusable_lists],
    ids=["as-served", "no-focusable-bars", "focusable-lists"],
)
def test_each_components_bars_are_one_tab_stop_with_arrow_keys_between_days(
    status_page: Page, now: datetime, script_errors: list[str]
):
    page = status_page
    components = sum(len(names) for names in GROUPS.values())
    tab_stops = page.evaluate(
        "[...document.querySelectorAll('ol.bars, ol.bars > li')]"
        ".filter(el => el.tabIndex >= 0).length"
    )
    assert tab_stops == components

    for _ in range(40):  # well past the header, nav and current incident links
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('ol.bars > li')"):
            break
    focused = page.locator("ol.bars > li:focus")
    expect(focused).to_have_count(1)
    api_bars = component(page, "API").locator("ol.bars > li")
    expect(api_bars.last).to_be_focused()  # the first component, entered at today
    tooltip = page.locator("#uptime-tooltip")
    today = now.date()
    expect(tooltip).to_be_visible()
    expect(tooltip.locator("strong")).to_have_text(day_label(today))

    page.keyboard.press("ArrowLeft")
    expect(api_bars.nth(DAYS_SHOWN - 2)).to_be_focused()
    expect(tooltip.locator("strong")).to_have_text(day_label(today - timedelta(days=1)))
    page.keyboard.press("Home")
    expect(api_bars.first).to_be_focused()
    expect(tooltip.locator("strong")).to_have_text(
        day_label(today - timedelta(days=DAYS_SHOWN - 1))
    )
    page.keyboard.press("ArrowLeft")  # already the oldest day: stays put
    expect(api_bars.first).to_be_focused()
    bar_for(page, "API", 10).hover()
    expect(tooltip.locator("strong")).to_have_text(day_label(today - timedelta(days=10)))
    page.mouse.move(0, 0)  # the pointer leaves: back to the day the keyboard is on
    expect(tooltip.locator("strong")).to_have_text(
        day_label(today - timedelta(days=DAYS_SHOWN - 1))
    )

    page.keyboard.press("Tab")  # leaves API's 90 days for the next component at once
    expect(component(page, "Web Dashboard").locator("ol.bars > li").last).to_be_focused()
    page.keyboard.press("Shift+Tab")  # and comes back to the day it left
    expect(api_bars.first).to_be_focused()
    page.keyboard.press("Escape")
    expect(tooltip).to_be_hidden()
    assert script_errors == []


def test_a_group_collapses_and_expands_from_its_summary(
    status_page: Page, script_errors: list[str]
):
    page = status_page
    group = page.locator("details.group").filter(has_text="Core Platform")
    summary = group.locator("summary")
    rows = group.locator(".component")
    expect(rows).to_have_count(len(GROUPS["Core Platform"]))
    for row in rows.all():
        expect(row).to_be_visible()

    summary.click()
    expect(group).not_to_have_attribute("open", "")
    for row in rows.all():
        expect(row).to_be_hidden()
    expect(summary).to_be_visible()
    expect(page.locator("details.group").filter(has_text="Notifications")).to_have_attribute(
        "open", ""
    )

    summary.click()
    expect(group).to_have_attribute("open", "")
    for row in rows.all():
        expect(row).to_be_visible()
    assert script_errors == []


def test_times_are_shown_in_the_readers_time_zone(
    status_page: Page,
    browser: Browser,
    live_server: str,
    timezone_id: str,
    script_errors: list[str],
):
    without_script = browser.new_context(base_url=live_server, java_script_enabled=False)
    served = without_script.new_page()
    served.goto("/")
    server_texts = served.locator("time[datetime]").all_inner_texts()
    without_script.close()
    assert server_texts
    assert all(text.endswith(" UTC") for text in server_texts)

    times = status_page.locator("time[datetime]")
    expect(times).to_have_count(len(server_texts))
    zone = ZoneInfo(timezone_id)
    offsets = set()
    for time, server_text in zip(times.all(), server_texts, strict=True):
        expect(time).to_have_attribute("title", server_text)  # the UTC text stays on hover
        local = datetime.fromisoformat(time.get_attribute("datetime") or "").astimezone(zone)
        offsets.add(local.utcoffset())
        # Intl writes e.g. "Mar 6, 2026, 6:38 AM EST", maybe with a no-break space before AM.
        shown = " ".join(time.inner_text().split())
        assert shown != server_text
        assert shown == f"{local:%b} {local.day}, {local.year}, {local:%-I:%M %p} {local:%Z}"
    assert len(offsets) == 2, "the page shows times on both sides of a daylight-saving change"
    assert script_errors == []


@pytest.mark.parametrize(
    ("width", "days", "oldest"), [(1280, 90, "90"), (800, 60, "60"), (390, 30, "30")]
)
def test_narrow_screens_show_the_latest_30_or_60_days(
    status_page: Page, now: datetime, width: int, days: int, oldest: str
):
    page = status_page
    page.set_viewport_size({"width": width, "height": 900})
    api = component(page, "API")
    shown = api.locator("ol.bars > li").evaluate_all(
        "bars => bars.filter(bar => bar.getClientRects().length > 0).length"
    )
    assert shown == days
    expect(api.locator(".bars-legend")).to_contain_text(f"{oldest} days ago")
    expect(api.locator(".bars-legend")).to_contain_text(UPTIME)
    widths = api.locator("ol.bars > li").evaluate_all(
        "bars => bars.filter(bar => bar.getClientRects().length > 0)"
        ".map(bar => bar.getBoundingClientRect().width)"
    )
    assert min(widths) >= 4, "a phone's bar must be wide enough to tell apart"
    if width == 390:  # the keyboard walks the days shown only
        api.locator("ol.bars > li").last.focus()
        page.keyboard.press("Home")
        expect(bar_for(page, "API", days - 1)).to_be_focused()


def test_the_page_says_which_time_zone_its_times_are_in(
    status_page: Page, browser: Browser, live_server: str
):
    expect(status_page.locator(".time-zone-note")).to_have_text(
        "Times are shown in your time zone (America/New York)."
    )
    without_script = browser.new_context(base_url=live_server, java_script_enabled=False)
    served = without_script.new_page()
    served.goto("/")
    expect(served.locator(".time-zone-note")).to_have_text("Times are shown in UTC.")
    without_script.close()


@pytest.fixture
def live_base_url(app: Flask, live_server: str) -> Iterator[str]:
    """BASE_URL on the live server, so the header's absolute links lead somewhere."""
    previous = app.config["BASE_URL"]
    app.config["BASE_URL"] = live_server
    yield live_server
    app.config["BASE_URL"] = previous


def test_the_subscribe_button_opens_every_choice_and_closes_as_a_menu_does(
    live_base_url: str, status_page: Page, script_errors: list[str]
):
    page = status_page
    page.set_viewport_size({"width": 390, "height": 900})
    button = page.locator("header .subscribe-menu > summary")
    choices = page.locator("header .subscribe-choices")
    expect(choices).to_be_hidden()
    button.click()
    expect(choices).to_be_visible()
    expect(choices.get_by_role("link")).to_have_text(
        [
            "Email",
            "Browser notifications",
            "Webhook",
            "Slack",
            "Microsoft Teams",
            "Discord",
            "Atom feed",
            "RSS feed",
        ]
    )
    right = choices.evaluate("list => list.getBoundingClientRect().right")
    assert right <= 390  # on a phone too, the menu stays on the screen
    page.keyboard.press("Escape")
    expect(choices).to_be_hidden()
    expect(button).to_be_focused()
    button.click()
    page.mouse.click(2, 2)  # a click elsewhere closes it
    expect(choices).to_be_hidden()

    button.click()
    choices.get_by_role("link", name="Browser notifications").click()
    expect(page.locator("#browser-notifications")).to_have_attribute("open", "")  # opened
    button.click()
    choices.get_by_role("link", name="Email").click()
    expect(page.locator("main h1")).to_have_text("Subscribe to updates")
    assert script_errors == []
