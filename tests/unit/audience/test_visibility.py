"""The scoping rule with segments: who sees a private incident or component, who receives its
notice, and what it leaves untouched for everyone else (public status, uptime, page version)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from statuspage.audience.membership import viewer_for
from statuspage.audience.recipients import recipients
from statuspage.audience.visibility import PUBLIC, STAFF, may_see, may_see_component, visible
from statuspage.clock import utcnow
from statuspage.components.catalog import create_component, list_components
from statuspage.components.status import component_statuses, current_status
from statuspage.core.errors import InvalidInput
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate, ScheduleMaintenance
from statuspage.incidents.maintenance import schedule_maintenance
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.models import (
    Audience,
    ComponentStatus,
    ComponentStatusChange,
    Incident,
    Notice,
    Visibility,
)
from statuspage.page.state import ensure_page
from tests.factories import organization, segment, subscriber


@pytest.fixture
def world():
    """Two segments (EU, US); Acme in EU (by domain), Globex in US (by explicit member)."""
    eu, us = segment("EU"), segment("US")
    acme = organization("Acme", segments=[eu], domains=["acme.example"])
    globex = organization("Globex", segments=[us], members=["hank@globex.example"])
    return eu, us, acme, globex


def test_viewers_are_resolved_by_domain_and_by_explicit_membership(world):
    eu, us, _, _ = world
    assert viewer_for("Ann@ACME.example").segment_ids == {eu.id}
    assert viewer_for("hank@globex.example").segment_ids == {us.id}
    assert viewer_for("someone@globex.example").segment_ids == frozenset()  # no domain rule
    assert viewer_for("eve@elsewhere.example").is_public


def test_a_private_incident_is_seen_by_its_segments_only(world):
    eu, *_ = world
    api = create_component("API")
    private = create_incident(
        OpenIncident("EU database", "Failover.", components={api: "major_outage"}, segments=[eu])
    )
    public = create_incident(OpenIncident("Slow web", "Looking."))
    db.session.commit()
    assert private.visibility is Visibility.segments
    europe, america = viewer_for("ann@acme.example"), viewer_for("hank@globex.example")
    for viewer, expected in (
        (PUBLIC, {public.id}),
        (america, {public.id}),
        (europe, {public.id, private.id}),
        (STAFF, {public.id, private.id}),
    ):
        seen = set(db.session.scalars(select(Incident.id).where(visible(viewer))))
        assert seen == expected
        assert {i.id for i in (private, public) if may_see(viewer, i)} == expected


def test_a_private_incident_moves_neither_the_public_status_nor_uptime_nor_the_version(world):
    eu, *_ = world
    api = create_component("API")
    db.session.commit()
    version = ensure_page().version
    incident = create_incident(
        OpenIncident("EU database", "Failover.", components={api: "major_outage"}, segments=[eu])
    )
    db.session.commit()
    assert api.status is ComponentStatus.operational
    assert ensure_page().version == version
    changes = select(ComponentStatusChange).where(ComponentStatusChange.incident_id == incident.id)
    assert db.session.scalars(changes).all() == []  # the uptime log: nothing to roll up
    assert current_status(PUBLIC).indicator == "none"
    europe = viewer_for("ann@acme.example")
    assert component_statuses(europe, [api]) == {api.id: ComponentStatus.major_outage}
    assert component_statuses(PUBLIC, [api]) == {api.id: ComponentStatus.operational}
    post_update(incident, PostUpdate("Recovering.", components={api: "degraded_performance"}))
    db.session.commit()
    assert component_statuses(europe, [api]) == {api.id: ComponentStatus.degraded_performance}
    post_update(incident, PostUpdate("Fixed.", status="resolved", components={api: "operational"}))
    db.session.commit()
    assert component_statuses(europe, [api]) == {api.id: ComponentStatus.operational}
    assert ensure_page().version == version


def test_a_private_component_is_listed_for_its_segments_only(world):
    eu, *_ = world
    shared, eu_only = create_component("API"), create_component("EU vault")
    eu_only.visibility, eu_only.segments = Visibility.segments, [eu]
    db.session.commit()
    assert [c.name for c in list_components(PUBLIC)] == ["API"]
    assert [c.name for c in list_components(viewer_for("hank@globex.example"))] == ["API"]
    assert {c.name for c in list_components(viewer_for("ann@acme.example"))} == {
        "API",
        "EU vault",
    }
    assert {c.name for c in list_components(STAFF)} == {"API", "EU vault"}
    assert may_see_component(PUBLIC, shared)
    assert not may_see_component(PUBLIC, eu_only)


def test_a_private_notice_reaches_the_organizations_in_its_segments_only(world):
    eu, us, acme, globex = world
    ann = subscriber("ann@acme.example", organization_id=acme.id)
    hank = subscriber("hank@globex.example", organization_id=globex.id)
    nobody = subscriber("eve@elsewhere.example")
    api = create_component("API")
    private = create_incident(
        OpenIncident("EU database", "Failover.", components={api: "major_outage"}, segments=[eu])
    )
    public = create_incident(OpenIncident("Slow web", "Looking."))
    db.session.flush()
    notices = {n.incident_id: n for n in db.session.scalars(select(Notice))}
    assert notices[private.id].audience is Audience.segments
    assert notices[public.id].audience is Audience.public
    assert [r.subscriber_id for r in recipients(notices[private.id])] == [ann.id]
    assert [r.subscriber_id for r in recipients(notices[public.id])] == [ann.id, hank.id, nobody.id]
    both = create_incident(OpenIncident("Everywhere", "Both regions.", segments=[eu, us]))
    db.session.flush()
    notice = db.session.scalars(select(Notice).where(Notice.incident_id == both.id)).one()
    assert [r.subscriber_id for r in recipients(notice)] == [ann.id, hank.id]


def test_private_maintenance_and_unknown_segments(world):
    eu, *_ = world
    start = utcnow() + timedelta(days=1)
    window = schedule_maintenance(
        ScheduleMaintenance(
            "EU switch swap",
            "Blips.",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=1),
            segments=[eu.id],
        )
    )
    db.session.flush()
    assert window.visibility is Visibility.segments
    assert [s.name for s in window.segments] == ["EU"]
    with pytest.raises(InvalidInput, match="no segment"):
        create_incident(OpenIncident("Ghost", "Nobody.", segments=[987654]))


def test_a_public_incident_may_not_name_a_private_component(world):
    eu, *_ = world
    vault = create_component("EU vault")
    vault.visibility, vault.segments = Visibility.segments, [eu]
    db.session.flush()
    with pytest.raises(InvalidInput, match="may not see private components \\(EU vault\\)"):
        create_incident(OpenIncident("Vault down", "Oops.", components={vault: "major_outage"}))
    start = utcnow() + timedelta(days=1)
    with pytest.raises(InvalidInput, match="private components"):
        schedule_maintenance(
            ScheduleMaintenance(
                "Vault work",
                "Soon.",
                scheduled_for=start,
                scheduled_until=start + timedelta(hours=1),
                components=[vault],
            )
        )
    private = create_incident(
        OpenIncident("Vault down", "Oops.", components={vault: "major_outage"}, segments=[eu])
    )
    assert [c.name for c in private.components] == ["EU vault"]


def test_a_private_incident_may_not_name_a_component_private_to_other_segments(world):
    eu, us, *_ = world
    vault = create_component("EU vault")
    vault.visibility, vault.segments = Visibility.segments, [eu]
    db.session.flush()
    # US subscribers would read, in their email, of a component only EU may know of.
    for segments in ([us], [eu, us]):
        with pytest.raises(InvalidInput, match="may not see private components"):
            create_incident(
                OpenIncident(
                    "Vault", "Oops.", components={vault: "major_outage"}, segments=segments
                )
            )
    incident = create_incident(OpenIncident("Vault", "Oops.", segments=[us]))
    with pytest.raises(InvalidInput, match="may not see private components"):
        post_update(
            incident, PostUpdate("Now the vault too.", components={vault: "partial_outage"})
        )
