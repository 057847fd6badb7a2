"""Debian's chromium driven by Playwright, as a pytest plugin that only the browser test
folders load (their conftest's `pytest_configure`), so no other test imports Playwright.

A plugin, not a conftest: a plugin's fixtures belong to the whole session, a conftest's to its
folder, and the folders must share one `browser`, since Playwright's sync API runs one per
process. Playwright's own browser download does not work here, so the tests launch the system
chromium (`make browser` installs it).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # chromium's sandbox will not start as root or in most containers
    "--disable-gpu",
    "--disable-background-networking",  # no network beyond loopback; nothing may phone home
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One chromium for the whole run, shared by every browser test."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
