"""Segments and organizations: their CRUD, the domain and member rules, the subscribers they
claim, a component's audience, and the reach preview against the fan-out's own recipients."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from statuspage.audience import organizations, segments
from statuspage.audience.membership import organizations_of, viewer_for
from statuspage.audience.reach import reach
from statuspage.audience.recipients import recipients
from statuspage.audience.viewers import organization_for_token
from statuspage.audience.visibility import PUBLIC, STAFF
from statuspage.clock import utcnow
from statuspage.components.catalog import create_component, list_components
from statuspage.core.errors import InvalidInput, NotFound
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, ScheduleMaintenance
from statuspage.incidents.maintenance import schedule_maintenance
from statuspage.incidents.publishing import create_incident
from statuspage.models import (
    Audience,
    AuditEvent,
    Channel,
    Notice,
    Organization,
    Subscriber,
    SubscriberKind,
    Visibility,
)
from statuspage.page.state import ensure_page
from statuspage.subscribers.subscriptions import Preferences, confirm
from tests.factories import contact_point, organization_person


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _org_of(person: Subscriber) -> int | None:
    db.session.refresh(person)
    return person.organization_id


# --- segments --------------------------------------------------------------------------------


def test_segments_are_created_renamed_and_deleted_with_an_audit_trail():
    eu = segments.create_segment(" EU ", kind="region", description="Frankfurt and Dublin")
    assert (eu.name, eu.kind, eu.description) == ("EU", "region", "Frankfurt and Dublin")
    segments.update_segment(eu, name="Europe", kind="region")
    assert [s.name for s in segments.list_segments()] == ["Europe"]
    assert segments.get_segment(str(eu.id)) is eu
    segments.delete_segment(eu)
    assert segments.list_segments() == []
    assert _actions() == ["segment.create", "segment.update", "segment.delete"]


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_segment_needs_a_name_of_sensible_length(name):
    with pytest.raises(InvalidInput):
        segments.create_segment(name)


def test_segment_names_are_unique_whatever_their_case():
    segments.create_segment("EU")
    us = segments.create_segment("US")
    with pytest.raises(InvalidInput, match="already a segment named 'eu'"):
        segments.create_segment("eu")
    with pytest.raises(InvalidInput, match="already"):
        segments.update_segment(us, name="Eu")
    segments.update_segment(us, name="us")  # its own name, in another case, is fine


@pytest.mark.parametrize("segment_id", ["0", "x", "99999999999999", "-1"])
def test_an_unknown_segment_is_not_found(segment_id):
    with pytest.raises(NotFound):
        segments.get_segment(segment_id)


def test_deleting_a_segment_never_makes_its_private_incident_public():
    eu, us = segments.create_segment("EU"), segments.create_segment("US")
    only_eu = create_incident(OpenIncident("EU only", "Failover.", segments=[eu]))
    both = create_incident(OpenIncident("EU and US", "Slow.", segments=[eu, us]))
    segments.delete_segment(eu)
    db.session.commit()
    db.session.refresh(only_eu)
    db.session.refresh(both)
    assert (only_eu.visibility, only_eu.segments) == (Visibility.segments, [])
    assert (both.visibility, both.segments) == (Visibility.segments, [us])


# --- organizations ---------------------------------------------------------------------------


def test_organizations_belong_to_segments_and_are_audited():
    eu, gold = segments.create_segment("EU"), segments.create_segment("Gold")
    acme = organizations.create_organization("Acme", segments=[eu.id])
    assert acme.segments == [eu]
    organizations.update_organization(acme, name="Acme Corp", segments=[gold, str(eu.id)])
    assert (acme.name, [s.name for s in acme.segments]) == ("Acme Corp", ["EU", "Gold"])
    with pytest.raises(InvalidInput, match="no segment"):
        organizations.update_organization(acme, segments=[12345])
    with pytest.raises(InvalidInput, match="already an organization"):
        organizations.create_organization("ACME CORP")
    assert _actions() == [
        "segment.create",
        "segment.create",
        "organization.create",
        "organization.update",
    ]


@pytest.mark.parametrize(
    ("raw", "kept"),
    [("Acme.Example", "acme.example"), ("@acme.example", "acme.example"),
     ("eu.acme.io.", "eu.acme.io")],
)  # fmt: skip
def test_domains_are_kept_lowercased_without_at_or_trailing_dot(raw, kept):
    acme = organizations.create_organization("Acme")
    assert organizations.add_domain(acme, raw).domain == kept


@pytest.mark.parametrize(
    "raw", ["", "acme", "acme..example", "-acme.example", "a b.example", "acme.example/x",
            "ann@acme.example", "acme_corp.example", "x" * 250 + ".com"],
)  # fmt: skip
def test_a_malformed_domain_is_refused(raw):
    with pytest.raises(InvalidInput, match="not a domain"):
        organizations.add_domain(organizations.create_organization("Acme"), raw)


def test_a_domain_anyone_can_have_an_address_at_is_refused():
    with pytest.raises(InvalidInput, match=r"anyone can have an address at gmail\.com"):
        organizations.add_domain(organizations.create_organization("Acme"), "GMail.com")


def test_a_domain_belongs_to_one_organization_only():
    acme, globex = (
        organizations.create_organization("Acme"),
        organizations.create_organization("Globex"),
    )
    organizations.add_domain(acme, "acme.example")
    with pytest.raises(InvalidInput, match="already a domain of another organization"):
        organizations.add_domain(globex, "ACME.example")
    with pytest.raises(InvalidInput, match="already a domain of this organization"):
        organizations.add_domain(acme, "acme.example")


def test_members_are_lowercased_validated_and_unique_per_organization():
    acme = organizations.create_organization("Acme")
    member = organizations.add_member(acme, " Ann@Partner.example ")
    assert member.email == "ann@partner.example"
    with pytest.raises(InvalidInput, match="already a member"):
        organizations.add_member(acme, "ann@partner.example")
    with pytest.raises(InvalidInput):
        organizations.add_member(acme, "not an address")
    assert [o.name for o in organizations_of("ANN@partner.example")] == ["Acme"]
    organizations.remove_member(member)
    assert organizations_of("ann@partner.example") == []


# --- the subscribers a rule claims -----------------------------------------------------------


def test_adding_and_removing_a_domain_re_resolves_its_verified_subscribers():
    acme = organizations.create_organization("Acme")
    ann = organization_person("Ann@Acme.example")
    unverified = organization_person("bob@acme.example", verified=False)
    sub_domain = organization_person("cy@eu.acme.example")
    stranger = organization_person("eve@elsewhere.example")
    row = organizations.add_domain(acme, "acme.example")
    assert [_org_of(p) for p in (ann, unverified, sub_domain, stranger)] == [
        acme.id, None, None, None
    ]  # fmt: skip
    organizations.remove_domain(row)
    assert _org_of(ann) is None
    audit = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert audit.action == "organization.domain_remove"
    assert audit.after == {"subscribers_checked": 2}  # Ann, and Bob (unverified)


def test_an_explicit_member_wins_over_a_domain_and_removal_falls_back_to_it():
    acme, partner = (
        organizations.create_organization("Acme"),
        organizations.create_organization("Partner"),
    )
    organizations.add_domain(acme, "acme.example")
    ann = organization_person("ann@acme.example")
    assert _org_of(ann) == acme.id
    member = organizations.add_member(partner, "ann@acme.example")
    assert _org_of(ann) == partner.id
    organizations.remove_member(member)
    assert _org_of(ann) == acme.id


def test_only_persons_are_resolved_never_the_pages_social_accounts():
    acme = organizations.create_organization("Acme")
    account = organization_person("social@acme.example", kind=SubscriberKind.syndication)
    organizations.add_domain(acme, "acme.example")
    assert _org_of(account) is None


def test_deleting_an_organization_hands_its_people_to_whoever_else_claims_them():
    acme, partner = (
        organizations.create_organization("Acme"),
        organizations.create_organization("Partner"),
    )
    organizations.add_domain(partner, "acme.example")
    organizations.add_member(acme, "ann@acme.example")
    ann, bob = organization_person("ann@acme.example"), organization_person("bob@partner.example")
    organizations.add_domain(acme, "partner.example")
    assert (_org_of(ann), _org_of(bob)) == (acme.id, acme.id)
    organizations.delete_organization(acme)
    assert (_org_of(ann), _org_of(bob)) == (partner.id, None)
    assert db.session.get(Organization, acme.id) is None


def test_confirming_a_subscription_makes_the_person_their_organizations():
    acme = organizations.create_organization("Acme")
    organizations.add_domain(acme, "acme.example")
    ann = organization_person("ann@acme.example", verified=False)
    assert _org_of(ann) is None
    confirm(ann.contact_points[0], Preferences(), utcnow())
    assert _org_of(ann) == acme.id


# --- a component's audience ------------------------------------------------------------------


def test_a_component_is_made_private_to_segments_and_public_again():
    ensure_page()
    eu = segments.create_segment("EU")
    api = create_component("API")
    db.session.commit()
    version = ensure_page().version
    segments.set_component_audience(api, "segments", [eu.id])
    assert (api.visibility, api.segments) == (Visibility.segments, [eu])
    assert ensure_page().version == version + 1  # it left the public page
    assert list_components(PUBLIC) == []
    assert list_components(STAFF) == [api]
    segments.set_component_audience(api, Visibility.segments, [eu])
    assert ensure_page().version == version + 1  # still private: the public page is unmoved
    segments.set_component_audience(api, "public", [eu])
    assert (api.visibility, api.segments) == (Visibility.public, [])
    assert list_components(PUBLIC) == [api]
    assert _actions()[-3:] == ["component.audience"] * 3
    with pytest.raises(InvalidInput):
        segments.set_component_audience(api, "friends")


# --- the organization's API token ------------------------------------------------------------


def test_an_organization_token_is_issued_audited_and_revoked():
    acme = organizations.create_organization("Acme")
    secret = organizations.issue_api_token(acme)
    assert organization_for_token(secret) is acme
    assert secret not in str([e.after for e in db.session.scalars(select(AuditEvent))])
    organizations.revoke_api_token(acme)
    assert organization_for_token(secret) is None
    with pytest.raises(InvalidInput, match="no API token"):
        organizations.revoke_api_token(acme)
    assert _actions()[-2:] == ["organization.token_issue", "organization.token_revoke"]


# --- reach: the preview counts what the fan-out sends ----------------------------------------


@pytest.fixture
def customers():
    """EU (Acme by domain, Initech by member) and US (Globex), and their people."""
    ensure_page()
    eu, us = segments.create_segment("EU"), segments.create_segment("US")
    acme = organizations.create_organization("Acme", segments=[eu])
    initech = organizations.create_organization("Initech", segments=[eu])
    globex = organizations.create_organization("Globex", segments=[us])
    organizations.add_domain(acme, "acme.example")
    organizations.add_domain(globex, "globex.example")
    organizations.add_member(initech, "peter@initech.example")
    api, web = create_component("API"), create_component("Web")
    sms = contact_point("+15550001", Channel.sms)
    people = {
        "ann": organization_person("ann@acme.example"),
        "amy": organization_person("amy@acme.example", components=[web]),  # follows Web only
        "abe": organization_person("abe@acme.example", notify_maintenance=False),
        "ada": organization_person("ada@acme.example", paused=True),
        "peter": organization_person("peter@initech.example", more=[sms]),
        "nobody": organization_person("no@initech.example"),  # the domain is not Initech's
        "unverified": organization_person(
            "uma@acme.example", verified=False
        ),  # no organization yet
        "gus": organization_person("gus@globex.example"),
    }
    mastodon = contact_point("@acme", Channel.mastodon)
    people["social"] = organization_person("x@social.example", kind=SubscriberKind.syndication)
    people["social"].contact_points.append(mastodon)
    db.session.flush()
    db.session.commit()
    return eu, us, api, web, people


def _notice_recipients(incident, audience: Audience) -> list:
    notice = db.session.scalars(
        select(Notice).where(Notice.incident_id == incident.id, Notice.audience == audience)
    ).one()
    return recipients(notice, limit=10_000)


def _counts(found: list) -> tuple[int, int, int]:
    people = {r.subscriber_id for r in found}
    orgs = {db.session.get(Subscriber, sid).organization_id for sid in people} - {None}
    return len(people), len(orgs), sum(1 for r in found if r.contact_point_id)


@pytest.mark.parametrize(
    ("segments", "components", "kind"),
    [
        (["EU"], [], "incident"),
        (["EU"], ["API"], "incident"),
        (["EU"], ["Web"], "maintenance"),
        (["EU", "US"], ["API"], "incident"),
        (["US"], [], "maintenance"),
        ([], ["API"], "incident"),
        ([], [], "maintenance"),
    ],
)
def test_reach_counts_exactly_what_recipients_returns(customers, segments, components, kind):
    eu, us, api, web, _ = customers
    chosen = [s for s in (eu, us) if s.name in segments]
    touched = [c for c in (api, web) if c.name in components]
    preview = reach([s.id for s in chosen], [c.id for c in touched], kind)
    if kind == "incident":
        statuses = {c: "partial_outage" for c in touched}
        incident = create_incident(
            OpenIncident("Outage", "Down.", components=statuses, segments=chosen)
        )
    else:
        start = utcnow() + timedelta(days=1)
        incident = schedule_maintenance(
            ScheduleMaintenance(
                "Upgrade",
                "Planned.",
                scheduled_for=start,
                scheduled_until=start + timedelta(hours=1),
                components=touched,
                segments=chosen,
            )
        )
    db.session.commit()
    audience = Audience.segments if chosen else Audience.public
    found = _notice_recipients(incident, audience)
    assert (preview.people, preview.organizations, preview.contact_points) == _counts(found)
    assert preview.segments == tuple(sorted(segments))


def test_reach_of_a_private_and_a_public_notice(customers):
    """The counts; the admin puts them in words (tests/admin/test_staff_zones.py)."""
    eu, us, api, *_ = customers
    private = reach([eu.id], [api.id], "incident")
    # ann, abe, peter (Initech by member); amy follows Web only; ada is paused
    assert (private.people, private.organizations, private.contact_points) == (3, 2, 3)
    assert private.segments == ("EU",)
    one = reach([us.id], [], "incident")
    assert (one.people, one.organizations, one.contact_points) == (1, 1, 1)
    public = reach([], [], "incident")
    assert (public.people, public.contact_points, public.segments) == (8, 7, ())
    assert viewer_for("ann@acme.example").segment_ids == {eu.id}
