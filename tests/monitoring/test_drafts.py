"""Incident drafts from automation: drafted once per outage, published by a person (or by
the rule's owner's choice, automatically), resolved when the alerts resolve.

One whole scenario runs on a moving clock: alert fires → pending → applied after the hold
→ draft appears → comms publish → alert resolves → operational → a resolving update.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from statuspage.audience import segments
from statuspage.audit.trail import Actor
from statuspage.components.catalog import create_component
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db
from statuspage.incidents import drafts as update_drafts
from statuspage.models import (
    AuditEvent,
    AutomationMode,
    ComponentStatus,
    Incident,
    IncidentDraft,
    IncidentStatus,
)
from statuspage.monitoring import automation
from statuspage.monitoring.drafts import DraftEdits, discard_draft, open_drafts, publish_draft
from statuspage.monitoring.intake import take_alerts
from statuspage.monitoring.sources import alertmanager
from statuspage.page.state import ensure_page
from tests.factories.monitoring import automate, integration, rule
from tests.factories.segments import segment
from tests.monitoring.world import am_alert, am_body

T0 = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
COMMS = Actor("staff:7 comms@acme.example")
DOWN = {"alertname": "ApiDown", "service": "api"}


def at(seconds):
    return T0 + timedelta(seconds=seconds)


def report(source, *alerts, now):
    with time_machine.travel(now, tick=False):
        take_alerts(source, alertmanager.read(am_body(*alerts)), now)


def settle(component, now):
    with time_machine.travel(now, tick=False):
        automation.settle(component.id, now)


def monitored(*, publish_automatically=False):
    ensure_page()
    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        api = create_component("API")
    source, _ = integration()
    rule(api, ComponentStatus.major_outage, [("service", "=", "api")],
         publish_automatically=publish_automatically)  # fmt: skip
    automate(api, AutomationMode.status_and_draft, hold=30)
    return api, source


FIRING = am_alert("fp-1", DOWN, summary="API is down", description="Every request fails with 503.")
RESOLVED = am_alert("fp-1", DOWN, firing=False)


def test_the_whole_scenario_on_a_moving_clock():
    api, source = monitored()
    report(source, FIRING, now=at(0))
    assert api.status is ComponentStatus.operational
    assert open_drafts() == []
    settle(api, at(30))
    assert api.status is ComponentStatus.major_outage
    (draft,) = open_drafts()
    assert (draft.title, draft.body) == ("API is down", "Every request fails with 503.")
    assert draft.status is IncidentStatus.investigating
    assert draft.components == {api.id: "major_outage"}
    assert db.session.scalars(select(Incident)).all() == []  # nothing customers can see

    # The alert keeps firing (Alertmanager repeats): still one draft.
    report(source, FIRING, now=at(90))
    assert open_drafts() == [draft]

    with time_machine.travel(at(120), tick=False):
        incident = publish_draft(
            draft, DraftEdits("API outage", "We are looking into errors on the API."), actor=COMMS
        )
    assert (incident.name, incident.status) == ("API outage", IncidentStatus.investigating)
    assert [c.id for c in incident.components] == [api.id]
    assert draft.published_incident_id == incident.id
    assert open_drafts() == []

    report(source, RESOLVED, now=at(300))
    assert api.status is ComponentStatus.major_outage  # held first, as any change
    settle(api, at(330))
    assert api.status is ComponentStatus.operational
    # A person published it: the resolving update waits for comms as a drafted update.
    assert incident.resolved_at is None
    (resolving,) = update_drafts.open_drafts(incident)
    assert resolving.status is IncidentStatus.resolved
    assert resolving.components == {api.id: "operational"}
    assert resolving.author == "automation"
    # Firing and resolving again does not draft a second resolution.
    report(source, FIRING, now=at(400))
    settle(api, at(430))
    report(source, RESOLVED, now=at(500))
    settle(api, at(530))
    assert len(update_drafts.open_drafts(incident)) == 1
    assert open_drafts() == []  # the incident was still open: no second draft

    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.actor == "automation").order_by(AuditEvent.id)
    ).all()
    assert actions[:2] == ["component.automation", "incident_draft.create"]
    published = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "incident_draft.publish")
    ).one()
    assert published.actor == COMMS.label
    assert published.after["alert"]["fingerprint"] == "fp-1"


def test_a_rule_that_publishes_automatically_and_resolves_itself():
    api, source = monitored(publish_automatically=True)
    report(source, FIRING, now=at(0))
    settle(api, at(30))
    (draft,) = db.session.scalars(select(IncidentDraft)).all()
    incident = db.session.get(Incident, draft.published_incident_id)
    assert incident is not None
    assert incident.name == "API is down"
    entry = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "incident_draft.publish")
    ).one()
    assert entry.actor == "automation"
    assert entry.after["alert"]["labels"] == DOWN

    report(source, RESOLVED, now=at(100))
    settle(api, at(130))
    assert incident.status is IncidentStatus.resolved
    assert incident.resolved_at == at(130)
    assert update_drafts.open_drafts(incident) == []


def test_alerts_that_resolve_before_publication_mark_the_draft():
    api, source = monitored()
    report(source, FIRING, now=at(0))
    settle(api, at(30))
    report(source, RESOLVED, now=at(60))
    settle(api, at(90))
    (draft,) = open_drafts()
    assert draft.alerts_resolved_at == at(90)
    # Published anyway: the incident says what is true now (operational), not what was.
    with time_machine.travel(at(120), tick=False):
        incident = publish_draft(draft, None, actor=COMMS)
    assert api.status is ComponentStatus.operational
    (update,) = incident.updates
    assert [a.new_status for a in update.affected_components] == [ComponentStatus.operational]


def test_discarded_and_status_only_components_draft_nothing_more():
    api, source = monitored()
    report(source, FIRING, now=at(0))
    settle(api, at(30))
    (draft,) = open_drafts()
    with time_machine.travel(at(40), tick=False):
        discard_draft(draft, actor=COMMS)
    assert open_drafts() == []
    with time_machine.travel(at(50), tick=False), pytest.raises(InvalidInput, match="already"):
        publish_draft(draft, None, actor=COMMS)

    web = create_component("Web")
    rule(web, ComponentStatus.partial_outage, [("service", "=", "web")], position=5)
    automate(web, AutomationMode.status, hold=0)
    report(source, am_alert("w", {"service": "web"}), now=at(60))
    assert web.status is ComponentStatus.partial_outage
    assert open_drafts() == []  # status only: no draft


def test_an_automatic_publish_that_is_refused_leaves_the_draft_and_the_status():
    ensure_page()
    ledger = create_component("Ledger")
    enterprise = segment("Enterprise")
    segments.set_component_audience(ledger, "segments", [enterprise])
    db.session.delete(enterprise)  # its segment deleted: the ledger stays private, to nobody
    db.session.flush()
    db.session.expire(ledger)
    source, _ = integration()
    rule(ledger, ComponentStatus.major_outage, [("service", "=", "ledger")],
         publish_automatically=True)  # fmt: skip
    automate(ledger, AutomationMode.status_and_draft, hold=0)
    report(source, am_alert("fp-l", {"service": "ledger"}, summary="Ledger down"), now=at(0))
    assert ledger.status is ComponentStatus.major_outage  # the alert was taken
    (draft,) = open_drafts()  # and its incident waits for a person
    assert db.session.scalars(select(Incident)).all() == []
    refused = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "incident_draft.publish_refused")
    ).one()
    assert refused.target_id == str(draft.id)
    assert "segment" in refused.after["reason"]
