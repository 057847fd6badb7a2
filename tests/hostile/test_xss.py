"""The XSS corpus through every text field staff and the public fill, then every page in chromium.

Staff fill the admin's own forms (CSRF on) with the payloads of tests/hostile/xss_corpus.py:
component, group, incident, update, postmortem, maintenance, template, segment, organization,
API key, staff, integration and alert rule names (and a rule's matchers), addresses and texts,
the page settings (name, description, website, logo, footer links), custom social text,
internal notes and drafts, the X and Mastodon account labels, crisis roles, team members and
regulators (with their rules, stages and contact points), and the crisis messages: messaging
guidelines, an executive briefing, the team's assembly (note, bridge, meeting URL), a regulator
notice's subject, body and late reason, a portal reference.
Subscribers' names arrive by CSV import, an address by the public subscribe form, and the public
signs up a webhook and Slack, Teams and Discord channels in chromium (URL and alert address),
each answer page inspected. Query strings a page shows back (searches, filters, `next`) carry
payloads too. The updates and crisis messages go out by email (the dev mailbox). Then chromium
opens every page that shows them: each public page, feed and badge in the URL map, each
acknowledgement page linked from an email, each admin screen (signed in as the owner, and the
crisis screens again as a viewer, who sees the guidelines and notices as text rather than in
forms), every notice and subscriber page of the new records, and every email's HTML body as a
file of its own (no sandbox around it).

The browser context bypasses the Content-Security-Policy on purpose: the policy would stop
inline script even if a page let a payload through, and this test is about the escaping.
On each page: no dialog opens, `window.__xss` stays unset, and nothing in the DOM could run
on a click or hover (DETECT). `test_the_detector_sees_unescaped_payloads` shows the same
checks fail on a page that renders the corpus raw.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.models import (
    Channel,
    Component,
    ComponentGroup,
    ContactPoint,
    CrisisRole,
    Incident,
    IncidentTemplate,
    Metric,
    MetricsProvider,
    Notice,
    Obligation,
    Organization,
    Playbook,
    PlaybookRun,
    Regulator,
    RegulatorNotice,
    Segment,
    StaffUser,
    Subscriber,
    TeamMember,
)
from statuspage.monitoring.matchers import written
from statuspage.subscribers.subscriptions import links_for
from tests import factories
from tests.admin.staff_client import PASSWORD, Staff, csrf_from, make_staff, signed_in
from tests.fakes.push_service import Browser as PushBrowser
from tests.fakes.receiver import Receiver
from tests.fakes.social import MASTODON_TOKEN, FakeMastodon, FakeX
from tests.hostile.url_map import served, url_for_rule
from tests.hostile.xss_corpus import DETECT, LONG, MARKDOWN, MARKERS, SHORT, URLS
from tests.live_server import LiveServer
from tests.queue import drain

pytestmark = pytest.mark.e2e


@pytest.fixture
def chromium(browser: Browser) -> Browser:
    """The session's one chromium (tests/chromium.py): Playwright's sync API runs one per
    process, so the browser tests share it."""
    return browser


@pytest.fixture
def live(app: Flask) -> Iterator[str]:
    server = LiveServer(app, name="xss-server")
    yield server.url
    server.stop()


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
    for n, payload in enumerate(SHORT):  # monitoring: integrations, rules and their matchers
        data = {"kind": "generic", "name": payload}
        _ok(owner.submit("/admin/monitoring/integrations/new", data), "integration")
        rule = {"name": payload, "matchers": written([("service", "=", payload.strip())]),
                "component_id": components[n].id, "component_status": "major_outage",
                "integration_id": ""}  # fmt: skip
        _ok(owner.submit("/admin/monitoring/rules/new", rule, page="/admin/monitoring"), "rule")
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
        data = {"channel": "webhook", "url": url, "notify_email": _address("X35")}
        _ok(owner.submit(f"/admin/subscribers/{person.id}/endpoints", data), "endpoint")
    data = {"email": _address("X36"), "name": SHORT[0], "role": "viewer"}
    _ok(owner.submit("/admin/staff/new", data), "staff address")
    organization = db.session.scalars(select(Organization)).first()
    data = {"email": _address("X37")}
    _ok(owner.submit(f"/admin/organizations/{organization.id}/members", data), "member address")
    _ok(owner.submit("/admin/metrics/sources/new", {"type": "Self"}), "metrics source")
    source = db.session.scalars(select(MetricsProvider)).one()
    for payload in SHORT:  # shown on the page: the public charts name them
        data = {"metrics_provider_id": source.id, "name": payload, "suffix": payload[:40],
                "tooltip_description": LONG[:1000], "metric_identifier": payload,
                "decimal_places": "0", "display": "y"}  # fmt: skip
        _ok(owner.submit("/admin/metrics/new", data), "metric")


def _fill_crisis_fields(owner: Staff) -> None:
    """The crisis team's roles and members, and regulators: names and texts staff type."""
    for payload in SHORT:
        _ok(owner.submit("/admin/team/roles", {"name": payload[:100]}), "crisis role")
    roles = [r.id for r in db.session.scalars(select(CrisisRole).order_by(CrisisRole.id))]
    for n, payload in enumerate(SHORT):
        member = {
            "name": payload,
            "roles": [roles[-1 - n]],  # the payload roles, the last made first
            "contacts": f"email member{n}@example.com",
            "executive": "y" if n % 2 == 0 else "",  # briefed: their names list the recipients
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


def _fill_playbooks(owner: Staff) -> None:
    """Playbooks with names and texts staff type, and a run of one on the first incident
    (a row: its name and a skipped step's reason are shown on the incident page)."""
    roles = [r.id for r in db.session.scalars(select(CrisisRole).order_by(CrisisRole.id))]
    for n, payload in enumerate(SHORT[:4]):
        playbook = {
            "name": payload,
            "roles": [roles[-1 - n]],
            "mode": "all",
            "meeting_url": URLS[0],
            "repage_minutes": "5",
            "max_rounds": "3",
            "page_note": LONG[:2000],
            "briefing_subject": payload,
            "briefing_body": LONG,
            "holding_statement": "\n\n".join(MARKDOWN),
            "approved_qa": LONG,
            "do_not_say": LONG,
        }
        _ok(owner.submit("/admin/playbooks/new", playbook), "playbook")
    playbook = db.session.scalars(select(Playbook).order_by(Playbook.id)).first()
    db.session.add(
        PlaybookRun(
            incident_id=_first_incident().id, playbook_id=playbook.id,
            playbook_name=playbook.name, outcome={"done": ["page"], "skipped": {SHORT[2]: LONG}},
        )
    )  # fmt: skip
    db.session.commit()


def _address(marker: str) -> str:
    """An email address that tries to leave a single-quoted attribute (see EMAIL_PAYLOAD)."""
    return f"x'autofocus='onfocus='window.__xss=1'{marker}@example.com"


def _first_incident() -> Incident:
    incident = db.session.scalars(select(Incident).order_by(Incident.created_at)).first()
    assert incident is not None
    return incident


def _fill_social_accounts(owner: Staff, mastodon: FakeMastodon) -> None:
    """The X and Mastodon accounts' labels: the social screen shows them, and the syndication
    subscriber each account becomes is named after its label. Both post (to the fakes)."""
    x = {
        "label": SHORT[1],
        "consumer_key": "consumer-key",
        "consumer_secret": "consumer-secret",
        "access_token": "access-token",
        "access_token_secret": "access-token-secret",
        "enabled": "y",
    }
    _ok(owner.submit("/admin/social/x", x, page="/admin/social"), "x account")
    account = {
        "label": SHORT[4],
        "base_url": mastodon.url,
        "access_token": MASTODON_TOKEN,
        "enabled": "y",
    }
    _ok(owner.submit("/admin/social/mastodon", account, page="/admin/social"), "mastodon")


def _fill_crisis_messages(app: Flask, owner: Staff) -> None:
    """What staff write to the crisis team, the executives and the regulators, on the first
    incident: the messaging guidelines, a briefing, the team's assembly, regulator rules and
    contact points, a notice (edited, approved by legal, sent late with its reason), a portal
    submission (reference, late reason) and a second notice left as a draft."""
    incident = _first_incident()
    url = f"/admin/incidents/{incident.id}"
    guidelines = {
        "holding_statement": LONG,
        "approved_qa": "\n\n".join(MARKDOWN),
        "do_not_say": LONG,
    }
    _ok(owner.submit(f"{url}/guidelines", guidelines, page=url), "guidelines")
    briefing = {"subject": SHORT[7], "body": LONG, "ack_minutes": "60"}
    _ok(owner.submit(f"{url}/briefings", briefing, page=url), "briefing")
    roles = [r.id for r in db.session.scalars(select(CrisisRole).order_by(CrisisRole.id))]
    assemble = {
        "roles": roles[-len(SHORT) :],
        "mode": "all",
        "bridge_phone": "+15551230001",
        "bridge_pin": "1234",
        "meeting_url": URLS[0],
        "repage_minutes": "30",
        "max_rounds": "2",
        "note": LONG[:2000],
    }
    _ok(owner.submit(f"{url}/team", assemble, page=url), "assemble")

    regulators = db.session.scalars(select(Regulator).order_by(Regulator.id)).all()[:3]
    for n, regulator in enumerate(regulators):
        page = f"/admin/regulators/{regulator.id}"
        contacts = {"contacts": f"email regulator{n}@example.com\nemail {_address(f'X3{7 + n}')}"}
        _ok(owner.submit(f"{page}/contacts", contacts, page=page), "regulator contacts")
        rule = {
            "stage": SHORT[8 + n][:100],
            "what_to_send": LONG[:4000],
            "trigger": "awareness",
            "amount": "1",
            "unit": "hours",
            "trigger2": "",
            "unit2": "hours",
        }
        _ok(owner.submit(f"{page}/rules", rule, page=page), "regulator rule")
    chained = {
        "stage": SHORT[12][:100],
        "what_to_send": "\n\n".join(MARKDOWN),
        "trigger": "report",
        "after": SHORT[8][:100],
        "amount": "2",
        "unit": "days",
        "trigger2": "",
        "unit2": "hours",
    }
    page = f"/admin/regulators/{regulators[0].id}"
    _ok(owner.submit(f"{page}/rules", chained, page=page), "chained rule")

    board = f"{url}/regulators"
    reportable = {"regulator_ids": [str(r.id) for r in regulators]}
    _ok(owner.submit(f"{board}/reportable", reportable, page=board), "reportable")
    aware = (utcnow() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")  # every deadline missed
    _ok(owner.submit(f"{board}/triggers", {"kind": "awareness", "occurred_at": aware}, page=board),
        "trigger")  # fmt: skip
    first_rule = {}  # each regulator's first obligation (not the chained one)
    for obligation in db.session.scalars(select(Obligation).order_by(Obligation.rule_id)):
        first_rule.setdefault(obligation.rule.regulator_id, obligation)
    sent, portal, draft = (first_rule[r.id] for r in regulators)
    legal = signed_in(app, "legal")
    for obligation in (sent, draft):
        data = {"obligation_ids": [str(obligation.id)]}
        _ok(owner.submit(f"{board}/notices", data, page=board), "compose")
    for n, notice in enumerate(
        db.session.scalars(select(RegulatorNotice).order_by(RegulatorNotice.id))
    ):
        prefix = f"/admin/regulator-notices/{notice.id}"
        edit = {f"notice-{notice.id}-subject": SHORT[13 + n], f"notice-{notice.id}-body": LONG}
        _ok(owner.submit(f"{prefix}/edit", edit, page=board), "notice edit")
        if sent in notice.obligations:
            _ok(legal.submit(f"{prefix}/approve", {}, page=board), "approve")
            data = {
                f"send-{notice.id}-ack_minutes": "60",
                f"send-{notice.id}-late_reason": LONG[:2000],
            }
            _ok(owner.submit(f"{prefix}/send", data, page=board), "send")
    fields = {
        "reference": SHORT[15][:200],
        "submitted_at": utcnow().strftime("%Y-%m-%dT%H:%M"),
        "late_reason": LONG[:2000],
    }
    data = {f"portal-{portal.id}-{name}": value for name, value in fields.items()}
    _ok(owner.submit(f"/admin/obligations/{portal.id}/portal", data, page=board), "portal")


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


PUSH_ENDPOINT = 'https://fcm.googleapis.com/fcm/send/"><svg/onload=window.__xss=1>X38'


def _subscribe_push(app: Flask) -> None:
    """A browser's push subscription, as the page posts it: the endpoint URL is the public's
    to choose under a push service's host (the admin lists it). Made after the queue ran, so
    nothing is pushed to the real service."""
    body = {"subscription": PushBrowser.create(PUSH_ENDPOINT).subscription()}
    response = app.test_client().post(
        "/push/subscriptions", json=body, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert response.status_code in (200, 201), response.get_data(as_text=True)[:2000]


def _subscriber_reading_email() -> Subscriber:
    person = factories.subscriber("reader@example.com", name=SHORT[4])
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
        "playbook_id": db.session.scalars(select(Playbook)).first().id,
        "metric_id": db.session.scalars(select(Metric)).first().id,
        "provider_id": db.session.scalars(select(MetricsProvider)).first().id,
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
    assert response is not None
    return _examine(page, url, dialogs)


def _examine(page: Page, where: str, dialogs: list[str]) -> tuple[list[str], bool]:
    """What ran or could run on the page the browser shows now (`where` names it)."""
    page.evaluate(SETTLE)  # broken images have reported their error by now
    result = page.evaluate(DETECT)
    problems = [f"{where}: {found}" for found in result["found"]]
    if result["canary"] is not None:
        problems.append(f"{where}: window.__xss = {result['canary']}")
    problems += [f"{where}: dialog {message!r}" for message in dialogs]
    dialogs.clear()
    text = page.content()
    shown = any(marker in text for marker in MARKERS)
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


# The public's endpoint sign-ups. Chat URLs point at the loopback receiver (allowed while
# testing), which takes the welcome message; the webhook's literal public address is only
# checked, never posted to before it is verified.
SIGN_UPS = {
    "webhook": 'https://93.184.215.14/hook?q="><img/src/onerror=window.__xss=1>X33',
    "slack": '/services/T0/B0/"><svg/onload=window.__xss=1>X33',
    "teams": "/webhookb2/'><svg/onload=window.__xss=1>X33",
    "discord": "/api/webhooks/1/x?q=</code><script>window.__xss=1</script>X33",
}


def _sign_up_endpoints(
    page: Page, dialogs: list[str], receiver: Receiver
) -> tuple[list[str], list[str]]:
    """Fill the webhook, Slack, Teams and Discord sign-up forms in chromium, as the public
    does; the answer pages (the webhook's secret and verify page, "subscribed") are inspected.
    Returns the problems and the pages that showed a payload."""
    problems: list[str] = []
    shown: list[str] = []
    verify = None
    for n, (channel, url) in enumerate(SIGN_UPS.items()):
        form_url = f"/subscribe/{channel}"
        found, _ = _inspect(page, form_url, dialogs)
        problems += found
        page.fill("#url", url if url.startswith("https:") else receiver.url + url)
        page.fill("#notify_email", _address(f"X3{4 + n}"))
        with page.expect_navigation():
            page.click(f"form[action='{form_url}'] button[type=submit]")
        assert page.locator("#url").count() == 0, (channel, page.content()[:3000])  # accepted
        found, any_shown = _examine(page, f"{form_url} (answer)", dialogs)
        problems += found
        shown += [form_url] if any_shown else []
        if channel == "webhook":
            verify = page.get_attribute("form[action*='/subscribe/webhook/verify/']", "action")
    assert verify is not None
    found, any_shown = _inspect(page, verify, dialogs)  # where the registrant comes back
    return problems + found, shown + (["/subscribe/webhook/verify"] if any_shown else [])


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


def _ack_links(app: Flask, emails: list[Path]) -> list[str]:
    """The acknowledgement links the crisis emails carry, as paths on the live server."""
    base = re.escape(app.config["BASE_URL"])
    found = {
        m[1] for file in emails for m in re.finditer(base + r'(/ack/[^"]+)"', file.read_text())
    }
    return sorted(found)


# Query strings and paths a page may show back: ECHOED do (the subscriber search, with and
# without a match, the audit filter, the sign-in's `next`); the others answer 404, and must not
# echo them raw either.
_ECHO = quote(SHORT[1], safe="")  # matches subscribers (names from the CSV), so they are listed
_NO_MATCH = quote('<img src=x onerror=window.__xss="X39">X39', safe="")  # "No subscriber matches"
REFLECTED_PUBLIC = [f"/admin/login?next={_ECHO}", f"/incidents/{_ECHO}"]
REFLECTED_ADMIN = [
    f"/admin/subscribers?q={_ECHO}",
    f"/admin/subscribers?q={_NO_MATCH}",
    f"/admin/audit?action={_ECHO}&incident_id={quote(SHORT[18][:12], safe='')}",
    f"/admin/incidents/new?template={_ECHO}",
    f"/admin/notices/{_ECHO}",
]
ECHOED = [REFLECTED_PUBLIC[0], *REFLECTED_ADMIN[:3]]


def _records_pages(incident_id: str) -> list[str]:
    """Admin pages of records the URL map reaches only one of: every notice of the first
    incident (team page, briefing, regulator notice), every subscriber with a contact point
    other than email (endpoints, social accounts), every team member and regulator."""
    notices = db.session.scalars(select(Notice.id).where(Notice.incident_id == incident_id))
    others = db.session.scalars(
        select(Subscriber.id).where(
            Subscriber.contact_points.any(ContactPoint.channel != Channel.email)
        )
    )
    members = db.session.scalars(select(TeamMember.id))
    regulators = db.session.scalars(select(Regulator.id))
    return [
        *(f"/admin/notices/{n}" for n in notices),
        *(f"/admin/subscribers/{s}" for s in others),
        *(f"/admin/team/members/{m}" for m in members),
        *(f"/admin/regulators/{r}" for r in regulators),
    ]


def _previews(page: Page, dialogs: list[str], template_id: object) -> list[str]:
    """The composer's live preview: admin.js puts the server's HTML in with innerHTML, after
    the page has loaded, so the page loop alone would look before it arrives. A template's
    saved body is previewed on opening; the composer's body as it is typed."""
    page.goto(f"/admin/templates/{template_id}/edit")
    page.wait_for_selector("[data-rendered]")
    problems, shown = _examine(page, "template preview", dialogs)
    page.goto("/admin/incidents/new")
    page.fill("textarea[data-preview]", LONG)  # an input event: the preview follows
    page.wait_for_selector("[data-rendered]")
    found, also_shown = _examine(page, "composer preview", dialogs)
    assert shown, "the template's preview showed the payloads"
    assert also_shown, "the composer's preview showed the payloads"
    return problems + found


def _failed_sign_in(page: Page, dialogs: list[str]) -> tuple[list[str], bool]:
    """The sign-in form shown again after a wrong password, with the address as typed."""
    page.goto("/admin/login")
    page.fill("input[name=email]", _address("X39"))
    page.fill("input[name=password]", "not the password")
    with page.expect_navigation():
        page.click("button[type=submit]")
    return _examine(page, "/admin/login (refused)", dialogs)


def _sign_in(page: Page, email: str) -> None:
    page.goto("/admin/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")


def test_no_payload_runs_on_any_page(
    app: Flask,
    live: str,
    chromium: Browser,
    queue,
    tmp_path: Path,
    receiver: Receiver,
    mastodon: FakeMastodon,
    x_api: FakeX,
):
    owner = signed_in(app, "owner")
    _subscriber_reading_email()
    for old in (Path(app.config["INSTANCE_PATH"]) / "mail").glob("*.eml"):
        old.unlink()
    _fill_social_accounts(owner, mastodon)
    _fill_every_field(owner)
    _fill_crisis_fields(owner)
    _fill_crisis_messages(app, owner)
    _fill_playbooks(owner)
    _fill_public_forms(app)
    drain(queue)
    _subscribe_push(app)
    values = _values()
    incident_id = values["incident_id"]
    subscriber = db.session.get(Subscriber, values["subscriber_id"])
    personal = [links_for(subscriber)["manage_url"].removeprefix(app.config["BASE_URL"])]
    emails = _emails(app, tmp_path)
    acks = _ack_links(app, emails)
    assert len(acks) >= 3, "the team page, the briefing and the regulator notice asked for an ack"

    problems: list[str] = []
    shown: list[str] = []
    page, dialogs = _new_page(chromium, live)
    problems_, shown_ = _sign_up_endpoints(page, dialogs, receiver)
    problems += problems_
    shown += shown_
    for url in [*_urls(app, "public", values), *personal, *acks, *REFLECTED_PUBLIC]:
        found, any_shown = _inspect(page, url, dialogs)
        problems += found
        shown += [url] if any_shown else []
    found, any_shown = _failed_sign_in(page, dialogs)
    problems += found
    shown += ["/admin/login (refused)"] if any_shown else []
    page.goto(acks[0])  # a recipient confirms: the admin then shows how they acknowledged
    with page.expect_navigation():
        page.click("form button[type=submit]")
    problems += _examine(page, f"{acks[0]} (confirmed)", dialogs)[0]
    page.context.close()

    page, dialogs = _new_page(chromium, live)
    _sign_in(page, "owner@example.com")
    staff_urls = [*_urls(app, "admin", values), *_records_pages(incident_id), *REFLECTED_ADMIN]
    for url in staff_urls:
        found, any_shown = _inspect(page, url, dialogs)
        problems += found
        shown += [url] if any_shown else []
    problems += _previews(page, dialogs, values["template_id"])
    page.context.close()

    # A viewer reads what the owner edits in forms: guidelines and draft notices as text.
    viewer = make_staff("viewer")
    page, dialogs = _new_page(chromium, live)
    _sign_in(page, viewer.email)
    crisis = [f"/admin/incidents/{incident_id}", f"/admin/incidents/{incident_id}/regulators"]
    for url in crisis:
        found, any_shown = _inspect(page, url, dialogs)
        problems += found
        shown += [f"{url} (viewer)"] if any_shown else []
    page.context.close()

    page, dialogs = _new_page(chromium, live)
    for file in emails:
        found, any_shown = _inspect(page, file.as_uri(), dialogs)
        problems += found
        shown += [file.name] if any_shown else []
    page.context.close()

    assert problems == [], "\n".join(problems)
    # The payloads were on the pages that matter (as text), so the checks above meant something.
    must_show = ["/", "/history", "/maintenance", f"/incidents/{incident_id}",
                 "/history.atom", "/admin/", "/admin/components", "/admin/templates",
                 f"/admin/incidents/{incident_id}", "/admin/segments",
                 "/admin/organizations", "/admin/api-keys", "/admin/staff", "/admin/subscribers",
                 "/admin/settings", "/embed/status.html", "/admin/team",
                 "/admin/regulators", "/admin/social", f"/admin/incidents/{incident_id}/report",
                 f"/admin/incidents/{incident_id}/regulators", "/subscribe/webhook",
                 "/subscribe/webhook/verify", "/admin/login (refused)", *acks,
                 *_records_pages(incident_id), *ECHOED, *(f"{url} (viewer)" for url in crisis),
                 ]  # fmt: skip
    missing = [url for url in must_show if url not in shown]
    assert missing == [], "\n".join(missing)
    assert emails, "the update went out by email"
    assert all(file.name in shown for file in emails), "emails carried the payloads"
    assert mastodon.requests, "the Mastodon account posted: its label was live"
    assert x_api.requests, "the X account posted: its label was live"
    assert len(receiver.requests) >= 3, "the chat channels took their welcome messages"


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
