"""`ContactPoint.organization_id`, the database's copy of its subscriber's organization that a
private notice reads its contact points by (audience, migration 0012): it follows
every way a subscriber's organization or contact points change, and a copy that disagreed
could only ever lose a recipient, never reach one outside the notice's segments."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update

from statuspage.audience import organizations, segments
from statuspage.audience.recipients import Recipient, recipient_batches, recipients
from statuspage.clock import utcnow
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident
from statuspage.incidents.publishing import create_incident
from statuspage.models import Channel, ContactPoint, Notice, Organization, Subscriber
from statuspage.subscribers.subscriptions import Preferences, confirm
from tests.factories import contact_point, organization_person


def _copies(person: Subscriber) -> list[int | None]:
    """What the database holds for each of the person's contact points, read afresh."""
    db.session.flush()
    return list(
        db.session.scalars(
            select(ContactPoint.organization_id)
            .where(ContactPoint.subscriber_id == person.id)
            .order_by(ContactPoint.id)
        )
    )


def _out_of_step() -> int:
    """Contact points whose copy disagrees with their subscriber's organization."""
    db.session.flush()
    return db.session.scalar(
        select(func.count())
        .select_from(ContactPoint)
        .join(Subscriber, Subscriber.id == ContactPoint.subscriber_id)
        .where(ContactPoint.organization_id.is_distinct_from(Subscriber.organization_id))
    )


def _org_of(person: Subscriber) -> int | None:
    db.session.refresh(person)
    return person.organization_id


def test_the_copy_follows_domain_rules_members_confirmation_and_deletion():
    acme, partner = (
        organizations.create_organization("Acme"),
        organizations.create_organization("Partner"),
    )
    ann = organization_person("ann@acme.example")
    bob = organization_person("bob@acme.example", verified=False)
    assert _copies(ann) == _copies(bob) == [None]
    domain = organizations.add_domain(acme, "acme.example")  # resolve_organizations' bulk UPDATE
    assert (_org_of(ann), _copies(ann), _copies(bob)) == (acme.id, [acme.id], [None])
    member = organizations.add_member(partner, "ann@acme.example")
    assert (_org_of(ann), _copies(ann)) == (partner.id, [partner.id])
    organizations.remove_member(member)
    assert _copies(ann) == [acme.id]
    confirm(bob.contact_points[0], Preferences(), utcnow())
    assert (_org_of(bob), _copies(bob)) == (acme.id, [acme.id])
    organizations.remove_domain(domain)
    assert _copies(ann) == _copies(bob) == [None]
    organizations.add_domain(acme, "acme.example")
    organizations.delete_organization(acme)
    assert db.session.get(Organization, acme.id) is None
    assert (_org_of(ann), _copies(ann)) == (None, [None])
    assert _out_of_step() == 0


def test_the_copy_is_set_on_new_contact_points_and_on_any_write_of_a_subscriber():
    acme = organizations.create_organization("Acme")
    organizations.add_domain(acme, "acme.example")
    ann, eve = organization_person("ann@acme.example"), organization_person("eve@elsewhere.example")
    ann.contact_points.append(
        contact_point("https://hooks.acme.example/h", Channel.webhook, priority=2)
    )
    assert _copies(ann) == [acme.id, acme.id]
    assert ann.contact_points[1].organization_id == acme.id  # the ORM reads it back
    # Written by hand, the ORM way and in bulk: the database puts the copy right again.
    ann.contact_points[1].organization_id = 999
    db.session.execute(update(ContactPoint).values(organization_id=None))
    assert _copies(ann) == [acme.id, acme.id]
    # A contact point that moves to another subscriber takes that subscriber's organization.
    db.session.execute(
        update(ContactPoint)
        .where(ContactPoint.subscriber_id == ann.id, ContactPoint.priority == 2)
        .values(subscriber_id=eve.id)
    )
    assert (_copies(ann), _copies(eve)) == ([acme.id], [None, None])
    db.session.execute(
        update(Subscriber).where(Subscriber.id == eve.id).values(organization_id=acme.id)
    )
    assert _copies(eve) == [acme.id, acme.id]
    assert _out_of_step() == 0


def test_a_copy_out_of_step_can_only_lose_a_recipient_never_leak_to_one():
    """The triggers are switched off for one transaction to make the copies wrong on purpose:
    PostgreSQL only (SQLite has no such switch)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs session_replication_role to write a copy the triggers would fix")
    eu, us = segments.create_segment("EU"), segments.create_segment("US")
    acme = organizations.create_organization("Acme", segments=[eu])
    globex = organizations.create_organization("Globex", segments=[us])
    organizations.add_domain(acme, "acme.example")
    organizations.add_domain(globex, "globex.example")
    ann, hank = organization_person("ann@acme.example"), organization_person("hank@globex.example")
    incident = create_incident(OpenIncident("EU database", "Failover.", segments=[eu]))
    db.session.flush()
    notice = db.session.scalars(select(Notice).where(Notice.incident_id == incident.id)).one()
    ann_contact, hank_contact = ann.contact_points[0], hank.contact_points[0]
    assert recipients(notice) == [Recipient(ann.id, ann_contact.id, "email")]
    db.session.execute(text("SET LOCAL session_replication_role = replica"))
    # Hank (Globex, US) with a copy claiming Acme (EU); Ann (Acme) with a copy claiming Globex.
    db.session.execute(
        update(ContactPoint)
        .where(ContactPoint.id == hank_contact.id)
        .values(organization_id=acme.id)
    )
    db.session.execute(
        update(ContactPoint)
        .where(ContactPoint.id == ann_contact.id)
        .values(organization_id=globex.id)
    )
    db.session.execute(text("SET LOCAL session_replication_role = origin"))
    assert _out_of_step() == 2
    assert recipients(notice) == [Recipient(ann.id, 0, "")]  # Ann lost; Hank never reached


@pytest.mark.parametrize("page", [1, 2, 3, 1000])
def test_a_private_notice_streams_each_of_its_recipients_once_through_their_first_contact(page):
    eu, us = segments.create_segment("EU"), segments.create_segment("US")
    acme = organizations.create_organization("Acme", segments=[eu])
    globex = organizations.create_organization("Globex", segments=[us])
    organizations.add_domain(acme, "acme.example")
    organizations.add_domain(globex, "globex.example")
    organizations.add_member(acme, "x@partner.example")
    ann = organization_person("ann@acme.example")
    ann.contact_points[0].active = False  # bounced: the first reachable webhook receives
    ann.contact_points += [
        contact_point("https://h/a3", Channel.webhook, key="a3", priority=3),
        contact_point("https://h/a2", Channel.webhook, key="a2", priority=2),
    ]
    organization_person("hank@globex.example")
    bob = organization_person("bob@acme.example")
    x = organization_person(
        "x@partner.example"
    )  # an explicit member, with a webhook of the same priority
    x.contact_points.append(contact_point("https://h/x", Channel.webhook, key="x"))
    incident = create_incident(OpenIncident("EU database", "Failover.", segments=[eu]))
    db.session.commit()
    notice = db.session.scalars(select(Notice).where(Notice.incident_id == incident.id)).one()
    by_key = dict(db.session.execute(select(ContactPoint.address_key, ContactPoint.id)).all())
    expected = [
        Recipient(ann.id, by_key["a2"], "webhook"),
        Recipient(bob.id, by_key["bob@acme.example"], "email"),
        Recipient(x.id, by_key["x@partner.example"], "email"),  # the older of the two
    ]
    found = []
    for batch in recipient_batches(notice, batch_size=page):
        assert 0 < len(batch) <= page
        found += batch
        db.session.commit()  # as fan_out commits each batch
    assert found == expected
