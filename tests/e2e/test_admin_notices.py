"""A notice's progress page in a real browser: admin.js polls while the fan-out runs, then stops."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from statuspage.extensions import db, limiter
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.jobs.queue import QUEUE_KEY
from statuspage.models import Notice
from tests.admin.staff_client import PASSWORD, make_staff
from tests.factories import subscriber

pytestmark = pytest.mark.e2e


def test_the_progress_page_fills_in_live_and_stops_polling(
    app: Flask, page: Page, script_errors: list[str]
):
    limiter.reset()
    queue = app.extensions[QUEUE_KEY]
    queue.huey.flush()
    make_staff("comms", "casey@acme.example")
    for email in ("ann@example.com", "bob@example.com"):
        subscriber(email)
    db.session.commit()
    incident = create_incident(OpenIncident("Live progress", "Looking."))
    db.session.commit()
    notice = db.session.scalars(select(Notice).where(Notice.incident_id == incident.id)).one()

    page.goto(f"/admin/notices/{notice.id}")
    page.get_by_label("Email").fill("casey@acme.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name=f"Notice #{notice.id}")).to_be_visible()
    progress = page.locator("section[data-progress]")
    expect(progress).to_have_attribute("data-running", "true")
    expect(progress.locator("[data-field=fanout_state]")).to_have_text("pending")

    # A worker fans the notice out and delivers it (to the dev mailbox) while the page is open.
    while (task := queue.huey.dequeue()) is not None:
        queue.huey.execute(task)

    expect(progress.locator("[data-total=sent]")).to_have_text("2", timeout=10_000)
    expect(progress.locator("[data-field=fanout_state]")).to_have_text("done")
    expect(progress.locator("tbody th")).to_have_text(["email"])
    expect(progress).to_have_attribute("data-running", "false")
    expect(progress.locator("[data-field=status]")).to_have_text("(done)")
    assert script_errors == []
