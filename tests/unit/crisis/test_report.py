"""The communication report against a world with known deliveries: its numbers, its timeline's
authors, the internal pages and their acknowledgements, and its CSV and JSON forms."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from statuspage.audit.trail import Actor
from statuspage.channels.base import Result
from statuspage.core.csv_safety import spreadsheet_cell
from statuspage.core.errors import NotFound
from statuspage.crisis import assembly, roster
from statuspage.crisis.report import CSV_COLUMNS, communication_report
from statuspage.delivery import ledger
from statuspage.delivery.engine import fan_out
from statuspage.extensions import db
from statuspage.incidents.commands import OpenIncident, PostUpdate
from statuspage.incidents.publishing import create_incident, post_update
from statuspage.models import (
    ApiKey,
    Audience,
    Channel,
    Delivery,
    DeliveryState,
    Incident,
    Notice,
    NoticeRecipient,
    Role,
    Subscriber,
)
from statuspage.page.state import ensure_page
from statuspage.regulators import obligations, registry
from tests.factories import contact_point, delivery, notice, staff_user, subscriber

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _person(name: str, *contacts: tuple[Channel, str], verified: bool = True) -> Subscriber:
    """A subscriber whose contact points, in order of priority, were verified at T0."""
    points = [
        contact_point(address, channel, priority=place, verified=verified, at=T0)
        for place, (channel, address) in enumerate(contacts, start=1)
    ]
    return subscriber(*points, name=name)


@dataclass
class World:
    incident: Incident
    ann_acked_at: datetime
    dana_acked_at: datetime
    first_update_id: str
    second_update_id: str
    sam: str  # the audit trail's label of the staff member who opened it
    bot: str  # and of the API key that posted the second update


@pytest.fixture
def world(queue) -> World:
    """One incident: 4 customers by email (2 delivered, 1 acknowledged, 1 failed, 1 never
    tried), posted by a staff member then an API key; and a team page to Dana, who was paged by
    SMS (failed) and then by email, and acknowledged from the email's link."""
    ensure_page()
    sam = staff_user("sam@example.com", Role.comms)
    key = ApiKey(name="deploy-bot", prefix="hrd_", key_hash="0" * 64, role=Role.comms)
    db.session.add(key)
    for name in ("ann", "bob", "cat", "dan"):
        _person(name, (Channel.email, f"{name}@example.com"))
    # Dana's contact points are not verified, so no public fan-out reaches her: only the page.
    dana = _person("Dana", (Channel.sms, "+15550001111"), (Channel.email, "dana@example.com"),
                   verified=False)  # fmt: skip
    db.session.flush()
    with time_machine.travel(T0, tick=False):
        incident = create_incident(
            OpenIncident("Payments down", "- Card payments fail."), actor=Actor.staff(sam)
        )
        db.session.commit()
    queue.huey.flush()
    public = db.session.scalars(select(Notice)).one()
    fan_out(public.id)
    db.session.commit()
    queue.huey.flush()

    deliveries = {
        d.contact_point.address: d
        for d in db.session.scalars(select(Delivery).where(Delivery.notice_id == public.id))
    }
    ann, bob, cat = (deliveries[f"{n}@example.com"] for n in ("ann", "bob", "cat"))
    at = T0 + timedelta(minutes=1)
    ledger.claim([ann.id, bob.id, cat.id], at)
    ledger.record(ann, Result(ann.id, "sent", provider_id="m1"), at)
    ledger.record(bob, Result(bob.id, "sent", provider_id="m2"), at)
    ledger.record(cat, Result(cat.id, "permanent", error="550 no such user"), at)
    ann_acked_at = T0 + timedelta(minutes=3)
    ledger.acknowledge(ann, ann_acked_at, "email-link")

    with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
        second = post_update(
            incident,
            PostUpdate("Fix deployed.", status="monitoring", deliver_notifications=False),
            actor=Actor.api_key(key),
        )

    team = notice(
        incident,
        Audience.team,
        update_id=incident.updates[-1].id,
        requires_ack=True,
        ack_window_seconds=300,
        created_at=T0 + timedelta(minutes=2),
    )
    sms, email = dana.contact_points
    delivery(team, sms, state=DeliveryState.failed, attempts=2)
    dana_acked_at = T0 + timedelta(minutes=6)
    delivery(team, email, state=DeliveryState.sent, attempts=1, sent_at=T0 + timedelta(minutes=4),
             acknowledged_at=dana_acked_at, ack_path="email-link")  # fmt: skip
    db.session.commit()
    return World(
        incident,
        ann_acked_at,
        dana_acked_at,
        incident.updates[-1].id,
        second.id,
        Actor.staff(sam).label,
        Actor.api_key(key).label,
    )


def test_the_numbers_per_audience_and_channel(world: World):
    report = communication_report(world.incident.id)
    counts = {
        (c.audience, c.channel): (c.deliveries, c.attempted, c.delivered, c.failed, c.acknowledged)
        for c in report.deliveries
    }
    assert counts == {
        ("public", "email"): (4, 3, 2, 1, 1),
        ("team", "email"): (1, 1, 1, 0, 1),
        ("team", "sms"): (1, 1, 0, 1, 0),
    }
    assert report.totals == {
        "deliveries": 6, "attempted": 5, "delivered": 3, "failed": 2, "acknowledged": 2,
    }  # fmt: skip


def test_the_timeline_names_who_posted_each_update(world: World):
    report = communication_report(world.incident.id)
    assert [(e.update_id, e.status, e.posted_by, e.notified) for e in report.timeline] == [
        (world.first_update_id, "investigating", world.sam, True),
        (world.second_update_id, "monitoring", world.bot, False),
    ]
    assert report.timeline[0].posted_at == T0


def test_team_pages_show_every_path_and_who_acknowledged_how(world: World):
    (page,) = communication_report(world.incident.id).internal
    assert (page.audience, page.kind, page.requires_ack) == ("team", "update", True)
    (dana,) = page.recipients
    assert dana.name == "Dana"
    assert [(p.channel, p.address, p.state) for p in dana.paths] == [
        ("sms", "+15550001111", "failed"),
        ("email", "dana@example.com", "sent"),
    ]
    ack = dana.acknowledgement
    assert (ack.channel, ack.acknowledged_at, ack.ack_path) == (
        "email",
        world.dana_acked_at,
        "email-link",
    )


def test_customers_are_counted_never_named(world: World):
    text = json.dumps(communication_report(world.incident.id).as_json())
    assert "ann@example.com" not in text
    assert "dana@example.com" in text


def test_csv_and_json_parse_back_to_the_same_numbers(world: World):
    report = communication_report(world.incident.id)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows({k: spreadsheet_cell(v) for k, v in row.items()} for row in report.csv_rows())
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    deliveries = {
        (r["audience"], r["channel"]): tuple(
            int(r[k]) for k in ("deliveries", "attempted", "delivered", "failed", "acknowledged")
        )
        for r in rows
        if r["section"] == "deliveries"
    }
    assert deliveries[("public", "email")] == (4, 3, 2, 1, 1)
    updates = [r for r in rows if r["section"] == "update"]
    assert [u["who"] for u in updates] == [world.sam, world.bot]
    assert updates[0]["what"] == "'- Card payments fail."  # a formula-looking cell is quoted
    internal = [r for r in rows if r["section"] == "internal"]
    assert [(r["who"], r["channel"], r["acknowledged_at"]) for r in internal] == [
        ("Dana", "sms", ""),
        ("Dana", "email", world.dana_acked_at.isoformat()),
    ]

    document = json.loads(json.dumps(report.as_json()))
    assert document["totals"]["acknowledged"] == 2
    assert document["incident"]["id"] == world.incident.id
    assert document["internal"][0]["recipients"][0]["acknowledged_how"] == "email-link"
    assert document["timeline"][1]["posted_by"] == world.bot


def test_an_unknown_incident_is_not_found():
    with pytest.raises(NotFound):
        communication_report("nosuchincid")


@dataclass
class CrisisWorld:
    incident: Incident
    notice: Notice  # the team page's
    dana_acked_at: datetime


def build_crisis_world(queue) -> CrisisWorld:
    """An incident with a team page to Dana (comms lead) on SMS and email, acknowledged from the
    email, and an ICO obligation (72 h from awareness) filed on the portal after 2 h;
    committed."""
    ensure_page()
    sam = staff_user("sam@example.com", Role.comms)
    actor = Actor.staff(sam)
    with time_machine.travel(T0, tick=False):
        incident = create_incident(OpenIncident("Data breach", "Investigating."), actor=actor)
    roster.ensure_default_roles()
    lead = next(role for role in roster.list_roles() if role.name == "Comms lead")
    roster.save_member(
        None,
        name="Dana",
        role_ids=[lead.id],
        contacts=roster.parse_contacts("sms +1 555 000 1111\nemail dana@example.com"),
        actor=actor,
    )
    page = assembly.assemble(
        incident,
        role_ids=[lead.id],
        all_paths=True,
        bridge=assembly.check_bridge("+15551234567", "123456", ""),
        repage_minutes=5,
        actor=actor,
        now=T0 + timedelta(minutes=1),
    )
    db.session.commit()
    queue.huey.flush()
    (notice,) = db.session.scalars(
        select(Notice).where(Notice.crisis_message_id == page.crisis_message_id)
    )
    fan_out(notice.id)
    db.session.commit()
    queue.huey.flush()
    by_channel = {
        d.channel: d
        for d in db.session.scalars(select(Delivery).where(Delivery.notice_id == notice.id))
    }
    acked_at = T0 + timedelta(minutes=4)
    ledger.claim([by_channel[Channel.email].id], T0 + timedelta(minutes=2))
    email = by_channel[Channel.email]
    ledger.record(email, Result(email.id, "sent"), T0 + timedelta(minutes=2))
    ledger.acknowledge(by_channel[Channel.email], acked_at, "email-link")

    ico = registry.create_regulator(
        name="ICO", jurisdiction="United Kingdom", country_code="GB", actor=actor
    )
    registry.add_rule(
        ico,
        stage="initial",
        what_to_send="Nature of the breach.",
        bounds=[registry.BoundSpec("awareness", 72, "hours")],
        actor=actor,
    )
    obligations.set_reportable(incident, [ico.id], user=sam, actor=actor)
    obligations.record_trigger(incident, "awareness", T0, user=sam, actor=actor, now=T0)
    (obligation,) = obligations.obligations_of(incident)
    obligations.record_portal_submission(
        obligation,
        reference="ICO-4711",
        submitted_at=T0 + timedelta(hours=2),
        user=sam,
        actor=actor,
        now=T0 + timedelta(hours=2),
    )
    db.session.commit()
    return CrisisWorld(incident, notice, acked_at)


def test_a_team_page_and_regulator_obligations_from_their_own_services(queue):
    """The sections read the crisis team's and the regulators' records as their services
    write them: who was paged on which paths, with which role, who acknowledged, and each
    obligation's due, sent and acknowledged times."""
    world = build_crisis_world(queue)
    acked_at = world.dana_acked_at
    report = communication_report(world.incident.id, now=T0 + timedelta(hours=3))
    (paged,) = report.internal
    assert (paged.audience, paged.kind, paged.sent_by, paged.requires_ack) == (
        "team",
        "team_page",
        "sam@example.com",
        True,
    )
    (dana,) = paged.recipients
    assert (dana.name, dana.roles) == ("Dana", ("Comms lead",))
    assert sorted((p.channel, p.address) for p in dana.paths) == [
        ("email", "dana@example.com"),
        ("sms", "+15550001111"),
    ]
    assert (dana.acknowledgement.channel, dana.acknowledgement.acknowledged_at) == (
        "email",
        acked_at,
    )
    (owed,) = report.obligations
    assert (owed.regulator, owed.what, owed.due_at, owed.sent_at, owed.status) == (
        "ICO",
        "initial",
        T0 + timedelta(hours=72),
        T0 + timedelta(hours=2),
        "sent",
    )
    assert owed.note == "portal reference ICO-4711"
    rows = report.csv_rows()
    assert [r["who"] for r in rows if r["section"] == "obligation"] == ["ICO"]
    assert {r["who"] for r in rows if r["section"] == "internal"} == {"Dana (Comms lead)"}


def test_a_named_recipient_no_path_reached_is_still_listed(world: World):
    """A briefing's recipient with no delivery (no reachable contact point) was still told to be
    paged: the report lists them, with no path and no acknowledgement."""
    eve = _person("Eve", (Channel.email, "eve@example.com"), verified=False)
    briefing = notice(
        world.incident,
        Audience.executives,
        update_id=None,  # an internal notice belongs to no update (crisis/notices.py)
        requires_ack=True,
        created_at=T0 + timedelta(minutes=30),
    )
    db.session.add(NoticeRecipient(notice_id=briefing.id, subscriber_id=eve.id))
    db.session.commit()
    executives = [
        n for n in communication_report(world.incident.id).internal if n.audience == "executives"
    ]
    (eve_row,) = executives[0].recipients
    assert (eve_row.name, eve_row.paths, eve_row.acknowledgement) == ("Eve", (), None)
