"""Every admin screen in chromium at 1280 and 390 px, signed in as an owner: no sideways
overflow, no duplicate ids, no axe-core violations (tests/e2e/inspection.py).

The screens come from the app's URL map, so a new admin GET route cannot be forgotten:
`test_every_admin_get_route_is_filled` fails until it has arguments here (or is listed as
not a screen). Browser tests do not depend on the database: in `make test` this file runs in
the SQLite pass only; run by hand, it runs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask, current_app, url_for
from playwright.sync_api import Page, expect
from sqlalchemy import select

from statuspage.audience.organizations import issue_api_token
from statuspage.audit.trail import Actor
from statuspage.crisis.escalation import TierSpec, save_policy
from statuspage.extensions import db, limiter
from statuspage.incidents.templates import create_template
from statuspage.models import (
    AlertRule,
    ApiKey,
    Component,
    ComponentGroup,
    CrisisRole,
    EscalationPolicy,
    Incident,
    IncidentDraft,
    IncidentKind,
    IncidentStatus,
    IncidentTemplate,
    Integration,
    Metric,
    MetricsProvider,
    Notice,
    Organization,
    Playbook,
    Regulator,
    Segment,
    StaffUser,
    Subscriber,
    SubscriberKind,
    TeamMember,
)
from statuspage.monitoring.setup import create_integration, create_rule, set_automation
from statuspage.page.state import ensure_page
from statuspage.staff.accounts import create_api_key
from statuspage.system_metrics import metrics, providers
from tests.admin.staff_client import PASSWORD, make_staff
from tests.e2e.inspection import WIDTHS, inspect, problems, screenshot_name
from tests.factories.notices import notice
from tests.factories.segments import organization, segment
from tests.factories.subscribers import subscriber

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"),
        reason="browser tests do not depend on the database: they run in the SQLite pass",
    ),
]

OWNER = "olive@acme.example"
MAIL_NAME = "000000000001.eml"

# GET routes that answer something other than an HTML screen: downloads and JSON.
NOT_SCREENS = frozenset(
    {
        "admin.incident_report_csv",
        "admin.incident_report_json",
        "admin.incident_report_pdf",
        "admin.notice_progress",
        "admin.reach",
        "admin.subscribers_csv",
        "admin.audit_csv",
        "admin.audit_json",
        "admin.regulator_mail_copy",  # a kept mail as .eml, not a screen
    }
)

Args = dict[str, object]
OPEN_STATUSES = (IncidentStatus.investigating, IncidentStatus.identified, IncidentStatus.monitoring)


def _first(model: type, *where: object) -> object:
    row = db.session.scalars(select(model).where(*where).order_by(model.id).limit(1)).first()
    assert row is not None, f"no {model.__name__} to show"
    return row


def _open_incident() -> Args:
    return {
        "incident_id": _first(
            Incident,
            Incident.kind == IncidentKind.incident,
            Incident.status.in_(OPEN_STATUSES),
        ).id
    }


def _incident_pages() -> list[Args]:
    """The open incident, a resolved one with a postmortem, and a scheduled maintenance."""
    scheduled = _first(
        Incident,
        Incident.kind == IncidentKind.maintenance,
        Incident.status == IncidentStatus.scheduled,
    )
    postmortem = _first(Incident, Incident.status == IncidentStatus.postmortem)
    return [_open_incident(), {"incident_id": postmortem.id}, {"incident_id": scheduled.id}]


def _one(model: type, name: str) -> Callable[[], list[Args]]:
    return lambda: [{name: _first(model).id}]


# How to fill each admin GET screen's arguments from the demo (plus what `_cast` adds).
FILLERS: dict[str, Callable[[], list[Args]]] = {
    "admin.incident": _incident_pages,
    "admin.incident_delete": lambda: [_open_incident()],
    "admin.incident_report": lambda: [_open_incident()],
    "admin.incident_regulators": lambda: [_open_incident()],
    "admin.template_edit": _one(IncidentTemplate, "template_id"),
    "admin.template_delete": _one(IncidentTemplate, "template_id"),
    "admin.component_edit": _one(Component, "component_id"),
    "admin.component_delete": _one(Component, "component_id"),
    "admin.group_edit": _one(ComponentGroup, "group_id"),
    "admin.group_delete": _one(ComponentGroup, "group_id"),
    "admin.segment_edit": _one(Segment, "segment_id"),
    "admin.segment_delete": _one(Segment, "segment_id"),
    "admin.organization": _one(Organization, "organization_id"),
    "admin.organization_token_revoke": _one(Organization, "organization_id"),
    "admin.organization_delete": _one(Organization, "organization_id"),
    "admin.api_key_revoke": _one(ApiKey, "key_id"),
    "admin.staff_deactivate": lambda: [{"user_id": _first(StaffUser, StaffUser.email != OWNER).id}],
    "admin.subscriber": lambda: [
        {"subscriber_id": _first(Subscriber, Subscriber.kind == SubscriberKind.person).id}
    ],
    "admin.notice": _one(Notice, "notice_id"),
    "admin.mailbox_message": lambda: [{"name": MAIL_NAME}],
    "admin.team_member_edit": _one(TeamMember, "member_id"),
    "admin.team_policy_edit": _one(EscalationPolicy, "policy_id"),
    "admin.regulator": _one(Regulator, "regulator_id"),
    "admin.playbook_edit": _one(Playbook, "playbook_id"),
    "admin.playbook_delete": _one(Playbook, "playbook_id"),
    "admin.monitoring_integration_edit": _one(Integration, "integration_id"),
    "admin.monitoring_integration_rotate": _one(Integration, "integration_id"),
    "admin.monitoring_integration_delete": _one(Integration, "integration_id"),
    "admin.monitoring_rule_edit": _one(AlertRule, "rule_id"),
    "admin.monitoring_rule_delete": _one(AlertRule, "rule_id"),
    "admin.monitoring_automation": _one(Component, "component_id"),
    "admin.metrics_provider_edit": _one(MetricsProvider, "provider_id"),
    "admin.metrics_provider_delete": _one(MetricsProvider, "provider_id"),
    "admin.metric_edit": _one(Metric, "metric_id"),
    "admin.metric_delete": _one(Metric, "metric_id"),
}


def _get_routes(app: Flask) -> list[tuple[str, list[str]]]:
    """(endpoint, its arguments) of every admin rule a GET reaches, the sign-in page aside."""
    return sorted(
        (rule.endpoint, sorted(rule.arguments))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("admin.")
        and "GET" in (rule.methods or ())
        and rule.endpoint != "admin.login"
    )


def test_every_admin_get_route_is_filled(app: Flask):
    """A new admin screen needs its arguments in FILLERS (or a place in NOT_SCREENS)."""
    forgotten = [
        endpoint
        for endpoint, arguments in _get_routes(app)
        if endpoint not in NOT_SCREENS and arguments and endpoint not in FILLERS
    ]
    assert forgotten == []
    endpoints = {endpoint for endpoint, _ in _get_routes(app)}
    assert set(FILLERS) - endpoints == set()  # no filler outlives its route
    assert {endpoint for endpoint, _ in _get_routes(app)} >= NOT_SCREENS


@pytest.fixture
def mailbox(app: Flask) -> Iterator[Path]:
    """The dev mailbox's folder, holding one message (MAIL_NAME); emptied after the test."""
    folder = Path(app.config["INSTANCE_PATH"]) / "mail"
    folder.mkdir(exist_ok=True)
    _mail(folder)
    yield folder
    for path in folder.glob("*.eml"):
        path.unlink()


def _mail(folder: Path) -> None:
    """One message in the dev mailbox, as the email channel writes it."""
    message = EmailMessage()
    message["From"] = "Acme Status <status@acme.example>"
    message["To"] = "dana@customer.example"
    message["Subject"] = "[Acme Status] Increased latency in EU West"
    message.set_content(
        "We are investigating.\n\nUnsubscribe: https://status.acme.example/unsubscribe/abc\n"
    )
    message.add_alternative(
        '<p>We are investigating.</p><p><a href="https://status.acme.example/unsubscribe/abc">'
        "Unsubscribe</a></p>",
        subtype="html",
    )
    (folder / MAIL_NAME).write_bytes(bytes(message))


def _cast() -> None:
    """What the demo lacks and a screen needs: an owner and a colleague, a template, a
    segment with an organization, an API key, a subscriber, a notice, incident drafts and
    metrics (the mail is the `mailbox` fixture's)."""
    limiter.reset()  # sign-in attempts of earlier tests must not throttle this one
    owner = make_staff("owner", OWNER)
    make_staff("comms", "casey@acme.example")
    create_template(name="Auth trouble", title="Sign-in errors", body="We are investigating.")
    globex = organization("Globex", segments=[segment("Enterprise")], domains=["globex.example"])
    issue_api_token(globex)  # so its token has a revoke screen
    create_api_key("Deploy bot", "comms", created_by=owner)
    subscriber("dana@customer.example", name="Dana")
    notice(_first(Incident, Incident.kind == IncidentKind.incident))
    _monitoring()
    roles = [_first(CrisisRole).id]
    save_policy(None, name="SEV1", tiers=[TierSpec(roles, [], 5), TierSpec(roles, [], 10)],
                actor=Actor("e2e"))  # fmt: skip
    for name in ("API", "Web"):  # two incidents automation drafted: the review lists both
        component = _first(Component)
        db.session.add(IncidentDraft(page_id=component.page_id, title=f"{name} is down",
                                     body="Requests fail with 503.",
                                     components={component.id: "major_outage"}))  # fmt: skip
    prometheus = providers.create_provider("Prometheus", metric_base_uri="http://prom:9090")
    failing = metrics.create_metric(prometheus, name="Errors", metric_identifier="rate(x[5m])")
    failing.last_problem = "the query returned 3 series; aggregate it to one, e.g. sum(...)"
    metrics.create_metric(providers.create_provider("Self"), name="Latency", suffix="ms")
    db.session.commit()


def _monitoring() -> None:
    """An integration, two rules (one publishing without review) and a component with
    automation, so the Monitoring screens show each of their parts."""
    page, actor = ensure_page(), Actor("e2e")
    first = _first(Component)
    second = _first(Component, Component.id != first.id)
    grafana, _ = create_integration(page, "grafana", "Grafana EU", actor)
    for name, component, integration in (("API", first, None), ("Web", second, grafana)):
        create_rule(
            page,
            name=name,
            matchers='service="api", severity=~"critical|page"',
            component=component,
            component_status="major_outage",
            integration=integration,
            publish_automatically=integration is None,
            actor=actor,
        )
    set_automation(first, "status_and_draft", 120, actor)


def _sign_in(page: Page) -> None:
    page.goto("/admin/login")
    page.get_by_label("Email").fill(OWNER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def _paths(app: Flask) -> list[str]:
    with app.test_request_context():
        return [
            url_for(endpoint, **arguments)
            for endpoint, needed in _get_routes(app)
            if endpoint not in NOT_SCREENS
            for arguments in (FILLERS[endpoint]() if needed else [{}])
        ]


def test_every_admin_screen_passes_at_every_width(
    app: Flask, page: Page, artifacts_dir: Path, script_errors: list[str], mailbox: Path
):
    _cast()
    _sign_in(page)
    found: list[str] = []
    paths = _paths(app)
    assert len(paths) > 40, paths
    for path in paths:
        for width in WIDTHS:
            try:
                found += inspect(page, path, width, artifacts_dir)
            except AssertionError as refused:  # an error status: report it with the rest
                found.append(f"{path} at {width} px: {refused}")
    assert found == [], "\n".join(found)
    assert script_errors == []


def _incident_page(page: Page, width: int) -> None:
    with current_app.test_request_context():
        path = url_for("admin.incident", **_open_incident())
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(path)


def test_a_label_focuses_its_own_forms_field(page: Page):
    """The incident page holds a dozen forms: the Resolve form's "Message" is its own."""
    _cast()
    _sign_in(page)
    _incident_page(page, 1280)
    page.get_by_role("navigation", name="Incident actions").get_by_role(
        "link", name="Resolve"
    ).click()
    resolve = page.locator("form[action$='/resolve']")
    resolve.locator("label", has_text=re.compile("^Message")).click()
    expect(resolve.locator("textarea")).to_be_focused()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_incident_page_is_organised_around_the_timeline(page: Page, width: int):
    """The composer on top, the timeline in the main column, Resolve one tap away."""
    _cast()
    _sign_in(page)
    _incident_page(page, width)
    main = page.locator(".main-column")
    composer = main.get_by_role("heading", name="Post an update")
    timeline = main.get_by_role("heading", name="Timeline")
    expect(composer).to_be_visible()
    expect(timeline).to_be_attached()
    top = composer.bounding_box()
    assert top is not None
    assert top["y"] < 600
    # The timeline has the main column's width, not a sidebar's.
    box = main.locator("ol.timeline").first.bounding_box()
    assert box is not None
    assert box["width"] > min(width * 0.5, 600)
    # Every other action waits behind a disclosure, closed until asked for.
    for name in (
        "Resolve the incident",
        "Draft an update",
        "Internal note",
        "Edit title and impact",
    ):
        summary = page.locator("details", has=page.get_by_role("heading", name=name))
        expect(summary).not_to_have_attribute("open", "")
    resolve_box = page.get_by_role("heading", name="Resolve the incident").bounding_box()
    assert resolve_box is not None
    assert resolve_box["y"] < (2000 if width > 900 else 4000)
    # The jump link at the top opens Resolve and brings its form into view.
    page.get_by_role("navigation", name="Incident actions").get_by_role(
        "link", name="Resolve"
    ).click()
    expect(page.get_by_role("button", name="Resolve incident")).to_be_visible()
    expect(page.locator("form[action$='/resolve'] textarea")).to_be_in_viewport()


def test_dashboard_lists_have_no_blank_gaps(page: Page):
    """A dashboard card's list is as tall as its items: no template whitespace shown."""
    _cast()
    _sign_in(page)
    lists = page.locator("ul.plain")
    expect(lists.first).to_be_visible()
    gaps = page.evaluate(
        """() => [...document.querySelectorAll('ul.plain')].map((ul) =>
             ul.getBoundingClientRect().height
             - [...ul.children].reduce((sum, li) => sum + li.getBoundingClientRect().height, 0))"""
    )
    assert gaps
    assert max(gaps) < 2, gaps


def test_a_long_message_is_counted_not_cut(page: Page):
    """The counter shows the length against the limit; past it, nothing is cut: the text
    stays whole and the server says what is wrong."""
    _cast()
    _sign_in(page)
    _incident_page(page, 390)
    page.get_by_role("navigation", name="Incident actions").get_by_role(
        "link", name="Resolve"
    ).click()
    resolve = page.locator("form[action$='/resolve']")
    message = resolve.locator("textarea")
    counter = resolve.locator(".char-count")
    expect(counter).to_have_text(re.compile(r"^32 / 20,000 characters$"))
    message.fill("x" * 20_005)
    expect(message).to_have_js_property("value", "x" * 20_005)
    expect(counter).to_contain_text("5 over the limit")
    resolve.get_by_role("button", name="Resolve incident").click()
    expect(page.get_by_text("Field cannot be longer than 20000 characters.")).to_be_visible()


DARK_SCREENS = ("admin.dashboard", "admin.incident", "admin.incidents", "admin.components")


def test_key_screens_pass_in_dark_mode(app: Flask, page: Page, artifacts_dir: Path):
    """prefers-color-scheme: dark: the same checks, axe's colour contrast among them."""
    _cast()
    _sign_in(page)
    page.emulate_media(color_scheme="dark")
    with app.test_request_context():
        paths = [
            url_for(endpoint, **arguments)
            for endpoint in DARK_SCREENS
            for arguments in (FILLERS[endpoint]() if endpoint in FILLERS else [{}])
        ]
    found: list[str] = []
    for path in paths:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(path)
            page.screenshot(
                path=artifacts_dir / screenshot_name(path, width, "dark"), full_page=True
            )
            found += [f"{path} at {width} px (dark): {problem}" for problem in problems(page)]
    assert found == [], "\n".join(found)


def test_a_link_in_a_mails_preview_opens_in_a_new_tab(page: Page, live_server: str, mailbox: Path):
    """Not inside the sandboxed frame, where the status page (never framed) would be blocked."""
    _cast()
    message = EmailMessage()
    message["To"] = "dana@customer.example"
    message["Subject"] = "Manage your subscription"
    message.set_content(f"Manage: {live_server}/history")
    message.add_alternative(f'<p><a href="{live_server}/history">Manage</a></p>', subtype="html")
    (mailbox / "000000000002.eml").write_bytes(bytes(message))
    _sign_in(page)
    page.goto("/admin/mailbox")
    page.get_by_role("link", name="Manage your subscription").click()
    with page.expect_popup() as opened:
        page.frame_locator("iframe.mail-html").get_by_role("link", name="Manage").click()
    expect(opened.value).to_have_url(f"{live_server}/history")
    with page.expect_popup() as opened:  # the text part's URL is a link too
        page.locator(".mail-text").get_by_role("link", name=f"{live_server}/history").click()
    expect(opened.value).to_have_url(f"{live_server}/history")
