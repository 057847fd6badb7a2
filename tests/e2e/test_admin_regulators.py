"""The regulators board in a real browser: mark an incident reportable to three regulators,
record when the organisation became aware, and see every clock on the board."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from statuspage.extensions import db, limiter
from statuspage.i18n import zones
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from tests.admin.staff_client import PASSWORD, make_staff

pytestmark = pytest.mark.e2e


def test_mark_an_incident_reportable_to_three_regulators_and_see_the_board(
    page: Page, now: datetime, script_errors: list[str], artifacts_dir: Path
) -> None:
    limiter.reset()
    make_staff("legal", "lee@acme.example")
    incident = create_incident(OpenIncident("Card data exposed", "We are investigating.", at=now))
    db.session.commit()

    page.goto("/admin/login")
    page.get_by_label("Email").fill("lee@acme.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/admin/incidents/{incident.id}")
    page.get_by_role("link", name="Regulators", exact=True).last.click()
    expect(page).to_have_url(re.compile(f"/admin/incidents/{incident.id}/regulators$"))
    expect(page.locator("#board-title + p")).to_have_text("Not reportable to any regulator yet.")

    # The demo loaded the library into the registry: tick three regulators.
    for name in (
        "Financial supervisor (DORA)",
        "US Securities and Exchange Commission (Form 8-K Item 1.05)",
        "US HHS Office for Civil Rights (HIPAA)",
    ):
        page.get_by_label(name).check()
    page.get_by_role("button", name="Save reportability").click()
    expect(page.get_by_role("status")).to_contain_text("Reportable to 3 regulators.")
    board = page.locator("#board tbody tr")
    expect(board).to_have_count(5)  # DORA: 3 reports; SEC and HIPAA: 1 each
    expect(page.locator("#board .obligation-state")).to_have_text(["waiting for trigger"] * 5)

    # Aware two hours ago, classified as major an hour ago; discovered at awareness.
    aware = now - timedelta(hours=2)
    for kind, at in (("awareness", aware), ("classification", now - timedelta(hours=1)),
                     ("discovery", aware)):  # fmt: skip
        page.get_by_label("Trigger", exact=True).select_option(kind)
        page.get_by_label("When it happened").fill(at.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_role("button", name="Record trigger").click()
        expect(page.get_by_role("status")).to_contain_text(f"{kind.capitalize()} recorded.")

    def row(regulator: str, stage: str):
        return board.filter(has_text=regulator).filter(has_text=stage)

    initial = row("DORA", "initial notification")
    # 4 h after classification (11:00) is earlier than 24 h after awareness.
    # on DORA's clock (Brussels), then on the staff member's (the page's zone, UTC)
    due = now + timedelta(hours=3)
    expect(initial).to_contain_text(
        f"{zones.when(due, 'Europe/Brussels')} ({zones.clock_time(due, 'UTC')} your time)"
    )
    expect(initial).to_contain_text("2 h 59 min left")
    expect(initial.locator(".obligation-state")).to_have_text("due")
    expect(row("DORA", "intermediate report").locator(".obligation-state")).to_have_text(
        "waiting for trigger"
    )
    hipaa = row("HIPAA", "breach notification")
    expect(hipaa).to_contain_text(zones.day(aware + timedelta(days=60), "America/New_York"))
    expect(row("Form 8-K", "Item 1.05").locator(".obligation-state")).to_have_text(
        "waiting for trigger"
    )
    page.screenshot(path=str(artifacts_dir / "regulators-board.png"), full_page=True)
    assert script_errors == []
