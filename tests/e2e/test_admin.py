"""The admin in a real browser: sign in, start an incident from a template, update, resolve.

After each step the public page, opened in a second tab, must show that step: the admin and
the public site share nothing but the database and the page version.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from statuspage.extensions import db, limiter
from statuspage.incidents.templates import create_template
from statuspage.models import Component
from tests.admin.staff_client import PASSWORD, make_staff

pytestmark = pytest.mark.e2e

TITLE = "Sign-in and dashboard errors"


def component_id(name: str) -> str:
    return db.session.scalars(select(Component.id).where(Component.name == name)).one()


def public_card(public: Page) -> Locator:
    """Our incident's card among the page's current incidents (the demo has one open too)."""
    public.goto("/")
    return public.locator("article.incident").filter(has_text=TITLE)


def public_status(public: Page, name: str) -> Locator:
    row = public.locator(".component").filter(
        has=public.locator(".component-name", has_text=re.compile(f"^{re.escape(name)}$"))
    )
    return row.locator(".status")


def test_post_an_incident_from_a_template_update_and_resolve_it(
    page: Page, script_errors: list[str], artifacts_dir: Path
):
    limiter.reset()  # sign-in attempts of earlier tests must not throttle this one
    make_staff("comms", "casey@acme.example")
    create_template(
        name="Auth trouble",
        title=TITLE,
        body="Some customers **cannot sign in**. We are investigating.",
        update_status="investigating",
        component_ids=[component_id("Authentication"), component_id("Web Dashboard")],
    )
    db.session.commit()
    public = page.context.new_page()

    # Sign in with the keyboard.
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login\?next=/admin/$"))
    page.get_by_label("Email").fill("casey@acme.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_role("navigation", name="Admin")).to_contain_text("Templates")

    # Apply the template: the composer arrives filled in, two components already chosen.
    page.get_by_role("link", name="Templates").click()
    page.get_by_role("link", name="Use “Auth trouble”").click()
    expect(page.get_by_role("heading", name="New incident")).to_be_visible()
    expect(page.get_by_label("Title", exact=True)).to_have_value(TITLE)
    expect(page.get_by_label("Status", exact=True)).to_have_value("investigating")
    auth = page.get_by_label("Core Platform · Authentication")
    dashboard = page.get_by_label("Core Platform · Web Dashboard")
    expect(auth).to_have_value("degraded_performance")
    expect(dashboard).to_have_value("degraded_performance")
    expect(page.get_by_label("Core Platform · API", exact=True)).to_have_value("")
    auth.select_option("partial_outage")

    # The live preview renders the Markdown as the public page will.
    preview = page.locator("#body-preview")
    expect(preview.locator("strong")).to_have_text("cannot sign in")
    page.get_by_label("Message", exact=True).fill(
        "Some customers **cannot sign in** or load the dashboard.\n\n- SSO is affected\n"
        "- Password sign-in works"
    )
    expect(preview.locator("li")).to_have_count(2)
    page.screenshot(path=artifacts_dir / "admin_composer.png", full_page=True)

    page.get_by_role("button", name="Publish incident").click()
    expect(page.get_by_role("status")).to_contain_text(f"Incident “{TITLE}” published.")
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    incident_url = page.url

    card = public_card(public)
    expect(card).to_be_visible()
    expect(card).to_contain_text("Investigating")
    expect(card.locator("strong", has_text="cannot sign in")).to_be_visible()
    expect(public_status(public, "Authentication")).to_have_text("Partial outage")
    expect(public_status(public, "Web Dashboard")).to_have_text("Degraded performance")

    # Post an update: identified, one component recovers.
    page.goto(incident_url)
    update = page.locator("section", has=page.get_by_role("heading", name="Post an update"))
    update.get_by_label("Status", exact=True).select_option("identified")
    update.get_by_label("Message", exact=True).fill("An expired SSO certificate. Renewing it now.")
    update.get_by_label("Core Platform · Web Dashboard").select_option("operational")
    update.get_by_role("button", name="Post update").click()
    expect(page.get_by_role("status")).to_contain_text("Update posted.")
    expect(page.locator(".timeline")).to_contain_text("An expired SSO certificate.")

    card = public_card(public)
    expect(card).to_contain_text("Identified")
    expect(card).to_contain_text("An expired SSO certificate. Renewing it now.")
    expect(public_status(public, "Authentication")).to_have_text("Partial outage")
    expect(public_status(public, "Web Dashboard")).to_have_text("Operational")

    # Resolve: the components come back, the incident leaves the current list.
    # Resolve sits behind a disclosure; the jump link at the top opens it.
    page.get_by_role("navigation", name="Incident actions").get_by_role(
        "link", name="Resolve"
    ).click()
    resolve = page.locator("details", has=page.get_by_role("heading", name="Resolve the incident"))
    expect(resolve.get_by_label("Set the affected components back to operational")).to_be_checked()
    resolve.get_by_role("button", name="Resolve incident").click()
    expect(page.get_by_role("status")).to_contain_text("is resolved")

    public.goto("/")
    current = public.locator("section", has=public.get_by_role("heading", name="Current incidents"))
    expect(current).not_to_contain_text(TITLE)
    past = public.locator("section.past-incidents")  # where it is listed now, resolved
    expect(past).to_contain_text(TITLE)
    expect(public_status(public, "Authentication")).to_have_text("Operational")
    public.goto(incident_url.replace("/admin/incidents/", "/incidents/"))
    expect(public.locator(".timeline")).to_contain_text("This incident has been resolved.")
    assert script_errors == []
