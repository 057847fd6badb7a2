"""The XSS corpus through every text field staff and the public fill, then every page in chromium.

Staff fill the admin's own forms (CSRF on) with the payloads of tests/hostile/xss_corpus.py:
component, group, incident, update, postmortem, maintenance, template, segment, organization,
API key and staff names and texts, the page settings (name, description, website, logo, footer
links), custom social text, internal notes and drafts, crisis roles, team members and
regulators; subscribers' names arrive by CSV import, and an address by the public subscribe
form. The update goes out by email (the dev mailbox). Then chromium opens every page that
shows them: each public page, feed and badge in the URL map, each admin screen (signed in),
and every email's HTML body as a file of its own (no sandbox around it).

The browser context bypasses the Content-Security-Policy on purpose: the policy would stop
inline script even if a page let a payload through, and this test is about the escaping.
On each page: no dialog opens, `window.__xss` stays unset, and nothing in the DOM could run
on a click or hover (DETECT). `test_the_detector_sees_unescaped_payloads` shows the same
checks fail on a page that renders the corpus raw.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page
from sqlalchemy import select
from werkzeug.serving import make_server

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models import (
    Channel,
    Component,
    ComponentGroup,
    ContactPoint,
    Incident,
    IncidentTemplate,
    Notice,
    Organization,
    Regulator,
    Segment,
    StaffUser,
    Subscriber,
    TeamMember,
)
from statuspage.services.subscriptions import links_for
from tests.admin.staff_client import PASSWORD, Staff, csrf_from, signed_in
from tests.hostile.url_map import served, url_for_rule
from tests.hostile.xss_corpus import DETECT, LONG, MARKDOWN, MARKERS, SHORT, URLS
from tests.queue import drain

pytestmark = pytest.mark.e2e


@pytest.fixture
def chromium(browser: Browser) -> Browser:
    """The session's one chromium (tests/conftest.py): Playwright's sync API runs one per
    process, so the browser tests share it."""
    return browser


@pytest.fixture
def live(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="xss-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def _ok(response, what: str) -> None:
    assert response.status_code in (200, 302), (what, response.get_data(as_text=True)[:3000])
    if response.status_code == 200:  # a form shown again: say which field refused
        html = response.get_data(as_text=True)
        assert 'class="error"' not in html, (what, html[:3000])
        assert "alert-error" not in html, (what, html[:3000])


def _later(hours: int) -> str:
    return (utcnow() + timedelta(days=1, hours=hours)).strftime("%Y-%m-%dT%H:%M")


def _fill_every_field(owner: Staff) -> None:
    """Everything staff can write, through the admin's forms, one payload per record."""
    settings = {
        "name": SHORT[6],
        "time_zone": "Etc/UTC",
        "brand_color": "#123456",
        "description": LONG[:2000],
        "homepage_url": URLS[0],
        "logo_url": URLS[1],
        "footer_links": "\n".join(f"{p} | {URLS[i % 2]}" for i, p in enumerate(SHORT[:6])),
    }
    _ok(owner.submit("/admin/settings", settings), "settings")
    for payload in SHORT:
        _ok(owner.submit("/admin/groups/new", {"name": payload, "description": LONG[:1000]}), "g")
    groups = db.session.scalars(select(ComponentGroup)).all()
    for n, payload in enumerate(SHORT):
        data = {"name": payload, "description": LONG[:1000], "group_id": groups[n].id}
        _ok(owner.submit("/admin/components/new", data | {"status": "operational"}), "component")
    components = db.session.scalars(select(Component)).all()
    segment_ids = []
    for payload in SHORT:
        data = {"name": payload[:100], "kind": payload[:50], "description": LONG[:2000]}
        _ok(owner.submit("/admin/segments/new", data), "segment")
    segment_ids = [s.id for s in db.session.scalars(select(Segment))]
    for payload in SHORT:
        data = {"name": payload, "segment_ids": segment_ids[:1]}
        _ok(owner.submit("/admin/organizations/new", data), "organization")
    for payload in SHORT:
        _ok(owner.submit("/admin/api-keys/new", {"name": payload, "role": "viewer"}), "api key")
    for n, payload in enumerate(SHORT):
        data = {"email": f"staff{n}@example.com", "name": payload, "role": "viewer"}
        _ok(owner.submit("/admin/staff/new", data), "staff")
    for n, payload in enumerate(SHORT):
        template = {
            "name": payload,
            "title": payload,
            "body": LONG,
            "update_status": "investigating",
        }
        _ok(owner.submit("/admin/templates/new", template), "template")
        incident = {
            "name": payload,
            "status": "investigating",
            "body": LONG,
            "social_text": payload,
            "audience": "public",
            "notify": "y" if n == 0 else "",
            f"component-{components[n].id}": "major_outage",
        }
        _ok(owner.submit("/admin/incidents/new", incident, page="/admin/incidents/new"), "inc")
    maintenance = {
        "name": SHORT[1],
        "body": LONG,
        "scheduled_for": _later(0),
        "scheduled_until": _later(2),
        "components": [components[0].id],
        "audience": "public",
    }
    _ok(owner.submit("/admin/maintenance/new", maintenance, page="/admin/maintenance/new"), "mnt")
    first = db.session.scalars(select(Incident).order_by(Incident.created_at)).first()
    assert first is not None
    url = f"/admin/incidents/{first.id}"
    _ok(
        owner.submit(
            f"{url}/updates",
            {
                "status": "identified",
                "body": "\n\n".join(MARKDOWN),
                "social_text": SHORT[2],
                "notify": "y",
            },
        ),
        "update",
    )
    _ok(owner.submit(f"{url}/notes", {"body": LONG}), "note")
    _ok(owner.submit(f"{url}/drafts", {"status": "monitoring", "body": LONG}), "draft")
    _ok(owner.submit(f"{url}/resolve", {"body": LONG, "notify": "y"}), "resolve")
    _ok(owner.submit(f"{url}/postmortem", {"body": LONG}), "postmortem")
    rows = "\n".join(
        f'p{n}@example.com,"{p.replace(chr(34), chr(34) * 2)}"' for n, p in enumerate(SHORT)
    )
    upload = {"file": (BytesIO(rows.encode()), "people.csv"), "confirm": "Import", "opted_in": "y"}
    _ok(owner.submit("/admin/subscribers/import", upload), "import")  # fmt: skip
    person = db.session.scalars(select(Subscriber).where(Subscriber.name.is_not(None))).first()
    for url in ENDPOINT_URLS:  # a literal public address: nothing is posted to it
        data = {"channel": "webhook", "url": url}
        _ok(owner.submit(f"/admin/subscribers/{person.id}/endpoints", data), "endpoint")


def _fill_crisis_fields(owner: Staff) -> None:
    """The crisis team's roles and members, and regulators: names and texts staff type."""
    for payload in SHORT:
        _ok(owner.submit("/admin/team/roles", {"name": payload[:100]}), "crisis role")
    for n, payload in enumerate(SHORT):
        member = {
            "name": payload,
            "contacts": f"email member{n}@example.com",
            "staff_user_id": "0",
            "timezone": "UTC",
        }
        _ok(owner.submit("/admin/team/members/new", member), "team member")
    for payload in SHORT:
        regulator = {
            "name": payload,
            "jurisdiction": payload,
            "timezone": "UTC",
            "source_note": LONG[:4000],
        }
        _ok(owner.submit("/admin/regulators/new", regulator), "regulator")  # fmt: skip


ENDPOINT_URLS = [
    'https://93.184.215.14/hook?q="><svg/onload=window.__xss=1>X31',
    "https://93.184.215.14/hook?q='><svg/onload=window.__xss=1>X32",
]
# No spaces, angle brackets or double quotes get past the address check, so a breakout out of a
# single-quoted attribute is what an address can try.
EMAIL_PAYLOAD = "x'autofocus='onfocus='window.__xss=1'X30@example.com"


def _fill_public_forms(app: Flask) -> None:
    """What the public can type: the subscribe form's address (the admin lists it)."""
    visitor = Staff(app.test_client())
    token = csrf_from(visitor.get("/subscribe").get_data(as_text=True))
    data = {
        "csrf_token": token,
        "email": EMAIL_PAYLOAD,
        "scope": "all",
        "incidents": "y",
        "maintenance": "y",
    }
    response = visitor.post("/subscribe", data)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert "Check your inbox" in response.get_data(as_text=True)


def _subscriber_reading_email() -> Subscriber:
    person = Subscriber(name=SHORT[4])
    person.contact_points.append(
        ContactPoint(
            channel=Channel.email,
            address="reader@example.com",
            address_key="reader@example.com",
            verified_at=utcnow(),
        )
    )
    db.session.add(person)
    db.session.commit()
    return person


def _values() -> dict[str, object]:
    """Path arguments of every page, from the records the forms made."""
    incident = db.session.scalars(select(Incident).order_by(Incident.created_at)).first()
    organization = db.session.scalars(select(Organization)).first()
    subscriber = db.session.scalars(select(Subscriber).where(Subscriber.name.is_not(None))).first()
    now = utcnow()
    return {
        "incident_id": incident.id,
        "component_id": db.session.scalars(select(Component)).first().id,
        "group_id": db.session.scalars(select(ComponentGroup)).first().id,
        "template_id": db.session.scalars(select(IncidentTemplate)).first().id,
        "segment_id": db.session.scalars(select(Segment)).first().id,
        "organization_id": organization.id,
        "subscriber_id": subscriber.id,
        "notice_id": db.session.scalars(select(Notice)).first().id,
        "key_id": 1,
        "user_id": db.session.scalars(select(StaffUser)).all()[-1].id,
        "year": now.year,
        "month": now.month,
        "channel": "webhook",
        "filename": "css/status.css",
        "member_id": db.session.scalars(select(TeamMember)).first().id,
        "regulator_id": db.session.scalars(select(Regulator)).first().id,
    }


def _urls(app: Flask, blueprint: str, values: dict[str, object]) -> list[str]:
    urls = []
    for target in served(app):
        if target.method != "GET" or target.blueprint != blueprint:
            continue
        if target.endpoint in {"admin.logout", "admin.login"}:
            continue
        urls.append(url_for_rule(target.rule, values))
    return sorted(set(urls))


def _inspect(page: Page, url: str, dialogs: list[str]) -> tuple[list[str], bool]:
    """Open `url`; what ran or could run there, and whether any payload was shown at all.

    Downloads (the CSV exports) are not pages: a browser saves them, it does not render them.
    """
    if not url.startswith("file:"):
        head = page.context.request.get(url)
        if "attachment" in head.headers.get("content-disposition", ""):
            return [], False
    response = page.goto(url, wait_until="load")
    page.evaluate(SETTLE)  # broken images have reported their error by now
    result = page.evaluate(DETECT)
    problems = [f"{url}: {found}" for found in result["found"]]
    if result["canary"] is not None:
        problems.append(f"{url}: window.__xss = {result['canary']}")
    problems += [f"{url}: dialog {message!r}" for message in dialogs]
    dialogs.clear()
    text = page.content()
    shown = any(marker in text for marker in MARKERS)
    assert response is not None
    return problems, shown


# Resolves once every image has loaded or failed (listeners, so a payload's own handler stays).
SETTLE = """() => Promise.all([...document.images].filter(i => !i.complete).map(i =>
  new Promise(done => {
    i.addEventListener("load", done); i.addEventListener("error", done); setTimeout(done, 3000);
  })))"""


def _new_page(chromium: Browser, base_url: str) -> tuple[Page, list[str]]:
    context = chromium.new_context(base_url=base_url, bypass_csp=True)
    page = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return page, dialogs


def _emails(app: Flask, folder: Path) -> list[Path]:
    """Each email's HTML body, written out as a page of its own."""
    pages = []
    mail = Path(app.config["INSTANCE_PATH"]) / "mail"
    for n, eml in enumerate(sorted(mail.glob("*.eml"))):
        message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
        html = message.get_body(preferencelist=("html",))
        if html is not None:
            pages.append(folder / f"mail{n}.html")
            pages[-1].write_text(html.get_content())
    return pages


def test_no_payload_runs_on_any_page(
    app: Flask, live: str, chromium: Browser, queue, tmp_path: Path
):
    owner = signed_in(app, "owner")
    _subscriber_reading_email()
    for old in (Path(app.config["INSTANCE_PATH"]) / "mail").glob("*.eml"):
        old.unlink()
    _fill_every_field(owner)
    _fill_crisis_fields(owner)
    _fill_public_forms(app)
    drain(queue)
    values = _values()
    subscriber = db.session.get(Subscriber, values["subscriber_id"])
    personal = [links_for(subscriber)["manage_url"].removeprefix(app.config["BASE_URL"])]

    problems: list[str] = []
    shown: list[str] = []
    page, dialogs = _new_page(chromium, live)
    for url in [*_urls(app, "public", values), *personal]:
        found, any_shown = _inspect(page, url, dialogs)
        problems += found
        shown += [url] if any_shown else []
    page.context.close()

    page, dialogs = _new_page(chromium, live)
    page.goto("/admin/login")
    page.fill("input[name=email]", "owner@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    for url in _urls(app, "admin", values):
        found, any_shown = _inspect(page, url, dialogs)
        problems += found
        shown += [url] if any_shown else []
    page.context.close()

    emails = _emails(app, tmp_path)
    page, dialogs = _new_page(chromium, live)
    for file in emails:
        found, any_shown = _inspect(page, file.as_uri(), dialogs)
        problems += found
        shown += [file.name] if any_shown else []
    page.context.close()

    assert problems == []
    # The payloads were on the pages that matter (as text), so the checks above meant something.
    must_show = ["/", "/history", "/maintenance", f"/incidents/{values['incident_id']}",
                 "/history.atom", "/admin/", "/admin/components", "/admin/templates",
                 f"/admin/incidents/{values['incident_id']}", "/admin/segments",
                 "/admin/organizations", "/admin/api-keys", "/admin/staff", "/admin/subscribers",
                 "/admin/settings", "/embed/status.html", "/admin/team",
                 "/admin/regulators"]  # fmt: skip
    assert [url for url in must_show if url not in shown] == []
    assert emails, "the update went out by email"
    assert all(file.name in shown for file in emails), "emails carried the payloads"


def test_the_detector_sees_unescaped_payloads(chromium: Browser, tmp_path: Path):
    """The same checks on a page that renders the corpus raw: they must see it run."""
    raw = tmp_path / "unescaped.html"
    raw.write_text(f"<!doctype html><title>raw</title><body>{''.join(SHORT)}</body>")
    page, dialogs = _new_page(chromium, "http://127.0.0.1")
    problems, shown = _inspect(page, raw.as_uri(), dialogs)
    page.context.close()
    assert shown
    assert any("window.__xss" in p for p in problems)
    assert any("dialog 'X11'" in p for p in problems)
    assert any("onerror" in p for p in problems)
    assert any("javascript:" in p for p in problems)
