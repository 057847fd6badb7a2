"""In a real browser: the one-click "no new information" update moves "next update by", and the
communication report prints without the admin's navigation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from statuspage.extensions import db, limiter
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.jobs.queue import QUEUE_KEY
from tests.admin.staff_client import PASSWORD, make_staff

pytestmark = pytest.mark.e2e


def _sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")


def test_one_click_update_then_the_printed_report(
    app: Flask, page: Page, now, script_errors: list[str], artifacts_dir
):
    limiter.reset()
    app.extensions[QUEUE_KEY].huey.flush()
    make_staff("comms", "casey@acme.example")
    incident = create_incident(
        OpenIncident("Checkout errors", "Looking.", at=now - timedelta(minutes=40))
    )
    db.session.commit()

    _sign_in(page, f"/admin/incidents/{incident.id}", "casey@acme.example")
    next_update = page.locator("#next-update")
    expect(next_update).to_contain_text("overdue")
    page.get_by_role("button", name="Post “no new information”").click()
    expect(page.get_by_role("status")).to_contain_text("“No new information” update posted.")
    expect(next_update).not_to_contain_text("overdue")
    expect(page.locator(".timeline .update").first).to_contain_text("no new information yet")
    page.locator("section.cadence").screenshot(path=str(artifacts_dir / "cadence-panel.png"))

    page.get_by_role("link", name="Communication report").click()
    expect(
        page.get_by_role("heading", name="Communication report: Checkout errors")
    ).to_be_visible()
    navigation = page.get_by_role("navigation", name="Admin")
    expect(navigation).to_be_visible()
    rows = page.locator("#report-timeline ~ .table-wrap table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("casey@acme.example")

    page.emulate_media(media="print")
    expect(navigation).to_be_hidden()
    expect(page.get_by_role("link", name="Download CSV")).to_be_hidden()
    expect(page.get_by_role("heading", name="Deliveries by audience and channel")).to_be_visible()
    page.pdf(path=str(artifacts_dir / "communication-report.pdf"))
    page.screenshot(path=str(artifacts_dir / "communication-report-print.png"), full_page=True)
    assert script_errors == []
