"""The language picker in a real browser: the choice sticks from page to page (its cookie), the
times herald.js localises follow the page's language and not the browser's, and the status page
in Arabic mirrors and fits a phone."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"),
        reason="browser tests depend on no database: `make test` runs them in its SQLite pass",
    ),
]

PHONE = 390


@pytest.fixture(autouse=True)
def picker_on_the_live_server(app: Flask, live_server: str) -> Iterator[None]:
    """The picker's form is absolute, on BASE_URL (a static export chooses on the live app):
    here BASE_URL is the live server, set before any page is rendered."""
    previous = app.config["BASE_URL"]
    app.config["BASE_URL"] = live_server
    yield
    app.config["BASE_URL"] = previous


def choose(page: Page, code: str) -> None:
    """Pick `code` in the footer's picker and send it, as a reader does."""
    page.locator("#language-choice").select_option(code)
    page.locator("form.language-picker button[type=submit]").click()


def test_the_chosen_language_sticks_and_arabic_mirrors_on_a_phone(
    status_page: Page, script_errors: list[str], artifacts_dir: Path
):
    page = status_page
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")

    choose(page, "de")
    page.wait_for_url(re.compile(r"/$"))  # back where the picker was
    expect(html).to_have_attribute("lang", "de")
    expect(page.locator("#language-choice")).to_have_value("de")
    # The reader's zone (the browser's) is named in the page's language's sentence.
    expect(page.locator(".time-zone-note")).to_contain_text("America/New York")

    page.goto("/history")  # a new page, no ?lang=: the cookie carries the choice
    expect(html).to_have_attribute("lang", "de")
    choose(page, "ar")
    page.wait_for_url(re.compile(r"/history$"))
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")

    page.set_viewport_size({"width": PHONE, "height": 900})
    page.goto("/")
    page.locator("#uptime-tooltip").wait_for(state="attached")
    expect(html).to_have_attribute("dir", "rtl")
    page.screenshot(path=artifacts_dir / f"status_page_ar_{PHONE}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    # Mirrored: an incident's colour rule is on its right, the start of a right-to-left line.
    card = page.locator(".incident").first
    assert card.evaluate("el => getComputedStyle(el).borderRightWidth") == "5px"
    assert card.evaluate("el => getComputedStyle(el).borderLeftWidth") != "5px"
    # The bars still run oldest to newest in reading order: today is the leftmost shown.
    bars = page.locator(".component").first.locator("ol.bars > li")
    today, shown_first = bars.last.bounding_box(), bars.nth(60).bounding_box()
    assert today is not None
    assert shown_first is not None
    assert today["x"] < shown_first["x"]
    assert script_errors == []


def test_a_german_browser_reads_english_times_on_an_english_page(
    browser: Browser, live_server: str
):
    context = browser.new_context(base_url=live_server, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    page.goto("/?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    first = page.locator("main time[datetime]").first
    expect(first).to_have_text(re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4}, .*(AM|PM).*GMT\+1$"))
    context.close()
