"""An owner adds an Alertmanager integration in chromium: the one page that shows its secret
passes the admin's checks at every width (the route walk reaches only GET screens), and a
rule is added whose matchers the list shows back as they are written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from statuspage.extensions import db, limiter
from statuspage.models import AlertRule, Integration
from statuspage.monitoring.secrets import digest
from tests.admin.staff_client import PASSWORD, make_staff
from tests.e2e.inspection import WIDTHS, problems

pytestmark = pytest.mark.e2e


def _sign_in(page: Page) -> None:
    limiter.reset()  # sign-in attempts of earlier tests must not throttle this one
    make_staff("owner", "olive@acme.example")
    page.goto("/admin/login")
    page.get_by_label("Email").fill("olive@acme.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_an_owner_adds_an_integration_and_a_rule(
    page: Page, artifacts_dir: Path, script_errors: list[str]
):
    _sign_in(page)
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Monitoring").click()
    expect(page.get_by_role("heading", name="Monitoring", level=1)).to_be_visible()

    page.get_by_label("Tool").select_option("alertmanager")
    page.get_by_label("Name").fill("Production Alertmanager")
    page.get_by_role("button", name="Add integration").click()

    url = page.get_by_label(re.compile("Webhook URL")).input_value()
    secret = url.rsplit("/", 1)[1]
    db.session.expire_all()
    stored = db.session.scalars(select(Integration)).one()
    assert stored.secret_digest == digest(secret)
    expect(page.locator("pre.snippet")).to_contain_text("send_resolved: true")
    found: list[str] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        found += [f"secret page at {width} px: {p}" for p in _problems(page, artifacts_dir, width)]
    assert found == []

    page.get_by_role("link", name="Done").click()
    assert secret not in page.content()
    page.get_by_role("link", name="New rule").click()
    page.get_by_label("Name").fill("API down")
    page.get_by_label("Label matchers").fill('service="api"\nseverity=~"critical|page"')
    page.get_by_role("button", name="Create rule").click()
    expect(page.get_by_role("status")).to_contain_text("Rule “API down” created.")
    expect(page.locator("code.matchers")).to_have_text('service="api", severity=~"critical|page"')
    db.session.expire_all()
    assert db.session.scalars(select(AlertRule.name)).all() == ["API down"]
    assert script_errors == []


def _problems(page: Page, artifacts: Path, width: int) -> list[str]:
    """The shared checks, on the page as it is (a POST's answer cannot be opened by path)."""
    page.screenshot(path=artifacts / f"monitoring-secret-{width}.png", full_page=True)
    return problems(page)
