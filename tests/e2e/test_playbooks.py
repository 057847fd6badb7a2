"""A SEV1 from a playbook in a real browser: comms opens a critical incident and, with no
further click, the demo's "SEV1 payments" playbook has paged the team on its bridge, briefed
the executive and started the MAS and GDPR clocks; then the team is stood down."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from statuspage.extensions import limiter
from statuspage.jobs.queue import QUEUE_KEY
from tests.admin.staff_client import PASSWORD, make_staff
from tests.e2e.inspection import problems
from tests.fakes.smtp import SmtpServer

pytestmark = pytest.mark.e2e

TITLE = "Card payments failing in Singapore"


def run_queue(app: Flask) -> None:
    queue = app.extensions[QUEUE_KEY]
    while (task := queue.huey.dequeue()) is not None:
        queue.huey.execute(task)


def sign_in(page: Page, email: str) -> None:
    page.goto("/admin/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def test_a_sev1_runs_its_playbook_by_itself_and_the_team_stands_down(
    app: Flask,
    page: Page,
    now: datetime,
    smtp: SmtpServer,
    script_errors: list[str],
    artifacts_dir: Path,
) -> None:
    limiter.reset()
    app.extensions[QUEUE_KEY].huey.flush()
    make_staff("comms", "casey@acme.example")
    sign_in(page, "casey@acme.example")

    # The playbook the demo ships, as comms reads it.
    page.get_by_role("link", name="Playbooks").click()
    row = page.locator("tr", has_text="SEV1 payments")
    expect(row).to_contain_text("an incident opens with impact Critical")
    expect(row).to_contain_text("+6531234567 · PIN 424242")
    expect(row).to_contain_text("Monetary Authority of Singapore")
    assert problems(page) == []

    # Open a critical incident: nothing else is clicked after "Publish incident".
    page.goto("/admin/incidents/new")
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Impact", exact=True).select_option("critical")
    page.get_by_label("Message", exact=True).fill("Card payments are failing. We are on it.")
    page.get_by_role("button", name="Publish incident").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()

    # Which playbook ran, and that it did everything.
    runs = page.locator(".playbook-run")
    expect(runs).to_have_count(1)
    expect(runs).to_contain_text("“SEV1 payments” ran")
    expect(runs).to_contain_text("by itself, when the incident opened")
    expect(runs).to_contain_text(
        "team paged, update cadence set, messaging guidelines saved, executives briefed, "
        "regulators' clocks started"
    )
    # The team, paged on the playbook's bridge, each waiting for an acknowledgement.
    callout = page.locator("article.team-page")
    expect(callout).to_have_count(1)
    expect(callout).to_contain_text("Comms lead, Legal adviser, Technical liaison")
    expect(callout).to_contain_text("+6531234567 PIN 424242")
    for name in ("Priya Shah", "Marcus Lee", "Dana Ortiz"):
        expect(callout.locator("tr", has_text=name)).to_contain_text("not yet")
    # The briefing, sent to the executive with the playbook's guidelines.
    briefing = page.locator("article.briefing")
    expect(briefing).to_have_count(1)
    expect(briefing.get_by_role("heading")).to_have_text("Executive briefing: SEV1: payments")
    expect(page.get_by_label("What not to say")).to_have_value(
        "Do not speculate on the cause, name suppliers, or promise a fix time."
    )
    assert problems(page) == []
    page.screenshot(path=artifacts_dir / "admin_playbook_ran.png", full_page=True)

    run_queue(app)  # a worker sends the pages and the briefing
    sent = {m["To"] for m in smtp.inbox.messages}
    assert {"priya@example.com", "dana@example.com", "sam@example.com"} <= sent
    [brief] = [m for m in smtp.inbox.messages if m["To"] == "sam@example.com"]
    assert "Executive briefing: SEV1: payments" in brief.get_body(("plain",)).get_content()

    # The regulators' clocks, ticking from the incident's start.
    page.get_by_role("link", name="Regulators", exact=True).last.click()
    expect(page).to_have_url(re.compile(r"/regulators$"))
    board = page.locator("#board")
    mas = board.locator("tr", has_text="Monetary Authority of Singapore").filter(
        has_text="notification"
    )
    expect(mas.first).to_contain_text(re.compile(r"\b(59|60) min left"))
    gdpr = board.locator("tr", has_text="GDPR")
    expect(gdpr).to_contain_text(re.compile(r"2 d 23 h left"))
    assert problems(page) == []

    # Stand the team down from the incident.
    page.get_by_role("link", name=TITLE).click()  # the response team's panel is open: paged
    page.get_by_role("button", name="Stand down").click()
    expect(page.get_by_text("Team stood down")).to_be_visible()
    expect(page.locator("article.team-page .stood-down")).to_contain_text("Stood down")
    expect(page.get_by_role("button", name="Stand down")).to_have_count(0)
    assert script_errors == []
