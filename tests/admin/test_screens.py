"""Every admin screen renders for an owner, shows what it is for, and carries its CSRF token."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from admin import ROUTES
from statuspage.audit.trail import Actor
from statuspage.crisis.roster import ContactLine, ensure_default_roles, list_roles, save_member
from statuspage.extensions import db
from statuspage.models import (
    AlertRule,
    CrisisRole,
    EscalationPolicy,
    EscalationTier,
    Integration,
    Playbook,
    Regulator,
    TeamMember,
)
from statuspage.regulators.library import add_from_library
from tests.admin.staff_client import Staff
from tests.admin.world import World
from tests.factories.monitoring import alert_rule, integration


def _regulator_id() -> int:
    """A regulator from the library (DORA: three rules, one chained), made once per test."""
    existing = db.session.scalar(select(Regulator.id).where(Regulator.library_key == "dora"))
    return existing or add_from_library("dora", actor=Actor("test")).id


def _team_member_id() -> int:
    """A crisis team member, made once per test."""
    existing = db.session.scalar(select(TeamMember.id))
    if existing:
        return existing
    ensure_default_roles()
    return save_member(
        None,
        name="Ana Ops",
        role_ids=[r.id for r in list_roles()[:1]],
        contacts=[ContactLine("email", "ana@acme.example")],
        actor=Actor("test"),
    ).id


def _playbook_id() -> int:
    """A playbook chosen on incidents (a row), made once per test."""
    existing = db.session.scalar(select(Playbook.id))
    if existing:
        return existing
    playbook = Playbook(
        name="SEV1 payments", auto_run=False, meeting_url="https://meet.example.com/x"
    )
    db.session.add(playbook)
    db.session.flush()
    return playbook.id


def _policy_id() -> int:
    """An escalation policy of one tier (a crisis role for 5 minutes), made once per test."""
    existing = db.session.scalar(select(EscalationPolicy.id))
    if existing:
        return existing
    ensure_default_roles()
    role = db.session.scalars(select(CrisisRole).order_by(CrisisRole.id)).first()
    policy = EscalationPolicy(
        name="SEV1", tiers=[EscalationTier(position=1, window_minutes=5, roles=[role])]
    )
    db.session.add(policy)
    db.session.flush()
    return policy.id


def _integration_id() -> str:
    """An integration, made once per test."""
    return db.session.scalar(select(Integration.id)) or integration()[0].id


def _rule_id(world: World) -> int:
    """An alert rule, made once per test."""
    return db.session.scalar(select(AlertRule.id)) or alert_rule(world.api).id


def url_of(rule: str, world: World) -> str:
    values = {
        "incident_id": world.incident.id,
        "template_id": world.template.id,
        "component_id": world.api.id,
        "group_id": world.core.id,
        "key_id": world.api_key.id,
        "user_id": world.colleague.id,
        "subscriber_id": world.subscriber.id,
        "notice_id": world.notice.id,
        "name": world.mail,
        "segment_id": world.segment.id,
        "organization_id": world.organization.id,
        "regulator_id": _regulator_id(),
        "member_id": _team_member_id(),
        "playbook_id": _playbook_id(),
        "policy_id": _policy_id(),
        "integration_id": _integration_id(),
        "rule_id": _rule_id(world),
        "metric_id": world.metric.id,
        "provider_id": world.metric.metrics_provider_id,
        "copy_id": 1,  # a kept regulator mail: the world sent none (see SCREENS)
    }
    return "/admin" + re.sub(r"<(?:int:)?(\w+)>", lambda m: str(values[m.group(1)]), rule)


# A kept regulator mail (.eml) needs a sent notice's copy: tests/admin/test_regulator_mail.py.
SCREENS = [route for route in ROUTES if route.read and route.endpoint != "regulator_mail_copy"]
NOT_PAGES = {"subscribers_csv", "notice_progress", "reach"}
NOT_PAGES |= {"incident_report_csv", "incident_report_json", "incident_report_pdf"}  # downloads


@pytest.mark.parametrize("route", SCREENS, ids=[route.endpoint for route in SCREENS])
def test_every_screen_renders_for_an_owner(owner: Staff, world: World, route):
    response = owner.get(url_of(route.rule, world))
    assert response.status_code == 200
    if route.endpoint.startswith("audit_") or route.endpoint in NOT_PAGES:
        return  # exports and JSON: tested in test_audit, test_subscribers, test_notices
    html = response.get_data(as_text=True)
    assert "<h1>" in html
    assert "Sign out" in html
    assert 'name="csrf_token"' in html  # at least the sign-out form
    assert "<script>" not in html  # no inline script: the admin is ready for a strict CSP
    assert " onclick=" not in html


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/admin/", ["Open incidents", "Slow API", "not operational", "API", "Switch swap"]),
        ("/admin/incidents", ["Slow API", "Old outage"]),
        ("/admin/maintenance", ["Switch swap", "Upcoming"]),
        ("/admin/components", ["Core", "Edge", "Billing", "Move API down"]),
        ("/admin/templates", ["API down", "API unavailable"]),
        ("/admin/api-keys", ["deploy-bot", "hrld_"]),
        ("/admin/staff", ["colleague@example.com", "owner@example.com"]),
        ("/admin/audit", ["incident.create", "maintenance.create"]),
    ],
)  # fmt: skip
def test_screens_show_their_content(owner: Staff, world: World, url, expected):
    html = owner.get(url).get_data(as_text=True)
    for text in expected:
        assert text in html, text


def test_the_dashboard_says_how_long_since_each_open_incident_spoke(owner: Staff, world: World):
    html = owner.get("/admin/").get_data(as_text=True)
    row = html[html.index("Slow API") :]
    assert re.search(r"(just now|\d+ min ago)", row[:600])


def test_an_unknown_record_is_a_404_page_not_a_500(owner: Staff, world: World):
    for url in (
        "/admin/incidents/nosuchthing1",
        "/admin/components/nosuchthing1/edit",
        "/admin/templates/nosuchthing1/edit",
        "/admin/api-keys/999999/revoke",
        "/admin/incidents/new?template=nosuchthing1",
    ):
        response = owner.get(url)
        assert response.status_code == 404, url
        assert "Sign out" in response.get_data(as_text=True)  # the admin's own error page
