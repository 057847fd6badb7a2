"""Owners' monitoring setup: integrations keep only their secret's digest and show the secret
once, rules hold parsed matchers in an order, each component's automation has its defaults
and bounds; every change is in the audit trail and no entry holds a secret."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import select

from statuspage.audit.trail import Actor
from statuspage.components.catalog import create_component
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.extensions import db
from statuspage.models import AuditEvent, ComponentStatus
from statuspage.models.monitoring import (
    AlertRule,
    AutomationMode,
    ComponentAutomation,
    Integration,
    IntegrationKind,
)
from statuspage.monitoring import setup
from statuspage.monitoring.secrets import digest
from statuspage.page.state import ensure_page

OWNER = Actor("staff:1 olive@acme.example", "192.0.2.1")


def _entries(action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def _trail_text() -> str:
    return json.dumps([[e.action, e.before, e.after, e.target_id] for e in _entries()])


def _api_rule():
    """The page, its API component and one rule mapping `a="b"` to a major outage there."""
    page = ensure_page()
    api = create_component("API")
    rule = setup.create_rule(
        page,
        name="R",
        matchers='a="b"',
        component=api,
        component_status="major_outage",
        actor=OWNER,
    )
    return page, api, rule


def test_an_integration_keeps_only_the_digest_of_its_secret():
    page = ensure_page()
    integration, secret = setup.create_integration(page, "alertmanager", "Prod AM", OWNER)

    assert len(secret) >= 43
    stored = db.session.scalars(select(Integration)).one()
    assert stored.secret_digest == digest(secret)
    assert secret not in json.dumps(
        [getattr(stored, c.key) for c in Integration.__table__.c], default=str
    )
    (entry,) = _entries("integration.create")
    assert entry.after == {"name": "Prod AM", "kind": "alertmanager"}
    assert entry.target_id == integration.id
    assert entry.actor == OWNER.label


def test_each_integration_has_its_own_secret():
    page = ensure_page()
    _, first = setup.create_integration(page, "grafana", "A", OWNER)
    _, second = setup.create_integration(page, "grafana", "B", OWNER)
    assert first != second


def test_rotating_replaces_the_secret_and_the_old_one_stops_matching():
    page = ensure_page()
    integration, old = setup.create_integration(page, IntegrationKind.uptime_kuma, "Kuma", OWNER)

    new = setup.rotate_secret(integration, OWNER)

    assert new != old
    assert integration.secret_digest == digest(new)
    by_old = db.session.scalars(
        select(Integration).where(Integration.secret_digest == digest(old))
    ).first()
    assert by_old is None
    (entry,) = _entries("integration.rotate_secret")
    assert entry.after == {"name": "Kuma", "kind": "uptime-kuma", "secret": "replaced"}


def test_no_secret_or_digest_reaches_the_audit_trail():
    page = ensure_page()
    integration, first = setup.create_integration(page, "generic", "Cron", OWNER)
    second = setup.rotate_secret(integration, OWNER)
    setup.rename_integration(integration, "Nightly cron", OWNER)
    setup.delete_integration(integration, OWNER)

    trail = _trail_text()
    for secret in (first, second):
        assert secret not in trail
        assert digest(secret) not in trail
    assert [e.action for e in _entries()] == [
        "integration.create",
        "integration.rotate_secret",
        "integration.rename",
        "integration.delete",
    ]


def test_rename_and_bad_names():
    page = ensure_page()
    integration, _ = setup.create_integration(page, "grafana", "Grafana", OWNER)
    setup.rename_integration(integration, "  Grafana EU  ", OWNER)
    assert integration.name == "Grafana EU"
    (entry,) = _entries("integration.rename")
    assert (entry.before["name"], entry.after["name"]) == ("Grafana", "Grafana EU")
    with pytest.raises(InvalidInput, match="line breaks"):
        setup.rename_integration(integration, "a\nb", OWNER)
    with pytest.raises(InvalidInput, match="at most 200"):
        setup.create_integration(page, "grafana", "x" * 201, OWNER)
    with pytest.raises(InvalidInput, match="kind must be one of"):
        setup.create_integration(page, "nagios", "Nagios", OWNER)


def test_the_intake_url_is_the_documented_path(app: Flask):
    page = ensure_page()
    integration, secret = setup.create_integration(page, "uptime-kuma", "Kuma", OWNER)
    base = app.config["BASE_URL"]
    prefix = f"{base}/api/v1/pages/{page.id}/integrations/uptime-kuma"
    assert setup.intake_url(integration, secret) == f"{prefix}/{secret}"
    assert setup.intake_url(integration) == prefix


def test_deleting_an_integration_removes_its_own_rules_with_an_entry_each():
    page = ensure_page()
    api = create_component("API")
    own, _ = setup.create_integration(page, "alertmanager", "AM", OWNER)
    scoped = setup.create_rule(
        page,
        name="AM only",
        matchers='service="api"',
        component=api,
        component_status="major_outage",
        integration=own,
        actor=OWNER,
    )
    setup.create_rule(
        page,
        name="Any",
        matchers='service="api"',
        component=api,
        component_status="partial_outage",
        actor=OWNER,
    )

    setup.delete_integration(own, OWNER)

    assert [r.name for r in db.session.scalars(select(AlertRule))] == ["Any"]
    (removed,) = _entries("alert_rule.delete")
    assert removed.target_id == str(scoped.id)
    assert removed.before["reason"] == "its integration was deleted"


def test_a_rule_holds_its_parsed_matchers_and_shows_them_written():
    page = ensure_page()
    api = create_component("API")
    rule = setup.create_rule(
        page,
        name="API down",
        matchers='service="api"\nseverity=~"critical|page"',
        component=api,
        component_status=ComponentStatus.major_outage,
        actor=OWNER,
    )
    assert rule.matchers == [["service", "=", "api"], ["severity", "=~", "critical|page"]]
    assert rule.publish_automatically is False  # off unless the owner turns it on
    assert rule.integration_id is None  # any of the page's integrations
    (entry,) = _entries("alert_rule.create")
    assert entry.after["matchers"] == 'service="api", severity=~"critical|page"'
    assert entry.after["component_status"] == "major_outage"
    assert _entries("alert_rule.publish_automatically") == []


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("", "give at least one matcher"),
        ("service", "is not a matcher"),
        ('9service="api"', "is not a label name"),
        ('severity=~"(crit"', "is not a regular expression"),
    ],
)
def test_a_bad_matcher_is_refused_in_the_parsers_words(written: str, message: str):
    page = ensure_page()
    api = create_component("API")
    with pytest.raises(InvalidInput, match=message):
        setup.create_rule(
            page,
            name="R",
            matchers=written,
            component=api,
            component_status="major_outage",
            actor=OWNER,
        )


def test_a_rule_never_maps_an_alert_to_operational():
    page = ensure_page()
    api = create_component("API")
    with pytest.raises(InvalidInput, match="other than operational"):
        setup.create_rule(
            page,
            name="R",
            matchers='a="b"',
            component=api,
            component_status="operational",
            actor=OWNER,
        )
    with pytest.raises(InvalidInput, match="must be one of"):
        setup.create_rule(
            page,
            name="R",
            matchers='a="b"',
            component=api,
            component_status="on_fire",
            actor=OWNER,
        )


def test_turning_on_publishing_without_review_is_its_own_audit_entry():
    _page, api, rule = _api_rule()
    fields = {
        "name": "R",
        "matchers": 'a="b"',
        "component": api,
        "component_status": "major_outage",
        "integration": None,
    }

    setup.update_rule(rule, **fields, publish_automatically=True, actor=OWNER)
    setup.update_rule(rule, **fields, publish_automatically=True, actor=OWNER)  # no change
    setup.update_rule(rule, **fields, publish_automatically=False, actor=OWNER)

    choices = _entries("alert_rule.publish_automatically")
    assert [(e.before, e.after) for e in choices] == [
        ({"publish_automatically": False}, {"publish_automatically": True}),
        ({"publish_automatically": True}, {"publish_automatically": False}),
    ]
    assert all(e.actor == OWNER.label for e in choices)
    assert len(_entries("alert_rule.update")) == 3


def test_update_changes_every_field_and_audits_before_and_after():
    page = ensure_page()
    api, web = create_component("API"), create_component("Web")
    am, _ = setup.create_integration(page, "alertmanager", "AM", OWNER)
    rule = setup.create_rule(
        page,
        name="R",
        matchers='a="b"',
        component=api,
        component_status="major_outage",
        actor=OWNER,
    )

    setup.update_rule(
        rule,
        name="Web slow",
        matchers=[["service", "=", "web"]],
        component=web,
        component_status="degraded_performance",
        integration=am,
        publish_automatically=False,
        actor=OWNER,
    )

    (entry,) = _entries("alert_rule.update")
    assert entry.before["component_id"] == api.id
    assert entry.after == {
        "name": "Web slow",
        "matchers": 'service="web"',
        "component_id": web.id,
        "component_status": "degraded_performance",
        "integration_id": am.id,
        "position": 1,
        "publish_automatically": False,
    }


def test_a_refused_update_writes_no_entry():
    _page, api, rule = _api_rule()
    with pytest.raises(InvalidInput):
        setup.update_rule(
            rule,
            name="R",
            matchers="nonsense",
            component=api,
            component_status="major_outage",
            integration=None,
            publish_automatically=False,
            actor=OWNER,
        )
    assert _entries("alert_rule.update") == []


def test_rules_are_kept_in_order_and_move_up_and_down():
    page = ensure_page()
    api = create_component("API")
    made = [
        setup.create_rule(
            page,
            name=name,
            matchers=f'n="{name}"',
            component=api,
            component_status="major_outage",
            actor=OWNER,
        )
        for name in ("one", "two", "three")
    ]
    assert [r.position for r in made] == [1, 2, 3]

    setup.move_rule(made[2], "up", OWNER)
    assert [r.name for r in setup.list_rules(page)] == ["one", "three", "two"]
    setup.move_rule(made[0], "up", OWNER)  # already first: stays
    setup.move_rule(made[1], "down", OWNER)  # already last: stays
    assert [r.name for r in setup.list_rules(page)] == ["one", "three", "two"]
    setup.move_rule(made[0], "down", OWNER)
    assert [r.name for r in setup.list_rules(page)] == ["three", "one", "two"]

    moves = _entries("alert_rule.move")
    assert (moves[0].before, moves[0].after) == ({"position": 3}, {"position": 2})
    with pytest.raises(InvalidInput):
        setup.move_rule(made[0], "sideways", OWNER)


def test_delete_rule_is_audited_with_its_matchers():
    page = ensure_page()
    api = create_component("API")
    rule = setup.create_rule(
        page,
        name="R",
        matchers='service="api"',
        component=api,
        component_status="partial_outage",
        actor=OWNER,
    )
    setup.delete_rule(rule, OWNER)
    assert db.session.scalars(select(AlertRule)).all() == []
    (entry,) = _entries("alert_rule.delete")
    assert entry.before["matchers"] == 'service="api"'
    assert entry.after is None


def test_get_refuses_what_does_not_exist():
    page = ensure_page()
    with pytest.raises(NotFound):
        setup.get_integration(page, "nope")
    with pytest.raises(NotFound):
        setup.get_rule(page, 12345)


def test_a_component_nobody_set_up_is_off_with_a_60_second_hold():
    api = create_component("API")
    assert setup.automation_for(api) == setup.AutomationSettings(AutomationMode.off, 60)
    assert not setup.automation_for(api).on
    assert db.session.get(ComponentAutomation, api.id) is None  # reading writes nothing


def test_set_automation_and_read_it_back_audited():
    api, web = create_component("API"), create_component("Web")
    setup.set_automation(api, "status_and_draft", 120, OWNER)

    assert setup.automation_for(api) == setup.AutomationSettings(
        AutomationMode.status_and_draft, 120
    )
    assert setup.automation_of([api, web]) == {
        api.id: setup.AutomationSettings(AutomationMode.status_and_draft, 120),
        web.id: setup.AutomationSettings(),
    }
    (entry,) = _entries("component.automation")
    assert entry.target_type == "component"
    assert entry.target_id == api.id
    assert entry.before == {"mode": "off", "hold_seconds": 60}
    assert entry.after == {"mode": "status_and_draft", "hold_seconds": 120}


@pytest.mark.parametrize("hold", [-1, 3601, 10**9])
def test_the_hold_is_bounded_with_a_clear_error(hold: int):
    api = create_component("API")
    with pytest.raises(InvalidInput, match="from 0 to 3600 seconds"):
        setup.set_automation(api, "status", hold, OWNER)
    assert _entries("component.automation") == []


@pytest.mark.parametrize("hold", [0, 3600])
def test_the_hold_bounds_themselves_are_allowed(hold: int):
    api = create_component("API")
    setup.set_automation(api, "status", hold, OWNER)
    assert setup.automation_for(api).hold_seconds == hold


def test_a_hold_or_mode_of_the_wrong_kind_is_refused():
    api = create_component("API")
    with pytest.raises(InvalidInput, match="whole number"):
        setup.set_automation(api, "status", "60", OWNER)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="whole number"):
        setup.set_automation(api, "status", True, OWNER)
    with pytest.raises(InvalidInput, match="automation mode must be one of"):
        setup.set_automation(api, "sometimes", 60, OWNER)


def test_turning_automation_off_forgets_a_status_waiting_out_its_hold():
    api = create_component("API")
    row = setup.set_automation(api, "status", 300, OWNER)
    row.pending_status = ComponentStatus.major_outage
    db.session.flush()

    setup.set_automation(api, "off", 300, OWNER)

    assert row.pending_status is None
    assert row.pending_since is None
