"""Responders draft and note; publishers publish drafts; nothing of it reaches the public."""

from __future__ import annotations

import pytest

from statuspage.audit.trail import Actor, events
from statuspage.components.catalog import create_component
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.drafts import (
    add_note,
    discard_draft,
    notes,
    open_drafts,
    publish_draft,
    save_draft,
)
from statuspage.incidents.publishing import create_incident
from statuspage.models import ComponentStatus, IncidentStatus
from statuspage.staff.accounts import create_user


@pytest.fixture
def people():
    responder, _ = create_user("rae@example.com", "responder")
    comms, _ = create_user("cam@example.com", "comms")
    return Actor.staff(responder), Actor.staff(comms)


def test_a_draft_is_published_by_someone_else_and_becomes_an_update(people, client):
    responder, comms = people
    api = create_component("API")
    incident = create_incident(
        OpenIncident("API errors", "Looking.", components={api: "partial_outage"})
    )
    draft = save_draft(
        incident, "Fix deployed.", actor=responder, status="monitoring",
        components={api.id: "operational"},
    )  # fmt: skip
    db.session.commit()
    assert "Fix deployed." not in client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert open_drafts(incident) == [draft]

    update = publish_draft(draft, actor=comms)
    db.session.commit()
    assert update.status is IncidentStatus.monitoring
    assert api.status is ComponentStatus.operational
    assert open_drafts(incident) == []
    assert "Fix deployed." in client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    actions = [e.action for e in events(incident_id=incident.id)]
    assert actions[-3:] == ["draft.create", "incident.update", "draft.publish"]


def test_drafts_are_checked_when_saved(people):
    responder, _ = people
    incident = create_incident(OpenIncident("Down", "Down."))
    with pytest.raises(InvalidInput, match="not a status"):
        save_draft(incident, "x", actor=responder, status="completed")
    with pytest.raises(InvalidInput, match="needs a message"):
        save_draft(incident, " ", actor=responder)
    with pytest.raises(InvalidInput, match="no component"):
        save_draft(incident, "x", actor=responder, components={"nope": "major_outage"})


def test_discarded_drafts_leave_the_list(people):
    responder, comms = people
    incident = create_incident(OpenIncident("Down", "Down."))
    draft = save_draft(incident, "Maybe.", actor=responder)
    discard_draft(draft, actor=comms)
    assert open_drafts(incident) == []


def test_internal_notes_never_reach_the_public(people, client):
    responder, _ = people
    incident = create_incident(OpenIncident("Down", "Down."))
    add_note(incident, "Root cause is the config push at 10:02.", actor=responder)
    db.session.commit()
    assert [n.body for n in notes(incident)] == ["Root cause is the config push at 10:02."]
    for path in (f"/incidents/{incident.id}", "/api/v2/incidents.json", "/history.atom"):
        assert "config push" not in client.get(path).get_data(as_text=True)
