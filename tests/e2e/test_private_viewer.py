"""A private viewer in a real browser: signs in by the magic link the SMTP server received, and
sees their segment's private notice, marked; a viewer from another segment does not."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from statuspage.extensions import db, limiter
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import (
    Component,
    Incident,
)
from tests.e2e.conftest import LOCALE, VIEWPORT
from tests.factories import organization, segment
from tests.fakes.smtp import SmtpServer
from tests.queue import drain

pytestmark = pytest.mark.e2e

NOTICE = "Alpha tenant database failover 5d2b"


@pytest.fixture
def private_notice(app: Flask, live_server: str, smtp: SmtpServer, queue) -> Iterator[Incident]:
    """Alpha (everyone at alpha.example) is in segment EU; Beta (bob@beta.example) in US. A
    private incident for EU takes the API down. Links in emails point at the live server."""
    previous = app.config["BASE_URL"]
    app.config["BASE_URL"] = live_server
    limiter.reset()
    eu, us = segment("EU tenants"), segment("US tenants")
    organization("Alpha", segments=[eu], domains=["alpha.example"])
    organization("Beta", segments=[us], members=["bob@beta.example"])
    api = db.session.scalars(select(Component).where(Component.name == "API")).one()
    incident = create_incident(
        OpenIncident(
            NOTICE,
            "Failing over Alpha's database.",
            components={api: "major_outage"},
            segments=[eu],
        )
    )
    db.session.commit()
    drain(queue)  # the incident's own notices: nobody subscribed here
    yield incident
    app.config["BASE_URL"] = previous
    limiter.reset()


def new_context(browser: Browser, live_server: str) -> BrowserContext:
    return browser.new_context(base_url=live_server, locale=LOCALE, viewport=VIEWPORT)


def sign_in(page: Page, email: str, smtp: SmtpServer, queue) -> None:
    """Ask for a link on the sign-in page, take it from the mail, press "Sign in"."""
    page.goto("/")
    page.get_by_role("link", name="Customer sign-in").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_text("If this address may sign in, a link is on its way.")).to_be_visible()
    drain(queue)  # the worker sends the email
    (message,) = [m for m in smtp.inbox.messages if m["To"] == email]
    link = re.search(r"http://\S+/signin/\S+", message.get_body(("plain",)).get_content())[0]
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {email}")).to_be_visible()


def test_a_viewer_sees_their_segments_notice_and_another_segment_does_not(
    browser: Browser,
    live_server: str,
    page: Page,
    smtp: SmtpServer,
    queue,
    private_notice: Incident,
    script_errors: list[str],
    artifacts_dir: Path,
):
    # Anonymous first: the browser now holds the public page in its cache (max-age=3). Signing
    # in answers `Clear-Site-Data: "cache"`, and a revalidation with the cookie is answered for
    # the viewer, never with the public 304.
    page.goto("/")
    expect(page.locator(".banner h1")).to_have_text("Minor Service Outage")
    expect(page.get_by_text(NOTICE)).to_have_count(0)

    sign_in(page, "ann@alpha.example", smtp, queue)
    # The page is rendered for Ann, with her notice, marked, and its effect on the status.
    expect(page).to_have_url(f"{live_server}/")
    card = page.locator("article.incident", has_text=NOTICE)
    expect(card).to_be_visible()
    expect(card.locator(".private-mark")).to_have_text("Private — shared with EU tenants")
    expect(page.locator(".banner h1")).to_have_text("Major Service Outage")
    page.screenshot(path=artifacts_dir / "private_viewer.png", full_page=True)
    card.get_by_role("link", name=NOTICE).click()  # also under today's past incidents
    expect(page.get_by_role("heading", name=re.compile(NOTICE))).to_be_visible()

    # Bob, of another segment, in a browser of his own: signed in, but not shown Alpha's notice.
    bob_context = new_context(browser, live_server)
    try:
        bob = bob_context.new_page()
        sign_in(bob, "bob@beta.example", smtp, queue)
        expect(bob.get_by_text("US tenants")).to_be_visible()
        expect(bob.get_by_text(NOTICE)).to_have_count(0)
        expect(bob.locator(".banner h1")).to_have_text("Minor Service Outage")
        answer = bob.goto(f"/incidents/{private_notice.id}")
        assert answer is not None
        assert answer.status == 404
    finally:
        bob_context.close()

    # Ann signs out: the public page again.
    page.goto("/")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    expect(page.get_by_text(NOTICE)).to_have_count(0)
    assert script_errors == []
