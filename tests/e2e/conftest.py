"""Browser fixtures: the app served on a loopback port, and a page of the session's chromium
(tests/chromium.py). Every test gets a fresh browser context with a fixed locale and time zone,
so localised times are predictable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from flask import Flask
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Route

from statuspage.extensions import db
from statuspage.infra.demo import load_demo_data
from tests.live_server import LiveServer

LOCALE = "en-US"
VIEWPORT = {"width": 1200, "height": 900}
PAGE_NAME = "Acme Status"
# Two days before New York moves to summer time: the current incident is shown in EST and
# the maintenance three days on in EDT.
NOON = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.import_plugin("tests.chromium")  # the `browser` fixture


@pytest.fixture
def artifacts_dir() -> Path:
    """Where the tests leave screenshots and PDFs for a person to look at (git ignores it)."""
    path = Path(__file__).parent / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def now() -> Iterator[datetime]:
    """Noon UTC on a fixed day, with the clock ticking on for the server thread too.

    Dates on the page are then known, and no test can straddle a UTC midnight, which moves
    every uptime bar by a day.
    """
    with time_machine.travel(NOON, tick=True):
        yield NOON


@pytest.fixture
def live_server(app: Flask, now: datetime) -> Iterator[str]:
    """The demo page served from a background thread; yields its base URL."""
    load_demo_data(now, PAGE_NAME)
    db.session.commit()
    server = LiveServer(app)
    yield server.url
    server.stop()


@pytest.fixture
def script_errors() -> list[str]:
    """Uncaught exceptions and console errors of the test's page, in the order they came."""
    return []


@pytest.fixture
def timezone_id() -> str:
    """The reader's time zone, as the browser reports it to the page."""
    return "America/New_York"


@pytest.fixture
def page(
    browser: Browser, live_server: str, timezone_id: str, script_errors: list[str]
) -> Iterator[Page]:
    """A fresh page whose script errors land in `script_errors`; closed before the server stops."""
    context = browser.new_context(
        base_url=live_server, timezone_id=timezone_id, locale=LOCALE, viewport=VIEWPORT
    )
    page = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        if message.type == "error":
            script_errors.append(f"console: {message.text} ({url})")

    def on_page_error(error: Error) -> None:
        script_errors.append(f"pageerror: {error.message}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    yield page
    context.close()


@pytest.fixture
def markup_change() -> Callable[[str], str] | None:
    """An edit to the served HTML; tests parametrize it to try herald.js on other markup."""
    return None


@pytest.fixture
def status_page(
    page: Page, script_errors: list[str], markup_change: Callable[[str], str] | None
) -> Page:
    """The status page, loaded and enhanced by herald.js, with no script errors so far."""
    if markup_change is not None:
        change = markup_change

        def serve_changed(route: Route) -> None:
            served = route.fetch()
            route.fulfill(response=served, body=change(served.text()))

        page.route(lambda url: urlsplit(url).path == "/", serve_changed)
    page.goto("/")
    # herald.js adds the tooltip element once it has run over the whole page.
    page.locator("#uptime-tooltip").wait_for(state="attached")
    assert script_errors == []
    return page
