"""Private components stay private when alerts move them: the status automation applies,
the incident drafted from the alert and the incident published from it (by a person or by
the rule, automatically) are for the component's segments only; no public surface, the
page version included, tells anyone that something happened."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from statuspage.audience import segments
from statuspage.audit.trail import Actor
from statuspage.clock import utcnow
from statuspage.components.catalog import create_component
from statuspage.extensions import db
from statuspage.models import (
    AutomationMode,
    ComponentStatus,
    Incident,
    IncidentDraft,
    Visibility,
)
from statuspage.monitoring.drafts import open_drafts, publish_draft
from statuspage.monitoring.intake import take_alerts
from statuspage.monitoring.sources import alertmanager
from statuspage.page.state import ensure_page, page_version
from tests.factories.monitoring import automate, integration, rule
from tests.factories.segments import segment
from tests.leaks.test_regulator_notices import PUBLIC_PATHS
from tests.monitoring.world import am_alert, am_body

MARKER = "PRIVATE-LEDGER-ALERT-5c1e"


@pytest.mark.parametrize("by_rule", [False, True], ids=["published by comms", "automatically"])
def test_a_private_components_alert_stays_with_its_segments(app: Flask, by_rule: bool):
    ensure_page()
    enterprise = segment("Enterprise")
    public_api = create_component("API")
    ledger = create_component(f"Ledger {MARKER}")
    segments.set_component_audience(ledger, "segments", [enterprise])
    source, _ = integration()
    rule(ledger, ComponentStatus.major_outage, [("service", "=", "ledger")],
         publish_automatically=by_rule)  # fmt: skip
    automate(ledger, AutomationMode.status_and_draft, hold=0)
    db.session.commit()
    client = app.test_client()
    for path in PUBLIC_PATHS:  # render every snapshot before the alert
        client.get(path)
    version = page_version()

    alert = am_alert("fp-ledger", {"service": "ledger"}, summary=f"{MARKER} down",
                     description=f"{MARKER}: the ledger refuses writes.")  # fmt: skip
    take_alerts(source, alertmanager.read(am_body(alert)), utcnow() + timedelta(seconds=1))
    if not by_rule:
        (draft,) = open_drafts()
        publish_draft(draft, None, actor=Actor("staff:1 comms@acme.example"))
    db.session.commit()

    assert ledger.status is ComponentStatus.major_outage  # as its segments see it
    (draft,) = db.session.scalars(select(IncidentDraft)).all()
    incident = db.session.get(Incident, draft.published_incident_id)
    assert incident.visibility is Visibility.segments
    assert [s.id for s in incident.segments] == [enterprise.id]
    assert page_version() == version  # nothing public moved

    for path in [*PUBLIC_PATHS, f"/incidents/{incident.id}"]:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert MARKER not in response.get_data(as_text=True), path
    assert public_api.status is ComponentStatus.operational
