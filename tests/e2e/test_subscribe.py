"""Subscribing in a real browser: the one trap an outside check fell into, closed.

A person ticked one component and left "All components" selected, as the form opens, and was
subscribed to every component. Here chromium fills the form as a person does; the scope
follows the ticks, the confirmation link is followed, and the admin's page of that
subscriber names that one component and nothing else.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from statuspage.extensions import db, limiter
from statuspage.models import ContactPoint
from tests.admin.staff_client import signed_in
from tests.queue import drain

pytestmark = pytest.mark.e2e


def test_ticking_one_component_subscribes_to_that_one_only(
    page: Page, app, smtp, queue, script_errors: list[str], artifacts_dir: Path
):
    limiter.reset()
    page.goto("/subscribe")
    every, only = page.get_by_label("All components"), page.get_by_label("Only the ones I choose")
    expect(every).to_be_checked()  # how the form opens
    page.get_by_label("Email address").fill("ann@example.com")
    page.get_by_label("API", exact=True).check()
    expect(only).to_be_checked()  # ticking a component chose "only these"
    page.get_by_label("Authentication").check()
    every.check()  # changing one's mind: all of them after all
    expect(page.get_by_label("API", exact=True)).not_to_be_checked()
    expect(page.get_by_label("Authentication")).not_to_be_checked()
    page.get_by_label("API", exact=True).check()  # and back to the one
    expect(only).to_be_checked()
    page.screenshot(path=artifacts_dir / "subscribe_one_component.png", full_page=True)
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator("h1")).to_contain_text("Check your")

    drain(queue)
    (mail,) = smtp.inbox.messages
    text = mail.get_body(("plain",)).get_content()
    confirm = urlsplit(re.search(r"https?://\S+/subscriptions/confirm/\S+", text)[0]).path
    page.goto(confirm)
    page.get_by_role("button").first.click()
    expect(page.locator("h1")).to_contain_text("subscribed")

    contact = db.session.scalars(
        select(ContactPoint).where(ContactPoint.address == "ann@example.com")
    ).one()
    person = contact.subscriber
    assert (person.all_components, [c.name for c in person.components]) == (False, ["API"])
    staff = signed_in(app, "comms")
    shown = staff.client.get(f"/admin/subscribers/{person.id}").get_data(as_text=True)
    follows = re.search(r"follows ([^·]*)·", shown)
    assert follows is not None, "the subscriber page says what they follow"
    assert follows[1].strip() == "API"
    assert script_errors == []
